// ISP output (a tailend's upstream): the IP packet under a pop-to-ISP label
// leaves on the ISP's handoff, behind the Ethernet header of the ISP's
// handoff NHLFE (the gateway's MAC, no label), with its IP TTL set as a pop
// sets it (frame_ops.h, pop_ip_ttl).
#include "dataplane/frame_ops.h"
#include "dataplane/nodes/nodes.h"
#include "dataplane/wire.h"

namespace aggr {

void isp_output_node(Burst& burst, const NodeEnv& env) {
  const Tables& tables = env.tables;
  const unsigned count = burst.count;
  const bool uniform_ttl = tables.ttl_model == TtlModel::kUniform;
  const Nhlfe* const nhlfes = tables.nhlfes.entries();
  for (unsigned i = 0; i < count; ++i) {
    PacketContext& ctx = burst.context[i];
    if (ctx.drop != DropReason::kNone) continue;
    const uint32_t index = tables.handoffs.nhlfe(ctx.isp);
    if (index == kNoNhlfe) {
      ctx.drop = DropReason::kNoHandoff;
      continue;
    }
    const Nhlfe& handoff = nhlfes[index];
    rte_mbuf* m = burst.packets[i];
    if (ctx.l3_length > handoff.max_ip_length) {
      ctx.drop = nhlfe_refusal(handoff);
      continue;
    }
    const unsigned room = rte_pktmbuf_headroom(m) + ctx.l3_offset;
    if (room < handoff.header_len) {
      ctx.drop = DropReason::kNoHeadroom;
      continue;
    }
    uint8_t* l3 = frame_start(m) + ctx.l3_offset;
    if (pop_ip_ttl(l3, ctx.ip_version, ctx.mpls_ttl, uniform_ttl) == 0) {
      ctx.drop = DropReason::kTtlExpired;
      continue;
    }
    uint8_t* start = write_mpls_encapsulation(l3, handoff, 0, 0, room);
    wire::store_be16(l3 - 2, ctx.ip_version == 4 ? wire::kEtherTypeIpv4 : wire::kEtherTypeIpv6);
    set_frame(m, start, handoff.header_len + ctx.l3_length);
    ctx.out_port = handoff.out_port;
  }
}

}  // namespace aggr
