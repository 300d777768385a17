// ISP input (a tailend's downstream): a frame from an ISP's handoff. The
// port names the ISP (counted per ISP on the way out); the destination
// address, by longest match over the prefix FECs (the subscriber pools
// headends advertise), names the NHLFE that label push imposes. Frames for
// the router itself go to punt.
#include "dataplane/nodes/ip_frame.h"

namespace aggr {
namespace {

// On a mirrored ISP port, what is for the router goes to punt: frames that
// are not IP (ARP), link-layer multicast and broadcast (ND, routing
// protocols), IPv6 to link-local addresses (the kernel's own, which ND
// answers to) and IP to the router's configured addresses. The lookups of
// those are made for packets no FEC claims only.
void punt_for_the_router(Burst& burst, const Tables& tables, const uint32_t* fecs) {
  uint32_t unclaimed = 0, punt = 0;
  for (unsigned i = 0; i < burst.count; ++i) {
    PacketContext& ctx = burst.context[i];
    const bool multicast = frame_start(burst.packets[i])[0] & 1;
    if (ctx.drop == DropReason::kNotIp || (ctx.drop == DropReason::kNone && multicast)) {
      ctx.drop = DropReason::kNone;
      punt |= 1u << i;
    } else if (ctx.drop == DropReason::kNone && fecs[i] == kInvalidHandle) {
      const uint8_t* l3 = frame_start(burst.packets[i]) + ctx.l3_offset;
      const bool link_local = ctx.ip_version == 6 && l3[24] == 0xFE && (l3[25] & 0xC0) == 0x80;  // fe80::/10
      if (link_local)
        punt |= 1u << i;
      else
        unclaimed |= 1u << i;
    }
  }
  if (unclaimed != 0) {
    uint32_t local[kBurstSize];
    lookup_burst_prefixes(tables.local_addresses, burst, AddressRole::kDestination, local, unclaimed);
    for (unsigned i = 0; i < burst.count; ++i)
      if (unclaimed >> i & 1 && local[i] != kInvalidHandle) punt |= 1u << i;
  }
  burst.punt = punt;
}

}  // namespace

void isp_input_node(Burst& burst, const NodeEnv& env) {
  const Tables& tables = env.tables;
  const unsigned count = burst.count;
  uint32_t rx_bytes = 0;
  for (unsigned i = 0; i < count; ++i) {
    rx_bytes += burst.packets[i]->pkt_len;
    parse_ip_frame(burst.packets[i], burst.context[i]);
  }
  burst.rx_bytes = rx_bytes;
  burst.punt = 0;
  const uint16_t isp = tables.handoffs.isp_of_port(burst.in_port);
  const bool mirrored = tables.ports[burst.in_port].mirrored;
  uint32_t fecs[kBurstSize];
  lookup_burst_prefixes(tables.prefix_fecs, burst, AddressRole::kDestination, fecs);
  if (mirrored) punt_for_the_router(burst, tables, fecs);
  for (unsigned i = 0; i < count; ++i) {
    PacketContext& ctx = burst.context[i];
    if (ctx.drop != DropReason::kNone || (burst.punt >> i & 1)) continue;
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
