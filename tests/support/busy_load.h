// A loaded machine on demand: threads that spin on every CPU the machine
// has while the tests run, so that the tests that depend on timing (live
// traffic, hitless updates, operations against a running aggrd) can be run
// the way a busy CI host or a parallel build would schedule them.
//
// AGGR_TEST_BUSY_THREADS=N in the environment starts N such threads for the
// whole test program (tools/test.sh runs the timing-dependent tests so).
#pragma once

#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace aggr::test {

class BusyLoad {
 public:
  explicit BusyLoad(unsigned threads);
  ~BusyLoad();
  BusyLoad(const BusyLoad&) = delete;
  BusyLoad& operator=(const BusyLoad&) = delete;

 private:
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

// Registers a gtest environment that holds a BusyLoad of
// AGGR_TEST_BUSY_THREADS threads (none when unset) from the first test to
// the last. Call after InitGoogleTest.
void add_busy_load_from_environment();

}  // namespace aggr::test
