#include "controlplane/cpe/cpe_status.h"

#include <sstream>

namespace aggr::cpe {
namespace {

using nlohmann::json;

json next_hop_json(const RouteNextHop& h) {
  return {{"gateway", format_address(h.gateway)}, {"interface", h.interface}, {"weight", h.weight}};
}

// A label value in the text exposition format: backslash, quote and newline escaped.
std::string label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

void family(std::ostringstream& out, const char* name, const char* type, const char* help) {
  out << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
}

}  // namespace

json status_json(const CpeStatus& s) {
  json contracts = json::array();
  for (const DeviceContract& c : s.contracts)
    contracts.push_back({{"contract", c.id},
                         {"epoch", c.epoch},
                         {"role", c.borrower ? "borrower" : "donor"},
                         {"peer", c.peer},
                         {"down_bps", c.down_bps},
                         {"up_bps", c.up_bps},
                         {"interruptible", c.interruptible},
                         {"expires_at_ms", c.expires_at_ms},
                         {"lease_expires_at_ms", c.lease_expires_at_ms}});
  json links = json::array();
  for (const ThirdLinkStatus& l : s.third_links) {
    const bool up = !l.owned || s.routes.links_up.count(l.interface) > 0;
    links.push_back({{"peer", l.peer}, {"interface", l.interface}, {"owned", l.owned}, {"in_use", l.in_use},
                     {"state", up ? "up" : "down"}});
  }
  json default_route = json::array();
  for (const RouteNextHop& h : s.routes.default_route) default_route.push_back(next_hop_json(h));
  json carried = json::array();
  for (const auto& [prefix, hop] : s.routes.carried) {
    json c = next_hop_json(hop);
    c["prefix"] = format_prefix(prefix);
    carried.push_back(std::move(c));
  }
  json line = {{"interface_rx_bytes", s.rx_bytes},
               {"interface_tx_bytes", s.tx_bytes},
               {"plan", {{"down_bps", s.plan_down_bps}, {"up_bps", s.plan_up_bps}}},
               {"saturated", {{"down", s.saturated_down}, {"up", s.saturated_up}}}};
  line["rate"] = s.rates ? json{{"down_bps", s.rates->down_bps}, {"up_bps", s.rates->up_bps}} : json();
  return {{"subscriber", s.subscriber},
          {"at_ms", s.at_ms},
          {"line", std::move(line)},
          {"contracts", std::move(contracts)},
          {"third_links", std::move(links)},
          {"routes", {{"default", std::move(default_route)}, {"carried", std::move(carried)}, {"complete", s.routes_complete}}},
          {"problems", s.routes.problems},
          {"broker", {{"reachable", s.broker_reachable}, {"answered_at_ms", s.broker_answered_at_ms}}},
          {"grants", {{"granted", s.grants.granted}, {"refused", s.grants.refused}, {"renewed", s.grants.renewed}}}};
}

std::string status_metrics(const CpeStatus& s) {
  std::ostringstream out;
  family(out, "aggr_cpe_line_bytes_total", "counter", "Bytes on the line's WAN interface, by direction.");
  out << "aggr_cpe_line_bytes_total{direction=\"down\"} " << s.rx_bytes << "\n"
      << "aggr_cpe_line_bytes_total{direction=\"up\"} " << s.tx_bytes << "\n";
  if (s.rates) {
    family(out, "aggr_cpe_line_rate_bps", "gauge", "The line's rate over the last measuring interval.");
    out << "aggr_cpe_line_rate_bps{direction=\"down\"} " << s.rates->down_bps << "\n"
        << "aggr_cpe_line_rate_bps{direction=\"up\"} " << s.rates->up_bps << "\n";
  }
  family(out, "aggr_cpe_line_saturated", "gauge", "1 while the line has been near its plan for the configured time.");
  out << "aggr_cpe_line_saturated{direction=\"down\"} " << int(s.saturated_down) << "\n"
      << "aggr_cpe_line_saturated{direction=\"up\"} " << int(s.saturated_up) << "\n";
  uint64_t borrowed[2] = {}, lent[2] = {}, borrower = 0, donor = 0;
  for (const DeviceContract& c : s.contracts) {
    uint64_t* sum = c.borrower ? borrowed : lent;
    sum[0] += c.down_bps;
    sum[1] += c.up_bps;
    ++(c.borrower ? borrower : donor);
  }
  family(out, "aggr_cpe_contracts", "gauge", "Contracts in force on this device, by its role in them.");
  out << "aggr_cpe_contracts{role=\"borrower\"} " << borrower << "\naggr_cpe_contracts{role=\"donor\"} " << donor << "\n";
  family(out, "aggr_cpe_contract_rate_bps", "gauge", "The rates of the contracts in force, by role and direction.");
  out << "aggr_cpe_contract_rate_bps{role=\"borrower\",direction=\"down\"} " << borrowed[0] << "\n"
      << "aggr_cpe_contract_rate_bps{role=\"borrower\",direction=\"up\"} " << borrowed[1] << "\n"
      << "aggr_cpe_contract_rate_bps{role=\"donor\",direction=\"down\"} " << lent[0] << "\n"
      << "aggr_cpe_contract_rate_bps{role=\"donor\",direction=\"up\"} " << lent[1] << "\n";
  family(out, "aggr_cpe_third_link_in_use", "gauge", "1 while a contract with the link's peer is in force.");
  for (const ThirdLinkStatus& l : s.third_links)
    out << "aggr_cpe_third_link_in_use{peer=\"" << label(l.peer) << "\",interface=\"" << label(l.interface) << "\"} "
        << int(l.in_use) << "\n";
  family(out, "aggr_cpe_default_route_next_hops", "gauge", "Next hops of the device's default route (the own line and third links).");
  out << "aggr_cpe_default_route_next_hops " << s.routes.default_route.size() << "\n";
  family(out, "aggr_cpe_grants_total", "counter", "The device's grant requests and renewals, by outcome.");
  out << "aggr_cpe_grants_total{outcome=\"granted\"} " << s.grants.granted << "\n"
      << "aggr_cpe_grants_total{outcome=\"refused\"} " << s.grants.refused << "\n"
      << "aggr_cpe_grants_total{outcome=\"renewed\"} " << s.grants.renewed << "\n";
  family(out, "aggr_cpe_broker_up", "gauge", "1 while the broker answers.");
  out << "aggr_cpe_broker_up " << int(s.broker_reachable) << "\n";
  return out.str();
}

}  // namespace aggr::cpe
