#include "controlplane/broker/broker_config.h"

#include <algorithm>
#include <fstream>
#include <set>

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

bool read_fraction(YamlReader& r, const YAML::Node& node, const std::string& what, double* out) {
  std::string text;
  if (!r.scalar(node, what, &text)) return false;
  try {
    size_t used = 0;
    const double v = std::stod(text, &used);
    if (used == text.size() && v >= 0 && v < 1) {
      *out = v;
      return true;
    }
  } catch (const std::exception&) {
  }
  r.error(node, what + ": '" + text + "' is not a fraction from 0 up to 1");
  return false;
}

// "30s", "500ms", "2m", "1h".
bool read_duration(YamlReader& r, const YAML::Node& node, const std::string& what, int64_t* ms) {
  std::string text;
  if (!r.scalar(node, what, &text)) return false;
  const std::pair<const char*, int64_t> units[] = {{"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}};
  for (const auto& [unit, scale] : units) {
    const std::string u = unit;
    if (text.size() > u.size() && text.compare(text.size() - u.size(), u.size(), u) == 0) {
      uint64_t n = 0;
      if (parse_unsigned(text.substr(0, text.size() - u.size()), 10'000'000, &n).ok() && n > 0) {
        *ms = int64_t(n) * scale;
        return true;
      }
      break;
    }
  }
  r.error(node, what + ": '" + text + "' is not a duration such as 500ms, 30s, 5m or 1h");
  return false;
}

void read_listen(YamlReader& r, const YAML::Node& node, BrokerConfig& c) {
  std::string text;
  if (!r.scalar(node, "listen", &text)) return;
  const size_t colon = text.rfind(':');
  uint64_t port = 0;
  if (colon == std::string::npos || colon == 0 || !parse_unsigned(text.substr(colon + 1), 65535, &port).ok() || port == 0) {
    r.error(node, "listen: '" + text + "' is not HOST:PORT");
    return;
  }
  c.listen_host = text.substr(0, colon);
  c.listen_port = uint16_t(port);
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
      std::ifstream in(relative_to(r.file(), token_file));
      std::getline(in, caller.token);
      while (!caller.token.empty() && (caller.token.back() == '\r' || caller.token.back() == ' ')) caller.token.pop_back();
      if (!in && caller.token.empty()) r.error(n["token_file"], "cannot read the token file " + token_file);
      else if (caller.token.size() < 16) r.error(n["token_file"], "the token in " + token_file + " is shorter than 16 characters");
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
  if (node["headroom"]) read_fraction(r, node["headroom"], "sharing headroom", &p.headroom);
  if (node["lease"]) read_duration(r, node["lease"], "sharing lease", &p.lease_ms);
  if (node["notice"]) read_duration(r, node["notice"], "sharing notice", &p.notice_ms);
  if (node["max_duration"]) read_duration(r, node["max_duration"], "sharing max_duration", &p.max_duration_ms);
  if (node["price_per_gb"]) r.number(node["price_per_gb"], "sharing price_per_gb (micro-units)", 1'000'000'000'000ull, &p.price_per_gb);
  double fee = 0;
  if (node["fee"] && read_fraction(r, node["fee"], "sharing fee", &fee)) p.fee_ppm = int64_t(fee * 1'000'000 + 0.5);
  if (node["ewma_weight"]) read_fraction(r, node["ewma_weight"], "sharing ewma_weight", &p.ewma_weight);
  if (node["saturation"]) read_fraction(r, node["saturation"], "sharing saturation", &p.saturation);
  if (node["saturated_for"]) read_duration(r, node["saturated_for"], "sharing saturated_for", &p.saturated_for_ms);
  if (node["rating_interval"])
    read_duration(r, node["rating_interval"], "sharing rating_interval", &p.rating_interval_ms);
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
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    errors->push_back({{path, 0, 0}, "cannot read the file"});
    return false;
  } catch (const YAML::ParserException& e) {
    errors->push_back({{path, e.mark.line + 1, e.mark.column + 1}, e.msg});
    return false;
  }
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
