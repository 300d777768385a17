#include "dataplane/tables/subscriber_table.h"

#include <stdexcept>
#include <string>

#include <rte_errno.h>
#include "dataplane/tables/lockfree_hash.h"

namespace aggr {
namespace {

unsigned next_table_id() {
  static unsigned id = 0;
  return id++;
}

}  // namespace

SubscriberTable::SubscriberTable(uint32_t capacity, Rcu& rcu)
    : capacity_(capacity),
      // Spare slots let updates proceed while old versions wait out their
      // grace period; when they run out the writer synchronizes.
      slot_count_(capacity + capacity / 16 + 1024),
      rcu_(rcu),
      slots_(new SubscriberRecord[slot_count_]()),
      slot_of_handle_(new std::atomic<uint32_t>[capacity]) {
  for (uint32_t h = 0; h < capacity_; ++h) slot_of_handle_[h].store(kInvalidHandle);
  free_slots_.reserve(slot_count_);
  for (uint32_t s = slot_count_; s > 0; --s) free_slots_.push_back(s - 1);
  free_handles_.reserve(capacity_);
  for (uint32_t h = capacity_; h > 0; --h) free_handles_.push_back(h - 1);

  std::string name = "aggr_lines" + std::to_string(next_table_id());
  lines_ = create_lockfree_hash(name, capacity_, sizeof(uint64_t), rcu_);
  if (lines_ == nullptr)
    throw std::runtime_error("cannot create the line table: " + std::string(rte_strerror(rte_errno)));
}

SubscriberTable::~SubscriberTable() { rte_hash_free(lines_); }

void SubscriberTable::lookup_lines(const uint64_t* keys, unsigned count,
                                   uint32_t* handles) const {
  const void* key_ptrs[RTE_HASH_LOOKUP_BULK_MAX];
  void* data[RTE_HASH_LOOKUP_BULK_MAX];
  for (unsigned done = 0; done < count;) {
    unsigned n = count - done < RTE_HASH_LOOKUP_BULK_MAX ? count - done : RTE_HASH_LOOKUP_BULK_MAX;
    for (unsigned i = 0; i < n; ++i) key_ptrs[i] = &keys[done + i];
    uint64_t hits = 0;
    rte_hash_lookup_bulk_data(lines_, key_ptrs, n, &hits, data);
    for (unsigned i = 0; i < n; ++i)
      handles[done + i] =
          (hits >> i & 1) ? uint32_t(reinterpret_cast<uintptr_t>(data[i])) : kInvalidHandle;
    done += n;
  }
}

uint32_t SubscriberTable::allocate_handle() {
  if (free_handles_.empty()) return kInvalidHandle;
  uint32_t handle = free_handles_.back();
  free_handles_.pop_back();
  ++size_;
  return handle;
}

void SubscriberTable::release_handle(uint32_t handle) {
  --size_;
  // A worker may still hold the handle from a lookup done before the removal.
  rcu_.defer(
      [](void* self, uint64_t h) {
        static_cast<SubscriberTable*>(self)->free_handles_.push_back(uint32_t(h));
      },
      this, handle);
}

uint32_t SubscriberTable::allocate_slot() {
  if (free_slots_.empty()) rcu_.synchronize();
  if (free_slots_.empty()) throw std::logic_error("subscriber record slots exhausted");
  uint32_t slot = free_slots_.back();
  free_slots_.pop_back();
  return slot;
}

void SubscriberTable::free_slot_later(uint32_t slot) {
  rcu_.defer(
      [](void* self, uint64_t s) {
        static_cast<SubscriberTable*>(self)->free_slots_.push_back(uint32_t(s));
      },
      this, slot);
}

void SubscriberTable::publish(uint32_t handle, const SubscriberRecord& record) {
  uint32_t slot = allocate_slot();
  slots_[slot] = record;
  slots_[slot].handle = handle;
  uint32_t old = slot_of_handle_[handle].exchange(slot, std::memory_order_acq_rel);
  if (old != kInvalidHandle) free_slot_later(old);
}

void SubscriberTable::unpublish(uint32_t handle) {
  uint32_t old = slot_of_handle_[handle].exchange(kInvalidHandle, std::memory_order_acq_rel);
  if (old != kInvalidHandle) free_slot_later(old);
}

bool SubscriberTable::add_line(uint64_t key, uint32_t handle) {
  return rte_hash_add_key_data(lines_, &key, reinterpret_cast<void*>(uintptr_t(handle))) == 0;
}

void SubscriberTable::remove_line(uint64_t key) { rte_hash_del_key(lines_, &key); }

size_t SubscriberTable::memory_bytes() const {
  // Records and handle map; the hash's own memory is reported by DPDK's heap.
  return size_t(slot_count_) * sizeof(SubscriberRecord) + size_t(capacity_) * sizeof(uint32_t);
}

}  // namespace aggr
