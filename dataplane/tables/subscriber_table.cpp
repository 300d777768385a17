#include "dataplane/tables/subscriber_table.h"

namespace aggr {

SubscriberTable::SubscriberTable(uint32_t capacity, Rcu& rcu)
    : capacity_(capacity),
      rcu_(rcu),
      versions_(make_table_array<Versions>(capacity)),
      retired_(new uint64_t[capacity]()),
      lines_(rcu) {
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

void SubscriberTable::publish(uint32_t handle, const SubscriberRecord& record) {
  Versions& v = versions_[handle];
  uint8_t current = v.current.load(std::memory_order_relaxed);
  uint8_t next = current == 0 ? 1 : 0;
  // Readers of `next` took it before it was last replaced (or before the
  // handle was unpublished); wait them out.
  rcu_.wait_for(retired_[handle]);
  v.record[next] = record;
  v.current.store(next, std::memory_order_release);
  // The version just replaced is the one the next change writes. Coming from
  // unpublished, that wait covered both versions, so none is in use.
  retired_[handle] = current == kUnpublished ? 0 : rcu_.retire_token();
}

void SubscriberTable::unpublish(uint32_t handle) {
  versions_[handle].current.store(kUnpublished, std::memory_order_release);
  retired_[handle] = rcu_.retire_token();
}

bool SubscriberTable::add_line(uint64_t key, uint32_t handle) { return lines_.add(key, handle); }

void SubscriberTable::remove_line(uint64_t key) { lines_.remove(key); }

size_t SubscriberTable::memory_bytes() const {
  // Records and retire tokens; the line table's memory is in DPDK's heap.
  return size_t(capacity_) * (sizeof(Versions) + sizeof(uint64_t));
}

}  // namespace aggr
