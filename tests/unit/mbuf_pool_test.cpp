// The mbuf pool: packed where the EAL has no hugepages (as here), and its
// mbufs as usable as rte_pktmbuf_pool_create's.
#include <gtest/gtest.h>

#include <set>

#include <rte_errno.h>
#include <rte_mbuf.h>

#include "dataplane/mbuf_pool.h"
#include "tests/unit/eal_environment.h"

namespace aggr {
namespace {

void add_chunk_length(rte_mempool*, void* total, rte_mempool_memhdr* chunk, unsigned) {
  *static_cast<size_t*>(total) += chunk->len;
}

class MbufPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    test::packet_pool();  // initialises the EAL
    ASSERT_TRUE(mbuf_pool_is_packed()) << "the unit tests' EAL runs without hugepages, IOVA as VA";
  }
  void TearDown() override { rte_mempool_free(pool_); }
  rte_mempool* pool_ = nullptr;
};

TEST_F(MbufPoolTest, PacksMbufsInsteadOfAPageEach) {
  constexpr unsigned kCount = 1023;
  pool_ = create_mbuf_pool("packed_test", kCount, 32, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
  ASSERT_NE(pool_, nullptr) << rte_strerror(rte_errno);
  size_t memory = 0;
  rte_mempool_mem_iter(pool_, add_chunk_length, &memory);
  size_t per_mbuf = sizeof(rte_mbuf) + RTE_MBUF_DEFAULT_BUF_SIZE;
  EXPECT_LT(memory, kCount * (per_mbuf + RTE_CACHE_LINE_SIZE) + 4096) << "one 4 KiB page an mbuf would be "
                                                                       << kCount * 4096;

  // A burst's frames start in many L1 sets, not all in one.
  rte_mbuf* burst[32];
  ASSERT_EQ(rte_pktmbuf_alloc_bulk(pool_, burst, 32), 0);
  std::set<uintptr_t> sets;
  for (rte_mbuf* m : burst) sets.insert(rte_pktmbuf_mtod(m, uintptr_t) / RTE_CACHE_LINE_SIZE % 64);
  EXPECT_GE(sets.size(), 16u);
  rte_pktmbuf_free_bulk(burst, 32);
}

TEST_F(MbufPoolTest, MbufsAreInitialisedLikeRtePktmbufPoolCreates) {
  pool_ = create_mbuf_pool("packed_init_test", 255, 0, 64, 2048 + RTE_PKTMBUF_HEADROOM, 0);
  ASSERT_NE(pool_, nullptr) << rte_strerror(rte_errno);
  EXPECT_EQ(rte_pktmbuf_data_room_size(pool_), 2048 + RTE_PKTMBUF_HEADROOM);
  EXPECT_EQ(rte_pktmbuf_priv_size(pool_), 64);
  rte_mbuf* m = rte_pktmbuf_alloc(pool_);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->pool, pool_);
  EXPECT_EQ(m->buf_len, 2048 + RTE_PKTMBUF_HEADROOM);
  EXPECT_EQ(m->priv_size, 64);
  EXPECT_EQ(rte_pktmbuf_headroom(m), RTE_PKTMBUF_HEADROOM);
  EXPECT_EQ(rte_pktmbuf_tailroom(m), 2048u);
  char* data = rte_pktmbuf_append(m, 2048);
  ASSERT_NE(data, nullptr);
  data[0] = 1, data[2047] = 2;  // the whole data room is the mbuf's (ASan would object otherwise)
  EXPECT_EQ(rte_pktmbuf_pkt_len(m), 2048u);
  rte_pktmbuf_free(m);
}

TEST_F(MbufPoolTest, MorePacketBuffersThanMemoryFailCleanly) {
  // 4M mbufs need ~9 GiB; the unit tests' EAL has 2 GiB.
  EXPECT_EQ(create_mbuf_pool("packed_huge_test", 4u << 20, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0), nullptr);
  EXPECT_EQ(rte_errno, ENOMEM);
  // Nothing is left behind: the name and the memory are free again.
  pool_ = create_mbuf_pool("packed_huge_test", 255, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
  EXPECT_NE(pool_, nullptr) << rte_strerror(rte_errno);
}

TEST_F(MbufPoolTest, RejectsAMisalignedPrivateArea) {
  EXPECT_EQ(create_mbuf_pool("packed_bad_test", 255, 0, 7, RTE_MBUF_DEFAULT_BUF_SIZE, 0), nullptr);
  EXPECT_EQ(rte_errno, EINVAL);
}

}  // namespace
}  // namespace aggr
