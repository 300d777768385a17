// Label swap (an LSR's forwarding, RFC 3031 section 3.10): the incoming
// label replaced by the NHLFE's out labels, behind the adjacency's Ethernet
// header. The out labels take the incoming traffic class and TTL less one
// (RFC 3032 section 2.4.1); the last keeps the incoming bottom-of-stack bit.
// What followed the label, labels or IP, is carried untouched. An NHLFE
// without labels pops instead (penultimate-hop popping, where the next hop
// advertised implicit null): what is exposed gets the TTL as a pop sets it.
#include "dataplane/frame_ops.h"
#include "dataplane/nodes/nodes.h"
#include "dataplane/wire.h"

namespace aggr {
namespace {

// Penultimate-hop pop: the frame's rest behind the NHLFE's Ethernet header,
// with the Ethertype and TTL of what the pop exposes. Off the common path.
__attribute__((noinline)) DropReason pop_label(rte_mbuf* m, PacketContext& ctx, const Nhlfe& nhlfe,
                                               bool bottom_of_stack, bool uniform_ttl) {
  uint8_t* rest = frame_start(m) + ctx.l3_offset;
  const unsigned room = rte_pktmbuf_headroom(m) + ctx.l3_offset;
  uint16_t ethertype = wire::kEtherTypeMpls;
  if (bottom_of_stack) {
    IpInfo ip;
    if (DropReason bad = parse_ip(rest, ctx.l3_length, &ip); bad != DropReason::kNone) return bad;
    if (pop_ip_ttl(rest, ip.version, ctx.mpls_ttl, uniform_ttl) == 0) return DropReason::kTtlExpired;
    ctx.l3_length = ip.length;  // Ethernet padding is not carried
    ethertype = ip.version == 4 ? wire::kEtherTypeIpv4 : wire::kEtherTypeIpv6;
  } else {
    if (ctx.l3_length < wire::kMplsEntryLen) return DropReason::kTruncated;
    // The exposed label carries the LSP's TTL on (uniform), never raised.
    wire::MplsEntry next = wire::mpls_decode(wire::load_be32(rest));
    uint8_t ttl = uint8_t(ctx.mpls_ttl - 1);
    if (uniform_ttl && ttl < next.ttl) wire::store_be32(rest, wire::mpls_encode(next.label, next.tc, next.bottom_of_stack, ttl));
  }
  if (ctx.l3_length > nhlfe.max_ip_length) return nhlfe_refusal(nhlfe);
  if (room < nhlfe.header_len) return DropReason::kNoHeadroom;
  uint8_t* start = write_mpls_encapsulation(rest, nhlfe, 0, 0, room);
  wire::store_be16(rest - 2, ethertype);
  set_frame(m, start, nhlfe.header_len + ctx.l3_length);
  return DropReason::kNone;
}

}  // namespace

void label_swap_node(Burst& burst, const NodeEnv& env) {
  const unsigned count = burst.count;
  const Nhlfe* const nhlfes = env.tables.nhlfes.entries();
  const bool uniform_ttl = env.tables.ttl_model == TtlModel::kUniform;
  for (unsigned i = 0; i < count; ++i) {
    PacketContext& ctx = burst.context[i];
    if (ctx.drop != DropReason::kNone) continue;
    rte_mbuf* m = burst.packets[i];
    const Nhlfe& nhlfe = nhlfes[ctx.nhlfe];
    if (nhlfe.label_count == 0) {
      const uint8_t* rest = frame_start(m) + ctx.l3_offset;
      const bool bottom = wire::mpls_decode(wire::load_be32(rest - wire::kMplsEntryLen)).bottom_of_stack;
      ctx.drop = pop_label(m, ctx, nhlfe, bottom, uniform_ttl);
      ctx.out_port = nhlfe.out_port;
      continue;
    }
    if (ctx.l3_length > nhlfe.max_ip_length) {
      ctx.drop = nhlfe_refusal(nhlfe);
      continue;
    }
    unsigned room = rte_pktmbuf_headroom(m) + ctx.l3_offset;
    if (room < nhlfe.header_len) {
      ctx.drop = DropReason::kNoHeadroom;
      continue;
    }
    uint8_t* rest = frame_start(m) + ctx.l3_offset;
    // MPLS input dropped TTLs of 1 and below.
    const wire::MplsEntry incoming = wire::mpls_decode(wire::load_be32(rest - wire::kMplsEntryLen));
    uint8_t* start = write_mpls_encapsulation(rest, nhlfe, incoming.tc, uint8_t(ctx.mpls_ttl - 1), room);
    if (!incoming.bottom_of_stack) rest[-2] &= 0xFE;  // the S bit of the last out entry
    set_frame(m, start, nhlfe.header_len + ctx.l3_length);
    ctx.out_port = nhlfe.out_port;
  }
}

}  // namespace aggr
