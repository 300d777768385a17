// The RIB's subscribers: checked by the rules of subscriber_rules.h, then
// their lines, addresses, meters and records published.
#include "controlplane/rib/rib.h"

#include <algorithm>
#include <cstring>

namespace aggr {

std::vector<std::string> Rib::subscriber_problems(const SubscriberSpec& spec) const {
  std::vector<std::string> problems;
  auto existing = subscribers_.find(spec.id);
  const std::string who = "subscriber " + std::to_string(spec.id);
  if (!isps_.count(spec.isp_id)) problems.push_back(who + ": no ISP " + std::to_string(spec.isp_id));
  if (Status s = check_line_tags(spec.id, spec.svlan, spec.cvlan); !s.ok()) problems.push_back(s.error);
  if (Status s = check_has_addresses(spec.id, spec.addresses); !s.ok()) problems.push_back(s.error);
  if (spec.port >= kMaxPorts || port(spec.port).role != PortRole::kAccess) {
    problems.push_back(who + ": port " + port_name(spec.port) + " is not an access port");
  } else if (port(spec.port).classify == ClassifyMode::kLine) {
    uint32_t owner = fib_.line_owner(line_key(spec.port, spec.svlan, spec.cvlan));
    if (owner != kInvalidHandle && (existing == subscribers_.end() || owner != existing->second.handle))
      problems.push_back(line_taken(port_name(spec.port), spec.svlan, spec.cvlan, tables().subscribers.record(owner)->id));
  }
  AddressOwners own;  // its own addresses may not overlap each other either
  for (const IpPrefix& p : spec.addresses) {
    if ((p.family != 4 && p.family != 6) || p.length > (p.family == 4 ? 32 : 128)) {
      problems.push_back(who + ": " + format_prefix(p) + " is not an IPv4 or IPv6 prefix");
      continue;
    }
    if (Status in = check_in_pools(spec.id, p, subscriber_pools_); !in.ok()) problems.push_back(in.error);
    std::vector<AddressOwners::Overlap> found = address_owners_.overlaps(p, spec.id), mine = own.overlaps(p);
    found.insert(found.end(), mine.begin(), mine.end());
    for (const AddressOwners::Overlap& o : found) problems.push_back(AddressOwners::describe(p, o));
    if (mine.empty()) own.add(p, spec.id);
  }
  // Its contracts' lines stay with one worker (rib_redirects.cpp says why).
  if (spec.port < kMaxPorts)
    for (const auto& [contract, r] : redirects_) {
      if (r.spec.borrower != spec.id && r.spec.donor != spec.id) continue;
      const uint32_t peer = r.spec.borrower == spec.id ? r.spec.donor : r.spec.borrower;
      const SubscriberSpec& other = subscribers_.at(peer).spec;
      if (port(other.port).owner_worker != port(spec.port).owner_worker)
        problems.push_back(who + ": contract " + std::to_string(contract) + " joins it to subscriber " +
                           std::to_string(peer) + " on " + port_name(other.port) +
                           ", which another worker polls; end the contract first");
    }
  if (existing == subscribers_.end() && subscribers_.size() >= tables().limits.subscribers)
    problems.push_back("the subscriber table is full (limits.subscribers " +
                       std::to_string(tables().limits.subscribers) + ")");
  return problems;
}

Status Rib::check_spec(const SubscriberSpec& spec) const {
  std::vector<std::string> problems = subscriber_problems(spec);
  if (problems.empty()) return Status::success();
  std::string all = problems.front();
  for (size_t i = 1; i < problems.size(); ++i) all += "; " + problems[i];
  return Status::failure(all);
}

Status Rib::meter_profiles(const SubscriberSpec& spec, uint16_t profiles[kDirections]) {
  for (unsigned d = 0; d < kDirections; ++d) {
    uint64_t burst = spec.burst_bytes[d] ? spec.burst_bytes[d] : default_burst_bytes(spec.rate_bps[d]);
    // A donor's non-interruptible contracts take their rate from its plan
    // (redirect_problems leaves it some).
    uint64_t reserved = reserved_for_contracts(spec.id, Direction(d));
    uint64_t rate = spec.rate_bps[d] > reserved ? spec.rate_bps[d] - reserved : spec.rate_bps[d];
    uint32_t profile = fib_.meter_profile(rate, burst);
    if (profile >= MeterTable::kMaxProfiles)
      return Status::failure("too many distinct plan rates");
    profiles[d] = uint16_t(profile);
  }
  return Status::success();
}

SubscriberRecord Rib::make_record(const SubscriberSpec& spec, uint16_t isp_index,
                                          const uint16_t profiles[kDirections]) const {
  SubscriberRecord r{};
  r.id = spec.id;
  r.isp = isp_index;
  r.port = spec.port;
  r.svlan = spec.svlan;
  r.cvlan = spec.cvlan;
  r.cpe_mac = spec.cpe_mac;
  r.meter_profile[0] = profiles[0];
  r.meter_profile[1] = profiles[1];
  for (const auto& [contract, redirect] : redirects_)
    if (redirect.spec.donor == spec.id && redirect.spec.interruptible) r.flags |= kSubscriberHostsInterruptible;
  r.ipv4_length = kNoIpv4Prefix;
  for (const IpPrefix& p : spec.addresses)
    if (p.family == 4) {
      std::memcpy(r.ipv4_prefix, p.bytes, 4);
      r.ipv4_length = p.length;
      break;
    }
  return r;
}

Status Rib::add_addresses(const std::vector<IpPrefix>& addresses, uint32_t handle) {
  for (size_t i = 0; i < addresses.size(); ++i) {
    if (!fib_.add_address(addresses[i], handle)) {
      remove_addresses({addresses.begin(), addresses.begin() + long(i)});
      return Status::failure("address table full");
    }
  }
  return Status::success();
}

void Rib::remove_addresses(const std::vector<IpPrefix>& addresses) {
  for (const IpPrefix& p : addresses) fib_.remove_address(p);
}

Status Rib::add_subscriber(const SubscriberSpec& spec, EntrySource source) {
  if (subscribers_.count(spec.id))
    return Status::failure("subscriber " + std::to_string(spec.id) + " exists");
  if (Status s = check_spec(spec); !s.ok()) return s;
  uint16_t profiles[kDirections];
  if (Status s = meter_profiles(spec, profiles); !s.ok()) return s;
  uint32_t handle = fib_.allocate_handle();
  if (handle == kInvalidHandle) return Status::failure("subscriber table full");

  IspState& isp_state = isps_.at(spec.isp_id);
  // Not yet reachable by any worker: safe to reset its meter and counters.
  fib_.reset_subscriber_state(handle, profiles);
  fib_.publish_subscriber(handle, make_record(spec, isp_state.index, profiles));
  if (Status s = add_addresses(spec.addresses, handle); !s.ok()) {
    fib_.remove_subscriber(handle);
    return s;
  }
  if (port(spec.port).classify == ClassifyMode::kLine &&
      !fib_.add_line(line_key(spec.port, spec.svlan, spec.cvlan), handle)) {
    remove_addresses(spec.addresses);
    fib_.remove_subscriber(handle);
    return Status::failure("line table full");
  }
  ++isp_state.subscribers;
  for (const IpPrefix& p : spec.addresses) address_owners_.add(p, spec.id);
  subscribers_.emplace(spec.id, SubscriberState{handle, spec, source});
  return Status::success();
}

Status Rib::update_subscriber(const SubscriberSpec& spec, EntrySource source) {
  auto it = subscribers_.find(spec.id);
  if (it == subscribers_.end())
    return Status::failure("no subscriber " + std::to_string(spec.id));
  SubscriberState& state = it->second;
  if (Status s = check_spec(spec); !s.ok()) return s;
  uint16_t profiles[kDirections];
  if (Status s = meter_profiles(spec, profiles); !s.ok()) return s;

  const SubscriberSpec& old = state.spec;
  // New addresses first, so no address is ever unowned in between.
  std::vector<IpPrefix> gone, added;
  for (const IpPrefix& p : old.addresses)
    if (std::find(spec.addresses.begin(), spec.addresses.end(), p) == spec.addresses.end())
      gone.push_back(p);
  for (const IpPrefix& p : spec.addresses)
    if (std::find(old.addresses.begin(), old.addresses.end(), p) == old.addresses.end())
      added.push_back(p);
  if (Status s = add_addresses(added, state.handle); !s.ok()) return s;

  bool old_by_line = port(old.port).classify == ClassifyMode::kLine;
  bool new_by_line = port(spec.port).classify == ClassifyMode::kLine;
  uint64_t old_key = line_key(old.port, old.svlan, old.cvlan);
  uint64_t new_key = line_key(spec.port, spec.svlan, spec.cvlan);
  if (new_by_line && (!old_by_line || old_key != new_key) &&
      !fib_.add_line(new_key, state.handle)) {
    remove_addresses(added);
    return Status::failure("line table full");
  }
  IspState& new_isp = isps_.at(spec.isp_id);
  fib_.publish_subscriber(state.handle, make_record(spec, new_isp.index, profiles));
  if (old_by_line && (!new_by_line || old_key != new_key)) fib_.remove_line(old_key);
  remove_addresses(gone);
  for (const IpPrefix& p : gone) address_owners_.remove(p);
  for (const IpPrefix& p : added) address_owners_.add(p, spec.id);
  --isps_.at(old.isp_id).subscribers;
  ++new_isp.subscribers;
  state.spec = spec;
  state.source = source;
  return Status::success();
}

Status Rib::set_subscriber_isp(uint32_t subscriber_id, uint32_t isp_id) {
  auto it = subscribers_.find(subscriber_id);
  if (it == subscribers_.end())
    return Status::failure("no subscriber " + std::to_string(subscriber_id));
  SubscriberSpec spec = it->second.spec;
  spec.isp_id = isp_id;
  return update_subscriber(spec, it->second.source);
}

Status Rib::remove_subscriber(uint32_t subscriber_id) {
  auto it = subscribers_.find(subscriber_id);
  if (it == subscribers_.end())
    return Status::failure("no subscriber " + std::to_string(subscriber_id));
  // Its contracts end with it.
  std::vector<uint64_t> contracts;
  for (const auto& [id, r] : redirects_)
    if (r.spec.borrower == subscriber_id || r.spec.donor == subscriber_id) contracts.push_back(id);
  for (uint64_t id : contracts) remove_redirect(id);
  const SubscriberSpec& spec = it->second.spec;
  if (port(spec.port).classify == ClassifyMode::kLine) fib_.remove_line(line_key(spec.port, spec.svlan, spec.cvlan));
  remove_addresses(spec.addresses);
  for (const IpPrefix& p : spec.addresses) address_owners_.remove(p);
  fib_.remove_subscriber(it->second.handle);
  --isps_.at(spec.isp_id).subscribers;
  subscribers_.erase(it);
  return Status::success();
}

std::optional<uint32_t> Rib::subscriber_handle(uint32_t subscriber_id) const {
  auto it = subscribers_.find(subscriber_id);
  if (it == subscribers_.end()) return std::nullopt;
  return it->second.handle;
}

const SubscriberSpec* Rib::subscriber(uint32_t subscriber_id) const {
  auto it = subscribers_.find(subscriber_id);
  return it == subscribers_.end() ? nullptr : &it->second.spec;
}

}  // namespace aggr
