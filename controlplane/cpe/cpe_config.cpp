#include "controlplane/cpe/cpe_config.h"

#include <algorithm>
#include <set>

#include "controlplane/config/yaml_reader.h"

namespace aggr::cpe {
namespace {

void read_broker(YamlReader& r, const YAML::Node& node, CpeConfig& c) {
  if (!r.map(node, "broker", {"server", "token_file"})) return;
  if (r.require(node, "server", "broker")) r.host_port(node["server"], "broker server", &c.broker_host, &c.broker_port);
  std::string file;
  if (r.require(node, "token_file", "broker") && r.scalar(node["token_file"], "broker token_file", &file))
    c.token_file = relative_to(r.file(), file);
}

void read_wan(YamlReader& r, const YAML::Node& node, CpeConfig& c) {
  if (!r.map(node, "wan", {"interface", "gateway", "down", "up"})) return;
  if (r.require(node, "interface", "wan")) r.scalar(node["interface"], "wan interface", &c.wan_interface);
  if (r.require(node, "gateway", "wan")) r.parsed(node["gateway"], "wan gateway", parse_host_address, &c.wan_gateway);
  if (r.require(node, "down", "wan")) r.rate(node["down"], "wan down", &c.down_bps);
  if (r.require(node, "up", "wan")) r.rate(node["up"], "wan up", &c.up_bps);
}

void read_announce(YamlReader& r, const YAML::Node& node, CpeConfig& c) {
  if (!r.map(node, "announce", {"down", "up"})) return;
  if (r.require(node, "down", "announce")) r.rate(node["down"], "announce down", &c.sync_down_bps);
  if (r.require(node, "up", "announce")) r.rate(node["up"], "announce up", &c.sync_up_bps);
}

void read_lend(YamlReader& r, const YAML::Node& node, CpeConfig& c) {
  if (!r.map(node, "lend", {"down", "up"})) return;
  uint64_t bps = 0;
  if (node["down"] && r.rate(node["down"], "lend down", &bps)) c.lend_down_bps = bps;
  if (node["up"] && r.rate(node["up"], "lend up", &bps)) c.lend_up_bps = bps;
}

void read_third_links(YamlReader& r, const YAML::Node& node, CpeConfig& c) {
  if (!r.sequence(node, "third_links")) return;
  std::set<std::string> peers;
  for (const YAML::Node& n : node) {
    if (!r.map(n, "a third link", {"peer", "interface", "peer_address", "peer_prefixes", "address"})) continue;
    ThirdLinkConfig link;
    if (!r.require(n, "peer", "a third link") || !r.scalar(n["peer"], "third link peer", &link.peer)) continue;
    if (!peers.insert(link.peer).second) r.error(n["peer"], "peer '" + link.peer + "' has two third links");
    if (r.require(n, "interface", "third link " + link.peer)) r.scalar(n["interface"], "third link interface", &link.interface);
    if (r.require(n, "peer_address", "third link " + link.peer))
      r.parsed(n["peer_address"], "third link peer_address", parse_host_address, &link.peer_address);
    if (r.require(n, "peer_prefixes", "third link " + link.peer) && r.sequence(n["peer_prefixes"], "peer_prefixes"))
      for (const YAML::Node& p : n["peer_prefixes"]) {
        IpPrefix prefix;
        if (r.parsed(p, "peer prefix", parse_prefix, &prefix)) link.peer_prefixes.push_back(prefix);
      }
    if (n["address"]) {
      IpPrefix address;
      if (r.parsed(n["address"], "third link address", parse_interface_address, &address)) {
        if (!prefix_contains(prefix_network(address), link.peer_address) ||
            std::equal(address.bytes, address.bytes + 16, link.peer_address.bytes))
          r.error(n["address"], "third link " + link.peer + ": the peer_address " + format_address(link.peer_address) +
                                    " must be another address of " + format_prefix(prefix_network(address)));
        link.address = address;
      }
    }
    c.third_links.push_back(std::move(link));
  }
}

void read_borrow(YamlReader& r, const YAML::Node& node, CpeConfig& c) {
  if (!r.map(node, "borrow", {"saturation", "saturated_for", "min", "desired", "direction", "interruptible", "duration",
                              "retry"}))
    return;
  BorrowPolicy& b = c.borrow;
  b.enabled = true;
  if (node["saturation"]) r.fraction(node["saturation"], "borrow saturation", &b.saturation);
  if (node["saturated_for"]) r.duration(node["saturated_for"], "borrow saturated_for", &b.saturated_for_ms);
  if (node["min"]) r.rate(node["min"], "borrow min", &b.min_bps);
  if (r.require(node, "desired", "borrow")) r.rate(node["desired"], "borrow desired", &b.desired_bps);
  if (node["direction"])
    r.choice(node["direction"], "borrow direction",
             {{"down", Direction::kDown}, {"up", Direction::kUp}, {"both", Direction::kBoth}}, &b.direction);
  if (node["interruptible"])
    r.choice(node["interruptible"], "borrow interruptible", {{"true", true}, {"false", false}}, &b.interruptible);
  if (node["duration"]) r.duration(node["duration"], "borrow duration", &b.duration_ms);
  if (node["retry"]) r.duration(node["retry"], "borrow retry", &b.retry_ms);
  if (b.desired_bps > 0 && b.min_bps > b.desired_bps) r.error(node, "borrow: min is more than desired");
}

}  // namespace

const ThirdLinkConfig* CpeConfig::third_link_to(const std::string& peer) const {
  for (const ThirdLinkConfig& l : third_links)
    if (l.peer == peer) return &l;
  return nullptr;
}

bool load_cpe_config(const std::string& path, CpeConfig* out, std::vector<ConfigError>* errors) {
  const size_t errors_before = errors->size();
  YAML::Node root;
  if (!load_yaml_file(path, &root, *errors)) return false;
  YamlReader r(path, *errors);
  CpeConfig c;
  c.file = path;
  if (!r.map(root, "the device configuration",
             {"subscriber", "broker", "wan", "announce", "lend", "third_links", "borrow", "measure_interval",
              "status"}))
    return false;
  if (r.require(root, "subscriber", "the device configuration")) r.scalar(root["subscriber"], "subscriber", &c.subscriber);
  if (r.require(root, "broker", "the device configuration")) read_broker(r, root["broker"], c);
  if (r.require(root, "wan", "the device configuration")) read_wan(r, root["wan"], c);
  if (root["announce"]) read_announce(r, root["announce"], c);
  if (root["lend"]) read_lend(r, root["lend"], c);
  if (root["third_links"]) read_third_links(r, root["third_links"], c);
  if (root["borrow"]) read_borrow(r, root["borrow"], c);
  if (root["measure_interval"]) r.duration(root["measure_interval"], "measure_interval", &c.measure_interval_ms);
  if (root["status"] && r.map(root["status"], "status", {"listen"}) && r.require(root["status"], "listen", "status")) {
    std::pair<std::string, uint16_t> listen;
    if (r.host_port(root["status"]["listen"], "status listen", &listen.first, &listen.second)) c.status_listen = listen;
  }
  for (const ThirdLinkConfig& l : c.third_links)
    if (l.peer_address.family != c.wan_gateway.family && c.wan_gateway.length > 0)
      r.error(root["third_links"], "third link " + l.peer + ": its peer_address is of another family than the wan gateway");
  if (errors->size() != errors_before) return false;
  *out = std::move(c);
  return true;
}

}  // namespace aggr::cpe
