// ISP input (a tailend's downstream): a frame from an ISP's handoff. The
// port names the ISP (counted per ISP on the way out); the destination
// address, by longest match over the prefix FECs (the subscriber pools
// headends advertise), names the NHLFE that label push imposes.
#include "dataplane/nodes/ip_frame.h"

namespace aggr {

void isp_input_node(Burst& burst, const NodeEnv& env) {
  const Tables& tables = env.tables;
  const unsigned count = burst.count;
  uint32_t rx_bytes = 0;
  for (unsigned i = 0; i < count; ++i) {
    rx_bytes += burst.packets[i]->pkt_len;
    parse_ip_frame(burst.packets[i], burst.context[i]);
  }
  burst.rx_bytes = rx_bytes;
  const uint16_t isp = tables.handoffs.isp_of_port(burst.in_port);
  uint32_t fecs[kBurstSize];
  lookup_burst_prefixes(tables.prefix_fecs, burst, AddressRole::kDestination, fecs);
  for (unsigned i = 0; i < count; ++i) {
    PacketContext& ctx = burst.context[i];
    if (ctx.drop != DropReason::kNone) continue;
    // A tagged frame would be a VLAN handoff, which this port is not.
    if (isp == kNoIsp || ctx.svlan != 0) {
      ctx.drop = DropReason::kUnknownHandoff;
      continue;
    }
    if (fecs[i] == kInvalidHandle) {
      ctx.drop = DropReason::kUnknownDestination;
      continue;
    }
    ctx.isp = isp;
    ctx.nhlfe = tables.prefix_ftn.lookup(uint16_t(fecs[i]));
    if (ctx.nhlfe == kNoNhlfe) ctx.drop = DropReason::kNoFtnEntry;
  }
}

}  // namespace aggr
