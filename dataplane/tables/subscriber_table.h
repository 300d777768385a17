// Subscribers: stable handles, immutable records, and the line index.
//
// A handle names a subscriber for its whole life (counters and meter state
// are indexed by it). The handle points to a record slot; a change writes a
// new slot and swaps the handle's slot index, and the old slot is recycled
// after an RCU grace period. The line index (port, S-VLAN, C-VLAN) ->
// handle is a direct-indexed LineTable (dataplane/tables/line_table.h).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include <rte_hash.h>
#include <rte_prefetch.h>

#include "dataplane/rcu.h"
#include "dataplane/tables/line_table.h"
#include "dataplane/tables/records.h"

namespace aggr {

// 0 in a VLAN field means "no tag": VLAN id 0 is never a line's id.
inline uint64_t line_key(uint16_t port, uint16_t svlan, uint16_t cvlan) {
  return uint64_t(port) << 32 | uint64_t(svlan) << 16 | cvlan;
}

class SubscriberTable {
 public:
  SubscriberTable(uint32_t capacity, Rcu& rcu);
  ~SubscriberTable();
  SubscriberTable(const SubscriberTable&) = delete;
  SubscriberTable& operator=(const SubscriberTable&) = delete;

  uint32_t capacity() const { return capacity_; }
  uint32_t size() const { return size_; }

  // ---- worker side ----
  const SubscriberRecord* record(uint32_t handle) const {
    uint32_t slot = slot_of_handle_[handle].load(std::memory_order_acquire);
    return slot == kInvalidHandle ? nullptr : &slots_[slot];
  }
  // Starts loading what record(handle) will read first (the handle's slot
  // index); for a burst, before the records are read one by one.
  void prefetch_handle(uint32_t handle) const { rte_prefetch0(&slot_of_handle_[handle]); }
  // A line's entry in the line index, its cache line requested; read it with
  // LineTable::handle_in once the burst's entries are all requested.
  const std::atomic<uint32_t>* find_line(uint16_t port, uint16_t svlan, uint16_t cvlan) const {
    return lines_.find_entry(port, svlan, cvlan);
  }
  // Looks up `count` line keys; handles[i] is kInvalidHandle on a miss.
  void lookup_lines(const uint64_t* keys, unsigned count, uint32_t* handles) const;

  // ---- control-plane side (through TableWriter only) ----
  uint32_t allocate_handle();  // kInvalidHandle when full
  void release_handle(uint32_t handle);  // after unpublish; recycled after a grace period
  // Publishes a new version of the handle's record.
  void publish(uint32_t handle, const SubscriberRecord& record);
  void unpublish(uint32_t handle);
  bool add_line(uint64_t key, uint32_t handle);  // false: table full
  void remove_line(uint64_t key);
  size_t memory_bytes() const;

 private:
  uint32_t allocate_slot();
  void free_slot_later(uint32_t slot);

  uint32_t capacity_;
  uint32_t slot_count_;
  Rcu& rcu_;
  uint32_t size_ = 0;
  std::unique_ptr<SubscriberRecord[]> slots_;
  std::unique_ptr<std::atomic<uint32_t>[]> slot_of_handle_;
  std::vector<uint32_t> free_slots_;
  std::vector<uint32_t> free_handles_;
  LineTable lines_;
};

}  // namespace aggr
