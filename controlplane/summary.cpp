#include "controlplane/summary.h"

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <ostream>

#include <nlohmann/json.hpp>

namespace aggr {
namespace {

std::string row(const char* format, ...) __attribute__((format(printf, 1, 2)));
std::string row(const char* format, ...) {
  char buffer[256];
  va_list args;
  va_start(args, format);
  std::vsnprintf(buffer, sizeof buffer, format, args);
  va_end(args);
  return buffer;
}

}  // namespace

void print_summary(std::ostream& out, const std::vector<uint16_t>& port_ids, const Rib& rib,
                   const CounterSet& counters) {
  out << "\nPer-ISP traffic (IP bytes)\n";
  out << row("%-16s %14s %16s %14s %16s\n", "ISP", "up packets", "up bytes", "down packets", "down bytes");
  for (const IspState* state : rib.isps_in_order()) {
    Totals up = counters.isp(state->index, Direction::kUpstream);
    Totals down = counters.isp(state->index, Direction::kDownstream);
    out << row("%-16s %14llu %16llu %14llu %16llu\n", state->name.c_str(), (unsigned long long)up.packets,
               (unsigned long long)up.bytes, (unsigned long long)down.packets, (unsigned long long)down.bytes);
  }
  out << "\nPorts (frame bytes)\n";
  out << row("%-16s %14s %16s %14s %16s\n", "port", "rx packets", "rx bytes", "tx packets", "tx bytes");
  for (uint16_t port : port_ids) {
    Totals rx = counters.port_rx(port), tx = counters.port_tx(port);
    out << row("%-16s %14llu %16llu %14llu %16llu\n", rib.port_name(port).c_str(), (unsigned long long)rx.packets,
               (unsigned long long)rx.bytes, (unsigned long long)tx.packets, (unsigned long long)tx.bytes);
  }
  out << "\nDrops by reason\n";
  bool any = false;
  for (unsigned r = 1; r < kDropReasonCount; ++r) {
    uint64_t n = counters.drops(DropReason(r));
    if (n == 0) continue;
    any = true;
    out << row("%-24s %14llu\n", std::string(drop_reason_name(DropReason(r))).c_str(), (unsigned long long)n);
  }
  if (!any) out << "(none)\n";
}

void write_summary_json(std::ostream& out, const std::vector<uint16_t>& port_ids, const Rib& rib,
                        const CounterSet& counters) {
  auto totals = [](const Totals& t) { return nlohmann::json{{"packets", t.packets}, {"bytes", t.bytes}}; };
  nlohmann::json doc;
  nlohmann::json& isps = doc["isps"] = nlohmann::json::object();
  for (const IspState* state : rib.isps_in_order()) {
    isps[state->name] = {{"up", totals(counters.isp(state->index, Direction::kUpstream))},
                      {"down", totals(counters.isp(state->index, Direction::kDownstream))}};
  }
  nlohmann::json& subscribers = doc["subscribers"] = nlohmann::json::object();
  for (const auto& [id, s] : rib.subscribers()) {
    subscribers[std::to_string(id)] = {
        {"up", totals(counters.subscriber(s.handle, Direction::kUpstream))},
        {"down", totals(counters.subscriber(s.handle, Direction::kDownstream))},
        {"meter_drops_up", counters.subscriber_meter_drops(s.handle, Direction::kUpstream)},
        {"meter_drops_down", counters.subscriber_meter_drops(s.handle, Direction::kDownstream)}};
  }
  nlohmann::json& ports = doc["ports"] = nlohmann::json::object();
  for (uint16_t port : port_ids)
    ports[rib.port_name(port)] = {{"rx", totals(counters.port_rx(port))}, {"tx", totals(counters.port_tx(port))}};
  nlohmann::json& punted = doc["punted"] = nlohmann::json::object();
  nlohmann::json& policed = doc["punt_policed"] = nlohmann::json::object();
  for (unsigned k = 0; k < kPuntKinds; ++k) {
    punted[std::string(punt_kind_name(PuntKind(k)))] = counters.punted(PuntKind(k));
    policed[std::string(punt_kind_name(PuntKind(k)))] = counters.punt_policed(PuntKind(k));
  }
  nlohmann::json& drops = doc["drops"] = nlohmann::json::object();
  for (unsigned r = 1; r < kDropReasonCount; ++r)
    drops[std::string(drop_reason_name(DropReason(r)))] = counters.drops(DropReason(r));
  out << doc.dump(2) << "\n";
}

}  // namespace aggr
