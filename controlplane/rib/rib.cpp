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
      prefix_fec_used_(tables.limits.prefix_fecs, false),
      port_names_(kMaxPorts) {
  for (uint16_t p = 0; p < kMaxPorts; ++p) port_names_[p] = "port" + std::to_string(p);
}

void Rib::name_port(uint16_t port, std::string name) { port_names_.at(port) = std::move(name); }

const std::string& Rib::port_name(uint16_t port) const {
  static const std::string by_route = "(by route)";
  return port == kPortByRoute ? by_route : port_names_.at(port);
}

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
  if (spec.out_port == kPortByRoute) {
    if (!spec.next_hop_address) return Status::failure("a next hop by route needs its address");
    if (use == NhlfeUse::kHandoff) return Status::failure("a handoff names its port");
    return Status::success();
  }
  const PortRole role = use == NhlfeUse::kHandoff ? PortRole::kIsp : PortRole::kCore;
  if (spec.out_port >= kMaxPorts || port(spec.out_port).role != role)
    return Status::failure("out port " + port_name(spec.out_port) + " is not " +
                           (role == PortRole::kCore ? "a core port" : "an isp port"));
  return Status::success();
}

std::optional<Adjacency> Rib::neighbour_of(const NhlfeSpec& wish) const {
  if (!wish.next_hop_address) return std::nullopt;
  const IpPrefix& address = *wish.next_hop_address;
  if (wish.out_port != kPortByRoute) return Adjacency{wish.out_port, address};
  const auto* best = core_route_to(address);
  if (best == nullptr) return std::nullopt;
  const KernelRoute& route = best->second;
  return Adjacency{route.port, route.gateway ? *route.gateway : address};
}

const std::pair<const IpPrefix, KernelRoute>* Rib::core_route_to(const IpPrefix& target) const {
  // The longest match; routes out of anything but a core port do not carry labels.
  const std::pair<const IpPrefix, KernelRoute>* best = nullptr;
  for (const auto& entry : kernel_routes_) {
    const auto& [prefix, route] = entry;
    if ((best == nullptr || prefix.length > best->first.length) && prefix_contains(prefix, target) && port(route.port).role == PortRole::kCore)
      best = &entry;
  }
  return best;
}

NhlfeSpec Rib::resolved(const NhlfeSpec& wish) const {
  if (!wish.next_hop_address) return wish;
  NhlfeSpec spec = wish;
  const std::optional<Adjacency> neighbour = neighbour_of(wish);
  const rte_ether_addr* mac = neighbour ? neighbour_mac(*neighbour) : nullptr;
  spec.next_hop_mac = mac != nullptr ? *mac : rte_ether_addr{};
  spec.unresolved = mac == nullptr;
  // By route: out of the route's port, which the installed entry shows.
  if (wish.out_port == kPortByRoute && mac != nullptr) spec.out_port = neighbour->port;
  return spec;
}

// Specs are checked when a source wishes for them, not here.
Status Rib::publish_nhlfe(const NhlfeSpec& spec, uint32_t* index) {
  // An unresolved entry by route has no port yet; it sends nothing, from any.
  const uint16_t out_port = spec.out_port == kPortByRoute ? 0 : spec.out_port;
  *index = fib_.publish_nhlfe(fib_.build_nhlfe(spec.labels, out_port, spec.next_hop_mac, !spec.unresolved));
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
  return reinstall_through([&](NhlfeSpec& spec) { return neighbour_of(spec) == neighbour; }, rewritten);
}

Status Rib::set_kernel_route(const IpPrefix& prefix, std::optional<KernelRoute> route, unsigned* rewritten) {
  *rewritten = 0;
  auto known = kernel_routes_.find(prefix);
  if (route && known != kernel_routes_.end() && known->second == *route) return Status::success();
  if (!route && known == kernel_routes_.end()) return Status::success();
  if (route)
    kernel_routes_[prefix] = *route;
  else
    kernel_routes_.erase(known);
  ++kernel_routes_version_;
  // Those by route whose installed form changes are rewritten; the others
  // are reinstalled unchanged, which changes nothing.
  return reinstall_through([](NhlfeSpec& spec) { return spec.next_hop_address && spec.out_port == kPortByRoute; },
                           rewritten);
}

const rte_ether_addr* Rib::neighbour_mac(const Adjacency& neighbour) const {
  auto it = neighbours_.find(neighbour);
  return it == neighbours_.end() ? nullptr : &it->second;
}

std::vector<Adjacency> Rib::neighbours_wanted() const {
  std::set<Adjacency> wanted;
  auto note = [&](const NhlfeSpec& spec) {
    if (std::optional<Adjacency> neighbour = neighbour_of(spec)) wanted.insert(*neighbour);
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
