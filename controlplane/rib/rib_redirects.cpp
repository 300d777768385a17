// The RIB's link-sharing contracts: each redirect checked, given a slot (its
// dataplane counters and buckets), and published as the redirect sets of its
// borrower and its donor (dataplane/tables/redirect_table.h). A donor's
// non-interruptible contracts reduce its plan for as long as they last.
#include <algorithm>
#include <chrono>

#include "controlplane/rib/rib.h"

namespace aggr {
namespace {

std::string contract_name(uint64_t contract) { return "contract " + std::to_string(contract); }

}  // namespace

uint64_t steady_now_ms() {
  return uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now().time_since_epoch())
                      .count());
}

std::vector<std::string> Rib::redirect_problems(const RedirectSpec& spec) const {
  std::vector<std::string> problems;
  const std::string who = contract_name(spec.contract);
  const SubscriberState* borrower = nullptr;
  const SubscriberState* donor = nullptr;
  if (auto it = subscribers_.find(spec.borrower); it != subscribers_.end())
    borrower = &it->second;
  else
    problems.push_back(who + ": no subscriber " + std::to_string(spec.borrower) + " (the borrower)");
  if (auto it = subscribers_.find(spec.donor); it != subscribers_.end())
    donor = &it->second;
  else
    problems.push_back(who + ": no subscriber " + std::to_string(spec.donor) + " (the donor)");
  if (spec.borrower == spec.donor) problems.push_back(who + ": the borrower is the donor");
  if (spec.rate_bps[0] == 0 && spec.rate_bps[1] == 0) problems.push_back(who + ": no rate either way");

  auto existing = redirects_.find(spec.contract);
  if (existing != redirects_.end()) {
    const RedirectSpec& was = existing->second.spec;
    if (was.borrower != spec.borrower || was.donor != spec.donor)
      problems.push_back(who + ": its borrower and donor are " + std::to_string(was.borrower) + " and " +
                         std::to_string(was.donor) + " and never change");
    if (spec.epoch < was.epoch)
      problems.push_back(who + ": epoch " + std::to_string(spec.epoch) + " is older than the one in force (" +
                         std::to_string(was.epoch) + ")");
  } else if (redirects_.size() >= tables().limits.contracts) {
    problems.push_back("the contract table is full (limits.contracts " + std::to_string(tables().limits.contracts) +
                       ")");
  }
  if (borrower == nullptr || donor == nullptr) return problems;

  const SubscriberSpec& b = borrower->spec;
  const SubscriberSpec& d = donor->spec;
  if (spec.rate_bps[unsigned(Direction::kDownstream)] != 0 && b.rate_bps[unsigned(Direction::kDownstream)] == 0)
    problems.push_back(who + ": subscriber " + std::to_string(b.id) +
                       " has no downstream plan rate, so none of its traffic is beyond it to redirect");
  if (port(b.port).owner_worker != port(d.port).owner_worker)
    problems.push_back(who + ": the lines of subscribers " + std::to_string(b.id) + " (" + port_name(b.port) +
                       ") and " + std::to_string(d.id) + " (" + port_name(d.port) +
                       ") are polled by different workers; a contract's lines must share one");
  unsigned borrowed = 0, hosted = 0;
  for (const auto& [id, r] : redirects_) {
    if (id == spec.contract) continue;
    borrowed += r.spec.borrower == b.id;
    hosted += r.spec.donor == d.id;
  }
  if (borrowed >= kMaxContractsPerLine)
    problems.push_back(who + ": subscriber " + std::to_string(b.id) + " already borrows under " +
                       std::to_string(kMaxContractsPerLine) + " contracts");
  if (hosted >= kMaxContractsPerLine)
    problems.push_back(who + ": subscriber " + std::to_string(d.id) + "'s line already carries " +
                       std::to_string(kMaxContractsPerLine) + " contracts");
  if (!spec.interruptible) {
    for (unsigned dir = 0; dir < kDirections; ++dir) {
      if (spec.rate_bps[dir] == 0) continue;
      uint64_t reserved = reserved_for_contracts(d.id, Direction(dir));
      if (existing != redirects_.end() && !existing->second.spec.interruptible)
        reserved -= existing->second.spec.rate_bps[dir];
      if (d.rate_bps[dir] == 0 || reserved + spec.rate_bps[dir] >= d.rate_bps[dir])
        problems.push_back(who + ": a non-interruptible contract must leave the donor some of its " +
                           (dir == 0 ? "upstream" : "downstream") + " plan");
    }
  }
  return problems;
}

uint64_t Rib::reserved_for_contracts(uint32_t donor_id, Direction d) const {
  uint64_t reserved = 0;
  for (const auto& [id, r] : redirects_)
    if (r.spec.donor == donor_id && !r.spec.interruptible) reserved += r.spec.rate_bps[unsigned(d)];
  return reserved;
}

std::unique_ptr<RedirectSet> Rib::redirect_set_of(uint32_t subscriber_id) const {
  auto set = std::make_unique<RedirectSet>();
  for (const auto& [id, r] : redirects_) {
    const bool borrows = r.spec.borrower == subscriber_id, hosts = r.spec.donor == subscriber_id;
    if (!borrows && !hosts) continue;
    ContractLink link;
    link.slot = r.slot;
    link.peer = subscribers_.at(borrows ? r.spec.donor : r.spec.borrower).handle;
    link.interruptible = r.spec.interruptible;
    for (unsigned d = 0; d < kDirections; ++d) link.rate[d] = fib_.contract_rate(r.spec.rate_bps[d]);
    if (borrows) set->borrowed[set->borrowed_count++] = link;
    if (hosts) set->hosted[set->hosted_count++] = link;
  }
  if (set->borrowed_count == 0 && set->hosted_count == 0) return nullptr;
  return set;
}

void Rib::publish_redirect_sets(const RedirectSpec& spec) {
  for (uint32_t id : {spec.borrower, spec.donor}) {
    auto it = subscribers_.find(id);
    if (it != subscribers_.end()) fib_.publish_redirects(it->second.handle, redirect_set_of(id));
  }
}

Status Rib::republish_record(uint32_t subscriber_id) {
  SubscriberState& state = subscribers_.at(subscriber_id);
  uint16_t profiles[kDirections];
  if (Status s = meter_profiles(state.spec, profiles); !s.ok()) return s;
  fib_.publish_subscriber(state.handle, make_record(state.spec, isps_.at(state.spec.isp_id).index, profiles));
  return Status::success();
}

Status Rib::set_redirect(const RedirectSpec& spec, EntrySource source) {
  std::vector<std::string> problems = redirect_problems(spec);
  if (!problems.empty()) {
    std::string all = problems.front();
    for (size_t i = 1; i < problems.size(); ++i) all += "; " + problems[i];
    return Status::failure(all);
  }
  auto existing = redirects_.find(spec.contract);
  std::optional<RedirectState> before;
  if (existing != redirects_.end()) before = existing->second;
  if (before && before->spec == spec) {
    existing->second.source = source;
    return Status::success();
  }
  uint32_t slot = before ? before->slot : kNoContract;
  if (!before) {
    ContractRate rates[kDirections] = {fib_.contract_rate(spec.rate_bps[0]), fib_.contract_rate(spec.rate_bps[1])};
    slot = fib_.allocate_contract(rates);
    if (slot == kNoContract) return Status::failure(contract_name(spec.contract) + ": no contract slot free");
  }
  uint64_t counter_epoch = before ? before->counter_epoch : 0;
  if (!before) {
    const uint64_t now = uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count());
    counter_epoch = last_counter_epoch_ = std::max(now, last_counter_epoch_ + 1);
  }
  redirects_[spec.contract] = RedirectState{slot, spec, source, counter_epoch};
  // The donor's record first (its plan less what it reserves, and whether
  // its traffic drains interruptible contracts), so that its line never
  // carries a reserved rate on top of the whole of its plan.
  if (Status s = republish_record(spec.donor); !s.ok()) {
    if (before)
      redirects_[spec.contract] = *before;
    else {
      redirects_.erase(spec.contract);
      fib_.release_contract(slot);
    }
    return s;
  }
  publish_redirect_sets(spec);
  return Status::success();
}

Status Rib::remove_redirect(uint64_t contract) {
  auto it = redirects_.find(contract);
  if (it == redirects_.end()) return Status::failure("no " + contract_name(contract));
  const RedirectState gone = it->second;
  redirects_.erase(it);
  publish_redirect_sets(gone.spec);
  if (keep_ended_)
    ended_[{contract, gone.counter_epoch}] = EndedRedirect{gone, fib_.retire_token()};
  else
    fib_.release_contract(gone.slot);
  // The donor's whole plan back once nothing redirects over its line.
  if (subscribers_.count(gone.spec.donor)) return republish_record(gone.spec.donor);
  return Status::success();
}

void Rib::settle_ended() const {
  for (const auto& [key, ended] : ended_) fib_.wait_for(ended.retired);
}

void Rib::forget_ended(uint64_t contract, uint64_t counter_epoch) {
  auto it = ended_.find({contract, counter_epoch});
  if (it == ended_.end()) return;
  fib_.release_contract(it->second.state.slot);
  ended_.erase(it);
}

std::vector<uint64_t> Rib::expire_redirects(uint64_t now_ms) {
  std::vector<uint64_t> ended;
  for (const auto& [id, r] : redirects_)
    if (r.spec.lease_end_ms != 0 && r.spec.lease_end_ms <= now_ms) ended.push_back(id);
  for (uint64_t id : ended) remove_redirect(id);
  return ended;
}

}  // namespace aggr
