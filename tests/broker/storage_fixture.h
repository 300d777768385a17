// Broker tests run on each storage: a fresh SQLite file, and a fresh
// database on a PostgreSQL server of the test process's own.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "controlplane/broker/database.h"
#include "tests/support/process.h"

namespace aggr::test {

class StorageTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override;
  // The same database again, through a new connection (a restarted broker).
  std::unique_ptr<broker::Database> reopen() const;

  std::unique_ptr<ScratchDir> dir_;
  std::string url_;
  std::unique_ptr<broker::Database> db_;
};

// "sqlite" and "postgresql".
#define AGGR_ON_EVERY_STORAGE(suite) \
  INSTANTIATE_TEST_SUITE_P(Storage, suite, ::testing::Values("sqlite", "postgresql"), \
                           [](const auto& info) { return info.param; })

}  // namespace aggr::test
