// Upstream parse: Ethernet, up to two VLAN tags, IPv4 or IPv6 header checks
// (parse_ip_frame, ip_frame.h), and the bytes received. On a port that is
// its subscribers' gateway, what is for the router goes to answer.
#include <rte_prefetch.h>

#include "dataplane/nodes/ip_frame.h"

namespace aggr {

void access_input_node(Burst& burst, const NodeEnv& env) {
  constexpr unsigned kPrefetchAhead = 4;
  const unsigned count = burst.count;
  for (unsigned i = 0; i < count && i < kPrefetchAhead; ++i) rte_prefetch0(frame_start(burst.packets[i]));
  uint32_t rx_bytes = 0;
  for (unsigned i = 0; i < count; ++i) {
    if (i + kPrefetchAhead < count) rte_prefetch0(frame_start(burst.packets[i + kPrefetchAhead]));
    const rte_mbuf* m = burst.packets[i];
    rx_bytes += m->pkt_len;
    parse_ip_frame(m, burst.context[i]);
  }
  burst.rx_bytes = rx_bytes;
  const PortAttributes& port = env.tables.ports[burst.in_port];
  burst.punt = 0;
  if (port.gateway_ipv4_set || port.gateway_ipv6_set) mark_for_the_router(burst, port);
}

}  // namespace aggr
