// Follows the kernel's neighbour tables (ARP, IPv6 ND) over rtnetlink
// (libmnl), the way VPP's linux-cp and FRR's zebra do: the kernel resolves
// next hops on the mirror interfaces, and aggrd learns each neighbour's MAC,
// its changes and its failure from the kernel's notifications. Asking for a
// neighbour (NTF_USE) makes the kernel resolve it, or revalidate a stale
// entry, as if it had a packet for it. Non-blocking: poll() drains what has
// arrived, on the control-plane thread.
#pragma once

#include <functional>
#include <optional>

#include <rte_ether.h>

#include "controlplane/netlink/rtnetlink_socket.h"
#include "dataplane/net/ip_prefix.h"

namespace aggr {

struct NeighbourEvent {
  unsigned ifindex = 0;
  IpPrefix address;  // a host prefix
  // Usable (reachable, stale, being probed, permanent); none: incomplete,
  // failed or deleted.
  std::optional<rte_ether_addr> mac;
};

class NeighbourFollower {
 public:
  // Subscribes to neighbour changes and asks for the whole table, which
  // the first poll() reports. Throws std::runtime_error.
  NeighbourFollower();

  // Asks the kernel to resolve `address` on interface `ifindex`, or to
  // confirm a stale entry; what it finds arrives through poll(). Harmless
  // for an entry that is reachable.
  void resolve(unsigned ifindex, const IpPrefix& address);
  // Reports every neighbour change that has arrived, without blocking.
  void poll(const std::function<void(const NeighbourEvent&)>& on_event);

 private:
  RtnetlinkSocket socket_;
};

}  // namespace aggr
