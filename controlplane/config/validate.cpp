// Cross-reference checks over a parsed configuration: duplicates, dangling
// references, overlapping prefixes, limits. Nothing here touches the tables.
#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "controlplane/config/config.h"
#include "controlplane/config/values.h"
#include "controlplane/rib/subscriber_rules.h"
#include "dataplane/net/labels.h"

namespace aggr {
namespace {

std::string where_text(const SourceLocation& w) {
  return w.file + ":" + std::to_string(w.line) + ":" + std::to_string(w.column);
}

// The file's addresses in address order, each with where it was written.
struct WrittenPrefix {
  const IpPrefix* prefix;
  const SubscriberConfig* owner;
  const SourceLocation* where;
};

// Checked in address order (wider first at the same start), so that each
// overlap is reported once, at the later prefix, naming the earlier.
void check_overlaps(std::vector<WrittenPrefix>& prefixes, std::vector<ConfigError>& errors) {
  auto key = [](const IpPrefix& p) {
    unsigned __int128 v = 0;
    for (unsigned i = 0; i < (p.family == 4 ? 4u : 16u); ++i) v = v << 8 | p.bytes[i];
    return std::pair(v, p.length);
  };
  std::sort(prefixes.begin(), prefixes.end(),
            [&](const WrittenPrefix& a, const WrittenPrefix& b) { return key(*a.prefix) < key(*b.prefix); });
  // The owners recorded here are positions in `prefixes` (plus one), so
  // that an overlap leads back to where the earlier prefix was written.
  AddressOwners owners;
  for (size_t i = 0; i < prefixes.size(); ++i) {
    const WrittenPrefix& p = prefixes[i];
    std::vector<AddressOwners::Overlap> found = owners.overlaps(*p.prefix);
    if (found.empty()) {
      owners.add(*p.prefix, uint32_t(i + 1));
      continue;
    }
    const WrittenPrefix& earlier = prefixes[found.front().owner - 1];
    errors.push_back({*p.where, AddressOwners::describe(*p.prefix, {*earlier.prefix, earlier.owner->id}) + " at " +
                                    where_text(*earlier.where)});
  }
}

void check_ports(const RouterConfig& c, std::vector<ConfigError>& errors) {
  std::map<std::string, const PortConfig*> names;
  std::map<std::string, const PortConfig*> devices;
  std::map<std::string, const PortConfig*> mirrors;
  std::set<unsigned> lcores(c.worker_lcores.begin(), c.worker_lcores.end());
  for (const PortConfig& p : c.ports) {
    if (p.mirror) {
      // Access ports' frames for the router (subscribers' ARP, ND, ping to
      // their gateway) are answered per line, not by a kernel interface.
      if (p.role == PortRole::kAccess)
        errors.push_back({p.mirror->where, "port " + p.name + ": mirrors are for core and isp ports"});
      if (!mirrors.emplace(p.mirror->interface, &p).second)
        errors.push_back({p.mirror->where, "mirror interface " + p.mirror->interface + " is already port " +
                                               mirrors[p.mirror->interface]->name + "'s"});
    }
    if (!p.gateways.empty()) {
      if (p.role != PortRole::kAccess)
        errors.push_back({p.gateways_where, "port " + p.name + ": gateways are for access ports"});
      const auto ipv4 = std::count_if(p.gateways.begin(), p.gateways.end(), [](const IpPrefix& g) { return g.family == 4; });
      if (ipv4 > 1 || p.gateways.size() - size_t(ipv4) > 1)
        errors.push_back({p.gateways_where, "port " + p.name + ": at most one IPv4 and one IPv6 gateway"});
    }
    if (!names.emplace(p.name, &p).second)
      errors.push_back({p.where, "port name '" + p.name + "' is already used at " + where_text(names[p.name]->where)});
    std::string device = p.device.substr(0, p.device.find(','));
    if (!device.empty() && !devices.emplace(device, &p).second)
      errors.push_back({p.where, "device '" + device + "' is already used by port " + devices[device]->name});
    if (p.worker && !lcores.count(*p.worker))
      errors.push_back({p.where, "port " + p.name + " names worker lcore " + std::to_string(*p.worker) +
                                     ", which is not in workers.lcores"});
  }
  if (c.ports.size() > kMaxPorts)
    errors.push_back({c.ports[kMaxPorts].where, "at most " + std::to_string(kMaxPorts) + " ports"});
}

void check_workers(const RouterConfig& c, std::vector<ConfigError>& errors) {
  if (c.worker_lcores.empty()) {
    errors.push_back({c.workers_where, "workers.lcores needs at least one lcore"});
    return;
  }
  std::set<unsigned> seen;
  for (unsigned lcore : c.worker_lcores) {
    if (lcore == 0)
      errors.push_back({c.workers_where, "lcore 0 is the main lcore (control plane); workers need others"});
    if (!seen.insert(lcore).second)
      errors.push_back({c.workers_where, "lcore " + std::to_string(lcore) + " is listed twice"});
  }
  if (c.worker_lcores.size() > c.limits.max_workers)
    errors.push_back({c.workers_where, "at most " + std::to_string(c.limits.max_workers) + " workers"});
}

// The port a next hop names must exist and have the role its use needs. A
// next hop by address is resolved by the kernel on the port's mirror, so
// the port needs one, with a subnet the address is on.
const PortConfig* check_next_hop(const RouterConfig& c, const NextHopConfig& next_hop, const std::string& what,
                                 PortRole role, std::vector<ConfigError>& errors) {
  if (next_hop.port.empty()) {  // by route: some core port's mirror must carry it
    const bool core_mirror = std::any_of(c.ports.begin(), c.ports.end(),
                                         [](const PortConfig& p) { return p.role == PortRole::kCore && p.mirror; });
    if (role != PortRole::kCore)
      errors.push_back({next_hop.where, what + ": needs its port (routes lead to core ports only)"});
    else if (!core_mirror)
      errors.push_back({next_hop.where, what + ": by route needs a core port with a mirror, whose kernel has the routes"});
    return nullptr;
  }
  const PortConfig* port = c.port(next_hop.port);
  if (port == nullptr) {
    errors.push_back({next_hop.port_where, what + ": no port named '" + next_hop.port + "'"});
    return nullptr;
  }
  if (port->role != role) {
    errors.push_back({next_hop.port_where, what + " port " + port->name + " is not " +
                                               (role == PortRole::kCore ? "a core port" : "an isp port")});
    return nullptr;
  }
  if (!next_hop.address) return port;
  const std::string address = format_address(*next_hop.address);
  if (!port->mirror) {
    errors.push_back({next_hop.where, what + " " + address + ": port " + port->name +
                                          " has no mirror to resolve it on (give a mac, or the port a mirror)"});
    return port;
  }
  bool on_link = false;
  for (const IpPrefix& subnet : port->mirror->addresses) on_link |= prefix_contains(subnet, *next_hop.address);
  if (!on_link)
    errors.push_back({next_hop.where, what + " " + address + " is on none of port " + port->name +
                                          "'s mirror subnets"});
  return port;
}

void check_isps(const RouterConfig& c, std::vector<ConfigError>& errors) {
  std::map<std::string, const IspConfig*> handoffs;  // by port
  std::map<uint32_t, const IspConfig*> ids;
  std::map<std::string, const IspConfig*> names;
  for (const IspConfig& isp : c.isps) {
    if (!ids.emplace(isp.id, &isp).second)
      errors.push_back({isp.where, "isp id " + std::to_string(isp.id) + " is already used at " + where_text(ids[isp.id]->where)});
    if (!names.emplace(isp.name, &isp).second)
      errors.push_back({isp.where, "isp name '" + isp.name + "' is already used at " + where_text(names[isp.name]->where)});
    if (isp.has_ftn()) {
      if (Status s = check_pushed_labels(isp.labels); !s.ok()) errors.push_back({isp.labels_where, s.error});
      check_next_hop(c, isp.next_hop, "isp " + isp.name + ": next hop", PortRole::kCore, errors);
    }
    if (isp.handoff) {
      const std::string what = "isp " + isp.name + ": handoff";
      const PortConfig* port = check_next_hop(c, *isp.handoff, what, PortRole::kIsp, errors);
      if (port != nullptr && !handoffs.emplace(port->name, &isp).second)
        errors.push_back({isp.handoff->port_where, what + " port " + port->name + " is already isp " +
                                                       handoffs[port->name]->name + "'s handoff"});
    }
  }
  for (const PortConfig& p : c.ports)
    if (p.role == PortRole::kIsp && !handoffs.count(p.name))
      errors.push_back({p.where, "isp port " + p.name + " is no ISP's handoff"});
  if (c.isps.size() > c.limits.isps)
    errors.push_back({c.isps[c.limits.isps].where, "more ISPs than limits.isps (" + std::to_string(c.limits.isps) + ")"});
}

// The checks of one subscriber on its own: references, tags, addresses.
// Returns the line's port, or nullptr when it has none to check clashes on.
const PortConfig* check_subscriber_fields(const RouterConfig& c, const SubscriberConfig& s,
                                          std::vector<ConfigError>& errors) {
  if (c.isp(s.isp) == nullptr)
    errors.push_back({s.isp_where, "subscriber " + std::to_string(s.id) + ": no isp named '" + s.isp + "'"});
  if (Status tags = check_line_tags(s.id, s.svlan, s.cvlan); !tags.ok()) errors.push_back({s.line_where, tags.error});
  if (Status some = check_has_addresses(s.id, s.addresses); !some.ok()) errors.push_back({s.where, some.error});
  for (size_t i = 0; i < s.addresses.size(); ++i)
    if (Status in = check_in_pools(s.id, s.addresses[i], c.subscriber_pools); !in.ok())
      errors.push_back({i < s.address_where.size() ? s.address_where[i] : s.where, in.error});
  const PortConfig* port = c.port(s.port);
  if (port == nullptr) {
    errors.push_back({s.line_where, "subscriber " + std::to_string(s.id) + ": no port named '" + s.port + "'"});
  } else if (port->role != PortRole::kAccess) {
    errors.push_back({s.line_where, "subscriber " + std::to_string(s.id) + ": port " + s.port + " is not an access port"});
    return nullptr;
  }
  return port;
}

void check_subscribers(const RouterConfig& c, std::vector<ConfigError>& errors) {
  std::unordered_map<uint32_t, const SubscriberConfig*> ids;
  std::unordered_map<uint64_t, const SubscriberConfig*> lines;
  std::vector<WrittenPrefix> prefixes;

  for (const SubscriberConfig& s : c.subscribers) {
    if (!ids.emplace(s.id, &s).second)
      errors.push_back({s.where, "subscriber id " + std::to_string(s.id) + " is already used at " + where_text(ids[s.id]->where)});
    const PortConfig* port = check_subscriber_fields(c, s, errors);
    if (port != nullptr && port->classify == ClassifyMode::kLine) {
      uint64_t key = line_key(uint16_t(port - c.ports.data()), s.svlan, s.cvlan);
      if (!lines.emplace(key, &s).second)
        errors.push_back({s.line_where, line_taken(s.port, s.svlan, s.cvlan, lines[key]->id)});
    }
    for (size_t a = 0; a < s.addresses.size(); ++a) prefixes.push_back({&s.addresses[a], &s, &s.address_where[a]});
  }
  check_overlaps(prefixes, errors);
  if (c.subscribers.size() > c.limits.subscribers)
    errors.push_back({c.subscribers[c.limits.subscribers].where,
                      "more subscribers than limits.subscribers (" + std::to_string(c.limits.subscribers) + ")"});
}

void check_local_labels(const RouterConfig& c, std::vector<ConfigError>& errors) {
  std::map<uint32_t, const LocalLabelConfig*> seen;
  for (const LocalLabelConfig& l : c.local_labels) {
    if (Status s = check_local_label(l.label, c.limits.label_space); !s.ok()) errors.push_back({l.where, s.error});
    if (!seen.emplace(l.label, &l).second)
      errors.push_back({l.where, "local label " + std::to_string(l.label) + " is already bound at " +
                                     where_text(seen[l.label]->where)});
    const std::string what = "local label " + std::to_string(l.label);
    if (l.action == IlmAction::kPopToIsp) {
      const IspConfig* isp = c.isp(l.isp);
      if (isp == nullptr)
        errors.push_back({l.isp_where, what + ": no isp named '" + l.isp + "'"});
      else if (!isp->handoff)
        errors.push_back({l.isp_where, what + ": isp " + l.isp + " has no handoff here"});
    }
    if (l.action == IlmAction::kSwap) {
      if (Status s = check_swap_labels(l.out_labels); !s.ok()) errors.push_back({l.out_labels_where, s.error});
      check_next_hop(c, l.next_hop, what + ": next hop", PortRole::kCore, errors);
    }
  }
}

void check_prefix_fecs(const RouterConfig& c, std::vector<ConfigError>& errors) {
  std::map<std::string, const PrefixFecConfig*> seen;
  for (const PrefixFecConfig& f : c.prefix_fecs) {
    const std::string prefix = format_prefix(f.prefix), what = "prefix FEC " + prefix;
    if (!seen.emplace(prefix, &f).second)
      errors.push_back({f.where, what + " is already given at " + where_text(seen[prefix]->where)});
    if (Status s = check_pushed_labels(f.labels); !s.ok()) errors.push_back({f.labels_where, s.error});
    check_next_hop(c, f.next_hop, what + ": next hop", PortRole::kCore, errors);
  }
  if (c.prefix_fecs.size() > c.limits.prefix_fecs)
    errors.push_back({c.prefix_fecs[c.limits.prefix_fecs].where,
                      "more prefix FECs than limits.prefix_fecs (" + std::to_string(c.limits.prefix_fecs) + ")"});
}

// Access ports make a headend, isp ports a tailend; a transit has core ports only.
void check_role(const RouterConfig& c, std::vector<ConfigError>& errors) {
  for (const PortConfig& p : c.ports) {
    if (p.role == PortRole::kAccess && c.role != RouterRole::kHeadend)
      errors.push_back({p.where, "port " + p.name + ": access ports belong to a headend, and this router is a " +
                                     std::string(router_role_name(c.role))});
    if (p.role == PortRole::kIsp && c.role != RouterRole::kTailend)
      errors.push_back({p.where, "port " + p.name + ": isp ports belong to a tailend, and this router is a " +
                                     std::string(router_role_name(c.role))});
  }
  if (!c.subscriber_pools.empty() && c.role != RouterRole::kHeadend)
    errors.push_back({c.pools_where, "subscriber_pools belong to a headend, and this router is a " +
                                         std::string(router_role_name(c.role))});
}

// LDP speaks on mirrors (its Hellos leave from an IPv4 address of each),
// allocates labels that static ones must not collide with, and needs to
// know each ISP's FEC where it installs or originates entries for it.
void check_ldp(const RouterConfig& c, std::vector<ConfigError>& errors) {
  const LdpConfig& ldp = c.ldp;
  if (!ldp.enabled) return;
  if (ldp.router_id == IpPrefix{})
    errors.push_back({ldp.where, "ldp: needs a router_id (here or in router.router_id)"});
  if (ldp.interfaces.empty() && ldp.neighbors.empty())
    errors.push_back({ldp.where, "ldp: no interface to speak on (no core port with a mirror) and no targeted neighbor"});
  for (const std::string& name : ldp.interfaces) {
    const PortConfig* port = c.port(name);
    const SourceLocation& where = ldp.interfaces_where.line ? ldp.interfaces_where : ldp.where;
    if (port == nullptr) {
      errors.push_back({where, "ldp interface: no port named '" + name + "'"});
      continue;
    }
    const bool ipv4 = port->mirror && std::any_of(port->mirror->addresses.begin(), port->mirror->addresses.end(),
                                                  [](const IpPrefix& a) { return a.family == 4; });
    if (port->role != PortRole::kCore || !ipv4)
      errors.push_back({where, "ldp interface " + name + ": needs a core port whose mirror has an IPv4 address"});
  }
  for (const LocalLabelConfig& l : c.local_labels)
    if (l.label >= ldp.first_label)
      errors.push_back({l.where, "local label " + std::to_string(l.label) + " lies in LDP's labels (" +
                                     std::to_string(ldp.first_label) + " upward): set ldp first_label above the static labels"});
  std::map<std::string, const LdpNeighborConfig*> neighbors;
  for (const LdpNeighborConfig& n : ldp.neighbors)
    if (!neighbors.emplace(format_address(n.lsr_id), &n).second)
      errors.push_back({n.where, "ldp neighbor " + format_address(n.lsr_id) + " is already given at " +
                                     where_text(neighbors[format_address(n.lsr_id)]->where)});
  for (const IspConfig& isp : c.isps)
    if (c.role == RouterRole::kTailend && isp.handoff && !isp.fec)
      errors.push_back({isp.where, "isp " + isp.name + ": LDP needs its fec (the handoff is not by address on a mirror subnet)"});
  if (!ldp.subscriber_fecs.empty() && c.role != RouterRole::kTailend)
    errors.push_back({ldp.where, "ldp subscriber_fecs belong to a tailend, and this router is a " +
                                     std::string(router_role_name(c.role))});
}

void check_listeners(const RouterConfig& c, std::vector<ConfigError>& errors) {
  const ListenAddress& m = c.metrics.listen;
  if (m.enabled && c.management.listen.enabled && m.port == c.management.listen.port)
    errors.push_back({c.metrics.listen_where.line ? c.metrics.listen_where : SourceLocation{c.file, 0, 0},
                      "metrics and management both listen on port " + std::to_string(m.port)});
}

}  // namespace

void validate_config(const RouterConfig& c, std::vector<ConfigError>& errors) {
  check_workers(c, errors);
  check_ports(c, errors);
  check_isps(c, errors);
  check_subscribers(c, errors);
  check_local_labels(c, errors);
  check_prefix_fecs(c, errors);
  check_role(c, errors);
  check_ldp(c, errors);
  check_listeners(c, errors);
}

}  // namespace aggr
