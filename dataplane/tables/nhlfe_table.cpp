#include "dataplane/tables/nhlfe_table.h"

namespace aggr {

NhlfeTable::NhlfeTable(uint32_t capacity, Rcu& rcu)
    : capacity_(capacity), rcu_(rcu), entries_(new Nhlfe[capacity]()) {
  free_.reserve(capacity);
  for (uint32_t i = capacity; i > 0; --i) free_.push_back(i - 1);
}

uint32_t NhlfeTable::publish(const Nhlfe& nhlfe) {
  if (free_.empty()) return kNoNhlfe;
  uint32_t index = free_.back();
  free_.pop_back();
  entries_[index] = nhlfe;
  return index;
}

void NhlfeTable::retire(uint32_t index) {
  rcu_.defer([](void* owner, uint64_t i) { static_cast<NhlfeTable*>(owner)->free_.push_back(uint32_t(i)); },
             this, index);
}

}  // namespace aggr
