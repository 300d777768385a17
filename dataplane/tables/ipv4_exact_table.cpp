#include "dataplane/tables/ipv4_exact_table.h"

#include <cstring>
#include <new>

#include <rte_prefetch.h>

namespace aggr {
namespace {

constexpr uint64_t kEmpty = 0;
// Handle field 0: never a hit, whatever its key bits match.
constexpr uint64_t kTombstone = 0xFFFFFFFF00000000ull;
constexpr uint64_t kKeyBits = 0xFFFFFFFF00000000ull;

uint64_t slot_value(uint32_t key, uint32_t handle) { return uint64_t(key) << 32 | (uint64_t(handle) + 1); }

uint32_t round_up_pow2(uint64_t n) {
  uint32_t p = 2;
  while (p < n) p <<= 1;
  return p;
}

}  // namespace

Ipv4ExactTable::Ipv4ExactTable(uint32_t capacity, Rcu& rcu) : capacity_(capacity), rcu_(rcu) {
  Buckets* b = make_buckets(round_up_pow2((uint64_t(capacity) * 2 + kSlotsPerBucket - 1) / kSlotsPerBucket));
  if (b == nullptr) throw std::bad_alloc();
  buckets_.store(b);
}

Ipv4ExactTable::~Ipv4ExactTable() { free_buckets(nullptr, reinterpret_cast<uint64_t>(buckets_.load())); }

Ipv4ExactTable::Buckets* Ipv4ExactTable::make_buckets(uint32_t bucket_count) {
  auto* b = new (std::nothrow) Buckets;
  if (b == nullptr) return nullptr;
  try {
    b->bucket = make_table_array<Bucket>(bucket_count);  // huge pages: see table_array.h
  } catch (const std::bad_alloc&) {
    delete b;
    return nullptr;
  }
  b->mask = bucket_count - 1;
  b->shift = 64 - unsigned(__builtin_ctz(bucket_count));
  return b;
}

void Ipv4ExactTable::free_buckets(void*, uint64_t buckets) {
  delete reinterpret_cast<Buckets*>(buckets);
}

size_t Ipv4ExactTable::memory_bytes() const {
  return sizeof(Buckets) + sizeof(Bucket) * (size_t(buckets_.load()->mask) + 1);
}

// Compares the key with a bucket's eight slots at once: the matching slot
// (at most one can hold a live key) ORed into `hit`; only without a hit,
// whether any of the same loaded slots is empty. Each 8-byte lane of an
// aligned 16-byte load is single-copy atomic on x86-64 and AArch64, so a
// lane is a whole slot as some store wrote it.
uint32_t Ipv4ExactTable::find(const Buckets& b, uint32_t key, uint32_t bucket) {
  using u64x2 = uint64_t __attribute__((vector_size(16)));
  constexpr unsigned kPairs = kSlotsPerBucket / 2;
  const u64x2 want = {uint64_t(key) << 32, uint64_t(key) << 32};
  const u64x2 key_bits = {kKeyBits, kKeyBits};
  for (uint32_t probe = 0; probe <= b.mask; ++probe) {
    const Bucket& bk = b.bucket[(bucket + probe) & b.mask];
    u64x2 pair[kPairs];
    u64x2 hit = {0, 0};
    // Unrolled: GCC keeps these four-step loops otherwise, and their
    // control costs as much as the compares.
#pragma GCC unroll 4
    for (unsigned j = 0; j < kPairs; ++j) {
      std::memcpy(&pair[j], &bk.slots[2 * j], sizeof pair[j]);
      hit |= u64x2((pair[j] & key_bits) == want) & pair[j];
    }
    uint32_t handle_plus_one = uint32_t(hit[0] | hit[1]);
    if (handle_plus_one != 0) return handle_plus_one - 1;
    u64x2 empty = {0, 0};
#pragma GCC unroll 4
    for (unsigned j = 0; j < kPairs; ++j) empty |= u64x2(pair[j] == 0);
    if ((empty[0] | empty[1]) != 0) break;
  }
  return kInvalidHandle;
}

void Ipv4ExactTable::lookup_bulk(const uint32_t* keys, unsigned count, uint32_t* handles) const {
  const Buckets& b = *buckets_.load(std::memory_order_acquire);
  uint32_t homes[64];
  for (unsigned i = 0; i < count; ++i) {
    homes[i] = home(b, keys[i]);
    rte_prefetch0(&b.bucket[homes[i]]);
  }
  for (unsigned i = 0; i < count; ++i) handles[i] = find(b, keys[i], homes[i]);
}

uint64_t* Ipv4ExactTable::slot_of(uint32_t key) const {
  Buckets& b = *buckets_.load(std::memory_order_relaxed);
  uint32_t start = home(b, key);
  for (uint32_t probe = 0; probe <= b.mask; ++probe) {
    Bucket& bk = b.bucket[(start + probe) & b.mask];
    bool any_empty = false;
    for (uint64_t& s : bk.slots) {
      if (s != kEmpty && s != kTombstone && uint32_t(s >> 32) == key) return &s;
      any_empty |= s == kEmpty;
    }
    if (any_empty) break;
  }
  return nullptr;
}

// The first empty or tombstoned slot on the key's probe path: every bucket
// before it is full, which is what lets lookups stop at a bucket with an
// empty slot.
uint64_t* Ipv4ExactTable::free_slot(Buckets& b, uint32_t key) {
  uint32_t start = home(b, key);
  for (uint32_t probe = 0; probe <= b.mask; ++probe)
    for (uint64_t& s : b.bucket[(start + probe) & b.mask].slots)
      if (s == kEmpty || s == kTombstone) return &s;
  return nullptr;
}

bool Ipv4ExactTable::insert(uint32_t key, uint32_t handle) {
  if (uint64_t* s = slot_of(key)) {
    __atomic_store_n(s, slot_value(key, handle), __ATOMIC_RELEASE);
    return true;
  }
  if (live_ >= capacity_) return false;
  Buckets* b = buckets_.load(std::memory_order_relaxed);
  // Without memory for a rebuild, the insert goes on in the tombstoned table.
  if (uint64_t(live_ + tombstones_ + 1) * 4 > uint64_t(b->mask + 1) * kSlotsPerBucket * 3 && rebuild())
    b = buckets_.load(std::memory_order_relaxed);
  uint64_t* s = free_slot(*b, key);
  if (s == nullptr) return false;  // every slot taken: only when a rebuild found no memory
  if (*s == kTombstone) --tombstones_;
  __atomic_store_n(s, slot_value(key, handle), __ATOMIC_RELEASE);
  ++live_;
  return true;
}

bool Ipv4ExactTable::erase(uint32_t key) {
  uint64_t* s = slot_of(key);
  if (s == nullptr) return false;
  __atomic_store_n(s, kTombstone, __ATOMIC_RELEASE);
  --live_;
  ++tombstones_;
  return true;
}

bool Ipv4ExactTable::rebuild() {
  Buckets* old = buckets_.load(std::memory_order_relaxed);
  Buckets* fresh = make_buckets(old->mask + 1);
  if (fresh == nullptr) return false;
  // Unpublished yet: plain stores. At most half full, so a slot is always free.
  for (uint32_t i = 0; i <= old->mask; ++i)
    for (uint64_t s : old->bucket[i].slots)
      if (s != kEmpty && s != kTombstone) *free_slot(*fresh, uint32_t(s >> 32)) = s;
  buckets_.store(fresh, std::memory_order_release);
  tombstones_ = 0;
  rcu_.defer(free_buckets, nullptr, reinterpret_cast<uint64_t>(old));
  return true;
}

}  // namespace aggr
