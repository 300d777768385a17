#include "controlplane/config_diff.h"

#include <cstring>
#include <functional>
#include <map>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "controlplane/config_apply.h"
#include "dataplane/net/labels.h"

namespace aggr {
namespace {

bool same_mac(const rte_ether_addr& a, const rte_ether_addr& b) {
  return std::memcmp(a.addr_bytes, b.addr_bytes, RTE_ETHER_ADDR_LEN) == 0;
}

bool same_ports(const PortConfig& a, const PortConfig& b) {
  bool macs = a.mac.has_value() == b.mac.has_value() && (!a.mac || same_mac(*a.mac, *b.mac));
  return a.name == b.name && a.device == b.device && a.role == b.role && a.classify == b.classify &&
         a.mtu == b.mtu && a.outer_tpid == b.outer_tpid && macs && a.worker == b.worker && a.gateways == b.gateways;
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

// The installed form of the next configuration: ISPs by name, ports by
// name, with lookups that stay fast at a million subscribers.
class Resolved {
 public:
  Resolved(const RouterConfig& c, const std::vector<uint16_t>& port_ids) : config_(c), port_ids_(port_ids) {
    for (const IspConfig& isp : c.isps) isps_.emplace(isp.name, &isp);
    for (size_t i = 0; i < c.ports.size(); ++i) port_index_.emplace(c.ports[i].name, i);
  }

  const RouterConfig& config() const { return config_; }
  uint16_t port_id(const std::string& name) const { return port_ids_[port_index_.at(name)]; }
  std::optional<NhlfeSpec> ftn(const IspConfig& isp) const {
    if (!isp.has_ftn()) return std::nullopt;
    return nhlfe(isp.labels, isp.next_hop);
  }
  std::optional<NhlfeSpec> handoff(const IspConfig& isp) const {
    if (!isp.handoff) return std::nullopt;
    return nhlfe({}, *isp.handoff);
  }
  NhlfeSpec nhlfe(const std::vector<uint32_t>& labels, const NextHopConfig& next_hop) const {
    NhlfeSpec spec{labels, next_hop.port.empty() ? kPortByRoute : port_id(next_hop.port), next_hop.mac};
    spec.next_hop_address = next_hop.address;
    if (next_hop.address) spec.next_hop_mac = {};
    return spec;
  }
  uint32_t isp_id(const std::string& name) const { return isps_.at(name)->id; }
  SubscriberSpec spec(const SubscriberConfig& s) const {
    return subscriber_spec(s, isps_.at(s.isp)->id, port_id(s.port));
  }

 private:
  const RouterConfig& config_;
  const std::vector<uint16_t>& port_ids_;
  std::unordered_map<std::string, const IspConfig*> isps_;
  std::unordered_map<std::string, size_t> port_index_;
};

// Puts back what a source wanted for a label (or nothing).
Status restore_ilm(Rib& rib, uint32_t label, EntrySource source, const std::optional<IlmState>& wanted) {
  if (!wanted) return rib.clear_ilm(label, source);
  if (wanted->action == IlmAction::kSwap) return rib.set_ilm_swap(label, *wanted->swap, source);
  return rib.set_ilm(label, {wanted->action, wanted->argument}, source);
}

// Makes the RIB's static entries those of the next configuration, step by
// step, remembering how to take each step back. Entries of other sources
// stay, except where the file names the same subscriber: the file's wins.
class Reconciler {
 public:
  Reconciler(const Resolved& next, Rib& rib, ConfigChanges& changes) : next_(next), rib_(rib), changes_(changes) {}

  Status run() {
    Status s = new_and_changed_isps();
    if (s.ok()) s = local_labels();
    if (s.ok()) s = prefix_fecs();
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

  // Makes `source`'s static wish for one NHLFE of an ISP (FTN or handoff)
  // what the file says; true in *changed when it did.
  template <typename Set, typename Clear>
  Status static_wish(const std::string& what, const std::map<EntrySource, NhlfeSpec>& wishes,
                     const std::optional<NhlfeSpec>& wanted, Set set, Clear clear, unsigned* changed) {
    auto was = wishes.find(EntrySource::kStatic);
    std::optional<NhlfeSpec> before;
    if (was != wishes.end()) before = was->second;
    if (before == wanted) return Status::success();
    auto put = [set, clear](Rib& w, const std::optional<NhlfeSpec>& spec) { return spec ? set(w, *spec) : clear(w); };
    Status s = step(what, put(rib_, wanted), [put, before](Rib& w) { return put(w, before); });
    if (s.ok()) ++*changed;
    return s;
  }

  Status new_and_changed_isps() {
    for (const IspConfig& isp : next_.config().isps) {
      std::string what = "isp " + isp.name;
      const IspState* was = rib_.isp(isp.id);
      const bool added = was == nullptr;
      if (added) {
        Status s = step(what, rib_.add_isp(isp.id, isp.name), [id = isp.id](Rib& w) { return w.remove_isp(id); });
        if (!s.ok()) return s;
        ++changes_.isps_added;
        was = rib_.isp(isp.id);
      } else if (was->name != isp.name) {
        // Each undo is made before its step, which changes what it copies.
        auto undo = [id = isp.id, name = was->name](Rib& w) { return w.rename_isp(id, name); };
        Status s = step(what, rib_.rename_isp(isp.id, isp.name), undo);
        if (!s.ok()) return s;
        ++changes_.isps_renamed;
      }
      const uint32_t id = isp.id;
      // A new ISP's entries are part of adding it, not changes of their own.
      unsigned uncounted = 0;
      Status s = static_wish(
          what + " FTN", was->ftn_wanted, next_.ftn(isp), [id](Rib& w, const NhlfeSpec& n) { return w.set_ftn(id, n); },
          [id](Rib& w) { return w.clear_ftn(id); }, added ? &uncounted : &changes_.ftns_changed);
      if (!s.ok()) return s;
      s = static_wish(
          what + " handoff", rib_.isp(id)->handoff_wanted, next_.handoff(isp),
          [id](Rib& w, const NhlfeSpec& n) { return w.set_handoff(id, n); },
          [id](Rib& w) { return w.clear_handoff(id); }, added ? &uncounted : &changes_.handoffs_changed);
      if (!s.ok()) return s;
    }
    return Status::success();
  }

  Status local_labels() {
    std::map<uint32_t, IlmState> wanted;
    for (const LocalLabelConfig& l : next_.config().local_labels) {
      IlmState& state = wanted[l.label] = {l.action, std::nullopt, EntrySource::kStatic, 0};
      if (l.action == IlmAction::kSwap) state.swap = next_.nhlfe(swap_nhlfe_labels(l.out_labels), l.next_hop);
      // Its ISP is in the RIB by now: ISPs come first.
      if (l.action == IlmAction::kPopToIsp) state.argument = rib_.isp(next_.isp_id(l.isp))->index;
    }
    for (uint32_t label : rib_.ilm_labels(EntrySource::kStatic)) {
      if (wanted.count(label)) continue;
      std::optional<IlmState> before = *rib_.ilm_wanted(label, EntrySource::kStatic);
      Status s = step("local label " + std::to_string(label), rib_.clear_ilm(label),
                      [label, before](Rib& w) { return restore_ilm(w, label, EntrySource::kStatic, before); });
      if (!s.ok()) return s;
      ++changes_.labels_removed;
    }
    for (const auto& [label, state] : wanted) {
      const IlmState* was = rib_.ilm_wanted(label, EntrySource::kStatic);
      if (was != nullptr && *was == state) continue;
      std::optional<IlmState> before = was ? std::optional(*was) : std::nullopt;
      Status s = step("local label " + std::to_string(label),
                      restore_ilm(rib_, label, EntrySource::kStatic, state),
                      [label = label, before](Rib& w) { return restore_ilm(w, label, EntrySource::kStatic, before); });
      if (!s.ok()) return s;
      ++(before ? changes_.labels_changed : changes_.labels_added);
    }
    return Status::success();
  }

  Status prefix_fecs() {
    std::map<IpPrefix, NhlfeSpec> wanted;
    for (const PrefixFecConfig& f : next_.config().prefix_fecs) wanted[f.prefix] = next_.nhlfe(f.labels, f.next_hop);
    std::vector<std::pair<IpPrefix, NhlfeSpec>> gone;
    for (const auto& [prefix, fec] : rib_.prefix_fecs())
      if (auto was = fec.wanted.find(EntrySource::kStatic); was != fec.wanted.end() && !wanted.count(prefix))
        gone.emplace_back(prefix, was->second);
    for (const auto& [prefix, before] : gone) {
      Status s = step("prefix FEC " + format_prefix(prefix), rib_.clear_prefix_fec(prefix),
                      [prefix = prefix, before = before](Rib& w) { return w.set_prefix_fec(prefix, before); });
      if (!s.ok()) return s;
      ++changes_.prefix_fecs_changed;
    }
    for (const auto& [prefix, spec] : wanted) {
      std::optional<NhlfeSpec> before;
      if (auto fec = rib_.prefix_fecs().find(prefix); fec != rib_.prefix_fecs().end())
        if (auto was = fec->second.wanted.find(EntrySource::kStatic); was != fec->second.wanted.end())
          before = was->second;
      if (before == spec) continue;
      auto undo = [prefix = prefix, before](Rib& w) {
        return before ? w.set_prefix_fec(prefix, *before) : w.clear_prefix_fec(prefix);
      };
      Status s = step("prefix FEC " + format_prefix(prefix), rib_.set_prefix_fec(prefix, spec), undo);
      if (!s.ok()) return s;
      ++changes_.prefix_fecs_changed;
    }
    return Status::success();
  }

  // Removals first (they free lines and addresses that others may take),
  // then changes, then additions.
  Status subscribers() {
    std::unordered_set<uint32_t> named;
    named.reserve(next_.config().subscribers.size());
    for (const SubscriberConfig& s : next_.config().subscribers) named.insert(s.id);
    std::vector<uint32_t> gone;
    for (const auto& [id, state] : rib_.subscribers())
      if (state.source == EntrySource::kStatic && !named.count(id)) gone.push_back(id);
    for (uint32_t id : gone) {
      auto undo = [spec = *rib_.subscriber(id)](Rib& w) { return w.add_subscriber(spec); };
      Status st = step("subscriber " + std::to_string(id), rib_.remove_subscriber(id), undo);
      if (!st.ok()) return st;
      ++changes_.subscribers_removed;
    }
    std::vector<const SubscriberConfig*> added;
    for (const SubscriberConfig& s : next_.config().subscribers) {
      auto was = rib_.subscribers().find(s.id);
      if (was == rib_.subscribers().end()) {
        added.push_back(&s);
        continue;
      }
      SubscriberSpec after = next_.spec(s);
      if (was->second.source == EntrySource::kStatic && same_spec(was->second.spec, after)) continue;
      auto undo = [before = was->second.spec, source = was->second.source](Rib& w) {
        return w.update_subscriber(before, source);
      };
      Status st = step("subscriber " + std::to_string(s.id), rib_.update_subscriber(after), undo);
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
    std::vector<IspState> gone;
    for (const auto& [id, isp] : rib_.isps())
      if (!wanted.count(id)) gone.push_back(isp);
    for (const IspState& isp : gone) {
      auto restore = [isp](Rib& w) {
        Status s = w.add_isp(isp.id, isp.name);
        for (const auto& [source, spec] : isp.ftn_wanted)
          if (s.ok()) s = w.set_ftn(isp.id, spec, source);
        for (const auto& [source, spec] : isp.handoff_wanted)
          if (s.ok()) s = w.set_handoff(isp.id, spec, source);
        return s;
      };
      Status s = step("isp " + isp.name, rib_.remove_isp(isp.id), restore);
      if (!s.ok()) return s;
      ++changes_.isps_removed;
    }
    return Status::success();
  }

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
  append(out, handoffs_changed, "handoffs changed");
  append(out, labels_added, "local labels added");
  append(out, labels_removed, "local labels removed");
  append(out, labels_changed, "local labels changed");
  append(out, prefix_fecs_changed, "prefix FECs changed");
  append(out, subscribers_added, "subscribers added");
  append(out, subscribers_removed, "subscribers removed");
  append(out, subscribers_changed, "subscribers changed");
  return out.empty() ? "no changes" : out;
}

// What identifies the speaker: a reload that changes it starts the speaker
// anew (every session reset); its timers, interfaces and neighbors, and its
// FECs (the ISPs', the pools), follow a reload with sessions kept.
bool same_ldp_identity(const LdpConfig& a, const LdpConfig& b) {
  return a.enabled == b.enabled && a.router_id == b.router_id && a.transport_address == b.transport_address &&
         a.first_label == b.first_label && a.graceful_restart == b.graceful_restart;
}

std::vector<std::string> restart_required(const RouterConfig& a, const RouterConfig& b) {
  std::vector<std::string> out;
  auto need = [&](bool differs, const std::string& what) {
    if (differs) out.push_back(what + " changed: that needs a restart");
  };
  need(a.name != b.name, "router name");
  need(a.role != b.role, "router role");
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

Status reconcile_config(const RouterConfig& next, const std::vector<uint16_t>& port_ids, Rib& rib,
                        ConfigChanges* changes) {
  ConfigChanges local;
  ConfigChanges& counted = changes != nullptr ? *changes : local;
  counted = {};
  Resolved wanted(next, port_ids);
  // The file's subscribers were checked against its pools; the API's are from now on.
  std::vector<IpPrefix> pools_before = rib.subscriber_pools();
  rib.set_subscriber_pools(next.subscriber_pools);
  Status s = Reconciler(wanted, rib, counted).run();
  if (!s.ok()) {
    counted = {};
    rib.set_subscriber_pools(std::move(pools_before));
  }
  return s;
}

}  // namespace aggr
