// Subscribers: stable handles, records read lock-free, and the line index.
//
// A handle names a subscriber for its whole life: records, counters and
// meter state are all indexed by it. Each handle owns one cache line holding
// two versions of its record and which of them is current, so that a worker
// reads a subscriber with one cache miss and no handle -> slot indirection.
// A change writes the version not current and then flips `current`; the
// version it replaced is written again, by a later change, only once every
// worker has passed a quiescent state (RCU), so a reader holding either
// version for the rest of its burst never sees it change. A second change of
// one subscriber within a grace period waits for it (a worker loop, a few
// microseconds). The line index (port, S-VLAN, C-VLAN) -> handle is a
// direct-indexed LineTable (dataplane/tables/line_table.h).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include <rte_prefetch.h>

#include "dataplane/rcu.h"
#include "dataplane/tables/line_table.h"
#include "dataplane/tables/records.h"
#include "dataplane/tables/table_array.h"

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

 private:
  static constexpr uint8_t kUnpublished = 0xFF;
  struct alignas(64) Versions {
    SubscriberRecord record[2];
    std::atomic<uint8_t> current{kUnpublished};  // 0, 1 or kUnpublished
  };
  static_assert(sizeof(Versions) == 64, "a handle's versions fill one cache line");

 public:
  // ---- worker side ----
  // How a node reads records over a burst: a copy of the table's storage
  // address, which stays in a register through the loop. Read through the
  // table itself, it would be reloaded after every acquire load of `current`.
  class Reader {
   public:
    // The handle's current record; nullptr for kInvalidHandle or a handle
    // not published. Valid until the worker's next quiescent state.
    const SubscriberRecord* record(uint32_t handle) const {
      if (handle == kInvalidHandle) return nullptr;
      const Versions& v = versions_[handle];
      uint8_t current = v.current.load(std::memory_order_acquire);
      return current == kUnpublished ? nullptr : &v.record[current];
    }
    // Starts loading the handle's record; for a burst, before any is read.
    void prefetch_record(uint32_t handle) const {
      if (handle != kInvalidHandle) rte_prefetch0(&versions_[handle]);
    }

   private:
    friend class SubscriberTable;
    explicit Reader(const Versions* versions) : versions_(versions) {}
    const Versions* versions_;
  };
  Reader reader() const { return Reader(versions_.get()); }
  const SubscriberRecord* record(uint32_t handle) const { return reader().record(handle); }
  // A line's entry in the line index, its cache line requested; read it with
  // LineTable::handle_in once the burst's entries are all requested.
  const std::atomic<uint32_t>* find_line(uint16_t port, uint16_t svlan, uint16_t cvlan) const {
    return lines_.find_entry(port, svlan, cvlan);
  }
  // Looks up `count` line keys; handles[i] is kInvalidHandle on a miss.
  void lookup_lines(const uint64_t* keys, unsigned count, uint32_t* handles) const;

  // ---- control-plane side (through FibWriter only) ----
  uint32_t allocate_handle();  // kInvalidHandle when full
  void release_handle(uint32_t handle);  // after unpublish; recycled after a grace period
  // Publishes a new version of the handle's record.
  void publish(uint32_t handle, const SubscriberRecord& record);
  void unpublish(uint32_t handle);
  bool add_line(uint64_t key, uint32_t handle);  // false: table full
  void remove_line(uint64_t key);
  size_t memory_bytes() const;

 private:
  uint32_t capacity_;
  Rcu& rcu_;
  uint32_t size_ = 0;
  TableArray<Versions> versions_;
  // Per handle, the grace period the version last replaced (or unpublished)
  // must wait out before it is written again. Control plane only.
  std::unique_ptr<uint64_t[]> retired_;
  std::vector<uint32_t> free_handles_;
  LineTable lines_;
};

}  // namespace aggr
