// YAML -> RouterConfig. Checks structure and types (unknown keys, wrong
// types, missing keys, malformed values); cross-references are checked by
// validate_config.
#include <yaml-cpp/yaml.h>

#include <functional>
#include <set>

#include "controlplane/config/config.h"
#include "controlplane/config/values.h"
#include "controlplane/config/ldp_yaml.h"
#include "controlplane/config/yaml_reader.h"

namespace aggr {
namespace {

using Reader = YamlReader;

void read_router(Reader& r, const YAML::Node& node, RouterConfig& c) {
  if (!r.map(node, "router", {"name", "router_id", "role", "ttl_model"})) return;
  if (node["name"]) r.scalar(node["name"], "router name", &c.name);
  if (node["router_id"]) {
    IpPrefix id;
    std::string text;
    if (r.scalar(node["router_id"], "router_id", &text) &&
        (!parse_prefix(text, &id).ok() || id.family != 4 || id.length != 32))
      r.error(node["router_id"], "router_id: '" + text + "' is not an IPv4 address");
    else
      c.router_id = text;
  }
  if (node["role"])
    r.choice(node["role"], "router role",
             {{"headend", RouterRole::kHeadend}, {"transit", RouterRole::kTransit}, {"tailend", RouterRole::kTailend}},
             &c.role);
  if (node["ttl_model"])
    r.choice(node["ttl_model"], "ttl_model",
             {{"uniform", TtlModel::kUniform}, {"pipe", TtlModel::kPipe}}, &c.ttl_model);
}

void read_eal(Reader& r, const YAML::Node& node, RouterConfig& c) {
  if (!r.map(node, "eal", {"args"}) || !node["args"]) return;
  if (!r.sequence(node["args"], "eal args")) return;
  for (const auto& a : node["args"]) {
    std::string text;
    if (r.scalar(a, "eal argument", &text)) c.eal_args.push_back(text);
  }
}

void read_workers(Reader& r, const YAML::Node& node, RouterConfig& c) {
  if (!r.map(node, "workers", {"lcores", "idle_polls", "idle_sleep_us", "mbufs"})) return;
  c.workers_where = r.at(node);
  if (r.require(node, "lcores", "workers") && r.sequence(node["lcores"], "workers lcores")) {
    c.workers_where = r.at(node["lcores"]);
    for (const auto& l : node["lcores"]) {
      unsigned lcore;
      if (r.number(l, "worker lcore", RTE_MAX_LCORE - 1, &lcore)) c.worker_lcores.push_back(lcore);
    }
  }
  if (node["idle_polls"]) r.number(node["idle_polls"], "idle_polls", 1u << 30, &c.idle_polls);
  if (node["idle_sleep_us"]) r.number(node["idle_sleep_us"], "idle_sleep_us", 1000000, &c.idle_sleep_us);
  if (node["mbufs"]) r.number(node["mbufs"], "mbufs", 1u << 26, &c.mbufs);
}

void read_limits(Reader& r, const YAML::Node& node, RouterConfig& c) {
  if (!r.map(node, "limits", {"subscribers", "isps", "label_space", "ipv4_prefixes",
                              "ipv6_prefixes", "nhlfes", "prefix_fecs", "contracts"}))
    return;
  TableLimits& l = c.limits;
  if (node["subscribers"]) r.number(node["subscribers"], "limits subscribers", 16u << 20, &l.subscribers);
  if (node["isps"]) r.number(node["isps"], "limits isps", 65535, &l.isps);
  if (node["label_space"]) r.number(node["label_space"], "limits label_space", 1u << 20, &l.label_space);
  if (node["ipv4_prefixes"]) r.number(node["ipv4_prefixes"], "limits ipv4_prefixes", 16u << 20, &l.ipv4_prefixes);
  if (node["ipv6_prefixes"]) r.number(node["ipv6_prefixes"], "limits ipv6_prefixes", 16u << 20, &l.ipv6_prefixes);
  if (node["nhlfes"]) r.number(node["nhlfes"], "limits nhlfes", 1u << 20, &l.nhlfes);
  if (node["prefix_fecs"]) r.number(node["prefix_fecs"], "limits prefix_fecs", 65535, &l.prefix_fecs);
  if (node["contracts"]) r.number(node["contracts"], "limits contracts", 1u << 20, &l.contracts);
}

// {interface, addresses: [address/length, ...]}
void read_mirror(Reader& r, const YAML::Node& node, PortConfig& port) {
  if (!r.map(node, "mirror", {"interface", "addresses"})) return;
  MirrorConfig mirror;
  mirror.where = r.at(node);
  if (r.require(node, "interface", "mirror") && r.scalar(node["interface"], "mirror interface", &mirror.interface) &&
      (mirror.interface.empty() || mirror.interface.size() > 15 ||
       mirror.interface.find_first_of("/ \t:") != std::string::npos))
    r.error(node["interface"], "mirror interface: '" + mirror.interface + "' is not a Linux interface name (1..15 characters)");
  if (node["addresses"] && r.sequence(node["addresses"], "mirror addresses"))
    for (const auto& a : node["addresses"]) {
      IpPrefix address;
      if (r.parsed(a, "mirror address", parse_interface_address, &address)) mirror.addresses.push_back(address);
    }
  port.mirror = mirror;
}

void read_punt_rates(Reader& r, const YAML::Node& node, RouterConfig& c) {
  if (!r.map(node, "punt_rates", {"arp", "nd", "icmp", "ldp", "other"})) return;
  for (unsigned k = 0; k < kPuntKinds; ++k) {
    const std::string kind(punt_kind_name(PuntKind(k)));
    if (node[kind]) r.number(node[kind], "punt_rates " + kind, 1000000, &c.punt_rates[k]);
  }
}

void read_ports(Reader& r, const YAML::Node& node, RouterConfig& c) {
  if (!r.sequence(node, "ports")) return;
  for (const auto& p : node) {
    if (!r.map(p, "port", {"name", "device", "role", "classify", "mtu", "mac", "outer_tpid", "worker", "mirror",
                           "gateways"}))
      continue;
    PortConfig port;
    port.where = r.at(p);
    if (r.require(p, "name", "port")) r.scalar(p["name"], "port name", &port.name);
    if (r.require(p, "device", "port " + port.name)) r.scalar(p["device"], "port device", &port.device);
    if (r.require(p, "role", "port " + port.name))
      r.choice(p["role"], "port role", {{"access", PortRole::kAccess}, {"core", PortRole::kCore}, {"isp", PortRole::kIsp}},
               &port.role);
    if (p["classify"]) {
      r.choice(p["classify"], "port classify",
               {{"line", ClassifyMode::kLine}, {"source-prefix", ClassifyMode::kSourcePrefix}}, &port.classify);
      if (port.role != PortRole::kAccess) r.error(p["classify"], "classify applies to access ports only");
    }
    if (p["mtu"]) {
      r.number(p["mtu"], "port mtu", 9600, &port.mtu);
      if (port.mtu < 576) r.error(p["mtu"], "port mtu must be 576..9600");
    }
    if (p["mac"]) {
      rte_ether_addr mac;
      if (r.mac(p["mac"], "port mac", &mac)) port.mac = mac;
    }
    if (p["outer_tpid"]) {
      r.number(p["outer_tpid"], "outer_tpid", 0xFFFF, &port.outer_tpid);
      if (port.outer_tpid != 0x88A8 && port.outer_tpid != 0x8100)
        r.error(p["outer_tpid"], "outer_tpid must be 0x88a8 or 0x8100");
    }
    if (p["worker"]) {
      unsigned lcore;
      if (r.number(p["worker"], "port worker", RTE_MAX_LCORE - 1, &lcore)) port.worker = lcore;
    }
    if (p["mirror"]) read_mirror(r, p["mirror"], port);
    if (p["gateways"] && r.sequence(p["gateways"], "port gateways")) {
      port.gateways_where = r.at(p["gateways"]);
      for (const auto& g : p["gateways"]) {
        IpPrefix gateway;
        if (r.parsed(g, "gateway", parse_host_address, &gateway)) port.gateways.push_back(gateway);
      }
    }
    c.ports.push_back(std::move(port));
  }
}

// {port, mac} or {port, address}: a neighbour on one of the router's
// ports; {address}: a next hop the kernel's routes lead to.
bool read_next_hop(Reader& r, const YAML::Node& node, const std::string& what, NextHopConfig* out) {
  out->where = r.at(node);
  if (!r.map(node, what, {"port", "mac", "address"})) return false;
  bool ok = true;
  if (!node["address"] || node["port"]) ok = r.require(node, "port", what) && r.scalar(node["port"], what + " port", &out->port);
  if (node["port"]) out->port_where = r.at(node["port"]);
  if (bool(node["mac"]) == bool(node["address"])) {
    r.error(node, what + ": needs either mac or address");
    return false;
  }
  if (node["mac"]) return r.mac(node["mac"], what + " mac", &out->mac) && ok;
  IpPrefix address;
  if (!r.parsed(node["address"], what + " address", parse_host_address, &address)) return false;
  out->address = address;
  return ok;
}

void read_labels(Reader& r, const YAML::Node& node, const std::string& what, std::vector<uint32_t>* out) {
  if (!r.sequence(node, what)) return;
  for (const auto& l : node) {
    uint32_t label;
    if (r.number(l, "label", 0xFFFFFFFF, &label)) out->push_back(label);
  }
}

void read_isps(Reader& r, const YAML::Node& node, RouterConfig& c) {
  if (!r.sequence(node, "isps")) return;
  for (const auto& i : node) {
    if (!r.map(i, "isp", {"id", "name", "labels", "next_hop", "handoff", "fec"})) continue;
    IspConfig isp;
    isp.where = r.at(i);
    if (r.require(i, "id", "isp")) {
      r.number(i["id"], "isp id", 0xFFFFFFFF, &isp.id);
      if (isp.id == 0) r.error(i["id"], "isp id must be 1 or more");
    }
    if (r.require(i, "name", "isp")) r.scalar(i["name"], "isp name", &isp.name);
    // The FTN entry is optional (a tailend's ISPs, or LDP's), but whole.
    if (i["labels"] || i["next_hop"]) {
      if (r.require(i, "labels", "isp " + isp.name)) {
        isp.labels_where = r.at(i["labels"]);
        read_labels(r, i["labels"], "isp labels", &isp.labels);
        if (isp.labels.empty() && i["labels"].IsSequence()) r.error(i["labels"], "isp labels: 1 to 3 labels");
      }
      if (r.require(i, "next_hop", "isp " + isp.name)) read_next_hop(r, i["next_hop"], "next_hop", &isp.next_hop);
    }
    if (i["fec"]) {
      isp.fec_where = r.at(i["fec"]);
      IpPrefix fec;
      if (r.parsed(i["fec"], "isp fec", parse_prefix, &fec)) isp.fec = fec;
    }
    if (i["handoff"]) {
      NextHopConfig handoff;
      if (read_next_hop(r, i["handoff"], "handoff", &handoff)) isp.handoff = handoff;
    }
    c.isps.push_back(std::move(isp));
  }
}

void read_subscriber(Reader& r, const YAML::Node& s, RouterConfig& c) {
  if (!r.map(s, "subscriber", {"id", "isp", "line", "cpe_mac", "addresses", "rate"})) return;
  SubscriberConfig sub;
  sub.where = r.at(s);
  if (r.require(s, "id", "subscriber")) {
    r.number(s["id"], "subscriber id", 0xFFFFFFFF, &sub.id);
    if (sub.id == 0) r.error(s["id"], "subscriber id must be 1 or more");
  }
  if (r.require(s, "isp", "subscriber")) {
    sub.isp_where = r.at(s["isp"]);
    r.scalar(s["isp"], "subscriber isp", &sub.isp);
  }
  if (r.require(s, "line", "subscriber")) {
    const YAML::Node line = s["line"];
    sub.line_where = r.at(line);
    if (r.map(line, "line", {"port", "svlan", "cvlan"})) {
      if (r.require(line, "port", "line")) r.scalar(line["port"], "line port", &sub.port);
      if (line["svlan"] && r.number(line["svlan"], "svlan", 4094, &sub.svlan) && sub.svlan == 0)
        r.error(line["svlan"], "svlan must be 1..4094");
      if (line["cvlan"] && r.number(line["cvlan"], "cvlan", 4094, &sub.cvlan) && sub.cvlan == 0)
        r.error(line["cvlan"], "cvlan must be 1..4094");
    }
  }
  if (r.require(s, "cpe_mac", "subscriber")) r.mac(s["cpe_mac"], "cpe_mac", &sub.cpe_mac);
  if (r.require(s, "addresses", "subscriber") && r.sequence(s["addresses"], "addresses")) {
    for (const auto& a : s["addresses"]) {
      std::string text;
      IpPrefix prefix;
      if (!r.scalar(a, "address", &text)) continue;
      if (Status e = parse_prefix(text, &prefix); !e.ok()) {
        r.error(a, "address: " + e.error);
        continue;
      }
      sub.addresses.push_back(prefix);
      sub.address_where.push_back(r.at(a));
    }
  }
  if (s["rate"] && r.map(s["rate"], "rate", {"up", "down"})) {
    if (s["rate"]["up"]) r.rate(s["rate"]["up"], "rate up", &sub.rate_bps[0]);
    if (s["rate"]["down"]) r.rate(s["rate"]["down"], "rate down", &sub.rate_bps[1]);
  }
  c.subscribers.push_back(std::move(sub));
}

void read_local_labels(Reader& r, const YAML::Node& node, RouterConfig& c) {
  if (!r.sequence(node, "local_labels")) return;
  for (const auto& l : node) {
    if (!r.map(l, "local label", {"label", "action", "isp", "out_labels", "next_hop"})) continue;
    LocalLabelConfig label;
    label.where = r.at(l);
    if (r.require(l, "label", "local label")) r.number(l["label"], "label", 0xFFFFFFFF, &label.label);
    if (r.require(l, "action", "local label"))
      r.choice(l["action"], "label action",
               {{"pop-to-subscriber", IlmAction::kPopToSubscriber},
                {"pop-to-isp", IlmAction::kPopToIsp},
                {"swap", IlmAction::kSwap}},
               &label.action);
    const std::string what = "local label " + std::to_string(label.label);
    // Each action's own keys, and only those.
    auto only_for = [&](const char* key, IlmAction action) {
      if (l[key] && label.action != action)
        r.error(l[key], what + ": '" + key + "' belongs to action " + std::string(ilm_action_name(action)));
    };
    only_for("isp", IlmAction::kPopToIsp);
    only_for("out_labels", IlmAction::kSwap);
    only_for("next_hop", IlmAction::kSwap);
    if (label.action == IlmAction::kPopToIsp && r.require(l, "isp", what)) {
      label.isp_where = r.at(l["isp"]);
      r.scalar(l["isp"], what + " isp", &label.isp);
    }
    if (label.action == IlmAction::kSwap) {
      if (r.require(l, "out_labels", what)) {
        label.out_labels_where = r.at(l["out_labels"]);
        read_labels(r, l["out_labels"], what + " out_labels", &label.out_labels);
      }
      if (r.require(l, "next_hop", what)) read_next_hop(r, l["next_hop"], "next_hop", &label.next_hop);
    }
    c.local_labels.push_back(label);
  }
}

void read_prefix_fecs(Reader& r, const YAML::Node& node, RouterConfig& c) {
  if (!r.sequence(node, "prefix_fecs")) return;
  for (const auto& f : node) {
    if (!r.map(f, "prefix FEC", {"prefix", "labels", "next_hop"})) continue;
    PrefixFecConfig fec;
    fec.where = r.at(f);
    if (r.require(f, "prefix", "prefix FEC")) r.parsed(f["prefix"], "prefix FEC prefix", parse_prefix, &fec.prefix);
    if (r.require(f, "labels", "prefix FEC")) {
      fec.labels_where = r.at(f["labels"]);
      read_labels(r, f["labels"], "prefix FEC labels", &fec.labels);
    }
    if (r.require(f, "next_hop", "prefix FEC")) read_next_hop(r, f["next_hop"], "next_hop", &fec.next_hop);
    c.prefix_fecs.push_back(std::move(fec));
  }
}

// "host:port" or "off". IPv6 hosts in brackets: "[::1]:9464".
bool read_listen(Reader& r, const YAML::Node& node, const std::string& what, ListenAddress* out) {
  std::string text;
  if (!r.scalar(node, what, &text)) return false;
  if (text == "off") {
    out->enabled = false;
    return true;
  }
  // Checked by host_port; "off" is the one other word.
  ListenAddress address;
  if (!r.host_port(node, what + " (or off)", &address.host, &address.port)) return false;
  *out = address;
  return true;
}

void read_management(Reader& r, const YAML::Node& node, RouterConfig& c) {
  if (!r.map(node, "management", {"listen", "token_file"})) return;
  if (node["listen"]) read_listen(r, node["listen"], "management listen", &c.management.listen);
  std::string file;
  if (node["token_file"] && r.scalar(node["token_file"], "token_file", &file))
    c.management.token_file = relative_to(r.file(), file);
}

// {server: host:port, router: NAME, token_file: F, report_interval_ms: N}
void read_broker(Reader& r, const YAML::Node& node, RouterConfig& c) {
  if (!r.map(node, "broker", {"server", "router", "token_file", "report_interval_ms"})) return;
  BrokerClientConfig& b = c.broker;
  b.enabled = true;
  b.where = r.at(node);
  if (r.require(node, "server", "broker")) read_listen(r, node["server"], "broker server", &b.server);
  if (r.require(node, "router", "broker")) r.scalar(node["router"], "broker router", &b.router);
  std::string file;
  if (r.require(node, "token_file", "broker") && r.scalar(node["token_file"], "broker token_file", &file))
    b.token_file = relative_to(r.file(), file);
  if (node["report_interval_ms"])
    r.number(node["report_interval_ms"], "broker report_interval_ms", 3600000, &b.report_interval_ms);
}

void read_metrics(Reader& r, const YAML::Node& node, RouterConfig& c) {
  if (!r.map(node, "metrics", {"listen", "subscribers"})) return;
  if (node["listen"]) {
    c.metrics.listen_where = r.at(node["listen"]);
    read_listen(r, node["listen"], "metrics listen", &c.metrics.listen);
  }
  std::string text;
  if (node["subscribers"] && r.scalar(node["subscribers"], "metrics subscribers", &text)) {
    uint64_t n = 0;
    if (text == "off") {
      c.metrics.subscribers = SubscriberMetrics::kOff;
    } else if (text == "all") {
      c.metrics.subscribers = SubscriberMetrics::kAll;
    } else if (text.rfind("top-", 0) == 0 && parse_unsigned(text.substr(4), 100000, &n).ok() && n > 0) {
      c.metrics.subscribers = SubscriberMetrics::kTop;
      c.metrics.top_subscribers = uint32_t(n);
    } else {
      r.error(node["subscribers"], "metrics subscribers: '" + text + "' is not off, all or top-N (N 1..100000)");
    }
  }
}

void read_logging(Reader& r, const YAML::Node& node, RouterConfig& c) {
  if (!r.map(node, "logging", {"level", "syslog"})) return;
  if (node["level"])
    r.choice(node["level"], "logging level",
             {{"debug", LogLevel::kDebug}, {"info", LogLevel::kInfo}, {"warning", LogLevel::kWarning},
              {"error", LogLevel::kError}},
             &c.logging.level);
  if (node["syslog"]) r.choice(node["syslog"], "logging syslog", {{"true", true}, {"false", false}}, &c.logging.syslog);
}

}  // namespace

void parse_yaml_config(const std::string& path, RouterConfig& c, std::vector<ConfigError>& errors) {
  c.file = path;
  YAML::Node root;
  if (!load_yaml_file(path, &root, errors)) return;
  Reader r(path, errors);
  if (!r.map(root, "the configuration", {"router", "eal", "workers", "limits", "ports", "isps",
                                         "subscribers", "subscribers_file", "local_labels", "prefix_fecs", "subscriber_pools",
                                         "punt_rates", "ldp", "management", "broker", "metrics", "logging"}))
    return;
  if (root["router"]) read_router(r, root["router"], c);
  if (root["eal"]) read_eal(r, root["eal"], c);
  if (r.require(root, "workers", "the configuration")) read_workers(r, root["workers"], c);
  if (root["limits"]) read_limits(r, root["limits"], c);
  if (r.require(root, "ports", "the configuration")) read_ports(r, root["ports"], c);
  if (root["isps"]) read_isps(r, root["isps"], c);
  if (root["subscribers"] && r.sequence(root["subscribers"], "subscribers"))
    for (const auto& s : root["subscribers"]) read_subscriber(r, s, c);
  if (root["local_labels"]) read_local_labels(r, root["local_labels"], c);
  if (root["prefix_fecs"]) read_prefix_fecs(r, root["prefix_fecs"], c);
  if (root["subscriber_pools"] && r.sequence(root["subscriber_pools"], "subscriber_pools")) {
    c.pools_where = r.at(root["subscriber_pools"]);
    for (const auto& p : root["subscriber_pools"]) {
      IpPrefix pool;
      if (r.parsed(p, "subscriber pool", parse_prefix, &pool)) c.subscriber_pools.push_back(pool);
    }
  }
  if (root["punt_rates"]) read_punt_rates(r, root["punt_rates"], c);
  if (root["ldp"]) read_ldp(r, root["ldp"], c.ldp);
  if (root["management"]) read_management(r, root["management"], c);
  if (root["broker"]) read_broker(r, root["broker"], c);
  if (root["metrics"]) read_metrics(r, root["metrics"], c);
  if (root["logging"]) read_logging(r, root["logging"], c);
  complete_ldp(c);
  if (root["subscribers_file"]) {
    std::string file;
    if (r.scalar(root["subscribers_file"], "subscribers_file", &file)) {
      load_subscribers_file(relative_to(path, file), c, errors);
    }
  }
}

}  // namespace aggr
