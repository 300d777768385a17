// The configuration's ldp section -> LdpConfig. Like the other readers it
// checks structure and values; cross-references (interfaces, the LSR id's
// default, labels against the range) are validate_config's.
#include <fstream>
#include <sstream>

#include "controlplane/config/ldp_yaml.h"

namespace aggr {
namespace {

bool read_ipv4_host(YamlReader& r, const YAML::Node& node, const std::string& what, IpPrefix* out) {
  if (!r.parsed(node, what, parse_host_address, out)) return false;
  if (out->family == 4) return true;
  r.error(node, what + ": LDP's transport here is IPv4; '" + node.Scalar() + "' is not an IPv4 address");
  return false;
}

// {interval, hold_time}, seconds. The hold time is at least the interval.
void read_hello(YamlReader& r, const YAML::Node& node, const std::string& what, uint16_t* interval,
                uint16_t* hold_time) {
  if (!r.map(node, what, {"interval", "hold_time"})) return;
  if (node["interval"] && r.number(node["interval"], what + " interval", 65535, interval) && *interval == 0)
    r.error(node["interval"], what + " interval must be 1 second or more");
  if (node["hold_time"] && r.number(node["hold_time"], what + " hold_time", 65535, hold_time) && *hold_time < *interval)
    r.error(node["hold_time"], what + " hold_time must be at least its interval (" + std::to_string(*interval) + " s)");
}

// The key, as the file holds it (one line; trailing newline dropped).
void read_password(YamlReader& r, const YAML::Node& node, LdpNeighborConfig& neighbor) {
  std::string file;
  if (!r.scalar(node, "password_file", &file)) return;
  neighbor.password_file = relative_to(r.file(), file);
  std::ifstream in(neighbor.password_file);
  if (!in) {
    r.error(node, "password_file: cannot read '" + neighbor.password_file + "'");
    return;
  }
  std::getline(in, neighbor.password);
  // Linux takes TCP MD5 keys of 1..80 bytes (TCP_MD5SIG_MAXKEYLEN).
  if (neighbor.password.empty() || neighbor.password.size() > 80)
    r.error(node, "password_file: '" + neighbor.password_file + "' must hold a key of 1..80 characters on its first line");
}

void read_neighbors(YamlReader& r, const YAML::Node& node, LdpConfig& ldp) {
  if (!r.sequence(node, "ldp neighbors")) return;
  for (const auto& n : node) {
    if (!r.map(n, "ldp neighbor", {"lsr_id", "targeted", "password_file"})) continue;
    LdpNeighborConfig neighbor;
    neighbor.where = r.at(n);
    if (r.require(n, "lsr_id", "ldp neighbor")) read_ipv4_host(r, n["lsr_id"], "ldp neighbor lsr_id", &neighbor.lsr_id);
    IpPrefix targeted;
    if (n["targeted"] && read_ipv4_host(r, n["targeted"], "ldp neighbor targeted", &targeted)) neighbor.targeted = targeted;
    if (n["password_file"]) read_password(r, n["password_file"], neighbor);
    ldp.neighbors.push_back(std::move(neighbor));
  }
}

// The subnet of `port`'s mirror that `address` is on.
std::optional<IpPrefix> mirror_subnet(const PortConfig* port, const IpPrefix& address) {
  if (port == nullptr || !port->mirror) return std::nullopt;
  for (const IpPrefix& subnet : port->mirror->addresses)
    if (prefix_contains(subnet, address)) return prefix_network(subnet);
  return std::nullopt;
}

// {reconnect_time, recovery_time, state_file}: on when the section is there.
void read_graceful_restart(YamlReader& r, const YAML::Node& node, LdpGracefulRestartConfig& gr) {
  gr.enabled = true;
  if (!r.map(node, "ldp graceful_restart", {"reconnect_time", "recovery_time", "state_file"})) return;
  if (node["reconnect_time"] &&
      r.number(node["reconnect_time"], "ldp graceful_restart reconnect_time", 1800, &gr.reconnect_time) &&
      gr.reconnect_time == 0)
    r.error(node["reconnect_time"], "ldp graceful_restart reconnect_time must be 1..1800 seconds");
  if (node["recovery_time"])
    r.number(node["recovery_time"], "ldp graceful_restart recovery_time", 1800, &gr.recovery_time);
  std::string file;
  if (r.require(node, "state_file", "ldp graceful_restart") && r.scalar(node["state_file"], "state_file", &file))
    gr.state_file = relative_to(r.file(), file);
}

}  // namespace

void complete_ldp(RouterConfig& c) {
  LdpConfig& ldp = c.ldp;
  if (!ldp.enabled) return;
  IpPrefix zero;
  IpPrefix router_id;  // router.router_id was checked as it was read
  if (ldp.router_id == zero && parse_host_address(c.router_id, &router_id).ok()) ldp.router_id = router_id;
  if (ldp.transport_address == zero) ldp.transport_address = ldp.router_id;
  if (ldp.interfaces.empty())
    for (const PortConfig& p : c.ports)
      if (p.role == PortRole::kCore && p.mirror) ldp.interfaces.push_back(p.name);
  // A tailend's ISP FEC: by default the link its handoff gateway is on.
  for (IspConfig& isp : c.isps)
    if (!isp.fec && isp.handoff && isp.handoff->address) {
      isp.fec = mirror_subnet(c.port(isp.handoff->port), *isp.handoff->address);
      isp.fec_where = isp.handoff->where;
    }
}

void read_ldp(YamlReader& r, const YAML::Node& node, LdpConfig& ldp) {
  ldp.enabled = true;
  ldp.where = r.at(node);
  if (!r.map(node, "ldp", {"router_id", "transport_address", "interfaces", "hello", "targeted_hello", "keepalive_time",
                          "first_label", "subscriber_fecs", "neighbors", "graceful_restart"}))
    return;
  if (node["router_id"]) read_ipv4_host(r, node["router_id"], "ldp router_id", &ldp.router_id);
  if (node["transport_address"]) read_ipv4_host(r, node["transport_address"], "ldp transport_address", &ldp.transport_address);
  if (node["interfaces"] && r.sequence(node["interfaces"], "ldp interfaces")) {
    ldp.interfaces_where = r.at(node["interfaces"]);
    for (const auto& i : node["interfaces"]) {
      std::string name;
      if (r.scalar(i, "ldp interface", &name)) ldp.interfaces.push_back(name);
    }
  }
  if (node["hello"]) read_hello(r, node["hello"], "ldp hello", &ldp.hello_interval, &ldp.hello_hold_time);
  if (node["targeted_hello"])
    read_hello(r, node["targeted_hello"], "ldp targeted_hello", &ldp.targeted_hello_interval,
               &ldp.targeted_hello_hold_time);
  // Section 3.5.3: a keepalive time of 0 is refused by every peer.
  if (node["keepalive_time"] && r.number(node["keepalive_time"], "ldp keepalive_time", 65535, &ldp.keepalive_time) &&
      ldp.keepalive_time < 3)
    r.error(node["keepalive_time"], "ldp keepalive_time must be 3 seconds or more (a KeepAlive goes every third of it)");
  if (node["first_label"]) {
    ldp.first_label_where = r.at(node["first_label"]);
    if (r.number(node["first_label"], "ldp first_label", (1u << 20) - 1, &ldp.first_label) && ldp.first_label < 16)
      r.error(node["first_label"], "ldp first_label: labels 0..15 are reserved (RFC 3032)");
  }
  if (node["subscriber_fecs"] && r.sequence(node["subscriber_fecs"], "ldp subscriber_fecs"))
    for (const auto& f : node["subscriber_fecs"]) {
      IpPrefix prefix;
      if (r.parsed(f, "ldp subscriber FEC", parse_prefix, &prefix)) ldp.subscriber_fecs.push_back(prefix);
    }
  if (node["neighbors"]) read_neighbors(r, node["neighbors"], ldp);
  if (node["graceful_restart"]) read_graceful_restart(r, node["graceful_restart"], ldp.graceful_restart);
}

}  // namespace aggr
