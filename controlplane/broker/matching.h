// Matching a borrower's request to a donor: among the lines whose devices
// share a third link with the borrower's and that the same router serves,
// those that can lend at least the minimum in every direction asked, the
// least loaded first. Never more than the measured spare, less what the
// donor already lends.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <variant>

#include "controlplane/broker/broker_config.h"
#include "controlplane/broker/capacity.h"

namespace aggr::broker {

struct GrantRequest {
  std::string borrower;
  uint64_t min_bps = 0, desired_bps = 0;
  bool down = true, up = false;  // the directions asked
  bool interruptible = true;
  int64_t duration_ms = 0;
  int64_t max_price_per_gb = -1;  // -1: no cap
};

struct Match {
  std::string donor;
  uint64_t down_bps = 0, up_bps = 0;
};

// What each donor lends already, by direction (Direction's index).
using Lent = std::map<std::string, std::array<uint64_t, 2>>;

// A match, or why there is none.
std::variant<Match, std::string> match_donor(const BrokerConfig& config, const CapacityModel& capacity,
                                             const GrantRequest& request, const Lent& lent);

}  // namespace aggr::broker
