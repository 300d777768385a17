// Incoming label map: a dense array indexed by label (labels are allocated
// densely from 16 upward), each entry one atomically replaced word.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "dataplane/tables/records.h"

namespace aggr {

struct IlmEntry {
  IlmAction action = IlmAction::kNone;
  uint32_t argument = 0;  // meaning depends on the action (unused by pop-to-subscriber)
};

class IlmTable {
 public:
  explicit IlmTable(uint32_t label_space);

  uint32_t label_space() const { return size_; }

  IlmEntry lookup(uint32_t label) const {
    if (label >= size_) return {};
    uint64_t word = entries_[label].load(std::memory_order_acquire);
    return {IlmAction(word & 0xFF), uint32_t(word >> 32)};
  }

  // Control-plane side. The entry is a value; the caller retires the NHLFE
  // of a swap it replaces (FibWriter::set_ilm).
  void set(uint32_t label, IlmEntry entry) {
    entries_[label].store(uint64_t(entry.argument) << 32 | uint8_t(entry.action),
                          std::memory_order_release);
  }

 private:
  uint32_t size_;
  std::unique_ptr<std::atomic<uint64_t>[]> entries_;
};

}  // namespace aggr
