// Upstream parse: Ethernet, up to two VLAN tags, IPv4 or IPv6 header checks.
// Plain IPv4 (no options, at most two tags) takes a shortcut past the
// general parsers (frame_ops.h, parse_plain_ipv4): 21 fewer instructions a
// QinQ packet, a quarter of the node.
#include <rte_prefetch.h>

#include "dataplane/frame_ops.h"
#include "dataplane/nodes/nodes.h"
#include "dataplane/wire.h"

namespace aggr {
namespace {

// Any frame but the plain IPv4 of parse_plain_ipv4: the general parsers,
// which also name the reason of a drop. Out of line, off the common path.
__attribute__((noinline)) PacketContext parse_other_frame(const rte_mbuf* m) {
  PacketContext ctx;
  ctx.reset();
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

void parse_ip_frame(const rte_mbuf* m, PacketContext& ctx) {
  EthernetInfo eth;
  IpInfo ip;
  if (m->nb_segs != 1 || !parse_plain_ipv4(rte_pktmbuf_mtod(m, const uint8_t*), m->data_len, &eth, &ip)) {
    ctx = parse_other_frame(m);
    return;
  }
  ctx.reset();
  ctx.l3_offset = eth.l3_offset;
  ctx.l3_length = ip.length;
  ctx.svlan = eth.svlan;
  ctx.cvlan = eth.cvlan;
  ctx.ip_version = 4;
}

void access_input_node(Burst& burst) {
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
}

}  // namespace aggr
