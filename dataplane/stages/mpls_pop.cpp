// Downstream label disposition: Ethernet (untagged) + MPLS stack -> ILM.
// Explicit null (RFC 3032) is popped; other reserved labels are dropped. A
// pop-to-subscriber label must be the bottom of the stack.
#include "dataplane/frame_ops.h"
#include "dataplane/stages/stages.h"
#include "dataplane/wire.h"

namespace aggr {
namespace {

DropReason pop_labels(const uint8_t* frame, uint32_t length, const IlmTable& ilm,
                      PacketContext& ctx) {
  EthernetInfo eth;
  if (DropReason r = parse_ethernet(frame, length, &eth); r != DropReason::kNone) return r;
  if (eth.ethertype != wire::kEtherTypeMpls || eth.svlan != 0) return DropReason::kNotMpls;
  uint32_t offset = eth.l3_offset;
  for (;;) {
    if (length < offset + wire::kMplsEntryLen) return DropReason::kTruncated;
    wire::MplsEntry entry = wire::mpls_decode(wire::load_be32(frame + offset));
    offset += wire::kMplsEntryLen;
    if (entry.ttl <= 1) return DropReason::kTtlExpired;
    // The outermost entry carries the LSP's TTL (RFC 3443: popping copies it down).
    if (ctx.mpls_ttl == 0) ctx.mpls_ttl = entry.ttl;
    if (entry.label == wire::kLabelIpv4ExplicitNull || entry.label == wire::kLabelIpv6ExplicitNull) {
      if (entry.bottom_of_stack) break;
      continue;
    }
    if (entry.label < wire::kFirstUnreservedLabel) return DropReason::kReservedLabel;
    IlmEntry action = ilm.lookup(entry.label);
    if (action.action != IlmAction::kPopToSubscriber) return DropReason::kUnknownLabel;
    if (!entry.bottom_of_stack) return DropReason::kLabelStackTooDeep;
    break;
  }
  IpInfo ip;
  if (DropReason r = parse_ip(frame + offset, length - offset, &ip); r != DropReason::kNone) return r;
  ctx.l3_offset = uint16_t(offset);
  ctx.l3_length = ip.length;
  ctx.ip_version = ip.version;
  return DropReason::kNone;
}

}  // namespace

void mpls_pop_stage(Burst& burst, const StageEnv& env) {
  uint32_t rx_bytes = 0;
  for (unsigned i = 0; i < burst.count; ++i) {
    rte_mbuf* m = burst.packets[i];
    PacketContext& ctx = burst.context[i];
    ctx = PacketContext{};
    ctx.handle = kInvalidHandle;
    rx_bytes += m->pkt_len;
    if (m->nb_segs != 1) {
      ctx.drop = DropReason::kMultiSegment;
      continue;
    }
    ctx.drop = pop_labels(frame_start(m), m->data_len, env.tables.ilm, ctx);
  }
  burst.rx_bytes = rx_bytes;
}

}  // namespace aggr
