// Keeps the RIB's next hops named by address resolved, and hands it the
// kernel's routes out of the mirrors, by which a next hop named by address
// alone is reached. The kernel does the
// resolving (ARP, ND) on each port's mirror; this asks it to, for every
// neighbour an entry names, once a second (which also makes the kernel
// revalidate a stale entry, so that a neighbour that goes away is found
// failed), and hands the RIB each change the kernel reports: a new MAC
// rewrites exactly the entries through that neighbour, a failure makes
// them drop rather than send to a MAC that may be gone.
#pragma once

#include <chrono>
#include <map>

#include "controlplane/netlink/neighbour_follower.h"
#include "controlplane/netlink/route_follower.h"
#include "controlplane/rib/rib.h"

namespace aggr {

class NextHopResolver {
 public:
  // `mirrors`: the kernel interface index of each mirrored port. Throws
  // std::runtime_error if rtnetlink cannot be opened.
  NextHopResolver(Rib& rib, std::map<unsigned, uint16_t> port_by_ifindex);

  // Control-plane thread: applies what the kernel reported; asks again for
  // the wanted neighbours when a second has passed since the last time.
  void poll(std::chrono::steady_clock::time_point now);

 private:
  void apply(const NeighbourEvent& event);
  void apply(const RouteEvent& event);

  Rib& rib_;
  std::map<unsigned, uint16_t> port_by_ifindex_;
  std::map<uint16_t, unsigned> ifindex_by_port_;
  NeighbourFollower neighbours_;
  RouteFollower routes_;
  std::map<IpPrefix, std::map<uint32_t, RouteEvent>> routes_by_prefix_;  // each prefix's routes by metric
  std::chrono::steady_clock::time_point last_request_{};
};

}  // namespace aggr
