// The fast paths' parser shortcuts (frame_ops.h: parse_plain_ipv4 upstream,
// parse_plain_mpls_ipv4 downstream) must say of every frame they accept what
// the general parsers say of it. These checks are shared by the unit tests,
// which feed chosen frames, and frame_parser_fuzz, which feeds any bytes.
// Each returns how the two disagree, or "" where they agree or the shortcut
// leaves the frame to the general parsers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "dataplane/net/labels.h"
#include "dataplane/frame_ops.h"
#include "dataplane/wire.h"

namespace aggr::test {

inline std::string plain_ipv4_disagreement(const uint8_t* frame, size_t size) {
  EthernetInfo fast_eth;
  IpInfo fast_ip;
  if (!parse_plain_ipv4(frame, uint32_t(size), &fast_eth, &fast_ip)) return "";
  EthernetInfo eth;
  IpInfo ip;
  if (parse_ethernet(frame, uint32_t(size), &eth) != DropReason::kNone || eth.ethertype != wire::kEtherTypeIpv4)
    return "accepted a frame whose Ethernet header is not IPv4's";
  if (parse_ip(frame + eth.l3_offset, uint32_t(size - eth.l3_offset), &ip) != DropReason::kNone || ip.version != 4)
    return "accepted a frame whose IPv4 header is bad";
  if (fast_eth.l3_offset != eth.l3_offset || fast_eth.svlan != eth.svlan || fast_eth.cvlan != eth.cvlan ||
      fast_eth.ethertype != eth.ethertype || fast_ip.length != ip.length || fast_ip.version != 4)
    return "l3 " + std::to_string(fast_eth.l3_offset) + "/" + std::to_string(eth.l3_offset) + ", svlan " +
           std::to_string(fast_eth.svlan) + "/" + std::to_string(eth.svlan) + ", cvlan " +
           std::to_string(fast_eth.cvlan) + "/" + std::to_string(eth.cvlan) + ", length " +
           std::to_string(fast_ip.length) + "/" + std::to_string(ip.length);
  return "";
}

// Where the MPLS shortcut accepts a frame, the general parsers must see one
// untagged entry, bottom of stack, with an unreserved label and a TTL above
// 1, over the option-less IPv4 packet it reports.
inline std::string plain_mpls_disagreement(const uint8_t* frame, size_t size) {
  PlainMplsIpv4 fast;
  if (!parse_plain_mpls_ipv4(frame, uint32_t(size), &fast)) return "";
  EthernetInfo eth;
  if (parse_ethernet(frame, uint32_t(size), &eth) != DropReason::kNone || eth.ethertype != wire::kEtherTypeMpls ||
      eth.svlan != 0 || eth.l3_offset + wire::kMplsEntryLen != kPlainMplsL3Offset)
    return "accepted a frame whose Ethernet header is not untagged MPLS";
  wire::MplsEntry entry = wire::mpls_decode(wire::load_be32(frame + eth.l3_offset));
  if (!entry.bottom_of_stack || entry.ttl <= 1 || entry.label < label::kFirstUnreserved ||
      entry.label != fast.label || entry.ttl != fast.ttl)
    return "label " + std::to_string(fast.label) + "/" + std::to_string(entry.label) + ", TTL " +
           std::to_string(fast.ttl) + "/" + std::to_string(entry.ttl) + ", bottom " +
           std::to_string(entry.bottom_of_stack);
  IpInfo ip;
  if (parse_ip(frame + kPlainMplsL3Offset, uint32_t(size - kPlainMplsL3Offset), &ip) != DropReason::kNone ||
      ip.version != 4 || ip.length != fast.length || frame[kPlainMplsL3Offset] != 0x45)
    return "accepted a frame whose IPv4 header is bad or has options";
  return "";
}

}  // namespace aggr::test
