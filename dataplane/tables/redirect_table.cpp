#include "dataplane/tables/redirect_table.h"

#include <algorithm>

namespace aggr {

ContractRate ContractRate::of(uint64_t rate_bps, uint64_t burst_bytes, uint64_t tsc_hz) {
  ContractRate r;
  if (rate_bps == 0) return r;
  // At least one scaled cycle a byte, so that an open rate stays open.
  r.cost_per_byte = std::max<uint64_t>(1, (tsc_hz << 16) * 8 / rate_bps);
  r.depth = burst_bytes * r.cost_per_byte;
  return r;
}

RedirectTable::RedirectTable(uint32_t subscriber_capacity, uint32_t contract_capacity, Rcu& rcu)
    : contract_capacity_(contract_capacity),
      rcu_(rcu),
      sets_(make_table_array<std::atomic<const RedirectSet*>>(subscriber_capacity)),
      buckets_(make_table_array<ContractBucket>(size_t(std::max(contract_capacity, 1u)) * kDirections)),
      subscriber_capacity_(subscriber_capacity) {
  free_slots_.reserve(contract_capacity);
  for (uint32_t i = contract_capacity; i > 0; --i) free_slots_.push_back(i - 1);
}

// Readers are gone (Tables' destructor synchronised first): what is still
// published is freed here.
RedirectTable::~RedirectTable() {
  for (uint32_t h = 0; h < subscriber_capacity_; ++h) delete sets_[h].load(std::memory_order_relaxed);
}

uint32_t RedirectTable::allocate_slot(const ContractRate rates[kDirections], uint64_t now_tsc) {
  if (free_slots_.empty()) return kNoContract;
  uint32_t slot = free_slots_.back();
  free_slots_.pop_back();
  for (unsigned d = 0; d < kDirections; ++d) {
    ContractBucket& b = bucket(slot, Direction(d));
    b.last_tsc = now_tsc;
    b.credit = int64_t(rates[d].depth);
  }
  return slot;
}

void RedirectTable::release_slot(uint32_t slot) {
  rcu_.defer([](void* owner, uint64_t s) { static_cast<RedirectTable*>(owner)->free_slots_.push_back(uint32_t(s)); },
             this, slot);
}

void RedirectTable::publish(uint32_t handle, std::unique_ptr<RedirectSet> set) {
  const RedirectSet* old = sets_[handle].exchange(set.release(), std::memory_order_acq_rel);
  const bool has_now = sets_[handle].load(std::memory_order_relaxed) != nullptr;
  if (has_now && old == nullptr) with_sets_.fetch_add(1, std::memory_order_relaxed);
  if (!has_now && old != nullptr) with_sets_.fetch_sub(1, std::memory_order_relaxed);
  if (old != nullptr)
    rcu_.defer([](void*, uint64_t p) { delete reinterpret_cast<const RedirectSet*>(p); }, nullptr,
               reinterpret_cast<uint64_t>(old));
}

}  // namespace aggr
