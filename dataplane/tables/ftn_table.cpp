#include "dataplane/tables/ftn_table.h"

namespace aggr {

FtnTable::FtnTable(uint32_t max_isps, Rcu& rcu)
    : capacity_(max_isps), rcu_(rcu), entries_(new std::atomic<const Nhlfe*>[max_isps]()) {}

FtnTable::~FtnTable() {
  for (uint32_t i = 0; i < capacity_; ++i) delete entries_[i].load();
}

void FtnTable::publish(uint16_t isp, std::unique_ptr<Nhlfe> nhlfe) {
  const Nhlfe* old = entries_[isp].exchange(nhlfe.release(), std::memory_order_acq_rel);
  if (old != nullptr)
    rcu_.defer([](void*, uint64_t p) { delete reinterpret_cast<const Nhlfe*>(p); }, nullptr,
               reinterpret_cast<uint64_t>(old));
}

}  // namespace aggr
