// The direct-indexed line table: lookups, replacement, removal, and blocks
// returned once their last line is gone.
#include <gtest/gtest.h>

#include "dataplane/tables/line_table.h"
#include "dataplane/tables/subscriber_table.h"
#include "tests/unit/eal_environment.h"

namespace aggr {
namespace {

TEST(LineTable, FindsAddsReplacesAndRemovesLines) {
  test::packet_pool();  // EAL
  Rcu rcu(4, 1024);
  LineTable lines(rcu);
  size_t empty = lines.memory_bytes();
  const uint64_t qinq = line_key(3, 100, 7), single = line_key(3, 100, 0), untagged = line_key(0, 0, 0),
                 other_svlan = line_key(3, 101, 7), bad_port = line_key(kMaxPorts, 1, 1);
  ASSERT_TRUE(lines.add(qinq, 11));
  size_t block = lines.memory_bytes() - empty;
  EXPECT_GE(block, 4096 * sizeof(uint32_t));
  ASSERT_TRUE(lines.add(single, 12));  // same S-VLAN: same block
  EXPECT_EQ(lines.memory_bytes(), empty + block);
  ASSERT_TRUE(lines.add(untagged, 13));  // port 0, no tags: a second block
  EXPECT_EQ(lines.memory_bytes(), empty + 2 * block);
  EXPECT_FALSE(lines.add(bad_port, 14));

  const uint64_t keys[] = {qinq, single, untagged, other_svlan, bad_port, line_key(3, 100, 8)};
  uint32_t handles[6];
  lines.lookup_bulk(keys, 6, handles);
  EXPECT_EQ(handles[0], 11u);
  EXPECT_EQ(handles[1], 12u);
  EXPECT_EQ(handles[2], 13u);
  EXPECT_EQ(handles[3], kInvalidHandle);
  EXPECT_EQ(handles[4], kInvalidHandle);
  EXPECT_EQ(handles[5], kInvalidHandle);

  ASSERT_TRUE(lines.add(qinq, 21));  // a subscriber replaced on the same line
  lines.remove(single);
  lines.lookup_bulk(keys, 2, handles);
  EXPECT_EQ(handles[0], 21u);
  EXPECT_EQ(handles[1], kInvalidHandle);

  size_t with_blocks = lines.memory_bytes();
  lines.remove(qinq);  // the S-VLAN's last line: its block goes
  lines.remove(qinq);  // twice is harmless
  EXPECT_LT(lines.memory_bytes(), with_blocks);
  lines.remove(untagged);
  EXPECT_EQ(lines.memory_bytes(), empty);
  lines.lookup_bulk(keys, 3, handles);
  EXPECT_EQ(handles[0], kInvalidHandle);
  EXPECT_EQ(handles[2], kInvalidHandle);
  rcu.synchronize();  // frees the blocks
}

}  // namespace
}  // namespace aggr
