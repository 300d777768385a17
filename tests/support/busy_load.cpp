#include "tests/support/busy_load.h"

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

namespace aggr::test {
namespace {

// Threads inherit their creator's affinity, and EAL pins its main thread to
// one CPU: the load must reach every CPU, as another process's would.
void allow_every_cpu() {
  cpu_set_t all;
  CPU_ZERO(&all);
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  for (long c = 0; c < cpus && c < CPU_SETSIZE; ++c) CPU_SET(c, &all);
  pthread_setaffinity_np(pthread_self(), sizeof(all), &all);
}

class BusyLoadEnvironment : public ::testing::Environment {
 public:
  explicit BusyLoadEnvironment(unsigned threads) : threads_(threads) {}
  void SetUp() override {
    std::fprintf(stderr, "busy load: %u spinning threads beside the tests\n", threads_);
    load_ = std::make_unique<BusyLoad>(threads_);
  }
  void TearDown() override { load_.reset(); }

 private:
  unsigned threads_;
  std::unique_ptr<BusyLoad> load_;
};

}  // namespace

BusyLoad::BusyLoad(unsigned threads) {
  for (unsigned t = 0; t < threads; ++t)
    threads_.emplace_back([this] {
      allow_every_cpu();
      volatile uint64_t spins = 0;
      while (!stop_.load(std::memory_order_relaxed)) spins = spins + 1;
    });
}

BusyLoad::~BusyLoad() {
  stop_.store(true);
  for (std::thread& t : threads_) t.join();
}

void add_busy_load_from_environment() {
  const char* value = std::getenv("AGGR_TEST_BUSY_THREADS");
  if (value == nullptr || *value == '\0') return;
  unsigned threads = unsigned(std::stoul(value));
  if (threads > 0) ::testing::AddGlobalTestEnvironment(new BusyLoadEnvironment(threads));
}

}  // namespace aggr::test
