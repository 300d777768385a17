// The lock-free rte_hash every lookup table uses: readers never block, the
// control plane writes, deleted entries are recycled after an RCU grace
// period. Keys are hashed with CRC32 (SSE4.2 / ARMv8 instructions) and, for
// 4- and 8-byte keys, compared inline instead of through memcmp, which
// rte_hash otherwise calls for key sizes it has no special compare for.
#pragma once

#include <cstdint>
#include <string>

#include <rte_hash.h>

#include "dataplane/rcu.h"

namespace aggr {

// Returns nullptr on failure (rte_errno set).
rte_hash* create_lockfree_hash(const std::string& name, uint32_t entries, uint32_t key_len, Rcu& rcu);

}  // namespace aggr
