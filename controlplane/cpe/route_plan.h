// What a device's routes are to be, given the contracts it carries: the
// one rule from contracts to routes, apart from the kernel calls that make
// them (route_setup.h) so that it is tested alone.
//
// Borrower: the default route is a multipath route over its own line and
// a third link to each donor, weighted by their upstream rates, so that
// the kernel spreads flows (never a flow's packets) in proportion. No NAT:
// the borrower's packets keep its addresses, which the router accepts on
// the donor's line while the contract lasts.
// Donor: the borrower's prefixes are routed over the third link, so that
// what the router sends for the borrower over the donor's line reaches it;
// the borrower's upstream arrives over the link and leaves by the default
// route.
// Either side: a third link the agent owns (one with an `address`) is up,
// with that address, while a contract with its peer is in force, and down
// otherwise.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "controlplane/cpe/cpe_config.h"
#include "controlplane/netlink/route_setup.h"

namespace aggr::cpe {

// One contract as the broker instructs a device: its side of it, a lease.
struct DeviceContract {
  std::string id;
  uint64_t epoch = 0;
  bool borrower = false;  // else donor
  std::string peer;       // the other subscriber
  uint64_t down_bps = 0, up_bps = 0;
  bool interruptible = true;
  int64_t expires_at_ms = 0;
  int64_t lease_expires_at_ms = 0;
  bool operator==(const DeviceContract&) const = default;
};

// The broker's instruction list (GET /v1/instructions as a device); false
// with the reasons when an entry is malformed (the whole list is then kept out).
bool parse_device_instructions(const nlohmann::json& list, std::vector<DeviceContract>* out,
                               std::vector<std::string>* errors);

struct RoutePlan {
  std::vector<RouteNextHop> default_route;
  std::map<IpPrefix, RouteNextHop> carried;  // a borrower's prefixes, over the third link to it
  std::set<std::string> links_up;            // the owned third links in use, by interface
  std::vector<std::string> problems;         // contracts that cannot be carried here, and why
  bool operator==(const RoutePlan& o) const {
    return default_route == o.default_route && carried == o.carried && links_up == o.links_up;
  }
};

// The routes for the contracts in force (leases not yet over).
RoutePlan plan_routes(const CpeConfig& config, const std::vector<DeviceContract>& contracts);

}  // namespace aggr::cpe
