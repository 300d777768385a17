// LD_PRELOAD library with which benchmarks/run starts the reference programs
// (dpdk-testpmd, DPDK's l3fwd), so that they forward from the same mbuf pool
// layout as aggrd: rte_pktmbuf_pool_create, which both call, becomes
// aggr::create_mbuf_pool. Without it, under --no-huge they would keep one
// mbuf a 4 KiB page (see dataplane/mbuf_pool.h) and the comparison would
// measure the pool rather than the forwarding code.
#include <rte_mbuf.h>

#include "dataplane/mbuf_pool.h"

extern "C" rte_mempool* rte_pktmbuf_pool_create(const char* name, unsigned n, unsigned cache_size,
                                                uint16_t priv_size, uint16_t data_room_size, int socket_id) {
  return aggr::create_mbuf_pool(name, n, cache_size, priv_size, data_room_size, socket_id);
}
