#include "controlplane/management/views.h"

#include <algorithm>
#include <chrono>
#include <iterator>
#include <map>

#include <rte_ethdev.h>

#include "controlplane/config/values.h"
#include "controlplane/control_plane.h"

namespace aggr {
namespace {

using nlohmann::json;

json totals(const Totals& t) { return {{"packets", t.packets}, {"bytes", t.bytes}}; }

json subscriber_json(const ControlPlane& r, const SubscriberState& state) {
  const SubscriberSpec& s = state.spec;
  json addresses = json::array();
  for (const IpPrefix& p : s.addresses) addresses.push_back(format_prefix(p));
  const CounterSet& c = r.counters();
  return {{"id", s.id},
          {"isp", r.rib().isp(s.isp_id)->name},
          {"line", {{"port", r.rib().port_name(s.port)}, {"svlan", s.svlan}, {"cvlan", s.cvlan}}},
          {"cpe_mac", format_mac(s.cpe_mac)},
          {"addresses", addresses},
          {"rate", {{"up", format_rate(s.rate_bps[0])}, {"down", format_rate(s.rate_bps[1])}}},
          {"source", entry_source_name(state.source)},
          {"up", totals(c.subscriber(state.handle, Direction::kUpstream))},
          {"down", totals(c.subscriber(state.handle, Direction::kDownstream))},
          {"meter_drops",
           {{"up", c.subscriber_meter_drops(state.handle, Direction::kUpstream)},
            {"down", c.subscriber_meter_drops(state.handle, Direction::kDownstream)}}}};
}

double seconds_since_epoch(std::chrono::system_clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

}  // namespace

json addresses_json(const std::vector<IpPrefix>& addresses) {
  json list = json::array();
  for (const IpPrefix& a : addresses) list.push_back(format_address(a));
  return list;
}

json pools_json(const std::vector<IpPrefix>& pools) {
  json list = json::array();
  for (const IpPrefix& pool : pools) list.push_back(format_prefix(pool));
  return list;
}

json status_view(ControlPlane& r) {
  const ReloadRecord& reload = r.last_reload();
  return {{"version", AGGR_VERSION},
          {"name", r.config().name},
          {"role", router_role_name(r.config().role)},
          {"config_file", r.config().file},
          {"generation", reload.generation},
          {"last_reload",
           {{"ok", reload.ok},
            {"time", seconds_since_epoch(reload.at)},
            {"changes", reload.changes},
            {"errors", reload.errors}}},
          {"reloads", {{"succeeded", reload.succeeded}, {"failed", reload.failed}}},
          {"subscriber_pools", pools_json(r.rib().subscriber_pools())},
          {"isps", r.rib().isps().size()},
          {"subscribers", r.rib().subscriber_count()},
          {"workers", r.counters().workers()},
          {"changes_allowed", r.token_configured()}};
}

json ports_view(ControlPlane& r) {
  json ports = json::array();
  std::vector<unsigned> pollers = r.config().port_workers();
  for (size_t i = 0; i < r.config().ports.size(); ++i) {
    const PortConfig& p = r.config().ports[i];
    uint16_t id = r.port_ids()[i];
    const PortAttributes& a = r.rib().tables().ports[id];
    rte_eth_stats stats{};
    rte_eth_stats_get(id, &stats);
    rte_eth_link link{};
    rte_eth_link_get_nowait(id, &link);
    ports.push_back({{"name", p.name},
                     {"dpdk_port", id},
                     {"device", p.device.substr(0, p.device.find(','))},
                     {"role", port_role_name(p.role)},
                     {"classify", p.role != PortRole::kAccess           ? "-"
                                  : p.classify == ClassifyMode::kLine ? "line"
                                                                       : "source-prefix"},
                     {"mtu", p.mtu},
                     {"mirror", p.mirror ? json(p.mirror->interface) : json(nullptr)},
                     {"gateways", addresses_json(p.gateways)},
                     {"mac", format_mac(a.mac)},
                     {"worker_lcore", pollers[i]},
                     {"link_up", link.link_status == RTE_ETH_LINK_UP},
                     {"rx", totals(r.counters().port_rx(id))},
                     {"tx", totals(r.counters().port_tx(id))},
                     {"device_stats",
                      {{"ipackets", stats.ipackets},
                       {"opackets", stats.opackets},
                       {"ibytes", stats.ibytes},
                       {"obytes", stats.obytes},
                       {"ierrors", stats.ierrors},
                       {"oerrors", stats.oerrors},
                       {"imissed", stats.imissed},
                       {"rx_nombuf", stats.rx_nombuf}}}});
  }
  return ports;
}

// The MAC an installed entry sends to: null while its address is unresolved.
json next_hop_mac_json(const NhlfeSpec& nhlfe) {
  return nhlfe.unresolved ? json(nullptr) : json(format_mac(nhlfe.next_hop_mac));
}

json next_hop_json(ControlPlane& r, const NhlfeSpec& nhlfe) {
  json next_hop = {{"port", r.rib().port_name(nhlfe.out_port)}, {"mac", next_hop_mac_json(nhlfe)}};
  if (nhlfe.next_hop_address) next_hop["address"] = format_address(*nhlfe.next_hop_address);
  return next_hop;
}

json nhlfe_json(ControlPlane& r, const NhlfeSpec& nhlfe) {
  json entry = {{"labels", nhlfe.labels}, {"out_port", r.rib().port_name(nhlfe.out_port)},
                {"next_hop_mac", next_hop_mac_json(nhlfe)}};
  if (nhlfe.next_hop_address) entry["next_hop_address"] = format_address(*nhlfe.next_hop_address);
  return entry;
}

json isps_view(ControlPlane& r) {
  json isps = json::array();
  for (const IspState* state : r.rib().isps_in_order()) {
    json isp = {{"id", state->id},
                {"name", state->name},
                {"subscribers", state->subscribers},
                {"labels", json::array()},
                {"next_hop", nullptr},
                {"up", totals(r.counters().isp(state->index, Direction::kUpstream))},
                {"down", totals(r.counters().isp(state->index, Direction::kDownstream))}};
    if (state->ftn) {
      isp["labels"] = state->ftn->labels;
      isp["next_hop"] = next_hop_json(r, *state->ftn);
      isp["source"] = entry_source_name(state->ftn_source);
    }
    if (state->handoff) {
      isp["handoff"] = next_hop_json(r, *state->handoff);
      isp["handoff"]["source"] = entry_source_name(state->handoff_source);
    }
    isps.push_back(isp);
  }
  return isps;
}

// Pages through the RIB's subscribers by id.
json subscribers_view(ControlPlane& r, size_t offset, size_t limit) {
  const auto& all = r.rib().subscribers();
  json list = json::array();
  auto it = all.begin();
  std::advance(it, std::min(offset, all.size()));
  for (; it != all.end() && list.size() < limit; ++it) list.push_back(subscriber_json(r, it->second));
  return {{"total", all.size()}, {"offset", offset}, {"subscribers", list}};
}

std::optional<json> subscriber_view(ControlPlane& r, uint32_t id) {
  auto it = r.rib().subscribers().find(id);
  if (it == r.rib().subscribers().end()) return std::nullopt;
  return subscriber_json(r, it->second);
}

// What is installed, whoever installed it; not what a file asked for.
json fec_view(ControlPlane& r) {
  json fecs = json::array();
  for (const IspState* state : r.rib().isps_in_order()) {
    json entry = {{"fec", state->name}, {"isp_id", state->id}, {"installed", state->ftn.has_value()}};
    if (state->ftn) {
      entry.update(nhlfe_json(r, *state->ftn));
      entry["source"] = entry_source_name(state->ftn_source);
    }
    fecs.push_back(entry);
  }
  // A tailend's FECs by destination prefix (the headends' subscriber pools).
  for (const auto& [prefix, fec] : r.rib().prefix_fecs()) {
    json entry = {{"fec", format_prefix(prefix)}, {"installed", fec.installed.has_value()}};
    if (fec.installed) {
      entry.update(nhlfe_json(r, *fec.installed));
      entry["source"] = entry_source_name(fec.source);
    }
    fecs.push_back(entry);
  }
  return fecs;
}

json ilm_view(ControlPlane& r) {
  json labels = json::array();
  for (const auto& [label, state] : r.rib().ilm()) {
    json entry = {{"label", label}, {"action", ilm_action_name(state.action)},
                  {"source", entry_source_name(state.source)}};
    if (state.swap) entry.update(nhlfe_json(r, *state.swap));
    if (state.action == IlmAction::kPopToIsp)
      if (const IspState* isp = r.rib().isp_by_index(uint16_t(state.argument))) entry["isp"] = isp->name;
    labels.push_back(entry);
  }
  return labels;
}

// Each neighbour, named by MAC (static) or by address (resolved by the
// kernel, or not yet), with the entries that go through it.
json adjacencies_view(ControlPlane& r) {
  struct Users {
    json neighbour;
    unsigned installed = 0;
    json entries = json::array();
  };
  // By port, then address (empty for a MAC), then MAC (empty for an address).
  std::map<std::tuple<uint16_t, std::string, std::string>, Users> by_neighbour;
  auto note = [&](const NhlfeSpec& spec, const std::string& entry, bool installed) {
    const std::string address = spec.next_hop_address ? format_address(*spec.next_hop_address) : "";
    Users& users = by_neighbour[{spec.out_port, address, address.empty() ? format_mac(spec.next_hop_mac) : ""}];
    if (users.neighbour.is_null()) {
      users.neighbour = {{"port", r.rib().port_name(spec.out_port)}};
      if (spec.next_hop_address) {
        const rte_ether_addr* mac = r.rib().neighbour_mac({spec.out_port, *spec.next_hop_address});
        users.neighbour["address"] = address;
        users.neighbour["mac"] = mac != nullptr ? json(format_mac(*mac)) : json(nullptr);
        users.neighbour["state"] = mac != nullptr ? "resolved" : "unresolved";
      } else {
        users.neighbour["mac"] = format_mac(spec.next_hop_mac);
        users.neighbour["state"] = "static";
      }
    }
    users.entries.push_back(entry + (installed ? "" : " (waiting)"));
    users.installed += installed;
  };
  for (const IspState* isp : r.rib().isps_in_order()) {
    for (const auto& [source, spec] : isp->ftn_wanted)
      note(spec, "fec " + isp->name + " (" + std::string(entry_source_name(source)) + ")",
           isp->ftn && isp->ftn_source == source);
    for (const auto& [source, spec] : isp->handoff_wanted)
      note(spec, "handoff " + isp->name + " (" + std::string(entry_source_name(source)) + ")",
           isp->handoff && isp->handoff_source == source);
  }
  for (const auto& [label, installed] : r.rib().ilm())
    for (EntrySource source : {EntrySource::kStatic, EntrySource::kLdp, EntrySource::kBroker, EntrySource::kApi})
      if (const IlmState* wish = r.rib().ilm_wanted(label, source); wish != nullptr && wish->swap)
        note(*wish->swap, "label " + std::to_string(label) + " (" + std::string(entry_source_name(source)) + ")",
             installed.source == source);
  for (const auto& [prefix, fec] : r.rib().prefix_fecs())
    for (const auto& [source, spec] : fec.wanted)
      note(spec, "fec " + format_prefix(prefix) + " (" + std::string(entry_source_name(source)) + ")",
           fec.installed && fec.source == source);
  json adjacencies = json::array();
  for (auto& [key, users] : by_neighbour) {
    users.neighbour["nhlfes"] = users.installed;
    users.neighbour["entries"] = users.entries;
    adjacencies.push_back(users.neighbour);
  }
  return adjacencies;
}

json counters_view(ControlPlane& r) {
  json doc;
  json& isps = doc["isps"] = json::object();
  for (const auto& [id, state] : r.rib().isps())
    isps[state.name] = {{"up", totals(r.counters().isp(state.index, Direction::kUpstream))},
                        {"down", totals(r.counters().isp(state.index, Direction::kDownstream))}};
  json& ports = doc["ports"] = json::object();
  for (size_t i = 0; i < r.config().ports.size(); ++i)
    ports[r.config().ports[i].name] = {{"rx", totals(r.counters().port_rx(r.port_ids()[i]))},
                                       {"tx", totals(r.counters().port_tx(r.port_ids()[i]))}};
  doc["drops"] = r.counters().total_drops();
  return doc;
}

json drops_view(ControlPlane& r) {
  json drops = json::object();
  for (unsigned reason = 1; reason < kDropReasonCount; ++reason)
    drops[std::string(drop_reason_name(DropReason(reason)))] = r.counters().drops(DropReason(reason));
  return drops;
}

json redirects_view(ControlPlane& r) {
  json list = json::array();
  const uint64_t now = steady_now_ms();
  for (const auto& [id, state] : r.rib().redirects()) {
    const RedirectSpec& spec = state.spec;
    json lease = nullptr;
    if (spec.lease_end_ms != 0) lease = spec.lease_end_ms > now ? spec.lease_end_ms - now : 0;
    list.push_back({{"contract", id},
                    {"borrower", spec.borrower},
                    {"donor", spec.donor},
                    {"rate", {{"up", spec.rate_bps[0]}, {"down", spec.rate_bps[1]}}},
                    {"interruptible", spec.interruptible},
                    {"epoch", spec.epoch},
                    {"lease_left_ms", lease},
                    {"source", entry_source_name(state.source)},
                    {"carried",
                     {{"up", totals(r.counters().contract(state.slot, Direction::kUpstream))},
                      {"down", totals(r.counters().contract(state.slot, Direction::kDownstream))}}}});
  }
  return list;
}

json workers_view(ControlPlane& r) {
  json workers = json::array();
  std::vector<unsigned> pollers = r.config().port_workers();
  double tsc_hz = double(rte_get_tsc_hz());
  for (unsigned w = 0; w < r.counters().workers(); ++w) {
    unsigned lcore = r.config().worker_lcores[w];
    json ports = json::array();
    for (size_t p = 0; p < pollers.size(); ++p)
      if (pollers[p] == lcore) ports.push_back(r.config().ports[p].name);
    const WorkerCounters& c = r.counters().worker(w);
    workers.push_back({{"worker", w},
                       {"lcore", lcore},
                       {"rx_ports", ports},
                       {"polls", c.loops.get()},
                       {"busy_polls", c.busy_loops.get()},
                       {"seconds", double(c.cycles.get()) / tsc_hz},
                       {"busy_seconds", double(c.busy_cycles.get()) / tsc_hz},
                       {"busy_ratio", r.worker_busy_ratio(w)}});
  }
  return workers;
}

}  // namespace aggr
