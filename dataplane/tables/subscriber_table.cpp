#include "dataplane/tables/subscriber_table.h"

namespace aggr {

SubscriberTable::SubscriberTable(uint32_t capacity, Rcu& rcu)
    : capacity_(capacity),
      // Spare slots let updates proceed while old versions wait out their
      // grace period; when they run out the writer synchronizes.
      slot_count_(capacity + capacity / 16 + 1024),
      rcu_(rcu),
      slots_(new SubscriberRecord[slot_count_]()),
      slot_of_handle_(new std::atomic<uint32_t>[capacity]),
      lines_(rcu) {
  for (uint32_t h = 0; h < capacity_; ++h) slot_of_handle_[h].store(kInvalidHandle);
  free_slots_.reserve(slot_count_);
  for (uint32_t s = slot_count_; s > 0; --s) free_slots_.push_back(s - 1);
  free_handles_.reserve(capacity_);
  for (uint32_t h = capacity_; h > 0; --h) free_handles_.push_back(h - 1);
}

SubscriberTable::~SubscriberTable() = default;

void SubscriberTable::lookup_lines(const uint64_t* keys, unsigned count, uint32_t* handles) const {
  for (unsigned done = 0; done < count; done += 64)
    lines_.lookup_bulk(keys + done, count - done < 64 ? count - done : 64, handles + done);
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

bool SubscriberTable::add_line(uint64_t key, uint32_t handle) { return lines_.add(key, handle); }

void SubscriberTable::remove_line(uint64_t key) { lines_.remove(key); }

size_t SubscriberTable::memory_bytes() const {
  // Records and handle map; the line table's memory is in DPDK's heap.
  return size_t(slot_count_) * sizeof(SubscriberRecord) + size_t(capacity_) * sizeof(uint32_t);
}

}  // namespace aggr
