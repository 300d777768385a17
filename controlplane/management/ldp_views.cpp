#include "controlplane/management/ldp_views.h"

#include <chrono>

#include "controlplane/control_plane.h"
#include "controlplane/ldp/speaker.h"

namespace aggr {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point then) { return std::chrono::duration<double>(Clock::now() - then).count(); }

json counts_json(const ldp::MessageCounts& earlier, const ldp::MessageCounts* now) {
  ldp::MessageCounts sum = earlier;
  if (now != nullptr)
    for (const auto& [type, n] : *now) sum[type] += n;
  json out = json::object();
  for (const auto& [type, n] : sum) out[ldp::message_type_name(type)] = n;
  return out;
}

json next_hop_json(const Rib& rib, const std::optional<ldp::NextHop>& next_hop) {
  if (!next_hop) return nullptr;
  return {{"address", format_address(next_hop->address)}, {"port", rib.port_name(next_hop->port)}};
}

std::string peer_name(const std::pair<uint32_t, uint16_t>& key) { return ldp::format_ldp_id({key.first, key.second}); }

}  // namespace

std::optional<json> ldp_neighbors_view(ControlPlane& control) {
  const ldp::Speaker* speaker = control.ldp();
  if (speaker == nullptr) return std::nullopt;
  json out = json::array();
  for (const auto& [id, peer] : speaker->peers()) {
    const ldp::Session* session = peer.session.get();
    const ldp::SessionState state = session ? session->state() : ldp::SessionState::kNonExistent;
    unsigned adjacencies = 0;
    for (const ldp::Adjacency& a : speaker->discovery().adjacencies()) adjacencies += a.peer == peer.id;
    json n = {{"lsr_id", ldp::format_ldp_id(peer.id)},
              {"transport_address", format_address(peer.transport_address)},
              {"state", ldp::session_state_name(state)},
              {"role", peer.active ? "active" : "passive"},
              {"adjacencies", adjacencies},
              {"flaps", peer.flaps},
              {"last_error", peer.last_error},
              {"md5", speaker->has_password(peer.id)},
              {"sent", counts_json(peer.sent, session ? &session->sent() : nullptr)},
              {"received", counts_json(peer.received, session ? &session->received() : nullptr)}};
    if (peer.operational) {
      n["uptime_s"] = seconds_since(peer.up_since);
      n["keepalive_time"] = session->fsm().keepalive_time();
      n["max_pdu_length"] = session->fsm().max_pdu_length();
    }
    out.push_back(n);
  }
  return out;
}

std::optional<json> ldp_discovery_view(ControlPlane& control) {
  const ldp::Speaker* speaker = control.ldp();
  if (speaker == nullptr) return std::nullopt;
  json interfaces = json::array();
  for (const ldp::SpeakerInterface& i : speaker->interfaces())
    interfaces.push_back({{"port", i.name}, {"address", format_address(i.address)}});
  json adjacencies = json::array();
  const auto now = Clock::now();
  for (const ldp::Adjacency& a : speaker->discovery().adjacencies())
    adjacencies.push_back({{"lsr_id", ldp::format_ldp_id(a.peer)},
                           {"type", a.targeted ? "targeted" : "link"},
                           {"interface", a.source.interface},
                           {"source", format_address(a.source.address)},
                           {"transport_address", format_address(a.transport_address)},
                           {"hold_time", a.hold_time},
                           {"expires_in_s", std::chrono::duration<double>(a.expires - now).count()}});
  const ldp::SpeakerCounters& c = speaker->counters();
  return json{{"lsr_id", ldp::format_ldp_id(speaker->id())},
              {"transport_address", format_address(speaker->config().transport_address)},
              {"interfaces", interfaces},
              {"adjacencies", adjacencies},
              {"hellos", {{"sent", c.hellos_sent}, {"received", c.hellos_received}, {"refused", c.hellos_refused}}},
              {"connections_refused", c.connections_refused}};
}

std::optional<json> ldp_bindings_view(ControlPlane& control) {
  const ldp::Speaker* speaker = control.ldp();
  if (speaker == nullptr) return std::nullopt;
  const ldp::LabelBase& lib = speaker->label_base();
  json out = json::array();
  for (const IpPrefix& fec : lib.fecs()) {
    const std::optional<ldp::Binding> binding = lib.binding(fec);
    const std::optional<ldp::NextHopLabel> in_use = lib.next_hop_label(fec);
    json remote = json::array();
    for (const auto& [peer, label] : lib.mappings(fec)) remote.push_back({{"lsr_id", peer_name(peer)}, {"label", label}});
    out.push_back({{"fec", format_prefix(fec)},
                   {"local_label", binding ? json(binding->local_label) : json(nullptr)},
                   {"egress", binding && binding->egress},
                   {"remote", remote},
                   {"next_hop", next_hop_json(control.rib(), lib.next_hop(fec))},
                   {"in_use", in_use ? json(in_use->label) : json(nullptr)}});
  }
  return out;
}

std::optional<json> ldp_fec_view(ControlPlane& control) {
  const ldp::Speaker* speaker = control.ldp();
  if (speaker == nullptr) return std::nullopt;
  const ldp::LabelBase& lib = speaker->label_base();
  const ldp::FecPolicy& policy = speaker->policy();
  const Rib& rib = control.rib();
  json out = json::array();
  for (const IpPrefix& fec : lib.fecs()) {
    json f = {{"fec", format_prefix(fec)}, {"next_hop", next_hop_json(rib, lib.next_hop(fec))}};
    if (const auto binding = lib.binding(fec)) {
      const IlmState* ilm = rib.ilm_wanted(binding->local_label, EntrySource::kLdp);
      f["local_label"] = binding->local_label;
      f["ilm"] = ilm ? json(ilm_action_name(ilm->action)) : json(nullptr);
      auto installed = rib.ilm().find(binding->local_label);
      f["ilm_installed"] = installed != rib.ilm().end() && installed->second.source == EntrySource::kLdp;
    }
    if (auto egress = policy.isp_egress.find(fec); egress != policy.isp_egress.end())
      f["origin"] = "isp " + (rib.isp(egress->second) ? rib.isp(egress->second)->name : std::to_string(egress->second));
    else if (std::count(policy.pool_egress.begin(), policy.pool_egress.end(), fec))
      f["origin"] = "subscriber pool";
    json ftn = json::array();
    if (auto isps = policy.isp_ftn.find(fec); isps != policy.isp_ftn.end())
      for (uint32_t id : isps->second)
        if (const IspState* isp = rib.isp(id))
          ftn.push_back({{"isp", isp->name}, {"installed", isp->ftn.has_value() && isp->ftn_source == EntrySource::kLdp}});
    f["ftn"] = ftn;
    if (auto by_prefix = rib.prefix_fecs().find(fec); by_prefix != rib.prefix_fecs().end())
      f["prefix_ftn_installed"] = by_prefix->second.installed.has_value() && by_prefix->second.source == EntrySource::kLdp;
    out.push_back(f);
  }
  return out;
}

}  // namespace aggr
