#include "controlplane/broker/broker_config.h"

#include <algorithm>
#include <set>

#include "controlplane/config/token_file.h"
#include "controlplane/config/yaml_reader.h"

namespace aggr::broker {
namespace {

// Equal without telling by its timing how much of a guess was right.
bool same_secret(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char difference = 0;
  for (size_t i = 0; i < a.size(); ++i) difference |= static_cast<unsigned char>(a[i] ^ b[i]);
  return difference == 0;
}

void read_listen(YamlReader& r, const YAML::Node& node, BrokerConfig& c) {
  r.host_port(node, "listen", &c.listen_host, &c.listen_port);
}

void read_callers(YamlReader& r, const YAML::Node& node, BrokerConfig& c) {
  if (!r.sequence(node, "callers")) return;
  std::set<std::string> names;
  for (const YAML::Node& n : node) {
    if (!r.map(n, "a caller", {"name", "role", "token_file", "router", "subscriber"})) continue;
    Caller caller;
    if (!r.require(n, "name", "a caller") || !r.scalar(n["name"], "caller name", &caller.name)) continue;
    if (!names.insert(caller.name).second) r.error(n["name"], "caller '" + caller.name + "' is named twice");
    if (r.require(n, "role", "caller " + caller.name))
      r.choice(n["role"], "caller role",
               {{"router", CallerRole::kRouter}, {"device", CallerRole::kDevice}, {"operator", CallerRole::kOperator}},
               &caller.role);
    std::string token_file;
    if (r.require(n, "token_file", "caller " + caller.name) && r.scalar(n["token_file"], "token_file", &token_file)) {
      if (Status s = read_token_file(relative_to(r.file(), token_file), "token", token_file, &caller.token); !s.ok())
        r.error(n["token_file"], s.error);
    }
    if (caller.role == CallerRole::kRouter && r.require(n, "router", "router caller " + caller.name))
      r.scalar(n["router"], "router", &caller.router);
    if (caller.role == CallerRole::kDevice && r.require(n, "subscriber", "device caller " + caller.name))
      r.scalar(n["subscriber"], "subscriber", &caller.subscriber);
    c.callers.push_back(std::move(caller));
  }
}

void read_lines(YamlReader& r, const YAML::Node& node, BrokerConfig& c) {
  if (!r.sequence(node, "lines")) return;
  std::set<std::string> seen;
  for (const YAML::Node& n : node) {
    if (!r.map(n, "a line", {"subscriber", "router", "down", "up"})) continue;
    LineConfig line;
    if (!r.require(n, "subscriber", "a line") || !r.scalar(n["subscriber"], "line subscriber", &line.subscriber)) continue;
    if (!seen.insert(line.subscriber).second) r.error(n["subscriber"], "subscriber '" + line.subscriber + "' has two lines");
    if (r.require(n, "router", "line " + line.subscriber)) r.scalar(n["router"], "line router", &line.router);
    if (r.require(n, "down", "line " + line.subscriber)) r.rate(n["down"], "line down", &line.down_bps);
    if (r.require(n, "up", "line " + line.subscriber)) r.rate(n["up"], "line up", &line.up_bps);
    c.lines.push_back(std::move(line));
  }
}

void read_third_links(YamlReader& r, const YAML::Node& node, BrokerConfig& c) {
  if (!r.sequence(node, "third_links")) return;
  for (const YAML::Node& n : node) {
    if (!n.IsSequence() || n.size() != 2) {
      r.error(n, "a third link is a pair of subscribers: [a, b]");
      continue;
    }
    std::string a, b;
    if (!r.scalar(n[0], "third link end", &a) || !r.scalar(n[1], "third link end", &b)) continue;
    bool known = true;
    for (const auto& [end, where] : {std::pair{a, n[0]}, std::pair{b, n[1]}})
      if (c.line(end) == nullptr) {
        r.error(where, "third link end '" + end + "' has no line");
        known = false;
      }
    if (a == b) r.error(n, "a third link joins two subscribers, not '" + a + "' to itself");
    else if (known) c.third_links.emplace_back(a, b);
  }
}

void read_sharing(YamlReader& r, const YAML::Node& node, BrokerConfig& c) {
  if (!r.map(node, "sharing", {"headroom", "lease", "notice", "max_duration", "price_per_gb", "fee", "ewma_weight",
                               "saturation", "saturated_for", "rating_interval"}))
    return;
  SharingPolicy& p = c.sharing;
  if (node["headroom"]) r.fraction(node["headroom"], "sharing headroom", &p.headroom);
  if (node["lease"]) r.duration(node["lease"], "sharing lease", &p.lease_ms);
  if (node["notice"]) r.duration(node["notice"], "sharing notice", &p.notice_ms);
  if (node["max_duration"]) r.duration(node["max_duration"], "sharing max_duration", &p.max_duration_ms);
  if (node["price_per_gb"]) r.number(node["price_per_gb"], "sharing price_per_gb (micro-units)", 1'000'000'000'000ull, &p.price_per_gb);
  double fee = 0;
  if (node["fee"] && r.fraction(node["fee"], "sharing fee", &fee)) p.fee_ppm = int64_t(fee * 1'000'000 + 0.5);
  if (node["ewma_weight"]) r.fraction(node["ewma_weight"], "sharing ewma_weight", &p.ewma_weight);
  if (node["saturation"]) r.fraction(node["saturation"], "sharing saturation", &p.saturation);
  if (node["saturated_for"]) r.duration(node["saturated_for"], "sharing saturated_for", &p.saturated_for_ms);
  if (node["rating_interval"])
    r.duration(node["rating_interval"], "sharing rating_interval", &p.rating_interval_ms);
}

}  // namespace

const char* role_name(CallerRole role) {
  switch (role) {
    case CallerRole::kRouter: return "router";
    case CallerRole::kDevice: return "device";
    case CallerRole::kOperator: return "operator";
  }
  return "?";
}

void BrokerConfig::build_index() {
  line_index_.clear();
  links_.clear();
  for (size_t i = 0; i < lines.size(); ++i) line_index_.emplace(lines[i].subscriber, i);
  for (const auto& [a, b] : third_links) {
    std::vector<std::string>& of_a = links_[a];
    if (std::find(of_a.begin(), of_a.end(), b) != of_a.end()) continue;
    of_a.push_back(b);
    links_[b].push_back(a);
  }
}

const LineConfig* BrokerConfig::line(const std::string& subscriber) const {
  auto it = line_index_.find(subscriber);
  return it == line_index_.end() ? nullptr : &lines[it->second];
}

const std::vector<std::string>& BrokerConfig::linked_to(const std::string& subscriber) const {
  static const std::vector<std::string> none;
  auto it = links_.find(subscriber);
  return it == links_.end() ? none : it->second;
}

const Caller* BrokerConfig::caller_by_token(const std::string& token) const {
  const Caller* found = nullptr;
  for (const Caller& c : callers)
    if (same_secret(c.token, token)) found = &c;
  return token.empty() ? nullptr : found;
}

bool BrokerConfig::linked(const std::string& a, const std::string& b) const {
  const std::vector<std::string>& of_a = linked_to(a);
  return std::find(of_a.begin(), of_a.end(), b) != of_a.end();
}

bool load_broker_config(const std::string& path, BrokerConfig* out, std::vector<ConfigError>* errors) {
  const size_t errors_before = errors->size();
  YAML::Node root;
  if (!load_yaml_file(path, &root, *errors)) return false;
  YamlReader r(path, *errors);
  BrokerConfig c;
  c.file = path;
  c.database = "sqlite:" + relative_to(path, "broker.db");
  if (!r.map(root, "the broker configuration", {"listen", "database", "callers", "lines", "third_links", "sharing"}))
    return false;
  if (root["listen"]) read_listen(r, root["listen"], c);
  std::string database;
  if (root["database"] && r.scalar(root["database"], "database", &database)) {
    // A relative SQLite path is the configuration file's directory's.
    c.database = database.rfind("sqlite:", 0) == 0 ? "sqlite:" + relative_to(path, database.substr(7)) : database;
  }
  if (root["callers"]) read_callers(r, root["callers"], c);
  if (root["lines"]) read_lines(r, root["lines"], c);
  c.build_index();
  if (root["third_links"]) read_third_links(r, root["third_links"], c);
  c.build_index();
  if (root["sharing"]) read_sharing(r, root["sharing"], c);
  for (size_t i = 0; i < c.callers.size(); ++i) {
    const Caller& caller = c.callers[i];
    if (caller.role == CallerRole::kDevice && !caller.subscriber.empty() && c.line(caller.subscriber) == nullptr)
      r.error(root["callers"][i]["subscriber"], "device caller " + caller.name + ": subscriber '" + caller.subscriber + "' has no line");
    for (size_t j = 0; j < i; ++j)
      if (!caller.token.empty() && caller.token == c.callers[j].token)
        r.error(root["callers"][i], "callers " + c.callers[j].name + " and " + caller.name + " share a token");
  }
  if (errors->size() != errors_before) return false;
  *out = std::move(c);
  return true;
}

}  // namespace aggr::broker
