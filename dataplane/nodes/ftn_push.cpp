// Upstream label imposition: subscriber's ISP -> FTN -> NHLFE (by index). Strips the
// access tags, decrements the IP TTL, pushes the label stack with TTL and TC
// per the TTL model, and writes the core Ethernet header.
#include "dataplane/frame_ops.h"
#include "dataplane/nodes/nodes.h"

namespace aggr {
namespace {

// One packet's checks and rewrite. The IP version is a template argument,
// so that the TTL, traffic class and checksum accesses do not each branch
// on it (three branches a packet fewer).
template <uint8_t kIpVersion>
DropReason push_labels(rte_mbuf* m, const PacketContext& ctx, const Nhlfe& nhlfe, bool uniform_ttl) {
  uint8_t* l3 = frame_start(m) + ctx.l3_offset;
  uint8_t ttl = ip_ttl(l3, kIpVersion);
  if (ttl <= 1) return DropReason::kTtlExpired;
  if (ctx.l3_length > nhlfe.max_ip_length) return DropReason::kMtuExceeded;
  unsigned room = rte_pktmbuf_headroom(m) + ctx.l3_offset;
  if (room < nhlfe.header_len) return DropReason::kNoHeadroom;
  decrement_ip_ttl(l3, kIpVersion);
  uint8_t mpls_ttl = uniform_ttl ? uint8_t(ttl - 1) : 255;
  uint8_t* start = write_mpls_encapsulation(l3, nhlfe, ip_traffic_class(l3, kIpVersion), mpls_ttl, room);
  // Trailing Ethernet padding of the access frame is not carried.
  set_frame(m, start, nhlfe.header_len + ctx.l3_length);
  return DropReason::kNone;
}

}  // namespace

void ftn_push_node(Burst& burst, const NodeEnv& env) {
  const Tables& tables = env.tables;
  // Read once: the frame writes below go through uint8_t pointers, which may
  // alias anything, so the compiler would reload these for every packet.
  const unsigned count = burst.count;
  const bool uniform_ttl = tables.ttl_model == TtlModel::kUniform;
  const Nhlfe* const nhlfes = tables.nhlfes.entries();
  for (unsigned i = 0; i < count; ++i) {
    PacketContext& ctx = burst.context[i];
    if (ctx.drop != DropReason::kNone) continue;
    const uint32_t index = tables.ftn.lookup(ctx.subscriber->isp);
    if (index == kNoNhlfe) {
      ctx.drop = DropReason::kNoFtnEntry;
      continue;
    }
    const Nhlfe& nhlfe = nhlfes[index];
    rte_mbuf* m = burst.packets[i];
    DropReason drop = ctx.ip_version == 4 ? push_labels<4>(m, ctx, nhlfe, uniform_ttl)
                                          : push_labels<6>(m, ctx, nhlfe, uniform_ttl);
    if (drop != DropReason::kNone) {
      ctx.drop = drop;
      continue;
    }
    ctx.out_port = nhlfe.out_port;
  }
}

}  // namespace aggr
