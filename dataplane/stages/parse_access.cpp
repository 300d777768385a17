// Upstream parse: Ethernet, up to two VLAN tags, IPv4 or IPv6 header checks.
#include <rte_prefetch.h>

#include "dataplane/frame_ops.h"
#include "dataplane/stages/stages.h"
#include "dataplane/wire.h"

namespace aggr {
namespace {

// The context of one access frame, built in registers and stored whole by
// the caller: field by field stores into the burst would each be reloaded
// after the next, as the frame reads through uint8_t pointers may alias them.
PacketContext parse_access_frame(const rte_mbuf* m) {
  PacketContext ctx{};
  ctx.handle = kInvalidHandle;
  if (m->nb_segs != 1) {
    ctx.drop = DropReason::kMultiSegment;
    return ctx;
  }
  const uint8_t* frame = rte_pktmbuf_mtod(m, const uint8_t*);
  uint32_t length = m->data_len;
  EthernetInfo eth;
  if ((ctx.drop = parse_ethernet(frame, length, &eth)) != DropReason::kNone) return ctx;
  uint8_t version = eth.ethertype == wire::kEtherTypeIpv4 ? 4 : eth.ethertype == wire::kEtherTypeIpv6 ? 6 : 0;
  if (version == 0) {
    ctx.drop = DropReason::kNotIp;
    return ctx;
  }
  IpInfo ip;
  ctx.drop = parse_ip(frame + eth.l3_offset, length - eth.l3_offset, &ip);
  if (ctx.drop == DropReason::kNone && ip.version != version) ctx.drop = DropReason::kBadIpHeader;
  ctx.l3_offset = eth.l3_offset;
  ctx.l3_length = ip.length;
  ctx.ip_version = ip.version;
  ctx.svlan = eth.svlan;
  ctx.cvlan = eth.cvlan;
  return ctx;
}

}  // namespace

void parse_access_stage(Burst& burst) {
  constexpr unsigned kPrefetchAhead = 4;
  const unsigned count = burst.count;
  for (unsigned i = 0; i < count && i < kPrefetchAhead; ++i) rte_prefetch0(frame_start(burst.packets[i]));
  uint32_t rx_bytes = 0;
  for (unsigned i = 0; i < count; ++i) {
    if (i + kPrefetchAhead < count) rte_prefetch0(frame_start(burst.packets[i + kPrefetchAhead]));
    const rte_mbuf* m = burst.packets[i];
    rx_bytes += m->pkt_len;
    burst.context[i] = parse_access_frame(m);
  }
  burst.rx_bytes = rx_bytes;
}

}  // namespace aggr
