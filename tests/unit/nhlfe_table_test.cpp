// NHLFEs by index: an index is handed out again only once every reader has
// passed a quiescent state since it was retired, so that a worker still
// holding the index from an FTN or ILM entry it read never sees another
// NHLFE there.
#include <gtest/gtest.h>

#include "dataplane/fib_writer.h"
#include "dataplane/tables/nhlfe_table.h"
#include "tests/unit/eal_environment.h"

namespace aggr {
namespace {

Nhlfe nhlfe_out_of(uint16_t port) {
  Nhlfe n{};
  n.out_port = port;
  return n;
}

class NhlfeTableTest : public ::testing::Test {
 protected:
  void SetUp() override { rcu.register_reader(0); }  // online, no quiescent state yet
  void TearDown() override { rcu.unregister_reader(0); }

  rte_mempool* eal_ready = test::packet_pool();  // EAL, before the RCU state
  Rcu rcu{4, 1024};
  NhlfeTable table{4, rcu};
};

TEST_F(NhlfeTableTest, ARetiredIndexIsReusedOnlyAfterItsGracePeriod) {
  uint32_t first = table.publish(nhlfe_out_of(1));
  ASSERT_NE(first, kNoNhlfe);
  EXPECT_EQ(table.at(first).out_port, 1);
  table.retire(first);
  rcu.reclaim();  // the reader has not passed a quiescent state: nothing is free yet
  EXPECT_EQ(table.in_use(), 1u);
  uint32_t second = table.publish(nhlfe_out_of(2));
  EXPECT_NE(second, first);
  EXPECT_EQ(table.at(first).out_port, 1);  // what the reader may still be reading, unchanged

  rcu.reader_quiescent(0);
  rcu.reclaim();
  EXPECT_EQ(table.in_use(), 1u);  // only `second`
  EXPECT_EQ(table.publish(nhlfe_out_of(3)), first);
  EXPECT_EQ(table.at(first).out_port, 3);
}

TEST_F(NhlfeTableTest, AFullTableSaysSo) {
  for (unsigned i = 0; i < table.capacity(); ++i) EXPECT_NE(table.publish(nhlfe_out_of(1)), kNoNhlfe);
  EXPECT_EQ(table.publish(nhlfe_out_of(1)), kNoNhlfe);
  EXPECT_EQ(table.in_use(), table.capacity());
}

TEST(FibWriterTest, ReplacingAnFtnOrIlmEntryRetiresExactlyTheNhlfeItNamed) {
  test::packet_pool();  // EAL, before the tables
  TableLimits limits;
  limits.subscribers = 16;
  limits.isps = 4;
  limits.label_space = 1024;
  limits.nhlfes = 8;
  Tables tables(limits);
  FibWriter fib(tables);
  uint32_t a = fib.publish_nhlfe(nhlfe_out_of(1)), b = fib.publish_nhlfe(nhlfe_out_of(2));
  uint32_t c = fib.publish_nhlfe(nhlfe_out_of(3));
  fib.set_ftn(0, a);
  fib.set_ilm(100, {IlmAction::kSwap, b});
  fib.set_ilm(101, {IlmAction::kSwap, c});
  EXPECT_EQ(tables.nhlfes.in_use(), 3u);

  fib.set_ftn(0, c);    // a retired; c now named twice
  fib.set_ilm(100, {});  // b retired
  fib.set_ilm(101, {IlmAction::kSwap, c});  // the same entry again: nothing retired
  tables.rcu.synchronize();
  EXPECT_EQ(tables.nhlfes.in_use(), 1u);
  EXPECT_EQ(tables.ftn.lookup(0), c);
  EXPECT_EQ(tables.ilm.lookup(100).action, IlmAction::kNone);
  EXPECT_EQ(tables.ilm.lookup(101).argument, c);
}

}  // namespace
}  // namespace aggr
