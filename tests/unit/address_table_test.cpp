// Subscriber addresses: the IPv4 exact-match table under churn (overflow
// chains, tombstones, rebuilds) against a plain map, with a concurrent
// reader; and longest-prefix match over several lengths in both families.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <random>
#include <thread>

#include "dataplane/tables/address_table.h"
#include "tests/unit/eal_environment.h"

namespace aggr {
namespace {

// Looks every key of `model` up in bursts of 32, and as many absent keys.
void expect_matches(const Ipv4ExactTable& table, const std::map<uint32_t, uint32_t>& model, uint32_t absent_seed) {
  std::vector<uint32_t> keys, expected;
  for (const auto& [key, handle] : model) keys.push_back(key), expected.push_back(handle);
  std::mt19937 random(absent_seed);
  while (keys.size() < 2 * model.size() + 1) {
    uint32_t key = random();
    if (model.count(key)) continue;
    keys.push_back(key);
    expected.push_back(kInvalidHandle);
  }
  for (size_t done = 0; done < keys.size(); done += 32) {
    unsigned n = unsigned(std::min<size_t>(32, keys.size() - done));
    uint32_t found[32];
    table.lookup_bulk(keys.data() + done, n, found);
    for (unsigned i = 0; i < n; ++i) ASSERT_EQ(found[i], expected[done + i]) << "key " << keys[done + i];
  }
}

TEST(Ipv4ExactTable, FindsReplacesAndErasesKeys) {
  test::packet_pool();  // EAL
  Rcu rcu(4, 1024);
  Ipv4ExactTable table(4096, rcu);
  std::map<uint32_t, uint32_t> model;
  // The extremes of the key space too: 0 and 0xFFFFFFFF (the tombstone's key bits).
  for (uint32_t key : {0u, 0xFFFFFFFFu, 1u, 0x0A000000u}) model[key] = key % 1000;
  for (uint32_t i = 0; i < 3000; ++i) model[0x64400000u + i * 8] = i;  // /29s, as masked keys
  for (const auto& [key, handle] : model) ASSERT_TRUE(table.insert(key, handle));
  EXPECT_EQ(table.size(), model.size());
  expect_matches(table, model, 1);

  ASSERT_TRUE(table.insert(0x64400000u, 77));  // replaced, not added
  model[0x64400000u] = 77;
  EXPECT_EQ(table.size(), model.size());
  EXPECT_TRUE(table.erase(0xFFFFFFFFu));
  EXPECT_FALSE(table.erase(0xFFFFFFFFu));
  model.erase(0xFFFFFFFFu);
  EXPECT_TRUE(table.erase(0));
  model.erase(0);
  expect_matches(table, model, 2);
}

TEST(Ipv4ExactTable, RefusesKeysBeyondItsCapacity) {
  test::packet_pool();
  Rcu rcu(4, 1024);
  Ipv4ExactTable table(100, rcu);
  for (uint32_t i = 0; i < 100; ++i) ASSERT_TRUE(table.insert(i * 7919, i));
  EXPECT_FALSE(table.insert(1, 1));
  EXPECT_TRUE(table.insert(7919, 5));  // replacing still works
  ASSERT_TRUE(table.erase(0));
  EXPECT_TRUE(table.insert(1, 1));
}

// A table of 2 buckets (16 slots) for 8 keys: keys overflow into the other
// bucket, erasures leave tombstones, and churn forces rebuilds; every lookup
// must still agree with the model.
TEST(Ipv4ExactTable, StaysExactUnderChurnWithOverflowAndRebuilds) {
  test::packet_pool();
  Rcu rcu(4, 1024);
  for (uint32_t capacity : {8u, 1000u}) {
    Ipv4ExactTable table(capacity, rcu);
    size_t memory = table.memory_bytes();
    std::map<uint32_t, uint32_t> model;
    std::mt19937 random(capacity);
    for (unsigned round = 0; round < 4000; ++round) {
      uint32_t key = random() % (capacity * 3);  // small space: the same keys come back
      if (model.count(key) && random() % 2) {
        ASSERT_TRUE(table.erase(key));
        model.erase(key);
      } else if (model.size() < capacity || model.count(key)) {
        ASSERT_TRUE(table.insert(key, round));
        model[key] = round;
      }
      ASSERT_EQ(table.size(), model.size());
      if (round % 97 == 0) expect_matches(table, model, round);
    }
    expect_matches(table, model, 0);
    EXPECT_EQ(table.memory_bytes(), memory);  // rebuilt at the same size
    rcu.synchronize();
  }
}

// A reader looking up stable keys without pause while the writer churns
// other keys (and rebuilds the table) never misses or mismatches one.
TEST(Ipv4ExactTable, ReadersSeeStableKeysThroughRebuilds) {
  test::packet_pool();
  Rcu rcu(4, 1 << 16);
  Ipv4ExactTable table(2048, rcu);
  uint32_t stable[32];
  for (uint32_t i = 0; i < 32; ++i) {
    stable[i] = 0x0A000000u + i;
    ASSERT_TRUE(table.insert(stable[i], 1000 + i));
  }
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> lookups{0}, wrong{0};
  std::thread reader([&] {
    rcu.register_reader(0);
    while (!stop.load(std::memory_order_relaxed)) {
      uint32_t found[32];
      table.lookup_bulk(stable, 32, found);
      for (uint32_t i = 0; i < 32; ++i) wrong += found[i] != 1000 + i;
      lookups += 32;
      rcu.reader_quiescent(0);
    }
    rcu.unregister_reader(0);
  });
  std::mt19937 random(3);
  for (unsigned round = 0; round < 200000; ++round) {
    uint32_t key = 0x20000000u + random() % 4000;
    if (!table.erase(key)) table.insert(key, round);
    if (round % 1024 == 0) rcu.reclaim();
  }
  stop = true;
  reader.join();
  rcu.synchronize();
  EXPECT_GT(lookups.load(), 0u);
  EXPECT_EQ(wrong.load(), 0u);
}

TEST(AddressTable, MatchesTheLongestPrefixInBothFamilies) {
  test::packet_pool();
  Rcu rcu(4, 1024);
  AddressTable table(1024, 1024, rcu);
  const uint32_t net = 100u << 24 | 64u << 16 | 7u << 8;  // 100.64.7.0
  ASSERT_TRUE(table.add_ipv4(net, 24, 1));
  ASSERT_TRUE(table.add_ipv4(net | 8, 29, 2));    // 100.64.7.8/29
  ASSERT_TRUE(table.add_ipv4(net | 12, 32, 3));   // 100.64.7.12/32
  ASSERT_TRUE(table.add_ipv4(net | 0x55, 29, 4));  // stored masked: 100.64.7.80/29
  EXPECT_EQ(table.lookup_ipv4(net | 12), 3u);
  EXPECT_EQ(table.lookup_ipv4(net | 13), 2u);
  EXPECT_EQ(table.lookup_ipv4(net | 0x52), 4u);
  EXPECT_EQ(table.lookup_ipv4(net | 200), 1u);
  EXPECT_EQ(table.lookup_ipv4(net + 256), kInvalidHandle);
  table.remove_ipv4(net | 12, 32);
  EXPECT_EQ(table.lookup_ipv4(net | 12), 2u);
  table.remove_ipv4(net | 8, 29);
  EXPECT_EQ(table.lookup_ipv4(net | 12), 1u);

  Ipv6Address p48{{0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01}}, p56 = p48, p64 = p48;
  p56.bytes[6] = 0x22;
  p64.bytes[6] = 0x22, p64.bytes[7] = 0x33;
  ASSERT_TRUE(table.add_ipv6(p48, 48, 10));
  ASSERT_TRUE(table.add_ipv6(p56, 56, 11));
  ASSERT_TRUE(table.add_ipv6(p64, 64, 12));
  Ipv6Address in64 = p64, in56 = p56, in48 = p48, outside = p48;
  in64.bytes[15] = 1;
  in56.bytes[7] = 0x44;
  in48.bytes[6] = 0x99;
  outside.bytes[5] = 0x02;
  const uint8_t* addresses[] = {in64.bytes, in56.bytes, in48.bytes, outside.bytes};
  uint32_t found[4];
  table.lookup_ipv6_bulk(addresses, 4, found);
  EXPECT_EQ(found[0], 12u);
  EXPECT_EQ(found[1], 11u);
  EXPECT_EQ(found[2], 10u);
  EXPECT_EQ(found[3], kInvalidHandle);
  table.remove_ipv6(p64, 64);
  table.lookup_ipv6_bulk(addresses, 1, found);
  EXPECT_EQ(found[0], 11u);
}

}  // namespace
}  // namespace aggr
