// FEC-to-NHLFE map of the headend: one entry per ISP, naming the NHLFE that
// carries its subscribers' traffic (an index into NhlfeTable), replaced by
// one atomic store.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "dataplane/tables/nhlfe_table.h"

namespace aggr {

class FtnTable {
 public:
  explicit FtnTable(uint32_t max_isps);

  uint32_t capacity() const { return capacity_; }

  // Worker side. kNoNhlfe: the ISP has no usable entry.
  uint32_t lookup(uint16_t isp) const {
    return isp < capacity_ ? entries_[isp].load(std::memory_order_acquire) : kNoNhlfe;
  }

  // Control-plane side (kNoNhlfe: none): the NHLFE must be published first. The caller
  // retires the index it replaces.
  void set(uint16_t isp, uint32_t nhlfe) { entries_[isp].store(nhlfe, std::memory_order_release); }

 private:
  uint32_t capacity_;
  std::unique_ptr<std::atomic<uint32_t>[]> entries_;
};

}  // namespace aggr
