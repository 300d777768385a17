// The RIB: the control plane's one owner of the running forwarding state
// (ISPs and their FTN entries, subscribers, ILM entries), each entry with
// its source. It allocates indices, checks every change (the rules of
// subscriber_rules.h and labels.h, the same the configuration file obeys),
// and turns it into FIB writes (dataplane/fib_writer.h), which publish by
// index only. Where several sources want the same FTN or ILM entry, each
// wish is kept and the most preferred is installed (entry_source.h), so
// that withdrawing one uncovers the next. It runs on the control-plane
// thread only, and every call leaves the tables consistent: a failed call
// changes nothing.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <rte_ether.h>

#include "dataplane/counters.h"
#include "dataplane/fib_writer.h"
#include "dataplane/net/entry_source.h"
#include "dataplane/net/ip_prefix.h"
#include "dataplane/net/status.h"
#include "controlplane/rib/subscriber_rules.h"
#include "dataplane/tables/tables.h"

namespace aggr {

// What an NHLFE is for, which decides the labels it may carry and the kind
// of port it leaves by: a push (1..3 labels, core), a swap (0..3 labels,
// none where the next hop asked for implicit null; core) or an ISP's
// handoff (no label; an isp port).
enum class NhlfeUse : uint8_t { kPush, kSwap, kHandoff };

// The out port of a next hop named by address alone: reached as the
// kernel's routes say (Rib::set_kernel_route), through a core port's mirror.
constexpr uint16_t kPortByRoute = 0xFFFF;

// Where an entry's packets go. The next hop is named by its MAC, or by its
// IP address on the out port's link, which the kernel resolves on the
// port's mirror (Rib::set_neighbour hands the RIB what it learns), or by
// its address alone (out_port kPortByRoute), reached by a kernel route.
struct NhlfeSpec {
  std::vector<uint32_t> labels;  // outermost first, 1..3 entries
  uint16_t out_port = 0;
  rte_ether_addr next_hop_mac{};  // by address: the resolved MAC (installed entries only)
  std::optional<IpPrefix> next_hop_address;  // a host prefix
  // Installed entries: no MAC known, or (by route) no route: refuses every packet.
  bool unresolved = false;  // installed, by address, with no MAC known: refuses every packet
  bool operator==(const NhlfeSpec& o) const;
};

// A neighbour named by its address on one of the router's ports.
struct Adjacency {
  uint16_t port = 0;
  IpPrefix address;  // a host prefix
  bool operator<(const Adjacency& o) const { return port != o.port ? port < o.port : address < o.address; }
  bool operator==(const Adjacency& o) const { return port == o.port && address == o.address; }
};

// A route of the kernel's main table out of a mirror: the port, and the
// gateway (none: the prefix is on the port's link).
struct KernelRoute {
  uint16_t port = 0;
  std::optional<IpPrefix> gateway;
  bool operator==(const KernelRoute& o) const { return port == o.port && gateway == o.gateway; }
};

struct SubscriberSpec {
  uint32_t id = 0;
  uint32_t isp_id = 0;
  uint16_t port = 0;
  uint16_t svlan = 0;  // 0: none
  uint16_t cvlan = 0;  // 0: none
  rte_ether_addr cpe_mac{};
  std::vector<IpPrefix> addresses;
  uint64_t rate_bps[kDirections] = {0, 0};     // 0: not metered
  uint64_t burst_bytes[kDirections] = {0, 0};  // 0: rate / 8 * 10 ms, at least 16 KB
};

struct IspState {
  uint32_t id;
  std::string name;
  uint16_t index;
  uint32_t subscribers = 0;
  std::map<EntrySource, NhlfeSpec> ftn_wanted;  // each source's FTN entry
  std::optional<NhlfeSpec> ftn;                 // installed: the most preferred
  EntrySource ftn_source = EntrySource::kStatic;
  std::map<EntrySource, NhlfeSpec> handoff_wanted;  // tailend: each source's gateway
  std::optional<NhlfeSpec> handoff;                 // installed
  EntrySource handoff_source = EntrySource::kStatic;
};

// A tailend's downstream FTN entry: a destination prefix (a headend's
// subscriber pool) and the NHLFE towards it.
struct PrefixFecState {
  uint16_t index;  // in the dataplane's prefix FEC tables
  std::map<EntrySource, NhlfeSpec> wanted;
  std::optional<NhlfeSpec> installed;
  EntrySource source = EntrySource::kStatic;
};

// An ILM entry, as a source wants it and as views report the installed one.
struct IlmState {
  IlmAction action = IlmAction::kNone;
  std::optional<NhlfeSpec> swap;  // the out labels and next hop of a swap
  EntrySource source = EntrySource::kStatic;
  uint32_t argument = 0;  // of the other actions (IlmEntry's)
  bool operator==(const IlmState&) const = default;
};

struct SubscriberState {
  uint32_t handle;
  SubscriberSpec spec;
  EntrySource source;
};

// A link-sharing contract in force (DESIGN.md, "Bandwidth sharing"): the
// borrower may use the donor's line up to the rate in each direction.
struct RedirectSpec {
  uint64_t contract = 0;  // the broker's contract id
  uint32_t borrower = 0;  // subscriber ids
  uint32_t donor = 0;
  uint64_t rate_bps[kDirections] = {0, 0};  // 0: not that way
  // Interruptible: yields to the donor's own traffic. Otherwise the donor's
  // plan is reduced by the rate while the contract is in force.
  bool interruptible = true;
  uint64_t epoch = 0;         // the instruction's, so that an older one never undoes a newer
  uint64_t lease_end_ms = 0;  // steady clock; the router reverts by itself then (0: no lease)
  bool operator==(const RedirectSpec&) const = default;
};

// The clock of leases: milliseconds of the steady clock.
uint64_t steady_now_ms();

struct RedirectState {
  uint32_t slot;  // its counters and buckets in the dataplane
  RedirectSpec spec;
  EntrySource source;
  // When its counters started from zero (system clock, ms): a contract
  // installed again counts in a new epoch, never backwards in the old one.
  uint64_t counter_epoch = 0;
};

// A redirect removed whose counters have not yet been reported: its slot
// stays taken, so that its last reading is exact (Rib::keep_ended).
struct EndedRedirect {
  RedirectState state;
  uint64_t retired;  // RCU token: the counters are final once every worker passed it
};

class Rib {
 public:
  explicit Rib(Tables& tables);

  // Counters whose per-subscriber entries are zeroed when a handle is reused.
  void attach_counters(CounterSet* counters) { fib_.attach_counters(counters); }

  // Port names, for messages and views (the dataplane knows ports by id).
  void name_port(uint16_t port, std::string name);
  const std::string& port_name(uint16_t port) const;
  std::optional<uint16_t> port_named(const std::string& name) const;

  Status add_isp(uint32_t isp_id, const std::string& name);
  Status remove_isp(uint32_t isp_id);
  // The name is the control plane's; the dataplane knows ISPs by index.
  Status rename_isp(uint32_t isp_id, const std::string& name);
  // `source`'s FTN entry for the ISP; installed if no more preferred source
  // has one.
  Status set_ftn(uint32_t isp_id, const NhlfeSpec& nhlfe, EntrySource source = EntrySource::kStatic);
  // Withdraws `source`'s entry; the next preferred one, if any, takes over.
  Status clear_ftn(uint32_t isp_id, EntrySource source = EntrySource::kStatic);
  // Tailend: the ISP's gateway (no labels, out of an isp port), where its
  // pop-to-ISP traffic leaves and whose port's traffic is the ISP's.
  Status set_handoff(uint32_t isp_id, const NhlfeSpec& gateway, EntrySource source = EntrySource::kStatic);
  Status clear_handoff(uint32_t isp_id, EntrySource source = EntrySource::kStatic);

  // Tailend downstream: traffic to `prefix` gets `nhlfe`'s labels.
  Status set_prefix_fec(const IpPrefix& prefix, const NhlfeSpec& nhlfe, EntrySource source = EntrySource::kStatic);
  Status clear_prefix_fec(const IpPrefix& prefix, EntrySource source = EntrySource::kStatic);
  const std::map<IpPrefix, PrefixFecState>& prefix_fecs() const { return prefix_fecs_; }

  // The pools every subscriber address must lie in (none: no rule).
  void set_subscriber_pools(std::vector<IpPrefix> pools) { subscriber_pools_ = std::move(pools); }
  const std::vector<IpPrefix>& subscriber_pools() const { return subscriber_pools_; }
  // Every rule a new subscriber (or, same id, a replacement) breaks, one
  // message each, in words an operator can act on; empty when it may go in.
  std::vector<std::string> subscriber_problems(const SubscriberSpec& spec) const;
  // A subscriber belongs to one source; replacing it makes it the new
  // source's.
  Status add_subscriber(const SubscriberSpec& spec, EntrySource source = EntrySource::kStatic);
  // Replaces the subscriber's whole spec (same id), changing only what differs.
  Status update_subscriber(const SubscriberSpec& spec, EntrySource source = EntrySource::kStatic);
  Status set_subscriber_isp(uint32_t subscriber_id, uint32_t isp_id);
  Status remove_subscriber(uint32_t subscriber_id);

  // Link-sharing contracts. Every rule a redirect breaks, one message each;
  // empty when it may go in (or, same contract, replace the one in force).
  std::vector<std::string> redirect_problems(const RedirectSpec& spec) const;
  // Installs or changes (same contract id, same borrower and donor) a redirect.
  Status set_redirect(const RedirectSpec& spec, EntrySource source = EntrySource::kBroker);
  Status remove_redirect(uint64_t contract);
  // Removes every redirect whose lease has ended by `now_ms`; returns their contracts.
  std::vector<uint64_t> expire_redirects(uint64_t now_ms);
  const std::map<uint64_t, RedirectState>& redirects() const { return redirects_; }
  // With a broker to bill: removed redirects keep their slot and counters
  // until forget_ended, so that the last reading of each is reported.
  void keep_ended(bool keep) { keep_ended_ = keep; }
  // By (contract, counter epoch).
  const std::map<std::pair<uint64_t, uint64_t>, EndedRedirect>& ended_redirects() const { return ended_; }
  // Waits until no worker can still count under an ended redirect.
  void settle_ended() const;
  void forget_ended(uint64_t contract, uint64_t counter_epoch);

  // `source`'s ILM entry for `label`, installed if no more preferred source
  // has one. Any action but a swap, which needs its NHLFE:
  Status set_ilm(uint32_t label, IlmEntry entry, EntrySource source = EntrySource::kStatic);
  // The label swapped for `out`'s labels towards its next hop (none: popped).
  Status set_ilm_swap(uint32_t label, const NhlfeSpec& out, EntrySource source = EntrySource::kStatic);
  // The label popped and its packet handed to the ISP (which needs a handoff).
  Status set_ilm_pop_to_isp(uint32_t label, uint32_t isp_id, EntrySource source = EntrySource::kStatic);
  // Withdraws `source`'s entry; the next preferred one, if any, takes over.
  Status clear_ilm(uint32_t label, EntrySource source = EntrySource::kStatic);

  // A neighbour on `port` that moved from one MAC to another: every entry
  // through it (FTN and ILM swap entries alike, installed or waiting), and
  // only those, takes the new MAC; the installed ones get a new NHLFE and
  // are re-pointed, each hitless. `rewritten` counts those. Unlike the other calls it is not all
  // or nothing: a full NHLFE table stops it with the entries rewritten so
  // far on the new MAC (none is ever left pointing nowhere).
  Status move_neighbour(uint16_t port, const rte_ether_addr& from, const rte_ether_addr& to, unsigned* rewritten);

  // What the kernel knows of a neighbour named by address: its MAC, or none
  // (unresolved, failed or gone). Entries through it, and only those, are
  // republished with the MAC, or to refuse their packets (counted as
  // unresolved_next_hop) rather than send them to a MAC that may be stale.
  // `rewritten` counts installed entries that changed. An unchanged MAC
  // changes nothing.
  Status set_neighbour(const Adjacency& neighbour, std::optional<rte_ether_addr> mac, unsigned* rewritten);
  // The MAC known for a neighbour; nullptr: unresolved.
  const rte_ether_addr* neighbour_mac(const Adjacency& neighbour) const;
  // Every neighbour some source's entry names by address, resolved or not:
  // what the kernel is to keep resolving.
  std::vector<Adjacency> neighbours_wanted() const;
  // A route of the kernel's out of a mirror (none: withdrawn). Entries whose
  // next hop is by address alone are reached through the longest match;
  // those it changes are rewritten (`rewritten` counts them).
  Status set_kernel_route(const IpPrefix& prefix, std::optional<KernelRoute> route, unsigned* rewritten);
  const std::map<IpPrefix, KernelRoute>& kernel_routes() const { return kernel_routes_; }
  // Counts changes to the kernel's routes, so that followers (LDP's FEC
  // next hops) look again only when something moved.
  uint64_t kernel_routes_version() const { return kernel_routes_version_; }
  // The kernel's route out of a core port's mirror that covers `prefix`
  // with the longest match (its prefix and route), or none.
  const std::pair<const IpPrefix, KernelRoute>* core_route_to(const IpPrefix& prefix) const;
  // The neighbour a wish's packets go to: its port and address, or by
  // route the route's gateway (or the address, on the route's link). None:
  // named by MAC, or no route.
  std::optional<Adjacency> neighbour_of(const NhlfeSpec& wish) const;

  // Frees superseded table memory whose grace period is over.
  void reclaim() { fib_.reclaim(); }

  // ---- read-only views for the control plane ----
  const Tables& tables() const { return fib_.tables(); }
  const IspState* isp(uint32_t isp_id) const;
  const IspState* isp_by_index(uint16_t index) const;
  const IspState* isp_named(const std::string& name) const;
  const std::unordered_map<uint32_t, IspState>& isps() const { return isps_; }
  // The ISPs in the order they were installed (their index): how views list them.
  std::vector<const IspState*> isps_in_order() const;
  // Installed entries by label.
  const std::map<uint32_t, IlmState>& ilm() const { return ilm_; }
  // What `source` wants for `label` (installed or not); nullptr if nothing.
  const IlmState* ilm_wanted(uint32_t label, EntrySource source) const;
  // Labels `source` has an entry for.
  std::vector<uint32_t> ilm_labels(EntrySource source) const;
  std::optional<uint32_t> subscriber_handle(uint32_t subscriber_id) const;
  const SubscriberSpec* subscriber(uint32_t subscriber_id) const;
  // By id, in order.
  const std::map<uint32_t, SubscriberState>& subscribers() const { return subscribers_; }
  size_t subscriber_count() const { return subscribers_.size(); }

 private:
  Status check_nhlfe(const NhlfeSpec& spec, NhlfeUse use) const;
  // A wish as it is installed now: by address, with the neighbour's MAC or unresolved.
  NhlfeSpec resolved(const NhlfeSpec& wish) const;
  // Publishes a resolved spec.
  Status publish_nhlfe(const NhlfeSpec& spec, uint32_t* index);
  // Reinstalls every entry with a wish that `touch` (which may change it)
  // says goes through a neighbour; `rewritten` counts installed entries
  // that changed.
  template <typename Touch>
  Status reinstall_through(Touch touch, unsigned* rewritten);
  // Installs the most preferred of `wanted` in `installed` through `write`
  // (kNoNhlfe: none), unless it is installed already.
  template <typename Write>
  Status install_nhlfe(const std::map<EntrySource, NhlfeSpec>& wanted, std::optional<NhlfeSpec>& installed,
                       EntrySource& installed_source, Write write);
  Status install_ftn(IspState& isp);
  Status install_handoff(IspState& isp);
  Status install_prefix_fec(const IpPrefix& prefix);
  Status install_ilm(uint32_t label);
  template <typename Wanted, typename Install>
  Status change_wanted(std::map<EntrySource, Wanted>& wanted, EntrySource source, std::optional<Wanted> value,
                       Install install);
  Status check_spec(const SubscriberSpec& spec) const;
  Status add_addresses(const std::vector<IpPrefix>& addresses, uint32_t handle);
  void remove_addresses(const std::vector<IpPrefix>& addresses);
  SubscriberRecord make_record(const SubscriberSpec& spec, uint16_t isp_index,
                               const uint16_t profiles[kDirections]) const;
  Status meter_profiles(const SubscriberSpec& spec, uint16_t profiles[kDirections]);
  // What the donor's non-interruptible contracts take from its plan.
  uint64_t reserved_for_contracts(uint32_t donor_id, Direction d) const;
  // Republishes a subscriber's record as its contracts leave it (meters,
  // flags).
  Status republish_record(uint32_t subscriber_id);
  // Publishes the redirect sets of both of a contract's subscribers.
  void publish_redirect_sets(const RedirectSpec& spec);
  std::unique_ptr<RedirectSet> redirect_set_of(uint32_t subscriber_id) const;
  const PortAttributes& port(uint16_t id) const { return fib_.tables().ports[id]; }

  FibWriter fib_;
  std::unordered_map<uint32_t, IspState> isps_;
  std::vector<uint32_t> isp_id_by_index_;  // 0 = free (ISP ids are >= 1)
  std::map<uint32_t, SubscriberState> subscribers_;
  AddressOwners address_owners_;
  std::map<uint32_t, std::map<EntrySource, IlmState>> ilm_wanted_;  // each source's entry by label
  std::map<uint32_t, IlmState> ilm_;                                // installed entries by label
  std::map<IpPrefix, PrefixFecState> prefix_fecs_;
  std::vector<bool> prefix_fec_used_;  // by index
  std::vector<std::string> port_names_;
  std::map<Adjacency, rte_ether_addr> neighbours_;  // resolved ones
  std::map<IpPrefix, KernelRoute> kernel_routes_;
  uint64_t kernel_routes_version_ = 0;
  std::vector<IpPrefix> subscriber_pools_;
  std::map<uint64_t, RedirectState> redirects_;  // by contract id
  std::map<std::pair<uint64_t, uint64_t>, EndedRedirect> ended_;
  bool keep_ended_ = false;
  uint64_t last_counter_epoch_ = 0;
};

// ---- the member templates every part of the RIB uses ----

// The most preferred source in `wanted`, which is not empty.
template <typename T>
EntrySource most_preferred(const std::map<EntrySource, T>& wanted) {
  EntrySource best = wanted.begin()->first;
  for (const auto& [source, value] : wanted)
    if (entry_source_preference(source) > entry_source_preference(best)) best = source;
  return best;
}

// Records `source`'s wish (or, with no value, withdraws it) and installs
// whichever is now most preferred; if that fails, the wish is as it was.
template <typename Wanted, typename Install>
Status Rib::change_wanted(std::map<EntrySource, Wanted>& wanted, EntrySource source, std::optional<Wanted> value,
                          Install install) {
  auto it = wanted.find(source);
  std::optional<Wanted> before = it == wanted.end() ? std::nullopt : std::optional<Wanted>(it->second);
  if (!value && !before) return Status::failure("no entry from " + std::string(entry_source_name(source)));
  if (value)
    wanted[source] = *value;
  else
    wanted.erase(source);
  Status s = install();
  if (!s.ok()) {
    if (before)
      wanted[source] = *before;
    else
      wanted.erase(source);
  }
  return s;
}

template <typename Write>
Status Rib::install_nhlfe(const std::map<EntrySource, NhlfeSpec>& wanted, std::optional<NhlfeSpec>& installed,
                          EntrySource& installed_source, Write write) {
  if (wanted.empty()) {
    write(kNoNhlfe);
    installed.reset();
    return Status::success();
  }
  EntrySource best = most_preferred(wanted);
  const NhlfeSpec spec = resolved(wanted.at(best));
  if (installed && *installed == spec && installed_source == best) return Status::success();
  uint32_t index;
  if (Status s = publish_nhlfe(spec, &index); !s.ok()) return s;
  write(index);
  installed = spec;
  installed_source = best;
  return Status::success();
}

}  // namespace aggr
