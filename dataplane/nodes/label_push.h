// Label imposition on an IP packet, shared by the nodes that push: FTN push
// (a headend's subscriber traffic, NHLFE by ISP) and label push (a
// tailend's ISP traffic, NHLFE by destination prefix). Strips the incoming
// Ethernet header and tags, decrements the IP TTL, pushes the label stack
// with TTL and TC per the TTL model, and writes the core Ethernet header.
#pragma once

#include "dataplane/frame_ops.h"
#include "dataplane/nodes/nodes.h"

namespace aggr {

// One packet's checks and rewrite. The IP version is a template argument,
// so that the TTL, traffic class and checksum accesses do not each branch
// on it (three branches a packet fewer).
template <uint8_t kIpVersion>
inline DropReason push_labels(rte_mbuf* m, const PacketContext& ctx, const Nhlfe& nhlfe, bool uniform_ttl) {
  uint8_t* l3 = frame_start(m) + ctx.l3_offset;
  uint8_t ttl = ip_ttl(l3, kIpVersion);
  if (ttl <= 1) return DropReason::kTtlExpired;
  if (ctx.l3_length > nhlfe.max_ip_length) return nhlfe_refusal(nhlfe);
  unsigned room = rte_pktmbuf_headroom(m) + ctx.l3_offset;
  if (room < nhlfe.header_len) return DropReason::kNoHeadroom;
  decrement_ip_ttl(l3, kIpVersion);
  uint8_t mpls_ttl = uniform_ttl ? uint8_t(ttl - 1) : 255;
  uint8_t* start = write_mpls_encapsulation(l3, nhlfe, ip_traffic_class(l3, kIpVersion), mpls_ttl, room);
  // Trailing Ethernet padding of the incoming frame is not carried.
  set_frame(m, start, nhlfe.header_len + ctx.l3_length);
  return DropReason::kNone;
}

inline DropReason push_labels(rte_mbuf* m, const PacketContext& ctx, const Nhlfe& nhlfe, bool uniform_ttl) {
  return ctx.ip_version == 4 ? push_labels<4>(m, ctx, nhlfe, uniform_ttl) : push_labels<6>(m, ctx, nhlfe, uniform_ttl);
}

}  // namespace aggr
