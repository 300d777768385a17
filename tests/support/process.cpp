#include "tests/support/process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace aggr::test {

namespace {

// Starts argv (searched in PATH) with stdout and stderr into `log_path` and
// stdin from `stdin_path` (empty: /dev/null).
pid_t spawn(const std::vector<std::string>& argv, const std::string& log_path, const std::string& stdin_path) {
  int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  int in_fd = open(stdin_path.empty() ? "/dev/null" : stdin_path.c_str(), O_RDONLY);
  if (log_fd < 0 || in_fd < 0) throw std::runtime_error("cannot open the files for " + argv[0]);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_fd, STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, log_fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, log_fd, STDERR_FILENO);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(log_fd);
  close(in_fd);
  if (rc != 0) throw std::runtime_error("cannot start " + argv[0]);
  return pid;
}

int exit_code(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : -1; }

std::string temporary_file(const char* tag) {
  std::string path = std::string("/tmp/aggr-") + tag + "-XXXXXX";
  int fd = mkstemp(path.data());
  if (fd < 0) throw std::runtime_error("mkstemp failed");
  close(fd);
  return path;
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, const std::string& stdin_path) {
  std::string log = temporary_file("test-output");
  pid_t pid;
  try {
    pid = spawn(argv, log, stdin_path);
  } catch (...) {
    unlink(log.c_str());
    throw;
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ProcessResult result{exit_code(status), read_file(log)};
  unlink(log.c_str());
  return result;
}

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& argv)
    : log_(temporary_file("background-output")), pid_(spawn(argv, log_, "")) {}

BackgroundProcess::~BackgroundProcess() {
  if (pid_ > 0) stop(SIGKILL);
  unlink(log_.c_str());
}

void BackgroundProcess::signal(int number) {
  if (pid_ > 0) kill(pid_, number);
}

bool BackgroundProcess::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    exit_code_ = exit_code(status);
    pid_ = -1;
    return false;
  }
  return true;
}

int BackgroundProcess::stop(int number) {
  if (pid_ <= 0) return exit_code_;
  kill(pid_, number);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  exit_code_ = exit_code(status);
  return exit_code_;
}

std::string BackgroundProcess::output() const { return read_file(log_); }

ScratchDir::ScratchDir(const std::string& tag) {
  std::string pattern = "/tmp/aggr-" + tag + "-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
  prefix_ = std::filesystem::path(path_).filename().string();
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
  std::filesystem::remove_all("/var/run/dpdk/" + prefix_, ignored);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::string substitute(std::string text, const std::string& key, const std::string& value) {
  const std::string token = "@" + key + "@";
  for (size_t at = text.find(token); at != std::string::npos; at = text.find(token, at + value.size()))
    text.replace(at, token.size(), value);
  return text;
}

}  // namespace aggr::test
