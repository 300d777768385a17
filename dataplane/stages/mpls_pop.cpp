// Downstream label disposition: Ethernet (untagged) + MPLS stack -> ILM.
// Explicit null (RFC 3032) is popped; other reserved labels are dropped. A
// pop-to-subscriber label must be the bottom of the stack. One label over
// plain IPv4 (nearly all such traffic) takes a shortcut past the entry loop
// and the general parsers (frame_ops.h, parse_plain_mpls_ipv4).
#include "dataplane/net/labels.h"
#include "dataplane/frame_ops.h"
#include "dataplane/stages/stages.h"
#include "dataplane/wire.h"

namespace aggr {
namespace {

// Any frame but one label over plain IPv4 bound to a subscriber: entry by
// entry, naming the reason of a drop. Out of line, off the common path.
__attribute__((noinline)) DropReason pop_labels(const uint8_t* frame, uint32_t length, const IlmTable& ilm,
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
    if (entry.label == label::kIpv4ExplicitNull || entry.label == label::kIpv6ExplicitNull) {
      if (entry.bottom_of_stack) break;
      continue;
    }
    if (entry.label < label::kFirstUnreserved) return DropReason::kReservedLabel;
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

// One core frame's context. One label over plain IPv4 has its fields stored
// only once every frame byte is read: a store into the burst, which frame
// reads through uint8_t pointers may alias, would make the compiler read
// again.
static_assert(sizeof(PacketContext) == 32, "a new field must be set in pop_frame too");
void pop_frame(const rte_mbuf* m, const IlmTable& ilm, PacketContext& ctx) {
  const uint8_t* frame = rte_pktmbuf_mtod(m, const uint8_t*);
  PlainMplsIpv4 plain;
  if (m->nb_segs == 1 && parse_plain_mpls_ipv4(frame, m->data_len, &plain) &&
      ilm.lookup(plain.label).action == IlmAction::kPopToSubscriber) {
    ctx.l3_offset = kPlainMplsL3Offset;
    ctx.l3_length = plain.length;
    ctx.svlan = 0;
    ctx.cvlan = 0;
    ctx.ip_version = 4;
    ctx.mpls_ttl = plain.ttl;
    ctx.drop = DropReason::kNone;
    ctx.out_port = 0;
    ctx.handle = kInvalidHandle;
    ctx.subscriber = nullptr;
    return;
  }
  ctx = PacketContext{};
  ctx.handle = kInvalidHandle;
  ctx.drop = m->nb_segs != 1 ? DropReason::kMultiSegment : pop_labels(frame, m->data_len, ilm, ctx);
}

}  // namespace

void mpls_pop_stage(Burst& burst, const StageEnv& env) {
  const unsigned count = burst.count;
  const IlmTable& ilm = env.tables.ilm;
  uint32_t rx_bytes = 0;
  for (unsigned i = 0; i < count; ++i) {
    const rte_mbuf* m = burst.packets[i];
    rx_bytes += m->pkt_len;
    pop_frame(m, ilm, burst.context[i]);
  }
  burst.rx_bytes = rx_bytes;
}

}  // namespace aggr
