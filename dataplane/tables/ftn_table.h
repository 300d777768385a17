// FEC-to-NHLFE map: one NHLFE per ISP, published by pointer swap.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "dataplane/rcu.h"
#include "dataplane/tables/records.h"

namespace aggr {

class FtnTable {
 public:
  FtnTable(uint32_t max_isps, Rcu& rcu);
  ~FtnTable();

  uint32_t capacity() const { return capacity_; }

  // Worker side. nullptr: the ISP has no usable entry.
  const Nhlfe* lookup(uint16_t isp) const {
    return isp < capacity_ ? entries_[isp].load(std::memory_order_acquire) : nullptr;
  }

  // Control-plane side. nhlfe == nullptr clears the entry.
  void publish(uint16_t isp, std::unique_ptr<Nhlfe> nhlfe);

 private:
  uint32_t capacity_;
  Rcu& rcu_;
  std::unique_ptr<std::atomic<const Nhlfe*>[]> entries_;
};

}  // namespace aggr
