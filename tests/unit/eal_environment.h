// One EAL for the whole unit test binary: no hugepages, no PCI, no devices,
// a file prefix unique to the process. Tables and mbufs need EAL memory.
#pragma once

#include <rte_mempool.h>

namespace aggr::test {

// Initialises EAL on first use (idempotent) and returns a packet pool.
rte_mempool* packet_pool();

}  // namespace aggr::test
