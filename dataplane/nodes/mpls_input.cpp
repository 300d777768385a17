// MPLS input: a core frame's label stack against the ILM, whose entry names
// the node the frame goes to next: subscriber delivery (pop-to-subscriber,
// the label at the bottom of the stack), ISP output (pop-to-ISP, likewise)
// or label swap. Explicit null (RFC 3032) is popped; other reserved labels
// are dropped. One label over plain IPv4 (nearly all of a headend's core
// traffic, and of a transit's and a tailend's) takes a shortcut past the
// entry loop and the general parsers (frame_ops.h, parse_plain_mpls_ipv4).
#include "dataplane/frame_ops.h"
#include "dataplane/net/labels.h"
#include "dataplane/nodes/nodes.h"
#include "dataplane/wire.h"

namespace aggr {
namespace {

// Where a core frame goes after MPLS input (dropped ones: kDeliver, whose
// nodes skip them).
enum class CoreNext : uint8_t { kDeliver, kSwap, kToIsp, kPunt };

// Any frame but the shortcut's, entry by entry, naming the reason of a drop.
// Out of line, off the common path.
__attribute__((noinline)) CoreNext read_labels(const uint8_t* frame, uint32_t length, const IlmTable& ilm,
                                               bool mirrored, PacketContext& ctx) {
  CoreNext next = CoreNext::kDeliver;
  EthernetInfo eth;
  if ((ctx.drop = parse_ethernet(frame, length, &eth)) != DropReason::kNone) return CoreNext::kDeliver;
  if (eth.ethertype != wire::kEtherTypeMpls || eth.svlan != 0) {
    // Not MPLS: on a core link, only what the router itself is sent (ARP,
    // ND, LDP, ICMP to its address), which its kernel mirror answers.
    if (mirrored) return CoreNext::kPunt;
    ctx.drop = DropReason::kNotMpls;
    return CoreNext::kDeliver;
  }
  uint32_t offset = eth.l3_offset;
  for (;;) {
    if (length < offset + wire::kMplsEntryLen) {
      ctx.drop = DropReason::kTruncated;
      return CoreNext::kDeliver;
    }
    wire::MplsEntry entry = wire::mpls_decode(wire::load_be32(frame + offset));
    offset += wire::kMplsEntryLen;
    if (entry.ttl <= 1) {
      ctx.drop = DropReason::kTtlExpired;
      return CoreNext::kDeliver;
    }
    // The outermost entry carries the LSP's TTL (RFC 3443: popping copies it down).
    if (ctx.mpls_ttl == 0) ctx.mpls_ttl = entry.ttl;
    if (entry.label == label::kIpv4ExplicitNull || entry.label == label::kIpv6ExplicitNull) {
      if (entry.bottom_of_stack) break;
      continue;
    }
    if (entry.label < label::kFirstUnreserved) {
      ctx.drop = DropReason::kReservedLabel;
      return CoreNext::kDeliver;
    }
    IlmEntry action = ilm.lookup(entry.label);
    if (action.action == IlmAction::kSwap) {
      // What follows the label is carried as it is, whatever it holds.
      ctx.l3_offset = uint16_t(offset);
      ctx.l3_length = uint16_t(length - offset);
      ctx.nhlfe = action.argument;
      return CoreNext::kSwap;
    }
    if (action.action == IlmAction::kPopToIsp) {
      ctx.isp = uint16_t(action.argument);
      next = CoreNext::kToIsp;
    } else if (action.action != IlmAction::kPopToSubscriber) {
      ctx.drop = DropReason::kUnknownLabel;
      return CoreNext::kDeliver;
    }
    if (!entry.bottom_of_stack) {
      ctx.drop = DropReason::kLabelStackTooDeep;
      return CoreNext::kDeliver;
    }
    break;
  }
  IpInfo ip;
  if ((ctx.drop = parse_ip(frame + offset, length - offset, &ip)) != DropReason::kNone) return CoreNext::kDeliver;
  ctx.l3_offset = uint16_t(offset);
  ctx.l3_length = ip.length;
  ctx.ip_version = ip.version;
  return next;
}

// One core frame's context, written once every frame byte is read (see
// PacketContext::reset).
CoreNext read_frame(const rte_mbuf* m, const IlmTable& ilm, bool mirrored, PacketContext& ctx) {
  const uint8_t* frame = rte_pktmbuf_mtod(m, const uint8_t*);
  PlainMplsIpv4 plain;
  if (m->nb_segs == 1 && parse_plain_mpls_ipv4(frame, m->data_len, &plain)) {
    const IlmEntry entry = ilm.lookup(plain.label);
    if (entry.action == IlmAction::kPopToSubscriber) {
      ctx.reset();
      ctx.l3_offset = kPlainMplsL3Offset;
      ctx.l3_length = plain.length;
      ctx.ip_version = 4;
      ctx.mpls_ttl = plain.ttl;
      return CoreNext::kDeliver;
    }
    // A transit's and a tailend's common frames take the shortcut too.
    if (entry.action == IlmAction::kSwap) {
      ctx.reset();
      ctx.l3_offset = kPlainMplsL3Offset;
      ctx.l3_length = uint16_t(m->data_len - kPlainMplsL3Offset);
      ctx.mpls_ttl = plain.ttl;
      ctx.nhlfe = entry.argument;
      return CoreNext::kSwap;
    }
    if (entry.action == IlmAction::kPopToIsp) {
      ctx.reset();
      ctx.l3_offset = kPlainMplsL3Offset;
      ctx.l3_length = plain.length;
      ctx.ip_version = 4;
      ctx.mpls_ttl = plain.ttl;
      ctx.isp = uint16_t(entry.argument);
      return CoreNext::kToIsp;
    }
  }
  ctx.reset();
  if (m->nb_segs != 1) {
    ctx.drop = DropReason::kMultiSegment;
    return CoreNext::kDeliver;
  }
  return read_labels(frame, m->data_len, ilm, mirrored, ctx);
}

}  // namespace

void mpls_input_node(Burst& burst, const NodeEnv& env) {
  const unsigned count = burst.count;
  const IlmTable& ilm = env.tables.ilm;
  const bool mirrored = env.tables.ports[burst.in_port].mirrored;
  uint32_t rx_bytes = 0, swap = 0, to_isp = 0, punt = 0;
  for (unsigned i = 0; i < count; ++i) {
    const rte_mbuf* m = burst.packets[i];
    rx_bytes += m->pkt_len;
    const CoreNext next = read_frame(m, ilm, mirrored, burst.context[i]);
    // A router's core traffic mostly goes one way: one predictable branch.
    if (next == CoreNext::kDeliver) continue;
    swap |= uint32_t(next == CoreNext::kSwap) << i;
    to_isp |= uint32_t(next == CoreNext::kToIsp) << i;
    punt |= uint32_t(next == CoreNext::kPunt) << i;
  }
  burst.rx_bytes = rx_bytes;
  burst.swap = swap;
  burst.to_isp = to_isp;
  burst.punt = punt;
}

}  // namespace aggr
