#include "tests/broker/storage_fixture.h"

#include "controlplane/broker/schema.h"
#include "tests/broker/postgres_server.h"

namespace aggr::test {
namespace {

PostgresServer& postgres() {
  static PostgresServer server;
  return server;
}

}  // namespace

void StorageTest::SetUp() {
  static int databases = 0;
  if (GetParam() == "sqlite") {
    dir_ = std::make_unique<ScratchDir>("broker");
    url_ = "sqlite:" + dir_->file("broker.db");
  } else {
    url_ = postgres().create_database("broker_test_" + std::to_string(++databases));
  }
  db_ = broker::open_database(url_);
  broker::create_schema(*db_);
}

std::unique_ptr<broker::Database> StorageTest::reopen() const { return broker::open_database(url_); }

}  // namespace aggr::test
