// Redirects: the link-sharing contracts the broker granted, as the workers
// see them (DESIGN.md, "Bandwidth sharing").
//
// A contract lets a borrower use a donor's line: downstream, the borrower's
// packets beyond its own plan go out over the donor's line, up to the
// contract's rate; upstream, the borrower's packets that arrive on the
// donor's line are accepted (an exception to anti-spoofing) up to the rate.
// Each subscriber handle may name a RedirectSet: the contracts it borrows
// under and those its line carries. A set is immutable once published; a
// change publishes a new one and retires the old after a grace period.
//
// Each contract has a slot: its counters and a token bucket per direction.
// A bucket's single writer is the worker that polls the borrower's and the
// donor's lines (the RIB refuses a contract whose lines two workers poll):
// upstream the donor's line brings the packets, downstream the borrower's
// meter owner handles them (dataplane/meter_transfer_rings.h).
//
// An interruptible contract yields to the donor: the donor's own traffic on
// its line drains the contract's bucket in that direction, into debt if
// need be, so the borrower gets only the part of the contract rate the
// donor leaves unused, however greedily it sends.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "dataplane/rcu.h"
#include "dataplane/tables/records.h"
#include "dataplane/tables/table_array.h"

namespace aggr {

constexpr unsigned kMaxContractsPerLine = 4;
constexpr uint32_t kNoContract = UINT32_MAX;

// A contract's rate in one direction, in TSC cycles scaled by 2^16 so that
// the worker multiplies and never divides. A cost of 0: the contract
// carries nothing that way.
struct ContractRate {
  uint64_t cost_per_byte = 0;  // cycles << 16 a byte takes at the rate
  uint64_t depth = 0;          // the bucket's size, in the same unit
  static ContractRate of(uint64_t rate_bps, uint64_t burst_bytes, uint64_t tsc_hz);
  bool open() const { return cost_per_byte != 0; }
};

// One direction of a contract: a token bucket counted in scaled cycles.
// The donor's own traffic may leave it in debt (down to one bucket's
// depth below empty), which the refill repays before the borrower takes
// anything: a borrower that empties the bucket first still yields to the
// donor's packets that come after it.
struct ContractBucket {
  uint64_t last_tsc = 0;
  int64_t credit = 0;

  // Spends `bytes` when the bucket holds them; false otherwise.
  bool take(const ContractRate& rate, uint64_t now_tsc, uint32_t bytes) {
    refill(rate, now_tsc);
    const int64_t cost = int64_t(bytes * rate.cost_per_byte);
    if (!rate.open() || credit < cost) return false;
    credit -= cost;
    return true;
  }
  // Spends `bytes` whatever the bucket holds, into debt: the donor's own
  // traffic on an interruptible contract's line.
  void drain(const ContractRate& rate, uint64_t now_tsc, uint32_t bytes) {
    refill(rate, now_tsc);
    credit = std::max(credit - int64_t(bytes * rate.cost_per_byte), -int64_t(rate.depth));
  }

 private:
  void refill(const ContractRate& rate, uint64_t now_tsc) {
    uint64_t elapsed = now_tsc > last_tsc ? now_tsc - last_tsc : 0;
    last_tsc = now_tsc;
    // Compared before the shift, which would overflow after a long idle:
    // twice the depth refills a bucket from its deepest debt.
    const int64_t depth = int64_t(rate.depth);
    if (elapsed >= (rate.depth >> 16) * 2)
      credit = depth;
    else
      credit = std::min(depth, credit + int64_t(elapsed << 16));
  }
};

// A contract as one of its two lines sees it.
struct ContractLink {
  uint32_t slot = kNoContract;  // its bucket state and counters
  uint32_t peer = kInvalidHandle;  // the borrower sees the donor; the donor, the borrower
  bool interruptible = false;
  ContractRate rate[kDirections];
};

struct RedirectSet {
  uint8_t borrowed_count = 0;
  uint8_t hosted_count = 0;
  ContractLink borrowed[kMaxContractsPerLine];  // this subscriber borrows; peer: the donor
  ContractLink hosted[kMaxContractsPerLine];    // this subscriber's line carries; peer: the borrower

  // The hosted contract of `borrower`; nullptr: none.
  const ContractLink* hosted_for(uint32_t borrower) const {
    for (unsigned i = 0; i < hosted_count; ++i)
      if (hosted[i].peer == borrower) return &hosted[i];
    return nullptr;
  }
};

class RedirectTable {
 public:
  RedirectTable(uint32_t subscriber_capacity, uint32_t contract_capacity, Rcu& rcu);
  ~RedirectTable();
  RedirectTable(const RedirectTable&) = delete;
  RedirectTable& operator=(const RedirectTable&) = delete;

  uint32_t contract_capacity() const { return contract_capacity_; }

  // ---- worker side ----
  // No subscriber has a set: nodes skip their redirect work at once.
  bool empty() const { return with_sets_.load(std::memory_order_relaxed) == 0; }
  // The handle's contracts; nullptr: none.
  const RedirectSet* of(uint32_t handle) const { return sets_[handle].load(std::memory_order_acquire); }
  // A contract's bucket, which its one worker updates (the header says
  // which): state of the worker's, like a meter's, not published contents.
  ContractBucket& bucket(uint32_t slot, Direction d) const { return buckets_[size_t(slot) * kDirections + unsigned(d)]; }

  // ---- control-plane side ----
  // A slot no worker can reach (kNoContract: all in use), its buckets full.
  uint32_t allocate_slot(const ContractRate rates[kDirections], uint64_t now_tsc);
  // Reusable once every worker has passed a quiescent state.
  void release_slot(uint32_t slot);
  // Publishes the handle's set (nullptr: none) and retires the one it replaces.
  void publish(uint32_t handle, std::unique_ptr<RedirectSet> set);
  uint32_t slots_in_use() const { return contract_capacity_ - uint32_t(free_slots_.size()); }

 private:
  uint32_t contract_capacity_;
  Rcu& rcu_;
  TableArray<std::atomic<const RedirectSet*>> sets_;  // by handle
  TableArray<ContractBucket> buckets_;                // by slot and direction
  std::atomic<uint32_t> with_sets_{0};
  std::vector<uint32_t> free_slots_;  // a stack: lowest first
  uint32_t subscriber_capacity_;
};

}  // namespace aggr
