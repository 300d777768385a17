// What aggr-cpe shows of itself, read-only: the line as it measures it, the
// contracts in force, the third links and the routes it keeps, and how its
// talks with the broker go. The agent takes a snapshot each round; the
// status endpoint renders it as JSON (GET /v1/status) and as Prometheus
// text (GET /metrics).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "controlplane/cpe/line_meter.h"
#include "controlplane/cpe/route_plan.h"

namespace aggr::cpe {

struct ThirdLinkStatus {
  std::string peer, interface;
  bool owned = false;   // the agent brings it up and down (it has an address)
  bool in_use = false;  // a contract with the peer is in force
};

struct GrantCounts {
  uint64_t granted = 0, refused = 0, renewed = 0;
};

struct CpeStatus {
  std::string subscriber;
  int64_t at_ms = 0;
  uint64_t plan_down_bps = 0, plan_up_bps = 0;
  uint64_t rx_bytes = 0, tx_bytes = 0;  // the WAN interface's counters
  std::optional<LineRates> rates;
  bool saturated_down = false, saturated_up = false;
  std::vector<DeviceContract> contracts;  // in force
  std::vector<ThirdLinkStatus> third_links;
  RoutePlan routes;           // as applied
  bool routes_complete = false;  // false: a kernel call failed, to be made again
  bool broker_reachable = false;
  int64_t broker_answered_at_ms = 0;  // the last answer of any kind; 0: none yet
  GrantCounts grants;
};

nlohmann::json status_json(const CpeStatus& status);
std::string status_metrics(const CpeStatus& status);

}  // namespace aggr::cpe
