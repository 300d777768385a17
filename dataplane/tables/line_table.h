// Access lines: (port, S-VLAN, C-VLAN) -> subscriber handle, direct-indexed.
//
// Per port, 4096 S-VLAN slots, each pointing to a block of 4096 C-VLAN
// entries that exists while the S-VLAN has lines (VLAN id 0 stands for "no
// tag", so single-tagged and untagged lines have entries too). A lookup is
// two dependent loads, no hashing and no key compare: where a hash table
// costs a bucket and a key-store miss, this costs one entry miss (the
// pointer arrays, 32 KB a port, stay cached). Memory: 16 KB per S-VLAN in
// use, 4 bytes a line when the S-VLANs are full (QinQ access networks fill
// them), plus 32 KB per port.
//
// Readers are lock-free: entries are single words; a block is published
// after it is filled and freed after an RCU grace period once its last line
// is gone.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include <rte_prefetch.h>

#include "dataplane/rcu.h"
#include "dataplane/tables/records.h"

namespace aggr {

class LineTable {
 public:
  explicit LineTable(Rcu& rcu);
  ~LineTable();
  LineTable(const LineTable&) = delete;
  LineTable& operator=(const LineTable&) = delete;

  // ---- worker side ----
  // The entry of a line, its cache line requested (nullptr: no line of that
  // S-VLAN on the port): the first half of a lookup, done for a whole burst
  // before any entry is read so that their misses overlap.
  const std::atomic<uint32_t>* find_entry(uint16_t port, uint16_t svlan, uint16_t cvlan) const {
    if (port >= kMaxPorts || svlan >= kVlans || cvlan >= kVlans) return nullptr;
    const Block* block = blocks_[port][svlan].load(std::memory_order_acquire);
    if (block == nullptr) return nullptr;
    rte_prefetch0(&block->handles[cvlan]);
    return &block->handles[cvlan];
  }
  // The second half: the handle in the entry, kInvalidHandle if none.
  static uint32_t handle_in(const std::atomic<uint32_t>* entry) {
    return entry == nullptr ? kInvalidHandle : entry->load(std::memory_order_acquire);
  }
  // keys are line_key(port, svlan, cvlan); handles[i] is kInvalidHandle on a miss.
  void lookup_bulk(const uint64_t* keys, unsigned count, uint32_t* handles) const;

  // ---- control-plane side ----
  bool add(uint64_t key, uint32_t handle);  // false: out of memory
  void remove(uint64_t key);
  size_t memory_bytes() const;

 private:
  static constexpr unsigned kVlans = 4096;
  struct Block {
    std::atomic<uint32_t> handles[kVlans];
    uint32_t lines = 0;  // entries in use (control plane only)
  };
  static void free_block(void* owner, uint64_t block);

  Rcu& rcu_;
  std::atomic<Block*> (*blocks_)[kVlans];  // [kMaxPorts][kVlans]
  size_t block_count_ = 0;
};

}  // namespace aggr
