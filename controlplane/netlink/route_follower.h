// Follows the kernel's main routing table over rtnetlink (libmnl), so that
// whatever feeds it (static routes, FRR's staticd, ospfd, isisd) tells
// aggrd how to reach a next hop that is not on a link of its own: the
// route's gateway, out of a mirror, is the neighbour to resolve. Connected
// routes (a mirror's subnets) come too, with no gateway. Non-blocking:
// poll() drains what has arrived, on the control-plane thread.
#pragma once

#include <functional>
#include <optional>

#include "controlplane/netlink/rtnetlink_socket.h"
#include "dataplane/net/ip_prefix.h"

namespace aggr {

struct RouteEvent {
  IpPrefix prefix;
  bool removed = false;
  uint32_t metric = 0;               // its priority: of a prefix's routes, the lowest is used
  unsigned ifindex = 0;              // the out interface (the first path's, for multipath routes)
  std::optional<IpPrefix> gateway;  // none: the prefix is on the interface's link
};

class RouteFollower {
 public:
  // Subscribes to IPv4 and IPv6 route changes and asks for the table,
  // which the first poll() reports. Throws std::runtime_error.
  RouteFollower();
  // Reports every change to a unicast route of the main table.
  void poll(const std::function<void(const RouteEvent&)>& on_event);

 private:
  RtnetlinkSocket socket_;
};

}  // namespace aggr
