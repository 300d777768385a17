#include "controlplane/config_diff.h"

#include <cstring>
#include <functional>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "controlplane/config_apply.h"

namespace aggr {
namespace {

bool same_mac(const rte_ether_addr& a, const rte_ether_addr& b) {
  return std::memcmp(a.addr_bytes, b.addr_bytes, RTE_ETHER_ADDR_LEN) == 0;
}

bool same_ports(const PortConfig& a, const PortConfig& b) {
  bool macs = a.mac.has_value() == b.mac.has_value() && (!a.mac || same_mac(*a.mac, *b.mac));
  return a.name == b.name && a.device == b.device && a.role == b.role && a.classify == b.classify &&
         a.mtu == b.mtu && a.outer_tpid == b.outer_tpid && macs && a.worker == b.worker;
}

bool same_limits(const TableLimits& a, const TableLimits& b) {
  return a.subscribers == b.subscribers && a.isps == b.isps && a.label_space == b.label_space &&
         a.ipv4_prefixes == b.ipv4_prefixes && a.ipv6_prefixes == b.ipv6_prefixes;
}

bool same_spec(const SubscriberSpec& a, const SubscriberSpec& b) {
  return a.id == b.id && a.isp_id == b.isp_id && a.port == b.port && a.svlan == b.svlan && a.cvlan == b.cvlan &&
         same_mac(a.cpe_mac, b.cpe_mac) && a.addresses == b.addresses && a.rate_bps[0] == b.rate_bps[0] &&
         a.rate_bps[1] == b.rate_bps[1] && a.burst_bytes[0] == b.burst_bytes[0] &&
         a.burst_bytes[1] == b.burst_bytes[1];
}

bool same_ftn(const IspConfig& a, const IspConfig& b) {
  return a.labels == b.labels && a.next_hop_port == b.next_hop_port && same_mac(a.next_hop_mac, b.next_hop_mac);
}

// The installed form of one configuration: ISPs by name, ports by name and
// every subscriber's spec, with lookups that stay fast at a million.
class Resolved {
 public:
  Resolved(const RouterConfig& c, const std::vector<uint16_t>& port_ids) : config_(c), port_ids_(port_ids) {
    for (const IspConfig& isp : c.isps) isps_.emplace(isp.name, &isp);
    for (size_t i = 0; i < c.ports.size(); ++i) port_index_.emplace(c.ports[i].name, i);
    subscribers_.reserve(c.subscribers.size());
    for (const SubscriberConfig& s : c.subscribers) subscribers_.emplace(s.id, &s);
  }

  const RouterConfig& config() const { return config_; }
  uint16_t port_id(const std::string& name) const { return port_ids_[port_index_.at(name)]; }
  NhlfeSpec nhlfe(const IspConfig& isp) const { return {isp.labels, port_id(isp.next_hop_port), isp.next_hop_mac}; }
  SubscriberSpec spec(const SubscriberConfig& s) const {
    return subscriber_spec(s, isps_.at(s.isp)->id, port_id(s.port));
  }
  const SubscriberConfig* subscriber(uint32_t id) const {
    auto it = subscribers_.find(id);
    return it == subscribers_.end() ? nullptr : it->second;
  }

 private:
  const RouterConfig& config_;
  const std::vector<uint16_t>& port_ids_;
  std::unordered_map<std::string, const IspConfig*> isps_;
  std::unordered_map<std::string, size_t> port_index_;
  std::unordered_map<uint32_t, const SubscriberConfig*> subscribers_;
};

// Applies the difference step by step, remembering how to take each step
// back.
class Reconciler {
 public:
  Reconciler(const Resolved& old, const Resolved& next, Rib& rib, ConfigChanges& changes)
      : old_(old), next_(next), rib_(rib), changes_(changes) {}

  Status run() {
    Status s = new_and_changed_isps();
    if (s.ok()) s = local_labels();
    if (s.ok()) s = subscribers();
    if (s.ok()) s = removed_isps();
    if (!s.ok()) roll_back();
    return s;
  }

 private:
  // Records how to undo a change if it succeeded; returns its status with
  // `what` in front of a failure.
  Status step(const std::string& what, Status done, std::function<Status(Rib&)> undo) {
    if (!done.ok()) return Status::failure(what + ": " + done.error);
    undo_.push_back(std::move(undo));
    return done;
  }

  void roll_back() {
    for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) (void)(*it)(rib_);
    undo_.clear();
  }

  Status new_and_changed_isps() {
    std::unordered_map<uint32_t, const IspConfig*> running;
    for (const IspConfig& isp : old_.config().isps) running.emplace(isp.id, &isp);
    for (const IspConfig& isp : next_.config().isps) {
      std::string what = "isp " + isp.name;
      auto it = running.find(isp.id);
      if (it == running.end()) {
        Status s = step(what, rib_.add_isp(isp.id, isp.name), [id = isp.id](Rib& w) { return w.remove_isp(id); });
        if (!s.ok()) return s;
        s = step(what + " FTN", rib_.set_ftn(isp.id, next_.nhlfe(isp)),
                 [id = isp.id](Rib& w) { return w.clear_ftn(id); });
        if (!s.ok()) return s;
        ++changes_.isps_added;
        continue;
      }
      const IspConfig& was = *it->second;
      if (was.name != isp.name) {
        Status s = step(what, rib_.rename_isp(isp.id, isp.name),
                        [id = isp.id, name = was.name](Rib& w) { return w.rename_isp(id, name); });
        if (!s.ok()) return s;
        ++changes_.isps_renamed;
      }
      if (!same_ftn(was, isp)) {
        Status s = step(what + " FTN", rib_.set_ftn(isp.id, next_.nhlfe(isp)),
                        [id = isp.id, nhlfe = old_.nhlfe(was)](Rib& w) { return w.set_ftn(id, nhlfe); });
        if (!s.ok()) return s;
        ++changes_.ftns_changed;
      }
    }
    return Status::success();
  }

  Status local_labels() {
    std::map<uint32_t, IlmAction> running, wanted;
    for (const LocalLabelConfig& l : old_.config().local_labels) running[l.label] = l.action;
    for (const LocalLabelConfig& l : next_.config().local_labels) wanted[l.label] = l.action;
    for (const auto& [label, action] : running) {
      if (wanted.count(label)) continue;
      Status s = step("local label " + std::to_string(label), rib_.clear_ilm(label),
                      [label = label, action = action](Rib& w) { return w.set_ilm(label, {action, 0}); });
      if (!s.ok()) return s;
      ++changes_.labels_removed;
    }
    for (const auto& [label, action] : wanted) {
      auto was = running.find(label);
      if (was != running.end() && was->second == action) continue;
      std::function<Status(Rib&)> undo = [label = label](Rib& w) { return w.clear_ilm(label); };
      if (was != running.end())
        undo = [label = label, action = was->second](Rib& w) { return w.set_ilm(label, {action, 0}); };
      Status s = step("local label " + std::to_string(label), rib_.set_ilm(label, {action, 0}), std::move(undo));
      if (!s.ok()) return s;
      ++(was == running.end() ? changes_.labels_added : changes_.labels_changed);
    }
    return Status::success();
  }

  // Removals first (they free lines and addresses that others may take),
  // then changes, then additions.
  Status subscribers() {
    for (const SubscriberConfig& s : old_.config().subscribers) {
      if (next_.subscriber(s.id) != nullptr) continue;
      Status st = step("subscriber " + std::to_string(s.id), rib_.remove_subscriber(s.id),
                       [spec = old_.spec(s)](Rib& w) { return w.add_subscriber(spec); });
      if (!st.ok()) return st;
      ++changes_.subscribers_removed;
    }
    std::vector<const SubscriberConfig*> added;
    for (const SubscriberConfig& s : next_.config().subscribers) {
      const SubscriberConfig* was = old_.subscriber(s.id);
      if (was == nullptr) {
        added.push_back(&s);
        continue;
      }
      SubscriberSpec before = old_.spec(*was), after = next_.spec(s);
      if (same_spec(before, after)) continue;
      Status st = step("subscriber " + std::to_string(s.id), rib_.update_subscriber(after),
                       [before](Rib& w) { return w.update_subscriber(before); });
      if (!st.ok()) return st;
      ++changes_.subscribers_changed;
    }
    for (const SubscriberConfig* s : added) {
      Status st = step("subscriber " + std::to_string(s->id), rib_.add_subscriber(next_.spec(*s)),
                       [id = s->id](Rib& w) { return w.remove_subscriber(id); });
      if (!st.ok()) return st;
      ++changes_.subscribers_added;
    }
    return Status::success();
  }

  Status removed_isps() {
    std::unordered_set<uint32_t> wanted;
    for (const IspConfig& isp : next_.config().isps) wanted.insert(isp.id);
    for (const IspConfig& isp : old_.config().isps) {
      if (wanted.count(isp.id)) continue;
      auto restore = [id = isp.id, name = isp.name, nhlfe = old_.nhlfe(isp)](Rib& w) {
        Status s = w.add_isp(id, name);
        return s.ok() ? w.set_ftn(id, nhlfe) : s;
      };
      Status s = step("isp " + isp.name, rib_.remove_isp(isp.id), restore);
      if (!s.ok()) return s;
      ++changes_.isps_removed;
    }
    return Status::success();
  }

  const Resolved& old_;
  const Resolved& next_;
  Rib& rib_;
  ConfigChanges& changes_;
  std::vector<std::function<Status(Rib&)>> undo_;
};

void append(std::string& out, unsigned n, const char* what) {
  if (n == 0) return;
  out += (out.empty() ? "" : ", ") + std::to_string(n) + " " + what;
}

}  // namespace

std::string ConfigChanges::describe() const {
  std::string out;
  append(out, isps_added, "ISPs added");
  append(out, isps_removed, "ISPs removed");
  append(out, isps_renamed, "ISPs renamed");
  append(out, ftns_changed, "FTN entries changed");
  append(out, labels_added, "local labels added");
  append(out, labels_removed, "local labels removed");
  append(out, labels_changed, "local labels changed");
  append(out, subscribers_added, "subscribers added");
  append(out, subscribers_removed, "subscribers removed");
  append(out, subscribers_changed, "subscribers changed");
  return out.empty() ? "no changes" : out;
}

std::vector<std::string> restart_required(const RouterConfig& a, const RouterConfig& b) {
  std::vector<std::string> out;
  auto need = [&](bool differs, const std::string& what) {
    if (differs) out.push_back(what + " changed: that needs a restart");
  };
  need(a.name != b.name, "router name");
  need(a.router_id != b.router_id, "router_id");
  need(a.ttl_model != b.ttl_model, "ttl_model");
  need(a.eal_args != b.eal_args, "eal args");
  need(a.worker_lcores != b.worker_lcores, "workers lcores");
  need(a.idle_polls != b.idle_polls || a.idle_sleep_us != b.idle_sleep_us, "workers idle_polls/idle_sleep_us");
  need(a.mbufs != b.mbufs, "workers mbufs");
  need(!same_limits(a.limits, b.limits), "limits");
  need(!(a.management.listen == b.management.listen), "management listen");
  need(!(a.metrics.listen == b.metrics.listen), "metrics listen");
  if (a.ports.size() != b.ports.size()) {
    out.push_back("the set of ports changed: that needs a restart");
  } else {
    for (size_t i = 0; i < a.ports.size(); ++i) need(!same_ports(a.ports[i], b.ports[i]), "port " + b.ports[i].name);
  }
  return out;
}

Status apply_config_difference(const RouterConfig& running, const RouterConfig& next,
                               const std::vector<uint16_t>& port_ids, Rib& rib, ConfigChanges* changes) {
  ConfigChanges local;
  ConfigChanges& counted = changes != nullptr ? *changes : local;
  counted = {};
  Resolved old(running, port_ids), wanted(next, port_ids);
  Status s = Reconciler(old, wanted, rib, counted).run();
  if (!s.ok()) counted = {};
  return s;
}

}  // namespace aggr
