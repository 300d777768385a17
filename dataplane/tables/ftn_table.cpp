#include "dataplane/tables/ftn_table.h"

namespace aggr {

FtnTable::FtnTable(uint32_t max_isps) : capacity_(max_isps), entries_(new std::atomic<uint32_t>[max_isps]) {
  for (uint32_t i = 0; i < max_isps; ++i) entries_[i].store(kNoNhlfe, std::memory_order_relaxed);
}

}  // namespace aggr
