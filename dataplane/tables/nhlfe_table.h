// Next hop label forwarding entries (RFC 3031 section 3.10) by index.
//
// FTN and ILM entries name an NHLFE by its index, so that one entry can serve
// many of them and a change of next hop touches only the entries that use
// it. An entry is immutable once published: a change publishes a new index,
// re-points what used the old one, and retires the old index, which is handed
// out again only after an RCU grace period, when no worker can still be
// reading it.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "dataplane/rcu.h"
#include "dataplane/tables/records.h"

namespace aggr {

constexpr uint32_t kNoNhlfe = UINT32_MAX;

class NhlfeTable {
 public:
  NhlfeTable(uint32_t capacity, Rcu& rcu);

  uint32_t capacity() const { return capacity_; }
  // Indices published and not yet reusable (retired ones count until their
  // grace period is over).
  uint32_t in_use() const { return capacity_ - uint32_t(free_.size()); }

  // Worker side: an index read from an FTN or ILM entry.
  const Nhlfe& at(uint32_t index) const { return entries_[index]; }
  const Nhlfe* entries() const { return entries_.get(); }

  // Control-plane side. Writes the entry at a free index and returns it, or
  // kNoNhlfe when the table is full. Nothing points at it yet; the caller's
  // release store of the index (FTN, ILM) publishes it.
  uint32_t publish(const Nhlfe& nhlfe);
  // Once nothing points at `index` any more: reusable after a grace period.
  void retire(uint32_t index);

 private:
  uint32_t capacity_;
  Rcu& rcu_;
  std::unique_ptr<Nhlfe[]> entries_;
  std::vector<uint32_t> free_;  // a stack: lowest indices handed out first
};

}  // namespace aggr
