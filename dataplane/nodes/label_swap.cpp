// Label swap (an LSR's forwarding, RFC 3031 section 3.10): the incoming
// label replaced by the NHLFE's out labels, behind the adjacency's Ethernet
// header. The out labels take the incoming traffic class and TTL less one
// (RFC 3032 section 2.4.1); the last keeps the incoming bottom-of-stack bit.
// What followed the label, labels or IP, is carried untouched.
#include "dataplane/frame_ops.h"
#include "dataplane/nodes/nodes.h"
#include "dataplane/wire.h"

namespace aggr {

void label_swap_node(Burst& burst, const NodeEnv& env) {
  const unsigned count = burst.count;
  const Nhlfe* const nhlfes = env.tables.nhlfes.entries();
  for (unsigned i = 0; i < count; ++i) {
    PacketContext& ctx = burst.context[i];
    if (ctx.drop != DropReason::kNone) continue;
    rte_mbuf* m = burst.packets[i];
    const Nhlfe& nhlfe = nhlfes[ctx.nhlfe];
    if (ctx.l3_length > nhlfe.max_ip_length) {
      ctx.drop = DropReason::kMtuExceeded;
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
