#include "controlplane/rib/rib.h"

#include <algorithm>
#include <cstring>

#include "dataplane/net/labels.h"

namespace aggr {
namespace {

uint64_t default_burst(uint64_t rate_bps) {
  // 10 ms at the plan rate, at least 16 KB (a few full-size frames).
  return std::max<uint64_t>(rate_bps / 8 / 100, 16384);
}

}  // namespace

Rib::Rib(Tables& tables) : fib_(tables), isp_id_by_index_(tables.limits.isps, 0) {}

// ---------------------------------------------------------------- ISPs / FTN

Status Rib::add_isp(uint32_t isp_id, const std::string& name) {
  if (isp_id == 0) return Status::failure("ISP id 0 is reserved");
  if (isps_.count(isp_id)) return Status::failure("ISP " + std::to_string(isp_id) + " exists");
  auto free_slot = std::find(isp_id_by_index_.begin(), isp_id_by_index_.end(), 0u);
  if (free_slot == isp_id_by_index_.end())
    return Status::failure("ISP table full (" + std::to_string(isp_id_by_index_.size()) + ")");
  *free_slot = isp_id;
  uint16_t index = uint16_t(free_slot - isp_id_by_index_.begin());
  isps_.emplace(isp_id, IspState{isp_id, name, index, 0, std::nullopt});
  return Status::success();
}

Status Rib::remove_isp(uint32_t isp_id) {
  auto it = isps_.find(isp_id);
  if (it == isps_.end()) return Status::failure("no ISP " + std::to_string(isp_id));
  if (it->second.subscribers > 0)
    return Status::failure("ISP " + std::to_string(isp_id) + " still has " +
                           std::to_string(it->second.subscribers) + " subscribers");
  clear_ftn(isp_id).ok();
  isp_id_by_index_[it->second.index] = 0;
  isps_.erase(it);
  return Status::success();
}

Status Rib::rename_isp(uint32_t isp_id, const std::string& name) {
  auto it = isps_.find(isp_id);
  if (it == isps_.end()) return Status::failure("no ISP " + std::to_string(isp_id));
  it->second.name = name;
  return Status::success();
}

Status Rib::publish_nhlfe(const NhlfeSpec& spec, uint32_t* index) {
  if (Status s = check_pushed_labels(spec.labels); !s.ok()) return s;
  if (spec.out_port >= kMaxPorts || port(spec.out_port).role != PortRole::kCore)
    return Status::failure("out port " + std::to_string(spec.out_port) + " is not a core port");
  *index = fib_.publish_nhlfe(fib_.build_nhlfe(spec.labels, spec.out_port, spec.next_hop_mac));
  if (*index == kNoNhlfe)
    return Status::failure("NHLFE table full (" + std::to_string(tables().nhlfes.capacity()) + ")");
  return Status::success();
}

Status Rib::set_ftn(uint32_t isp_id, const NhlfeSpec& spec, EntrySource source) {
  auto it = isps_.find(isp_id);
  if (it == isps_.end()) return Status::failure("no ISP " + std::to_string(isp_id));
  uint32_t index;
  if (Status s = publish_nhlfe(spec, &index); !s.ok()) return s;
  fib_.set_ftn(it->second.index, index);
  it->second.ftn = spec;
  it->second.ftn_source = source;
  return Status::success();
}

Status Rib::clear_ftn(uint32_t isp_id) {
  auto it = isps_.find(isp_id);
  if (it == isps_.end()) return Status::failure("no ISP " + std::to_string(isp_id));
  fib_.set_ftn(it->second.index, kNoNhlfe);
  it->second.ftn.reset();
  return Status::success();
}

const IspState* Rib::isp(uint32_t isp_id) const {
  auto it = isps_.find(isp_id);
  return it == isps_.end() ? nullptr : &it->second;
}

const IspState* Rib::isp_by_index(uint16_t index) const {
  return index < isp_id_by_index_.size() && isp_id_by_index_[index] != 0
             ? isp(isp_id_by_index_[index])
             : nullptr;
}

// --------------------------------------------------------------- subscribers

Status Rib::check_spec(const SubscriberSpec& spec, const SubscriberState* existing) const {
  if (!isps_.count(spec.isp_id)) return Status::failure("no ISP " + std::to_string(spec.isp_id));
  if (spec.port >= kMaxPorts || port(spec.port).role != PortRole::kAccess)
    return Status::failure("port " + std::to_string(spec.port) + " is not an access port");
  if (spec.svlan > 4094 || spec.cvlan > 4094 || (spec.cvlan != 0 && spec.svlan == 0))
    return Status::failure("bad VLAN ids");
  if (port(spec.port).classify == ClassifyMode::kLine) {
    uint32_t found = fib_.line_owner(line_key(spec.port, spec.svlan, spec.cvlan));
    if (found != kInvalidHandle && (existing == nullptr || found != existing->handle))
      return Status::failure("line already belongs to another subscriber");
  }
  for (const IpPrefix& p : spec.addresses) {
    if (p.family != 4 && p.family != 6) return Status::failure("bad address family");
    if (p.length > (p.family == 4 ? 32 : 128)) return Status::failure("bad prefix length");
  }
  return Status::success();
}

Status Rib::meter_profiles(const SubscriberSpec& spec, uint16_t profiles[kDirections]) {
  for (unsigned d = 0; d < kDirections; ++d) {
    uint64_t burst = spec.burst_bytes[d] ? spec.burst_bytes[d] : default_burst(spec.rate_bps[d]);
    uint32_t profile = fib_.meter_profile(spec.rate_bps[d], burst);
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

Status Rib::add_subscriber(const SubscriberSpec& spec) {
  if (subscribers_.count(spec.id))
    return Status::failure("subscriber " + std::to_string(spec.id) + " exists");
  if (Status s = check_spec(spec, nullptr); !s.ok()) return s;
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
  subscribers_.emplace(spec.id, SubscriberState{handle, spec});
  return Status::success();
}

Status Rib::update_subscriber(const SubscriberSpec& spec) {
  auto it = subscribers_.find(spec.id);
  if (it == subscribers_.end())
    return Status::failure("no subscriber " + std::to_string(spec.id));
  SubscriberState& state = it->second;
  if (Status s = check_spec(spec, &state); !s.ok()) return s;
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
  --isps_.at(old.isp_id).subscribers;
  ++new_isp.subscribers;
  state.spec = spec;
  return Status::success();
}

Status Rib::set_subscriber_isp(uint32_t subscriber_id, uint32_t isp_id) {
  auto it = subscribers_.find(subscriber_id);
  if (it == subscribers_.end())
    return Status::failure("no subscriber " + std::to_string(subscriber_id));
  SubscriberSpec spec = it->second.spec;
  spec.isp_id = isp_id;
  return update_subscriber(spec);
}

Status Rib::remove_subscriber(uint32_t subscriber_id) {
  auto it = subscribers_.find(subscriber_id);
  if (it == subscribers_.end())
    return Status::failure("no subscriber " + std::to_string(subscriber_id));
  const SubscriberSpec& spec = it->second.spec;
  if (port(spec.port).classify == ClassifyMode::kLine) fib_.remove_line(line_key(spec.port, spec.svlan, spec.cvlan));
  remove_addresses(spec.addresses);
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

// ----------------------------------------------------------------------- ILM

Status Rib::set_ilm(uint32_t label, IlmEntry entry, EntrySource source) {
  if (Status s = check_local_label(label, tables().ilm.label_space()); !s.ok()) return s;
  if (entry.action == IlmAction::kSwap) return Status::failure("a swap is set with its NHLFE (set_ilm_swap)");
  replace_ilm(label, entry, {entry.action, std::nullopt, source});
  return Status::success();
}

Status Rib::set_ilm_swap(uint32_t label, const NhlfeSpec& out, EntrySource source) {
  if (Status s = check_local_label(label, tables().ilm.label_space()); !s.ok()) return s;
  uint32_t index;
  if (Status s = publish_nhlfe(out, &index); !s.ok()) return s;
  replace_ilm(label, {IlmAction::kSwap, index}, {IlmAction::kSwap, out, source});
  return Status::success();
}

Status Rib::clear_ilm(uint32_t label) {
  if (label >= tables().ilm.label_space()) return Status::failure("label out of range");
  replace_ilm(label, {}, {});
  return Status::success();
}

void Rib::replace_ilm(uint32_t label, IlmEntry entry, IlmState state) {
  fib_.set_ilm(label, entry);
  if (entry.action == IlmAction::kNone)
    ilm_.erase(label);
  else
    ilm_[label] = std::move(state);
}

// ----------------------------------------------------------------- neighbours

Status Rib::move_neighbour(uint16_t port, const rte_ether_addr& from, const rte_ether_addr& to,
                                   unsigned* rewritten) {
  auto through = [&](const NhlfeSpec& spec) {
    return spec.out_port == port && rte_is_same_ether_addr(&spec.next_hop_mac, &from);
  };
  *rewritten = 0;
  for (auto& [id, isp] : isps_) {
    if (!isp.ftn || !through(*isp.ftn)) continue;
    NhlfeSpec moved = *isp.ftn;
    moved.next_hop_mac = to;
    if (Status s = set_ftn(id, moved, isp.ftn_source); !s.ok()) return s;
    ++*rewritten;
  }
  for (auto& [label, state] : ilm_) {
    if (!state.swap || !through(*state.swap)) continue;
    NhlfeSpec moved = *state.swap;
    moved.next_hop_mac = to;
    if (Status s = set_ilm_swap(label, moved, state.source); !s.ok()) return s;
    ++*rewritten;
  }
  return Status::success();
}

}  // namespace aggr
