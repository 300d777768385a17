#include "tests/broker/postgres_server.h"

#include <unistd.h>

#include <filesystem>
#include <pqxx/pqxx>
#include <stdexcept>

#include "tests/support/process.h"

namespace aggr::test {
namespace {

// Debian installs the server's programs under /usr/lib/postgresql/<major>/bin.
std::string server_bin() {
  std::string found;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ec))
    if (std::filesystem::exists(entry.path() / "bin" / "initdb")) found = std::max(found, (entry.path() / "bin").string());
  if (found.empty()) throw std::runtime_error("no PostgreSQL server under /usr/lib/postgresql (tools/setup.sh installs it)");
  return found;
}

}  // namespace

PostgresServer::PostgresServer() : bin_(server_bin()), port_(40000 + getpid() % 20000) {
  char pattern[] = "/tmp/aggr-pg-XXXXXX";
  if (mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  if (geteuid() == 0) run_process({"chown", "postgres:postgres", dir_});
  const std::string data = dir_ + "/data";
  run_as_server_user(bin_ + "/initdb -D " + data + " -A trust -U postgres --no-sync");
  // A Unix socket in the scratch directory only: nothing to collide with.
  run_as_server_user(bin_ + "/pg_ctl -D " + data + " -l " + dir_ + "/server.log -w -t 60 -o \"-k " + dir_ +
                     " -p " + std::to_string(port_) + " -c listen_addresses=''\" start");
}

PostgresServer::~PostgresServer() {
  try {
    run_as_server_user(bin_ + "/pg_ctl -D " + dir_ + "/data -m immediate -w stop");
  } catch (const std::exception&) {
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string PostgresServer::run_as_server_user(const std::string& command) const {
  std::vector<std::string> argv = {"sh", "-c", command};
  if (geteuid() == 0) argv.insert(argv.begin(), {"runuser", "-u", "postgres", "--"});
  const ProcessResult r = run_process(argv);
  if (r.exit_code != 0) throw std::runtime_error(command + " failed:\n" + r.output);
  return r.output;
}

std::string PostgresServer::connection(const std::string& database) const {
  return "host=" + dir_ + " port=" + std::to_string(port_) + " user=postgres dbname=" + database;
}

std::string PostgresServer::create_database(const std::string& name) {
  pqxx::connection admin(connection("postgres"));
  pqxx::nontransaction work(admin);
  work.exec("CREATE DATABASE " + admin.quote_name(name));
  return connection(name);
}

}  // namespace aggr::test
