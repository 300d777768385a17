// The RIB's core: ports, NHLFEs and neighbours. Its entries are in
// rib_isps.cpp (ISPs, FTN, handoffs), rib_subscribers.cpp and rib_labels.cpp
// (ILM, prefix FECs).
#include "controlplane/rib/rib.h"

#include <algorithm>
#include <set>

#include "dataplane/net/labels.h"

namespace aggr {

bool NhlfeSpec::operator==(const NhlfeSpec& o) const {
  return labels == o.labels && out_port == o.out_port && rte_is_same_ether_addr(&next_hop_mac, &o.next_hop_mac) &&
         next_hop_address == o.next_hop_address && unresolved == o.unresolved;
}

Rib::Rib(Tables& tables)
    : fib_(tables),
      isp_id_by_index_(tables.limits.isps, 0),
      port_names_(kMaxPorts),
      prefix_fec_used_(tables.limits.prefix_fecs, false) {
  for (uint16_t p = 0; p < kMaxPorts; ++p) port_names_[p] = "port" + std::to_string(p);
}

void Rib::name_port(uint16_t port, std::string name) { port_names_.at(port) = std::move(name); }

const std::string& Rib::port_name(uint16_t port) const { return port_names_.at(port); }

std::optional<uint16_t> Rib::port_named(const std::string& name) const {
  auto it = std::find(port_names_.begin(), port_names_.end(), name);
  if (it == port_names_.end()) return std::nullopt;
  return uint16_t(it - port_names_.begin());
}

Status Rib::check_nhlfe(const NhlfeSpec& spec, NhlfeUse use) const {
  switch (use) {
    case NhlfeUse::kPush:
      if (Status s = check_pushed_labels(spec.labels); !s.ok()) return s;
      break;
    case NhlfeUse::kSwap:
      if (!spec.labels.empty())
        if (Status s = check_pushed_labels(spec.labels); !s.ok()) return s;
      break;
    case NhlfeUse::kHandoff:
      if (!spec.labels.empty()) return Status::failure("a handoff carries no label");
      break;
  }
  if (spec.next_hop_address && spec.next_hop_address->length != (spec.next_hop_address->family == 4 ? 32 : 128))
    return Status::failure("next hop " + format_prefix(*spec.next_hop_address) + " is not one address");
  const PortRole role = use == NhlfeUse::kHandoff ? PortRole::kIsp : PortRole::kCore;
  if (spec.out_port >= kMaxPorts || port(spec.out_port).role != role)
    return Status::failure("out port " + port_name(spec.out_port) + " is not " +
                           (role == PortRole::kCore ? "a core port" : "an isp port"));
  return Status::success();
}

NhlfeSpec Rib::resolved(const NhlfeSpec& wish) const {
  if (!wish.next_hop_address) return wish;
  NhlfeSpec spec = wish;
  const rte_ether_addr* mac = neighbour_mac({wish.out_port, *wish.next_hop_address});
  spec.next_hop_mac = mac != nullptr ? *mac : rte_ether_addr{};
  spec.unresolved = mac == nullptr;
  return spec;
}

// Specs are checked when a source wishes for them, not here.
Status Rib::publish_nhlfe(const NhlfeSpec& spec, uint32_t* index) {
  *index = fib_.publish_nhlfe(fib_.build_nhlfe(spec.labels, spec.out_port, spec.next_hop_mac, !spec.unresolved));
  if (*index == kNoNhlfe)
    return Status::failure("NHLFE table full (" + std::to_string(tables().nhlfes.capacity()) + ")");
  return Status::success();
}

// ----------------------------------------------------------------- neighbours

template <typename Touch>
Status Rib::reinstall_through(Touch touch, unsigned* rewritten) {
  // Touches every wish; true if any went through the neighbour.
  auto touch_all = [&](std::map<EntrySource, NhlfeSpec>& wanted) {
    bool through = false;
    for (auto& [source, spec] : wanted) through |= touch(spec);
    return through;
  };
  // Reinstalls an entry, counting it if what is installed changed.
  auto reinstall = [&](const std::optional<NhlfeSpec>& installed, auto install) {
    std::optional<NhlfeSpec> before = installed;
    Status s = install();
    if (s.ok() && installed != before) ++*rewritten;
    return s;
  };
  *rewritten = 0;
  for (auto& [id, isp] : isps_) {
    IspState& state = isp;
    if (touch_all(state.ftn_wanted))
      if (Status s = reinstall(state.ftn, [&] { return install_ftn(state); }); !s.ok()) return s;
    if (touch_all(state.handoff_wanted))
      if (Status s = reinstall(state.handoff, [&] { return install_handoff(state); }); !s.ok()) return s;
  }
  for (auto& [prefix, fec] : prefix_fecs_) {
    const IpPrefix& key = prefix;
    if (touch_all(fec.wanted))
      if (Status s = reinstall(fec.installed, [&] { return install_prefix_fec(key); }); !s.ok()) return s;
  }
  for (auto& [label, by_source] : ilm_wanted_) {
    bool through = false;
    for (auto& [source, wish] : by_source)
      if (wish.swap) through |= touch(*wish.swap);
    if (!through) continue;
    IlmState before = ilm_.count(label) ? ilm_.at(label) : IlmState{};
    if (Status s = install_ilm(label); !s.ok()) return s;
    if (!(ilm_.at(label) == before)) ++*rewritten;
  }
  return Status::success();
}

Status Rib::move_neighbour(uint16_t port, const rte_ether_addr& from, const rte_ether_addr& to,
                           unsigned* rewritten) {
  return reinstall_through(
      [&](NhlfeSpec& spec) {
        if (spec.next_hop_address || spec.out_port != port || !rte_is_same_ether_addr(&spec.next_hop_mac, &from))
          return false;
        spec.next_hop_mac = to;
        return true;
      },
      rewritten);
}

Status Rib::set_neighbour(const Adjacency& neighbour, std::optional<rte_ether_addr> mac, unsigned* rewritten) {
  *rewritten = 0;
  auto known = neighbours_.find(neighbour);
  if (mac && known != neighbours_.end() && rte_is_same_ether_addr(&known->second, &*mac)) return Status::success();
  if (!mac && known == neighbours_.end()) return Status::success();
  if (mac)
    neighbours_[neighbour] = *mac;
  else
    neighbours_.erase(known);
  return reinstall_through(
      [&](NhlfeSpec& spec) { return spec.out_port == neighbour.port && spec.next_hop_address == neighbour.address; },
      rewritten);
}

const rte_ether_addr* Rib::neighbour_mac(const Adjacency& neighbour) const {
  auto it = neighbours_.find(neighbour);
  return it == neighbours_.end() ? nullptr : &it->second;
}

std::vector<Adjacency> Rib::neighbours_wanted() const {
  std::set<Adjacency> wanted;
  auto note = [&](const NhlfeSpec& spec) {
    if (spec.next_hop_address) wanted.insert({spec.out_port, *spec.next_hop_address});
  };
  for (const auto& [id, isp] : isps_) {
    for (const auto& [source, spec] : isp.ftn_wanted) note(spec);
    for (const auto& [source, spec] : isp.handoff_wanted) note(spec);
  }
  for (const auto& [prefix, fec] : prefix_fecs_)
    for (const auto& [source, spec] : fec.wanted) note(spec);
  for (const auto& [label, by_source] : ilm_wanted_)
    for (const auto& [source, wish] : by_source)
      if (wish.swap) note(*wish.swap);
  return {wanted.begin(), wanted.end()};
}

}  // namespace aggr
