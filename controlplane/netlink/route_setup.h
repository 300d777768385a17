// Routes in the kernel's main table over rtnetlink (libmnl): what a
// customer device's agent installs to use or to carry a borrowed line.
// A route with several next hops is a multipath route, which the kernel
// spreads by flow hash, in proportion to the weights.
#pragma once

#include <string>
#include <vector>

#include "dataplane/net/ip_prefix.h"
#include "dataplane/net/status.h"

namespace aggr {

struct RouteNextHop {
  IpPrefix gateway;       // a host prefix, of the route's family
  std::string interface;  // the gateway is on this interface's link
  unsigned weight = 1;    // 1..256: its share among the route's next hops
  bool operator==(const RouteNextHop&) const = default;
};

// Creates or replaces the route to `prefix` (the default route: length 0).
Status replace_route(const IpPrefix& prefix, const std::vector<RouteNextHop>& next_hops);
// Removes the route to `prefix`; one already gone is no error.
Status delete_route(const IpPrefix& prefix);

}  // namespace aggr
