// Exact-match table of 32-bit keys (IPv4 prefixes of one length, masked) to
// subscriber handles, built for the worker's lookup: one cache line a probe,
// no key store to chase, no locks.
//
// Open addressing over 64-byte buckets of eight 64-bit slots, each slot
// (key << 32 | handle + 1) in one word, so a reader that loads a slot sees a
// whole entry, old or new, never half of each: the single writer changes an
// entry with one atomic store and needs no grace period for a slot. A key
// lives in its home bucket (multiplicative hash) or, when that was full, in
// the next bucket with room; a lookup stops at the first bucket with an empty
// slot. Erased keys leave tombstones, which inserts reuse and which keep
// probe chains intact; when live keys and tombstones fill 3/4 of the slots,
// the writer rebuilds the table without tombstones, publishes it and frees
// the old one after an RCU grace period.
//
// Slots are at least twice the capacity (load <= 1/2): 16 bytes a key where
// rte_hash needs ~40, and a hit costs one bucket line against rte_hash's
// bucket and key-store lines.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "dataplane/rcu.h"
#include "dataplane/tables/records.h"
#include "dataplane/tables/table_array.h"

namespace aggr {

class Ipv4ExactTable {
 public:
  Ipv4ExactTable(uint32_t capacity, Rcu& rcu);
  ~Ipv4ExactTable();
  Ipv4ExactTable(const Ipv4ExactTable&) = delete;
  Ipv4ExactTable& operator=(const Ipv4ExactTable&) = delete;

  // ---- worker side ----
  // handles[i]: the handle of keys[i], kInvalidHandle if absent. The home
  // buckets of all keys are requested before any is read. count <= 64.
  void lookup_bulk(const uint32_t* keys, unsigned count, uint32_t* handles) const;

  // ---- control-plane side ----
  // Adds the key or replaces its handle. false: the table holds `capacity` keys.
  bool insert(uint32_t key, uint32_t handle);
  bool erase(uint32_t key);  // false: absent
  uint32_t size() const { return live_; }
  size_t memory_bytes() const;

 private:
  static constexpr unsigned kSlotsPerBucket = 8;
  struct alignas(64) Bucket {
    uint64_t slots[kSlotsPerBucket];
  };
  struct Buckets {
    uint32_t shift;  // 64 - log2(count): the hash's top bits index a bucket
    uint32_t mask;   // count - 1
    TableArray<Bucket> bucket;  // count buckets, zeroed
  };

  static Buckets* make_buckets(uint32_t bucket_count);
  static void free_buckets(void* owner, uint64_t buckets);
  static uint32_t home(const Buckets& b, uint32_t key) {
    return uint32_t((uint64_t(key) * 0x9E3779B97F4A7C15ull) >> b.shift);
  }
  static uint32_t find(const Buckets& b, uint32_t key, uint32_t bucket);
  // Writer: the slot holding key, or nullptr.
  uint64_t* slot_of(uint32_t key) const;
  // Writer: where the key goes (nullptr: no free slot left).
  static uint64_t* free_slot(Buckets& b, uint32_t key);
  bool rebuild();  // false: no memory for the new table

  uint32_t capacity_;
  Rcu& rcu_;
  std::atomic<Buckets*> buckets_;
  uint32_t live_ = 0;
  uint32_t tombstones_ = 0;
};

}  // namespace aggr
