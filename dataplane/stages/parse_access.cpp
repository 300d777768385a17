// Upstream parse: Ethernet, up to two VLAN tags, IPv4 or IPv6 header checks.
#include <rte_prefetch.h>

#include "dataplane/frame_ops.h"
#include "dataplane/stages/stages.h"
#include "dataplane/wire.h"

namespace aggr {

void parse_access_stage(Burst& burst) {
  constexpr unsigned kPrefetchAhead = 4;
  for (unsigned i = 0; i < burst.count && i < kPrefetchAhead; ++i)
    rte_prefetch0(frame_start(burst.packets[i]));
  uint32_t rx_bytes = 0;
  for (unsigned i = 0; i < burst.count; ++i) {
    if (i + kPrefetchAhead < burst.count) rte_prefetch0(frame_start(burst.packets[i + kPrefetchAhead]));
    rte_mbuf* m = burst.packets[i];
    PacketContext& ctx = burst.context[i];
    ctx = PacketContext{};
    ctx.handle = kInvalidHandle;
    rx_bytes += m->pkt_len;
    if (m->nb_segs != 1) {
      ctx.drop = DropReason::kMultiSegment;
      continue;
    }
    const uint8_t* frame = frame_start(m);
    EthernetInfo eth;
    if ((ctx.drop = parse_ethernet(frame, m->data_len, &eth)) != DropReason::kNone) continue;
    if (eth.ethertype != wire::kEtherTypeIpv4 && eth.ethertype != wire::kEtherTypeIpv6) {
      ctx.drop = DropReason::kNotIp;
      continue;
    }
    IpInfo ip;
    ctx.drop = parse_ip(frame + eth.l3_offset, m->data_len - eth.l3_offset, &ip);
    if (ctx.drop == DropReason::kNone &&
        ip.version != (eth.ethertype == wire::kEtherTypeIpv4 ? 4 : 6))
      ctx.drop = DropReason::kBadIpHeader;
    ctx.l3_offset = eth.l3_offset;
    ctx.l3_length = ip.length;
    ctx.ip_version = ip.version;
    ctx.svlan = eth.svlan;
    ctx.cvlan = eth.cvlan;
  }
  burst.rx_bytes = rx_bytes;
}

}  // namespace aggr
