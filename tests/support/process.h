// Child processes and scratch directories for tests that run the real
// binaries (aggrd, aggr-gen) the way an operator does.
#pragma once

#include <string>
#include <vector>

namespace aggr::test {

struct ProcessResult {
  int exit_code = -1;  // -1: did not exit normally (signal)
  std::string output;  // stdout and stderr together
};

// Runs argv[0] (searched in PATH) with the arguments, stdin from
// `stdin_path` (default /dev/null), waits for it, collects its output.
ProcessResult run_process(const std::vector<std::string>& argv, const std::string& stdin_path = "");

// A process that runs while the test talks to it (aggrd, Prometheus);
// killed when destroyed if still running.
class BackgroundProcess {
 public:
  explicit BackgroundProcess(const std::vector<std::string>& argv);
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  void signal(int number);
  bool running();
  // Sends `number` and waits for the exit; returns the exit code (-1: killed).
  int stop(int number);
  std::string output() const;  // stdout and stderr so far

 private:
  std::string log_;
  int pid_ = -1;
  int exit_code_ = -1;
};

// A fresh directory under /tmp, removed with its contents on destruction,
// and the matching DPDK runtime directory of a file prefix.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& tag);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  // A DPDK --file-prefix unique to this directory; its runtime directory
  // (/var/run/dpdk/<prefix>) is removed with the scratch directory.
  const std::string& file_prefix() const { return prefix_; }

 private:
  std::string path_;
  std::string prefix_;
};

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& text);
// Replaces every "@KEY@" in text with its value.
std::string substitute(std::string text, const std::string& key, const std::string& value);

}  // namespace aggr::test
