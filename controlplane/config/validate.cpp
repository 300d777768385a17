// Cross-reference checks over a parsed configuration: duplicates, dangling
// references, overlapping prefixes, limits. Nothing here touches the tables.
#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "controlplane/config/config.h"
#include "controlplane/config/values.h"
#include "dataplane/net/labels.h"

namespace aggr {
namespace {

std::string where_text(const SourceLocation& w) {
  return w.file + ":" + std::to_string(w.line) + ":" + std::to_string(w.column);
}

struct OwnedPrefix {
  unsigned __int128 first, last;
  const IpPrefix* prefix;
  const SubscriberConfig* owner;
  const SourceLocation* where;
};

unsigned __int128 prefix_value(const IpPrefix& p) {
  unsigned __int128 v = 0;
  unsigned bytes = p.family == 4 ? 4 : 16;
  for (unsigned i = 0; i < bytes; ++i) v = v << 8 | p.bytes[i];
  return v;
}

void check_overlaps(std::vector<OwnedPrefix>& prefixes, std::vector<ConfigError>& errors) {
  std::sort(prefixes.begin(), prefixes.end(), [](const OwnedPrefix& a, const OwnedPrefix& b) {
    return a.first != b.first ? a.first < b.first : a.last > b.last;
  });
  const OwnedPrefix* widest = nullptr;  // the prefix reaching furthest so far
  for (const OwnedPrefix& p : prefixes) {
    if (widest != nullptr && p.first <= widest->last) {
      errors.push_back({*p.where, "address " + format_prefix(*p.prefix) + " overlaps " +
                                      format_prefix(*widest->prefix) + " of subscriber " +
                                      std::to_string(widest->owner->id) + " at " + where_text(*widest->where)});
      if (p.last <= widest->last) continue;
    }
    widest = &p;
  }
}

void check_ports(const RouterConfig& c, std::vector<ConfigError>& errors) {
  std::map<std::string, const PortConfig*> names;
  std::map<std::string, const PortConfig*> devices;
  std::set<unsigned> lcores(c.worker_lcores.begin(), c.worker_lcores.end());
  for (const PortConfig& p : c.ports) {
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

void check_isps(const RouterConfig& c, std::vector<ConfigError>& errors) {
  std::map<uint32_t, const IspConfig*> ids;
  std::map<std::string, const IspConfig*> names;
  for (const IspConfig& isp : c.isps) {
    if (!ids.emplace(isp.id, &isp).second)
      errors.push_back({isp.where, "isp id " + std::to_string(isp.id) + " is already used at " + where_text(ids[isp.id]->where)});
    if (!names.emplace(isp.name, &isp).second)
      errors.push_back({isp.where, "isp name '" + isp.name + "' is already used at " + where_text(names[isp.name]->where)});
    if (Status s = check_pushed_labels(isp.labels); !s.ok()) errors.push_back({isp.labels_where, s.error});
    const PortConfig* port = c.port(isp.next_hop_port);
    if (port == nullptr)
      errors.push_back({isp.port_where, "isp " + isp.name + ": no port named '" + isp.next_hop_port + "'"});
    else if (port->role != PortRole::kCore)
      errors.push_back({isp.port_where, "isp " + isp.name + ": next hop port " + port->name + " is not a core port"});
  }
  if (c.isps.size() > c.limits.isps)
    errors.push_back({c.isps[c.limits.isps].where, "more ISPs than limits.isps (" + std::to_string(c.limits.isps) + ")"});
}

unsigned __int128 prefix_last(const IpPrefix& p, unsigned __int128 first) {
  unsigned bits = p.family == 4 ? 32 : 128;
  unsigned __int128 span = p.length == 0 ? ~(unsigned __int128)0 >> (128 - bits)
                                         : (((unsigned __int128)1 << (bits - p.length)) - 1);
  return first + span;
}

// The checks of one subscriber on its own: references, tags, addresses.
// Returns the line's port, or nullptr when it has none to check clashes on.
const PortConfig* check_subscriber_fields(const RouterConfig& c, const SubscriberConfig& s,
                                          std::vector<ConfigError>& errors) {
  if (c.isp(s.isp) == nullptr)
    errors.push_back({s.isp_where, "subscriber " + std::to_string(s.id) + ": no isp named '" + s.isp + "'"});
  if (s.cvlan != 0 && s.svlan == 0)
    errors.push_back({s.line_where, "subscriber " + std::to_string(s.id) + ": a cvlan needs an svlan"});
  if (s.addresses.empty())
    errors.push_back({s.where, "subscriber " + std::to_string(s.id) + " needs at least one address"});
  const PortConfig* port = c.port(s.port);
  if (port == nullptr) {
    errors.push_back({s.line_where, "subscriber " + std::to_string(s.id) + ": no port named '" + s.port + "'"});
  } else if (port->role != PortRole::kAccess) {
    errors.push_back({s.line_where, "subscriber " + std::to_string(s.id) + ": port " + s.port + " is not an access port"});
    return nullptr;
  }
  return port;
}

std::string line_text(const SubscriberConfig& s) {
  return "line (" + s.port + ", svlan " + std::to_string(s.svlan) + ", cvlan " + std::to_string(s.cvlan) + ")";
}

void check_subscribers(const RouterConfig& c, std::vector<ConfigError>& errors) {
  std::unordered_map<uint32_t, const SubscriberConfig*> ids;
  std::unordered_map<uint64_t, const SubscriberConfig*> lines;
  std::vector<OwnedPrefix> v4, v6;

  for (const SubscriberConfig& s : c.subscribers) {
    if (!ids.emplace(s.id, &s).second)
      errors.push_back({s.where, "subscriber id " + std::to_string(s.id) + " is already used at " + where_text(ids[s.id]->where)});
    const PortConfig* port = check_subscriber_fields(c, s, errors);
    if (port != nullptr && port->classify == ClassifyMode::kLine) {
      uint64_t key = line_key(uint16_t(port - c.ports.data()), s.svlan, s.cvlan);
      if (!lines.emplace(key, &s).second)
        errors.push_back({s.line_where, line_text(s) + " already belongs to subscriber " + std::to_string(lines[key]->id)});
    }
    for (size_t a = 0; a < s.addresses.size(); ++a) {
      const IpPrefix& p = s.addresses[a];
      unsigned __int128 first = prefix_value(p);
      (p.family == 4 ? v4 : v6).push_back({first, prefix_last(p, first), &p, &s, &s.address_where[a]});
    }
  }
  check_overlaps(v4, errors);
  check_overlaps(v6, errors);
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
  }
}

void check_listeners(const RouterConfig& c, std::vector<ConfigError>& errors) {
  const ListenAddress& m = c.metrics.listen;
  if (m.enabled && c.management.listen.enabled && m.port == c.management.listen.port)
    errors.push_back({c.metrics.listen_where.line ? c.metrics.listen_where : SourceLocation{c.file, 0, 0},
                      "metrics and management both listen on port " + std::to_string(m.port)});
}

}  // namespace

std::vector<std::string> check_subscriber_change(const RouterConfig& c, const SubscriberConfig& s) {
  std::vector<ConfigError> errors;
  const PortConfig* port = check_subscriber_fields(c, s, errors);
  bool by_line = port != nullptr && port->classify == ClassifyMode::kLine;
  bool replacing = false;
  for (const SubscriberConfig& other : c.subscribers) {
    if (other.id == s.id) {
      replacing = true;
      continue;
    }
    if (by_line && other.port == s.port && other.svlan == s.svlan && other.cvlan == s.cvlan)
      errors.push_back({s.line_where, line_text(s) + " already belongs to subscriber " + std::to_string(other.id)});
    for (const IpPrefix& mine : s.addresses)
      for (const IpPrefix& theirs : other.addresses) {
        if (mine.family != theirs.family) continue;
        unsigned __int128 a = prefix_value(mine), b = prefix_value(theirs);
        if (a <= prefix_last(theirs, b) && b <= prefix_last(mine, a))
          errors.push_back({s.where, "address " + format_prefix(mine) + " overlaps " + format_prefix(theirs) +
                                         " of subscriber " + std::to_string(other.id)});
      }
  }
  if (!replacing && c.subscribers.size() >= c.limits.subscribers)
    errors.push_back({s.where, "the subscriber table is full (limits.subscribers " +
                                   std::to_string(c.limits.subscribers) + ")"});
  std::vector<std::string> messages;
  for (const ConfigError& e : errors) messages.push_back(e.message);
  return messages;
}

void validate_config(const RouterConfig& c, std::vector<ConfigError>& errors) {
  check_workers(c, errors);
  check_ports(c, errors);
  check_isps(c, errors);
  check_subscribers(c, errors);
  check_local_labels(c, errors);
  check_listeners(c, errors);
}

}  // namespace aggr
