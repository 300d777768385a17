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

// The most preferred source in `wanted`, which is not empty.
template <typename T>
EntrySource most_preferred(const std::map<EntrySource, T>& wanted) {
  EntrySource best = wanted.begin()->first;
  for (const auto& [source, value] : wanted)
    if (entry_source_preference(source) > entry_source_preference(best)) best = source;
  return best;
}

}  // namespace

bool NhlfeSpec::operator==(const NhlfeSpec& o) const {
  return labels == o.labels && out_port == o.out_port && rte_is_same_ether_addr(&next_hop_mac, &o.next_hop_mac);
}

Rib::Rib(Tables& tables) : fib_(tables), isp_id_by_index_(tables.limits.isps, 0), port_names_(kMaxPorts) {
  for (uint16_t p = 0; p < kMaxPorts; ++p) port_names_[p] = "port" + std::to_string(p);
}

void Rib::name_port(uint16_t port, std::string name) { port_names_.at(port) = std::move(name); }

const std::string& Rib::port_name(uint16_t port) const { return port_names_.at(port); }

std::optional<uint16_t> Rib::port_named(const std::string& name) const {
  auto it = std::find(port_names_.begin(), port_names_.end(), name);
  if (it == port_names_.end()) return std::nullopt;
  return uint16_t(it - port_names_.begin());
}

// Records `source`'s wish (or, with no value, withdraws it) and installs
// whichever is now most preferred; if that fails, the wish is as it was.
template <typename Wanted, typename Install>
Status Rib::change_wanted(std::map<EntrySource, Wanted>& wanted, EntrySource source, std::optional<Wanted> value,
                         Install install) {
  auto it = wanted.find(source);
  std::optional<Wanted> before = it == wanted.end() ? std::nullopt : std::optional<Wanted>(it->second);
  if (!value && !before) return Status::failure(std::string("no entry from ") + std::string(entry_source_name(source)));
  if (value)
    wanted[source] = *value;
  else
    wanted.erase(source);
  Status s = install();
  if (!s.ok()) {
    if (before)
      wanted[source] = *before;
    else
      wanted.erase(source);
  }
  return s;
}

// ---------------------------------------------------------------- ISPs / FTN

Status Rib::add_isp(uint32_t isp_id, const std::string& name) {
  if (isp_id == 0) return Status::failure("ISP id 0 is reserved");
  if (isps_.count(isp_id)) return Status::failure("ISP " + std::to_string(isp_id) + " exists");
  auto free_slot = std::find(isp_id_by_index_.begin(), isp_id_by_index_.end(), 0u);
  if (free_slot == isp_id_by_index_.end())
    return Status::failure("ISP table full (" + std::to_string(isp_id_by_index_.size()) + ")");
  *free_slot = isp_id;
  uint16_t index = uint16_t(free_slot - isp_id_by_index_.begin());
  isps_.emplace(isp_id, IspState{isp_id, name, index, 0, {}, std::nullopt});
  return Status::success();
}

Status Rib::remove_isp(uint32_t isp_id) {
  auto it = isps_.find(isp_id);
  if (it == isps_.end()) return Status::failure("no ISP " + std::to_string(isp_id));
  if (it->second.subscribers > 0)
    return Status::failure("ISP " + std::to_string(isp_id) + " still has " +
                           std::to_string(it->second.subscribers) + " subscribers");
  fib_.set_ftn(it->second.index, kNoNhlfe);
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

Status Rib::check_nhlfe(const NhlfeSpec& spec) const {
  if (Status s = check_pushed_labels(spec.labels); !s.ok()) return s;
  if (spec.out_port >= kMaxPorts || port(spec.out_port).role != PortRole::kCore)
    return Status::failure("out port " + port_name(spec.out_port) + " is not a core port");
  return Status::success();
}

Status Rib::publish_nhlfe(const NhlfeSpec& spec, uint32_t* index) {
  if (Status s = check_nhlfe(spec); !s.ok()) return s;
  *index = fib_.publish_nhlfe(fib_.build_nhlfe(spec.labels, spec.out_port, spec.next_hop_mac));
  if (*index == kNoNhlfe)
    return Status::failure("NHLFE table full (" + std::to_string(tables().nhlfes.capacity()) + ")");
  return Status::success();
}

Status Rib::install_ftn(IspState& isp) {
  if (isp.ftn_wanted.empty()) {
    fib_.set_ftn(isp.index, kNoNhlfe);
    isp.ftn.reset();
    return Status::success();
  }
  EntrySource best = most_preferred(isp.ftn_wanted);
  const NhlfeSpec& spec = isp.ftn_wanted.at(best);
  if (isp.ftn && *isp.ftn == spec && isp.ftn_source == best) return Status::success();
  uint32_t index;
  if (Status s = publish_nhlfe(spec, &index); !s.ok()) return s;
  fib_.set_ftn(isp.index, index);
  isp.ftn = spec;
  isp.ftn_source = best;
  return Status::success();
}

Status Rib::set_ftn(uint32_t isp_id, const NhlfeSpec& spec, EntrySource source) {
  auto it = isps_.find(isp_id);
  if (it == isps_.end()) return Status::failure("no ISP " + std::to_string(isp_id));
  if (Status s = check_nhlfe(spec); !s.ok()) return s;
  IspState& isp = it->second;
  return change_wanted(isp.ftn_wanted, source, std::optional(spec), [&] { return install_ftn(isp); });
}

Status Rib::clear_ftn(uint32_t isp_id, EntrySource source) {
  auto it = isps_.find(isp_id);
  if (it == isps_.end()) return Status::failure("no ISP " + std::to_string(isp_id));
  IspState& isp = it->second;
  return change_wanted(isp.ftn_wanted, source, std::optional<NhlfeSpec>(), [&] { return install_ftn(isp); });
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

const IspState* Rib::isp_named(const std::string& name) const {
  for (const auto& [id, isp] : isps_)
    if (isp.name == name) return &isp;
  return nullptr;
}

// --------------------------------------------------------------- subscribers

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
    std::vector<AddressOwners::Overlap> found = address_owners_.overlaps(p, spec.id), mine = own.overlaps(p);
    found.insert(found.end(), mine.begin(), mine.end());
    for (const AddressOwners::Overlap& o : found) problems.push_back(AddressOwners::describe(p, o));
    if (mine.empty()) own.add(p, spec.id);
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

// ----------------------------------------------------------------------- ILM

Status Rib::install_ilm(uint32_t label) {
  auto wanted = ilm_wanted_.find(label);
  auto installed = ilm_.find(label);
  if (wanted == ilm_wanted_.end() || wanted->second.empty()) {
    if (wanted != ilm_wanted_.end()) ilm_wanted_.erase(wanted);
    fib_.set_ilm(label, {});
    if (installed != ilm_.end()) ilm_.erase(installed);
    return Status::success();
  }
  const IlmState& best = wanted->second.at(most_preferred(wanted->second));
  if (installed != ilm_.end() && installed->second == best) return Status::success();
  IlmEntry entry{best.action, best.argument};
  if (best.action == IlmAction::kSwap)
    if (Status s = publish_nhlfe(*best.swap, &entry.argument); !s.ok()) return s;
  fib_.set_ilm(label, entry);
  ilm_[label] = best;
  return Status::success();
}

Status Rib::set_ilm(uint32_t label, IlmEntry entry, EntrySource source) {
  if (Status s = check_local_label(label, tables().ilm.label_space()); !s.ok()) return s;
  if (entry.action == IlmAction::kSwap) return Status::failure("a swap is set with its NHLFE (set_ilm_swap)");
  if (entry.action == IlmAction::kNone) return Status::failure("an ILM entry needs an action (clear_ilm removes one)");
  IlmState wanted{entry.action, std::nullopt, source, entry.argument};
  return change_wanted(ilm_wanted_[label], source, std::optional(wanted), [&] { return install_ilm(label); });
}

Status Rib::set_ilm_swap(uint32_t label, const NhlfeSpec& out, EntrySource source) {
  if (Status s = check_local_label(label, tables().ilm.label_space()); !s.ok()) return s;
  if (Status s = check_nhlfe(out); !s.ok()) return s;
  IlmState wanted{IlmAction::kSwap, out, source, 0};
  return change_wanted(ilm_wanted_[label], source, std::optional(wanted), [&] { return install_ilm(label); });
}

Status Rib::clear_ilm(uint32_t label, EntrySource source) {
  if (label >= tables().ilm.label_space()) return Status::failure("label " + std::to_string(label) + " out of range");
  Status s = change_wanted(ilm_wanted_[label], source, std::optional<IlmState>(), [&] { return install_ilm(label); });
  if (auto it = ilm_wanted_.find(label); it != ilm_wanted_.end() && it->second.empty()) ilm_wanted_.erase(it);
  return s;
}

const IlmState* Rib::ilm_wanted(uint32_t label, EntrySource source) const {
  auto it = ilm_wanted_.find(label);
  if (it == ilm_wanted_.end()) return nullptr;
  auto from = it->second.find(source);
  return from == it->second.end() ? nullptr : &from->second;
}

std::vector<uint32_t> Rib::ilm_labels(EntrySource source) const {
  std::vector<uint32_t> labels;
  for (const auto& [label, wanted] : ilm_wanted_)
    if (wanted.count(source)) labels.push_back(label);
  return labels;
}

// ----------------------------------------------------------------- neighbours

Status Rib::move_neighbour(uint16_t port, const rte_ether_addr& from, const rte_ether_addr& to,
                           unsigned* rewritten) {
  // Moves the wishes through the neighbour; true if any did.
  auto move = [&](NhlfeSpec& spec) {
    if (spec.out_port != port || !rte_is_same_ether_addr(&spec.next_hop_mac, &from)) return false;
    spec.next_hop_mac = to;
    return true;
  };
  *rewritten = 0;
  for (auto& [id, isp] : isps_) {
    bool moved = false;
    for (auto& [source, spec] : isp.ftn_wanted) moved |= move(spec);
    if (!moved) continue;
    std::optional<NhlfeSpec> before = isp.ftn;
    if (Status s = install_ftn(isp); !s.ok()) return s;
    if (isp.ftn != before) ++*rewritten;
  }
  for (auto& [label, by_source] : ilm_wanted_) {
    bool moved = false;
    for (auto& [source, wish] : by_source) moved |= wish.swap && move(*wish.swap);
    if (!moved) continue;
    IlmState before = ilm_.count(label) ? ilm_.at(label) : IlmState{};
    if (Status s = install_ilm(label); !s.ok()) return s;
    if (!(ilm_.at(label) == before)) ++*rewritten;
  }
  return Status::success();
}

}  // namespace aggr
