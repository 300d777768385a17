#include "controlplane/ldp/rib_feed.h"

#include <algorithm>

#include "dataplane/net/labels.h"

namespace aggr::ldp {
namespace {

// Implicit null (RFC 3032): the next hop asked for the label to be popped.
constexpr uint32_t kImplicitNull = 3;

NhlfeSpec towards(const NextHop& next_hop, std::optional<uint32_t> label) {
  NhlfeSpec spec;
  if (label && *label != kImplicitNull) spec.labels = {*label};
  spec.out_port = next_hop.port;
  spec.next_hop_address = next_hop.address;
  return spec;
}

std::string describe(const IpPrefix& fec, const Status& status) { return "FEC " + format_prefix(fec) + ": " + status.error; }

}  // namespace

std::optional<NextHop> RibFeed::route(const IpPrefix& fec) const {
  const auto* best = rib_.core_route_to(fec);
  if (best == nullptr || !best->second.gateway) return std::nullopt;
  return NextHop{*best->second.gateway, best->second.port};
}

std::vector<std::string> RibFeed::apply(const LabelBaseChanges& changes) {
  std::vector<std::string> problems;
  for (const IpPrefix& fec : changes.remove) {
    auto it = installed_.find(fec);
    if (it == installed_.end()) continue;
    if (Status s = rib_.clear_ilm(it->second, EntrySource::kLdp); !s.ok()) problems.push_back(describe(fec, s));
    installed_.erase(it);
  }
  for (const auto& [fec, binding] : changes.install)
    if (Status s = install(fec, binding); !s.ok()) problems.push_back(describe(fec, s));
  for (const auto& [fec, label] : changes.next_hop_labels)
    if (Status s = follow(fec, label); !s.ok()) problems.push_back(describe(fec, s));
  return problems;
}

std::vector<std::string> RibFeed::set_policy(FecPolicy policy,
                                             const std::map<IpPrefix, std::optional<NextHopLabel>>& labels) {
  std::vector<std::string> problems;
  for (const auto& [fec, isps] : policy_.isp_ftn)
    for (uint32_t isp : isps) {
      auto now = policy.isp_ftn.find(fec);
      const bool kept = now != policy.isp_ftn.end() && std::count(now->second.begin(), now->second.end(), isp);
      // An ISP the reload removed went from the RIB with its entries.
      if (!kept && rib_.isp(isp) != nullptr)
        if (Status s = rib_.clear_ftn(isp, EntrySource::kLdp); !s.ok()) problems.push_back(describe(fec, s));
    }
  policy_ = std::move(policy);
  std::erase_if(prefix_ftns_, [&](const IpPrefix& fec) {
    if (is_subscriber_fec(fec)) return false;
    if (Status s = rib_.clear_prefix_fec(fec, EntrySource::kLdp); !s.ok()) problems.push_back(describe(fec, s));
    return true;
  });
  for (const auto& [fec, label] : labels)
    if (Status s = follow(fec, label); !s.ok()) problems.push_back(describe(fec, s));
  return problems;
}

std::vector<std::string> RibFeed::withdraw_all() {
  std::vector<std::string> problems;
  for (const auto& [fec, label] : installed_)
    if (Status s = rib_.clear_ilm(label, EntrySource::kLdp); !s.ok()) problems.push_back(describe(fec, s));
  installed_.clear();
  for (const auto& [fec, isps] : policy_.isp_ftn)
    for (uint32_t isp : isps)
      if (const IspState* state = rib_.isp(isp); state != nullptr && state->ftn_wanted.count(EntrySource::kLdp))
        if (Status s = rib_.clear_ftn(isp, EntrySource::kLdp); !s.ok()) problems.push_back(describe(fec, s));
  for (const IpPrefix& fec : prefix_ftns_)
    if (Status s = rib_.clear_prefix_fec(fec, EntrySource::kLdp); !s.ok()) problems.push_back(describe(fec, s));
  prefix_ftns_.clear();
  return problems;
}

Status RibFeed::install(const IpPrefix& fec, const Binding& binding) {
  // A FEC rebound under a new label leaves its old one first.
  if (auto it = installed_.find(fec); it != installed_.end() && it->second != binding.local_label) {
    if (Status s = rib_.clear_ilm(it->second, EntrySource::kLdp); !s.ok()) return s;
    installed_.erase(it);
  }
  Status status = Status::success();
  if (binding.egress) {
    if (auto isp = policy_.isp_egress.find(fec); isp != policy_.isp_egress.end())
      status = rib_.set_ilm_pop_to_isp(binding.local_label, isp->second, EntrySource::kLdp);
    else
      status = rib_.set_ilm(binding.local_label, IlmEntry{IlmAction::kPopToSubscriber, 0}, EntrySource::kLdp);
  } else if (binding.next_hop && binding.out_label) {
    status = rib_.set_ilm_swap(binding.local_label, towards(*binding.next_hop, binding.out_label), EntrySource::kLdp);
  }
  if (status.ok()) installed_[fec] = binding.local_label;
  return status;
}

bool RibFeed::is_subscriber_fec(const IpPrefix& fec) const {
  return std::any_of(policy_.subscriber_fecs.begin(), policy_.subscriber_fecs.end(),
                     [&](const IpPrefix& within) { return prefix_contains(within, fec); });
}

Status RibFeed::follow(const IpPrefix& fec, const std::optional<NextHopLabel>& label) {
  // A push needs a label: implicit null towards an ISP's FEC would hand
  // the tailend a packet that no longer says which ISP it is for.
  const bool usable = label && label->label != kImplicitNull;
  if (auto isps = policy_.isp_ftn.find(fec); isps != policy_.isp_ftn.end())
    for (uint32_t isp : isps->second) {
      Status s = usable ? rib_.set_ftn(isp, towards(label->next_hop, label->label), EntrySource::kLdp)
                        : rib_.clear_ftn(isp, EntrySource::kLdp);
      if (!s.ok()) return s;
    }
  if (!is_subscriber_fec(fec)) return Status::success();
  if (usable) {
    Status s = rib_.set_prefix_fec(fec, towards(label->next_hop, label->label), EntrySource::kLdp);
    if (s.ok()) prefix_ftns_.insert(fec);
    return s;
  }
  if (!prefix_ftns_.erase(fec)) return Status::success();
  return rib_.clear_prefix_fec(fec, EntrySource::kLdp);
}

}  // namespace aggr::ldp
