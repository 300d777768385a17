// The packet buffer pool of a process's ports.
#pragma once

#include <cstdint>

struct rte_mempool;

namespace aggr {

// rte_pktmbuf_pool_create, except where the EAL runs without hugepages and
// with IOVA as VA (--no-huge on vdevs, containers, CI).
//
// There DPDK keeps every mbuf within one 4 KiB page, in case pages are not
// IOVA-contiguous, so a 2.3 KiB mbuf takes a page of its own: mbufs lie
// 4 KiB apart, their headers and frames all map to the same few L1 sets, and
// a burst of 32 evicts itself between nodes. With IOVA as VA a
// buffer contiguous in virtual memory is contiguous for DMA too, so this pool
// packs them (2,368 bytes apart), which also saves 40% of their memory.
// Measured: 1k-subscriber upstream forwarding +44% (benchmarks/README.md).
//
// Returns nullptr with rte_errno set on failure.
rte_mempool* create_mbuf_pool(const char* name, unsigned count, unsigned cache_size, uint16_t priv_size,
                              uint16_t data_room_size, int socket_id);

// Whether create_mbuf_pool packs mbufs in this process (EAL initialised).
bool mbuf_pool_is_packed();

}  // namespace aggr
