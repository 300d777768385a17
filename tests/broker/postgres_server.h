// A PostgreSQL server of the test's own: initdb in a scratch directory,
// listening on a Unix socket there only, stopped and removed at the end.
// Run as root, it runs the server as the postgres user (the server refuses
// root).
#pragma once

#include <string>

namespace aggr::test {

class PostgresServer {
 public:
  // Throws std::runtime_error, with initdb's or pg_ctl's output.
  PostgresServer();
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // A new, empty database; its connection string.
  std::string create_database(const std::string& name);

 private:
  std::string run_as_server_user(const std::string& command) const;
  std::string connection(const std::string& database) const;

  std::string dir_, bin_;
  int port_ = 0;
};

}  // namespace aggr::test
