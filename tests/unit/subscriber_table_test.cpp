// Subscriber records: two versions a handle in one cache line. A worker
// holding a record keeps seeing it whole until its next quiescent state, and
// a version is written again only after that.
#include <gtest/gtest.h>

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <future>
#include <thread>

#include "dataplane/tables/subscriber_table.h"
#include "tests/unit/eal_environment.h"

namespace aggr {
namespace {

// A record whose every field derives from `version`, so a torn read shows.
SubscriberRecord record_of(uint32_t version) {
  SubscriberRecord r{};
  r.id = version;
  r.isp = uint16_t(version * 3);
  r.port = uint16_t(version % 7);
  r.svlan = uint16_t(version % 4000);
  r.cvlan = uint16_t(version % 4001);
  for (unsigned b = 0; b < 6; ++b) r.cpe_mac.addr_bytes[b] = uint8_t(version >> b);
  r.meter_profile[0] = uint16_t(version >> 16);
  r.meter_profile[1] = uint16_t(version);
  for (unsigned b = 0; b < 4; ++b) r.ipv4_prefix[b] = uint8_t(version >> (8 * b));
  r.ipv4_length = uint8_t(version % 33);
  return r;
}

// Threads start on the EAL main lcore's CPU; a reader that shares it with
// the writer would let each grace period last a scheduler time slice.
void run_on_any_cpu() {
  cpu_set_t all;
  CPU_ZERO(&all);
  for (long cpu = 0; cpu < sysconf(_SC_NPROCESSORS_ONLN); ++cpu) CPU_SET(cpu, &all);
  pthread_setaffinity_np(pthread_self(), sizeof all, &all);
}

bool is_whole(const SubscriberRecord& r) {
  SubscriberRecord expected = record_of(r.id);
  return std::memcmp(&r, &expected, sizeof r) == 0;
}

// One handle of a small table, allocated and not yet published.
class SubscriberTableTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NE(handle, kInvalidHandle); }

  rte_mempool* eal_ready = test::packet_pool();  // EAL, before the tables
  Rcu rcu{4, 1024};
  SubscriberTable table{8, rcu};
  uint32_t handle = table.allocate_handle();
};

TEST_F(SubscriberTableTest, PublishesRepublishesAndUnpublishes) {
  EXPECT_EQ(table.record(handle), nullptr);
  EXPECT_EQ(table.record(kInvalidHandle), nullptr);
  for (uint32_t version = 1; version <= 5; ++version) {
    table.publish(handle, record_of(version));
    ASSERT_NE(table.record(handle), nullptr);
    EXPECT_EQ(table.record(handle)->id, version);
    EXPECT_TRUE(is_whole(*table.record(handle)));
  }
  table.unpublish(handle);
  EXPECT_EQ(table.record(handle), nullptr);
  table.publish(handle, record_of(9));
  EXPECT_EQ(table.record(handle)->id, 9u);
  EXPECT_EQ(table.size(), 1u);
}

// The reader's record stays as it was through one change; the change after
// waits until the reader passes a quiescent state.
TEST_F(SubscriberTableTest, AVersionIsRewrittenOnlyAfterItsReadersPassAQuiescentState) {
  table.publish(handle, record_of(1));

  std::promise<const SubscriberRecord*> held;
  std::promise<void> release;
  std::thread reader([&] {
    rcu.register_reader(0);
    held.set_value(table.record(handle));
    release.get_future().wait();
    rcu.reader_quiescent(0);
    rcu.unregister_reader(0);
  });
  const SubscriberRecord* old = held.get_future().get();
  ASSERT_EQ(old->id, 1u);

  table.publish(handle, record_of(2));  // the other version: no wait
  EXPECT_EQ(table.record(handle)->id, 2u);
  EXPECT_EQ(old->id, 1u);

  // Version 1's place is next; its reader has not moved on.
  std::future<void> third = std::async(std::launch::async, [&] { table.publish(handle, record_of(3)); });
  EXPECT_EQ(third.wait_for(std::chrono::milliseconds(100)), std::future_status::timeout);
  EXPECT_EQ(old->id, 1u);
  EXPECT_TRUE(is_whole(*old));
  EXPECT_EQ(table.record(handle)->id, 2u);

  release.set_value();
  third.get();
  reader.join();
  EXPECT_EQ(table.record(handle)->id, 3u);
}

// A reader checking each record it reads while the writer republishes the
// same subscriber 20,000 times never sees a torn one or an older one.
TEST_F(SubscriberTableTest, ConcurrentReaderSeesWholeRecordsInOrder) {
  table.publish(handle, record_of(1));
  constexpr uint32_t kVersions = 20000;
  std::atomic<bool> ready{false}, done{false};
  std::atomic<uint64_t> torn{0}, backwards{0}, reads{0};
  std::thread reader([&] {
    run_on_any_cpu();
    rcu.register_reader(0);
    ready = true;
    uint32_t last = 0;
    while (!done.load(std::memory_order_relaxed)) {
      for (int i = 0; i < 16; ++i) {  // a "burst": the record is held across reads
        const SubscriberRecord* r = table.record(handle);
        if (!is_whole(*r)) ++torn;
        if (r->id < last) ++backwards;
        last = r->id;
        ++reads;
      }
      rcu.reader_quiescent(0);
    }
    rcu.unregister_reader(0);
  });
  while (!ready) std::this_thread::yield();
  for (uint32_t version = 2; version <= kVersions; ++version) table.publish(handle, record_of(version));
  done = true;
  reader.join();
  EXPECT_EQ(torn.load(), 0u);
  EXPECT_EQ(backwards.load(), 0u);
  EXPECT_GT(reads.load(), 0u);
  EXPECT_EQ(table.record(handle)->id, kVersions);
}

}  // namespace
}  // namespace aggr
