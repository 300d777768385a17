#include "controlplane/metrics/metrics.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <map>
#include <tuple>
#include <stdexcept>

#include <prometheus/collectable.h>
#include <prometheus/exposer.h>
#include <rte_ethdev.h>

#include "controlplane/control_plane.h"
#include "controlplane/ldp/speaker.h"

namespace aggr {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

const char* direction_name(Direction d) { return d == Direction::kUpstream ? "upstream" : "downstream"; }

class Families {
 public:
  MetricFamily& family(const std::string& name, const std::string& help, MetricType type) {
    families_.push_back({name, help, type, {}});
    return families_.back();
  }
  static void add(MetricFamily& f, std::vector<ClientMetric::Label> labels, double value) {
    ClientMetric m;
    m.label = std::move(labels);
    if (f.type == MetricType::Counter)
      m.counter.value = value;
    else
      m.gauge.value = value;
    f.metric.push_back(std::move(m));
  }
  std::vector<MetricFamily> take() {
    return {std::make_move_iterator(families_.begin()), std::make_move_iterator(families_.end())};
  }

 private:
  std::deque<MetricFamily> families_;  // a deque: references to earlier families stay valid
};

// A headend counts what its subscribers send to each ISP (upstream) and
// receive (downstream); a tailend what it hands to each ISP and takes from
// it. The same family for both, told apart by the role.
void isp_metrics(ControlPlane& r, Families& out) {
  const std::string role(router_role_name(r.config().role));
  MetricFamily& packets = out.family("aggr_isp_packets_total", "Packets forwarded per ISP and direction.",
                                     MetricType::Counter);
  for (const auto& [id, state] : r.rib().isps())
    for (Direction d : {Direction::kUpstream, Direction::kDownstream})
      Families::add(packets, {{"isp", state.name}, {"direction", direction_name(d)}, {"role", role}},
                    double(r.counters().isp(state.index, d).packets));
  MetricFamily& bytes = out.family("aggr_isp_bytes_total",
                                   "IP bytes (IP header included, link and MPLS headers not) per ISP and direction.",
                                   MetricType::Counter);
  for (const auto& [id, state] : r.rib().isps())
    for (Direction d : {Direction::kUpstream, Direction::kDownstream})
      Families::add(bytes, {{"isp", state.name}, {"direction", direction_name(d)}, {"role", role}},
                    double(r.counters().isp(state.index, d).bytes));
}

void subscriber_metrics(ControlPlane& r, Families& out) {
  const MetricsConfig& m = r.config().metrics;
  if (m.subscribers == SubscriberMetrics::kOff) return;
  struct Row {
    const SubscriberSpec* s;
    Totals dir[kDirections];
    uint64_t bytes() const { return dir[0].bytes + dir[1].bytes; }
  };
  std::vector<Row> rows;
  rows.reserve(r.rib().subscriber_count());
  for (const auto& [id, state] : r.rib().subscribers())
    rows.push_back({&state.spec, {r.counters().subscriber(state.handle, Direction::kUpstream),
                                  r.counters().subscriber(state.handle, Direction::kDownstream)}});
  if (m.subscribers == SubscriberMetrics::kTop && rows.size() > m.top_subscribers) {
    auto by_bytes = [](const Row& a, const Row& b) { return a.bytes() > b.bytes(); };
    std::partial_sort(rows.begin(), rows.begin() + m.top_subscribers, rows.end(), by_bytes);
    rows.resize(m.top_subscribers);
  }
  MetricFamily& packets = out.family("aggr_subscriber_packets_total", "Packets forwarded per subscriber and direction.",
                                     MetricType::Counter);
  MetricFamily& bytes = out.family("aggr_subscriber_bytes_total", "IP bytes per subscriber and direction.",
                                   MetricType::Counter);
  for (const Row& row : rows)
    for (Direction d : {Direction::kUpstream, Direction::kDownstream}) {
      std::vector<ClientMetric::Label> labels = {
          {"subscriber", std::to_string(row.s->id)},
          {"isp", r.rib().isp(row.s->isp_id)->name},
          {"direction", direction_name(d)}};
      Families::add(packets, labels, double(row.dir[unsigned(d)].packets));
      Families::add(bytes, labels, double(row.dir[unsigned(d)].bytes));
    }
}

// Link-sharing contracts in force: what each carried over its donor's line.
void contract_metrics(ControlPlane& r, Families& out) {
  MetricFamily& contracts = out.family("aggr_contracts", "Link-sharing contracts in force, by source.", MetricType::Gauge);
  std::map<std::string, unsigned> by_source;
  for (const auto& [id, state] : r.rib().redirects()) ++by_source[std::string(entry_source_name(state.source))];
  for (const auto& [source, n] : by_source) Families::add(contracts, {{"source", source}}, double(n));
  MetricFamily& bytes = out.family("aggr_contract_bytes_total",
                                   "IP bytes each contract carried over its donor's line, by direction.",
                                   MetricType::Counter);
  for (const auto& [id, state] : r.rib().redirects())
    for (Direction d : {Direction::kUpstream, Direction::kDownstream})
      Families::add(bytes,
                    {{"contract", std::to_string(id)},
                     {"borrower", std::to_string(state.spec.borrower)},
                     {"donor", std::to_string(state.spec.donor)},
                     {"direction", direction_name(d)}},
                    double(r.counters().contract(state.slot, d).bytes));
}

void port_metrics(ControlPlane& r, Families& out) {
  struct Stat {
    const char* name;
    const char* help;
    uint64_t rte_eth_stats::*field;
  };
  static const Stat stats[] = {
      {"aggr_port_receive_packets_total", "Frames received by the device.", &rte_eth_stats::ipackets},
      {"aggr_port_transmit_packets_total", "Frames sent by the device.", &rte_eth_stats::opackets},
      {"aggr_port_receive_bytes_total", "Bytes received by the device.", &rte_eth_stats::ibytes},
      {"aggr_port_transmit_bytes_total", "Bytes sent by the device.", &rte_eth_stats::obytes},
      {"aggr_port_receive_errors_total", "Erroneous frames received.", &rte_eth_stats::ierrors},
      {"aggr_port_transmit_errors_total", "Frames the device failed to send.", &rte_eth_stats::oerrors},
      {"aggr_port_receive_missed_total", "Frames dropped by the device: no room in the RX queue.",
       &rte_eth_stats::imissed},
      {"aggr_port_receive_nombuf_total", "RX mbuf allocation failures.", &rte_eth_stats::rx_nombuf},
  };
  const std::vector<PortConfig>& ports = r.config().ports;
  std::vector<rte_eth_stats> device(ports.size());
  for (size_t i = 0; i < ports.size(); ++i) rte_eth_stats_get(r.port_ids()[i], &device[i]);
  for (const Stat& stat : stats) {
    MetricFamily& f = out.family(stat.name, stat.help, MetricType::Counter);
    for (size_t i = 0; i < ports.size(); ++i) Families::add(f, {{"port", ports[i].name}}, double(device[i].*stat.field));
  }
  MetricFamily& link = out.family("aggr_port_link_up", "1 when the port's link is up.", MetricType::Gauge);
  for (size_t i = 0; i < ports.size(); ++i) {
    rte_eth_link l{};
    rte_eth_link_get_nowait(r.port_ids()[i], &l);
    Families::add(link, {{"port", ports[i].name}}, l.link_status == RTE_ETH_LINK_UP ? 1 : 0);
  }
}

void drop_metrics(ControlPlane& r, Families& out) {
  MetricFamily& f = out.family("aggr_drops_total", "Packets dropped, by reason.", MetricType::Counter);
  for (unsigned reason = 1; reason < kDropReasonCount; ++reason)
    Families::add(f, {{"reason", std::string(drop_reason_name(DropReason(reason)))}},
                  double(r.counters().drops(DropReason(reason))));
}

void punt_metrics(ControlPlane& r, Families& out) {
  MetricFamily& punted = out.family("aggr_punt_packets_total",
                                    "Frames for the router sent to the kernel mirrors, by kind.", MetricType::Counter);
  MetricFamily& policed = out.family("aggr_punt_policed_total",
                                     "Frames for the router dropped over their kind's punt rate.", MetricType::Counter);
  for (unsigned k = 0; k < kPuntKinds; ++k) {
    const std::string kind(punt_kind_name(PuntKind(k)));
    Families::add(punted, {{"kind", kind}}, double(r.counters().punted(PuntKind(k))));
    Families::add(policed, {{"kind", kind}}, double(r.counters().punt_policed(PuntKind(k))));
  }
}

void worker_metrics(ControlPlane& r, Families& out) {
  MetricFamily& ratio = out.family("aggr_worker_busy_ratio",
                                   "Share of the last second the worker spent in polls that moved packets.",
                                   MetricType::Gauge);
  MetricFamily& polled = out.family("aggr_worker_poll_seconds_total", "Time the worker spent polling (sleeps included).",
                                    MetricType::Counter);
  MetricFamily& busy = out.family("aggr_worker_busy_seconds_total", "Time the worker spent in polls that moved packets.",
                                  MetricType::Counter);
  double tsc_hz = double(rte_get_tsc_hz());
  for (unsigned w = 0; w < r.counters().workers(); ++w) {
    std::vector<ClientMetric::Label> labels = {{"worker", std::to_string(w)},
                                               {"lcore", std::to_string(r.config().worker_lcores[w])}};
    const WorkerCounters& c = r.counters().worker(w);
    Families::add(ratio, labels, r.worker_busy_ratio(w));
    Families::add(polled, labels, double(c.cycles.get()) / tsc_hz);
    Families::add(busy, labels, double(c.busy_cycles.get()) / tsc_hz);
  }
}

void table_metrics(ControlPlane& r, Families& out) {
  const TableLimits& limits = r.rib().tables().limits;
  MetricFamily& entries = out.family("aggr_table_entries", "Entries in each table.", MetricType::Gauge);
  MetricFamily& capacity = out.family("aggr_table_capacity", "Entries each table can hold.", MetricType::Gauge);
  Families::add(entries, {{"table", "isps"}}, double(r.rib().isps().size()));
  Families::add(capacity, {{"table", "isps"}}, double(limits.isps));
  Families::add(entries, {{"table", "subscribers"}}, double(r.rib().subscriber_count()));
  Families::add(capacity, {{"table", "subscribers"}}, double(limits.subscribers));
  Families::add(entries, {{"table", "local_labels"}}, double(r.rib().ilm().size()));
  Families::add(capacity, {{"table", "local_labels"}}, double(limits.label_space - 16));
}

void config_metrics(ControlPlane& r, Families& out) {
  const ReloadRecord& reload = r.last_reload();
  Families::add(out.family("aggr_config_generation", "Configuration generation in force (1 at start, +1 per reload).",
                           MetricType::Gauge),
                {}, double(reload.generation));
  Families::add(out.family("aggr_config_last_reload_success", "1 when the last reload (or the start) succeeded.",
                           MetricType::Gauge),
                {}, reload.ok ? 1 : 0);
  Families::add(out.family("aggr_config_last_reload_timestamp_seconds", "When the last reload was attempted.",
                           MetricType::Gauge),
                {}, std::chrono::duration<double>(reload.at.time_since_epoch()).count());
  MetricFamily& reloads = out.family("aggr_config_reloads_total", "Reloads attempted, by result.", MetricType::Counter);
  Families::add(reloads, {{"result", "success"}}, double(reload.succeeded));
  Families::add(reloads, {{"result", "failure"}}, double(reload.failed));
  Families::add(out.family("aggr_build_info", "aggrd's version.", MetricType::Gauge), {{"version", AGGR_VERSION}}, 1);
}

// The LDP speaker, where the configuration has one: sessions by state,
// messages by peer, direction and type, flaps, bindings, discovery.
void ldp_metrics(ControlPlane& r, Families& out) {
  const ldp::Speaker* speaker = r.ldp();
  if (speaker == nullptr) return;
  std::map<ldp::SessionState, unsigned> by_state;
  for (ldp::SessionState s : {ldp::SessionState::kNonExistent, ldp::SessionState::kInitialized,
                              ldp::SessionState::kOpenSent, ldp::SessionState::kOpenRec, ldp::SessionState::kOperational})
    by_state[s] = 0;
  MetricFamily& messages = out.family("aggr_ldp_messages_total", "LDP messages per peer, direction and type.",
                                      MetricType::Counter);
  MetricFamily& flaps = out.family("aggr_ldp_session_flaps_total",
                                   "Times an operational LDP session with the peer ended.", MetricType::Counter);
  for (const auto& [id, peer] : speaker->peers()) {
    const ldp::Session* session = peer.session.get();
    ++by_state[session ? session->state() : ldp::SessionState::kNonExistent];
    const std::string name = ldp::format_ldp_id(peer.id);
    for (auto [direction, earlier, now] : {std::tuple{"sent", &peer.sent, session ? &session->sent() : nullptr},
                                           std::tuple{"received", &peer.received, session ? &session->received() : nullptr}}) {
      ldp::MessageCounts sum = *earlier;
      if (now != nullptr)
        for (const auto& [type, n] : *now) sum[type] += n;
      for (const auto& [type, n] : sum)
        Families::add(messages, {{"peer", name}, {"direction", direction}, {"type", ldp::message_type_name(type)}},
                      double(n));
    }
    Families::add(flaps, {{"peer", name}}, double(peer.flaps));
  }
  MetricFamily& sessions = out.family("aggr_ldp_sessions", "LDP peers by their session's state.", MetricType::Gauge);
  for (const auto& [state, n] : by_state) Families::add(sessions, {{"state", ldp::session_state_name(state)}}, n);
  const ldp::LabelBase& lib = speaker->label_base();
  double local = 0, remote = 0;
  for (const IpPrefix& fec : lib.fecs()) {
    local += lib.binding(fec).has_value();
    remote += double(lib.mappings(fec).size());
  }
  MetricFamily& bindings = out.family("aggr_ldp_bindings",
                                      "Label bindings: this router's (local) and its peers' (remote, all retained).",
                                      MetricType::Gauge);
  Families::add(bindings, {{"kind", "local"}}, local);
  Families::add(bindings, {{"kind", "remote"}}, remote);
  MetricFamily& adjacencies = out.family("aggr_ldp_adjacencies", "LDP Hello adjacencies.", MetricType::Gauge);
  Families::add(adjacencies, {}, double(speaker->discovery().adjacencies().size()));
  const ldp::SpeakerCounters& c = speaker->counters();
  MetricFamily& hellos = out.family("aggr_ldp_hellos_total", "LDP Hellos sent, received and refused.",
                                    MetricType::Counter);
  Families::add(hellos, {{"outcome", "sent"}}, double(c.hellos_sent));
  Families::add(hellos, {{"outcome", "received"}}, double(c.hellos_received));
  Families::add(hellos, {{"outcome", "refused"}}, double(c.hellos_refused));
}

// Scrapes run on the exposer's threads; the families are built on the
// control-plane thread, which owns the state they describe.
class ControlPlaneCollectable : public prometheus::Collectable {
 public:
  explicit ControlPlaneCollectable(ControlPlane& control) : control_(control) {}
  std::vector<MetricFamily> Collect() const override {
    ControlPlane& control = control_;
    auto families = control.commands().call<std::vector<MetricFamily>>(
        [&control] { return collect_router_metrics(control); }, std::chrono::seconds(5));
    return families ? std::move(*families) : std::vector<MetricFamily>{};
  }

 private:
  ControlPlane& control_;
};

}  // namespace

std::vector<MetricFamily> collect_router_metrics(ControlPlane& control) {
  Families out;
  isp_metrics(control, out);
  subscriber_metrics(control, out);
  contract_metrics(control, out);
  port_metrics(control, out);
  drop_metrics(control, out);
  worker_metrics(control, out);
  punt_metrics(control, out);
  table_metrics(control, out);
  config_metrics(control, out);
  ldp_metrics(control, out);
  return out.take();
}

MetricsExposer::MetricsExposer(ControlPlane& control, const ListenAddress& listen)
    : collectable_(std::make_shared<ControlPlaneCollectable>(control)) {
  std::string address = listen.host.find(':') != std::string::npos ? "[" + listen.host + "]" : listen.host;
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(address + ":" + std::to_string(listen.port), 1);
  } catch (const std::exception& e) {
    throw std::runtime_error("metrics: cannot listen on " + listen.to_string() + ": " + e.what());
  }
  exposer_->RegisterCollectable(collectable_);
}

MetricsExposer::~MetricsExposer() = default;

}  // namespace aggr
