// Frame parsing and rewriting on plain bytes. The nodes apply these to
// mbufs; tests and fuzzers call them directly on arrays. Defined here, inline,
// because every packet goes through them: a call per helper costs more than
// most of their bodies.
#pragma once

#include <cstdint>
#include <cstring>

#include <rte_byteorder.h>

#include "dataplane/net/labels.h"
#include "dataplane/drop_reason.h"
#include "dataplane/tables/port_table.h"
#include "dataplane/tables/records.h"
#include "dataplane/wire.h"

namespace aggr {

struct EthernetInfo {
  uint16_t l3_offset = 0;
  uint16_t ethertype = 0;  // after the tags
  uint16_t svlan = 0;      // outer tag id (0x88A8 or 0x8100), 0 if none
  uint16_t cvlan = 0;      // inner 0x8100 tag id, 0 if none
};

inline bool is_vlan_tpid(uint16_t type) { return type == wire::kEtherTypeVlan || type == wire::kEtherTypeQinq; }

// Ethernet with 0, 1 or 2 VLAN tags. The outer tag may be 0x88A8 or 0x8100,
// the inner one 0x8100. A single tag is reported as svlan. Unrolled by tag
// count: every access frame comes through here.
inline DropReason parse_ethernet(const uint8_t* frame, uint32_t length, EthernetInfo* out) {
  using namespace wire;
  if (length < kEtherHeaderLen) return DropReason::kTruncated;
  uint16_t type = load_be16(frame + 12);
  uint16_t svlan = 0, cvlan = 0;
  uint32_t type_offset = 12;
  if (is_vlan_tpid(type)) {
    if (length < 16 + kVlanTagLen) return DropReason::kTruncated;
    svlan = load_be16(frame + 14) & 0x0FFF;
    type = load_be16(frame + 16);
    type_offset = 16;
    if (type == kEtherTypeVlan) {
      if (length < 20 + kVlanTagLen) return DropReason::kTruncated;
      cvlan = load_be16(frame + 18) & 0x0FFF;
      type = load_be16(frame + 20);
      type_offset = 20;
      if (is_vlan_tpid(type)) return DropReason::kTooManyVlanTags;
    } else if (type == kEtherTypeQinq) {  // an S-tag is only valid as the outer tag
      return DropReason::kTooManyVlanTags;
    }
  }
  out->ethertype = type;
  out->l3_offset = uint16_t(type_offset + 2);
  out->svlan = svlan;
  out->cvlan = cvlan;
  return DropReason::kNone;
}

struct IpInfo {
  uint8_t version = 0;
  uint16_t length = 0;  // whole IP packet, from its header
};

// Checks the IP header at `l3` against the `available` bytes of the frame.
inline DropReason parse_ip(const uint8_t* l3, uint32_t available, IpInfo* out) {
  using namespace wire;
  if (available < 1) return DropReason::kTruncated;
  uint8_t version = l3[0] >> 4;
  if (version == 4) {
    if (available < kIpv4MinHeaderLen) return DropReason::kTruncated;
    unsigned header_len = (l3[0] & 0x0F) * 4u;
    uint16_t total = load_be16(l3 + 2);
    if (header_len < kIpv4MinHeaderLen || total < header_len) return DropReason::kBadIpHeader;
    if (total > available) return DropReason::kTruncated;
    *out = {4, total};
    return DropReason::kNone;
  }
  if (version == 6) {
    if (available < kIpv6HeaderLen) return DropReason::kTruncated;
    uint32_t total = kIpv6HeaderLen + load_be16(l3 + 4);
    if (total > available) return DropReason::kTruncated;
    if (total > 0xFFFF) return DropReason::kBadIpHeader;  // jumbograms are not forwarded
    *out = {6, uint16_t(total)};
    return DropReason::kNone;
  }
  return DropReason::kBadIpHeader;
}

// The frame nearly all access traffic is: IPv4 without options behind no
// tag, one tag, or an S-tag and a C-tag, at least 42 bytes long (any real
// Ethernet frame is). Recognised with one length check and no dispatch on
// the IP version; returns false for anything else, malformed or not, which
// the caller then parses with parse_ethernet and parse_ip. Where it returns
// true, `eth` and `ip` are what those two would give (the unit tests and
// frame_parser_fuzz check this).
inline bool parse_plain_ipv4(const uint8_t* frame, uint32_t length, EthernetInfo* eth, IpInfo* ip) {
  using namespace wire;
  constexpr uint32_t kLongestHeaders = 12 + 2 * kVlanTagLen + 2 + kIpv4MinHeaderLen;  // 42
  if (length < kLongestHeaders) return false;
  uint16_t type = load_be16(frame + 12);
  uint16_t svlan = 0, cvlan = 0;
  uint32_t l3 = 14;
  if (is_vlan_tpid(type)) {
    svlan = load_be16(frame + 14) & 0x0FFF;
    type = load_be16(frame + 16);
    l3 = 18;
    if (type == kEtherTypeVlan) {
      cvlan = load_be16(frame + 18) & 0x0FFF;
      type = load_be16(frame + 20);
      l3 = 22;
    }
  }
  // A third tag or an inner S-tag is not IPv4's type either: left to the
  // general parser, which names the drop.
  if (type != kEtherTypeIpv4 || frame[l3] != 0x45) return false;
  uint16_t total = load_be16(frame + l3 + 2);
  if (total < kIpv4MinHeaderLen || total > length - l3) return false;
  *eth = {uint16_t(l3), type, svlan, cvlan};
  *ip = {4, total};
  return true;
}

struct PlainMplsIpv4 {
  uint32_t label = 0;
  uint8_t ttl = 0;      // the entry's TTL, above 1
  uint16_t length = 0;  // the IPv4 packet's, from its header
};
constexpr uint16_t kPlainMplsL3Offset = 14 + wire::kMplsEntryLen;

// The frame nearly all core traffic towards subscribers is: untagged
// Ethernet, one MPLS entry (bottom of stack, an unreserved label, a TTL
// above 1), then IPv4 without options. Recognised with one length check and
// no loop over the stack; returns false for anything else, malformed or not,
// which the caller then parses entry by entry. Where it returns true, the
// IPv4 header starts at kPlainMplsL3Offset and parse_ethernet, mpls_decode
// and parse_ip say what `out` says (the unit tests and frame_parser_fuzz
// check this).
inline bool parse_plain_mpls_ipv4(const uint8_t* frame, uint32_t length, PlainMplsIpv4* out) {
  using namespace wire;
  constexpr uint32_t kHeaders = kPlainMplsL3Offset + kIpv4MinHeaderLen;  // 38
  if (length < kHeaders || load_be16(frame + 12) != kEtherTypeMpls) return false;
  uint32_t entry = load_be32(frame + 14);
  uint32_t label = entry >> 12;
  uint8_t ttl = uint8_t(entry);
  // Bottom of stack, TTL 2 or more, label 16 or more: one compare each.
  if (!(entry & 0x100) || ttl <= 1 || label < label::kFirstUnreserved) return false;
  const uint8_t* l3 = frame + kPlainMplsL3Offset;
  uint16_t total = load_be16(l3 + 2);
  if (l3[0] != 0x45 || total < kIpv4MinHeaderLen || total > length - kPlainMplsL3Offset) return false;
  *out = {label, ttl, total};
  return true;
}

// IPv4 TTL or IPv6 hop limit.
inline uint8_t ip_ttl(const uint8_t* l3, uint8_t version) { return version == 4 ? l3[8] : l3[7]; }

// Sets it, updating the IPv4 header checksum incrementally (RFC 1624).
inline void set_ip_ttl(uint8_t* l3, uint8_t version, uint8_t ttl) {
  using namespace wire;
  if (version == 6) {
    l3[7] = ttl;
    return;
  }
  // TTL shares a 16-bit word with the protocol field.
  uint16_t old_word = load_be16(l3 + 8);
  l3[8] = ttl;
  uint16_t new_word = load_be16(l3 + 8);
  store_be16(l3 + 10, checksum_adjust(load_be16(l3 + 10), old_word, new_word));
}

// Decrements the TTL or hop limit (which must be at least 1). For IPv4 the
// changed word (TTL, protocol) drops by exactly 0x0100, so RFC 1624 eqn. 3
// reduces to adding the constant ~0x0100 to the inverted checksum, one fold
// and no loads of the old word: the upstream fast path's rewrite.
inline void decrement_ip_ttl(uint8_t* l3, uint8_t version) {
  using namespace wire;
  if (version == 6) {
    --l3[7];
    return;
  }
  --l3[8];
  uint32_t sum = uint16_t(~load_be16(l3 + 10)) + 0xFEFFu;
  sum = (sum & 0xFFFF) + (sum >> 16);  // at most 0xFEFF: no second carry
  store_be16(l3 + 10, uint16_t(~sum));
}

// The IP TTL a packet leaves with when its last label is popped: uniform,
// the LSP's TTL, which counted the backbone's hops, comes back into IP
// (never raising it); pipe, the LSP counts as one hop. 0: it expires here.
// Sets it, with the checksum.
inline uint8_t pop_ip_ttl(uint8_t* l3, uint8_t version, uint8_t mpls_ttl, bool uniform) {
  const uint8_t in = ip_ttl(l3, version);
  const uint8_t ttl = uniform && mpls_ttl < in ? mpls_ttl : in;
  if (ttl <= 1) return 0;
  if (ttl == in)  // the IP TTL is the lower (always, in pipe mode): a plain decrement
    decrement_ip_ttl(l3, version);
  else
    set_ip_ttl(l3, version, uint8_t(ttl - 1));
  return uint8_t(ttl - 1);
}

// MPLS traffic class from the DSCP class selector (RFC 5129 section 2.3 / RFC 3270 E-LSP default).
inline uint8_t ip_traffic_class(const uint8_t* l3, uint8_t version) {
  uint8_t tos = version == 4 ? l3[1] : uint8_t(wire::load_be16(l3) >> 4);
  return tos >> 5;  // DSCP's class selector: the top three bits
}

// Fills an NHLFE's header: next hop MAC, port MAC, MPLS Ethertype and the
// label stack (outermost first; TC and TTL 0, bottom of stack on the last).
inline void build_nhlfe_header(Nhlfe& nhlfe, const uint8_t* next_hop_mac, const uint8_t* port_mac,
                               const uint32_t* labels, unsigned label_count) {
  using namespace wire;
  std::memset(nhlfe.encap, 0, sizeof nhlfe.encap);
  std::memset(nhlfe.entry_mask, 0, sizeof nhlfe.entry_mask);
  nhlfe.label_count = uint8_t(label_count);
  nhlfe.header_len = uint8_t(kEtherHeaderLen + kMplsEntryLen * label_count);
  uint8_t* h = nhlfe.encap + kEncapBytes - nhlfe.header_len;
  std::memcpy(h, next_hop_mac, kMacLen);
  std::memcpy(h + 6, port_mac, kMacLen);
  store_be16(h + 12, kEtherTypeMpls);
  for (unsigned i = 0; i < label_count; ++i) {
    store_be32(h + kEtherHeaderLen + kMplsEntryLen * i, mpls_encode(labels[i], 0, i + 1 == label_count, 0));
    nhlfe.labels[i] = labels[i];
  }
  // The entries are the last 4 * label_count bytes: lanes 4 - label_count to 3.
  for (unsigned lane = 4 - label_count; lane < 4; ++lane) nhlfe.entry_mask[lane] = ~0u;
}

// Writes the NHLFE's Ethernet header and label stack, with `tc` and `ttl` in
// every entry, right in front of `l3`, where `room` bytes of the buffer are
// free. Returns the new frame start. With kEncapBytes of room (any standard
// headroom) it is two 16-byte copies and one OR, with no branch on the depth.
inline uint8_t* write_mpls_encapsulation(uint8_t* l3, const Nhlfe& nhlfe, uint8_t tc, uint8_t ttl,
                                         unsigned room) {
  using u32x4 = uint32_t __attribute__((vector_size(16)));
  u32x4 low, high, mask;
  std::memcpy(&low, nhlfe.encap, 16);
  std::memcpy(&high, nhlfe.encap + 16, 16);
  std::memcpy(&mask, nhlfe.entry_mask, 16);
  // Each template entry has TC 0 and TTL 0; OR them in (bits 9-11 and 0-7).
  high |= mask & rte_cpu_to_be_32(uint32_t(tc & 7) << 9 | ttl);
  uint8_t* start = l3 - nhlfe.header_len;
  if (room >= kEncapBytes) {
    std::memcpy(l3 - kEncapBytes, &low, 16);
    std::memcpy(l3 - 16, &high, 16);
  } else {  // only the header's own bytes fit
    uint8_t header[kEncapBytes];
    std::memcpy(header, &low, 16);
    std::memcpy(header + 16, &high, 16);
    std::memcpy(start, header + kEncapBytes - nhlfe.header_len, nhlfe.header_len);
  }
  return start;
}

// Bytes of Ethernet + VLAN header a subscriber's line needs.
inline unsigned access_header_length(const SubscriberRecord& s) {
  return 14 + (s.svlan ? 4 : 0) + (s.cvlan ? 4 : 0);
}

// Writes the subscriber line's Ethernet header (CPE MAC, port MAC, S/C tags)
// in front of `l3`, from the Ethertype back, so that the frame start falls
// out of the writes. Returns it. The record's fields are read before the
// first write: the frame bytes may alias anything, and the compiler would
// read them again after it.
inline uint8_t* write_access_encapsulation(uint8_t* l3, const SubscriberRecord& s, const PortAttributes& port,
                                           uint8_t ip_version) {
  using namespace wire;
  const uint16_t svlan = s.svlan, cvlan = s.cvlan;
  const uint16_t outer_tpid = cvlan ? port.outer_tpid : kEtherTypeVlan;
  uint8_t* p = l3 - 2;
  store_be16(p, ip_version == 4 ? kEtherTypeIpv4 : kEtherTypeIpv6);
  if (cvlan) {
    p -= kVlanTagLen;
    store_be16(p, kEtherTypeVlan);
    store_be16(p + 2, cvlan);
  }
  if (svlan) {
    p -= kVlanTagLen;
    store_be16(p, outer_tpid);
    store_be16(p + 2, svlan);
  }
  p -= 2 * kMacLen;
  std::memcpy(p, s.cpe_mac.addr_bytes, kMacLen);
  std::memcpy(p + kMacLen, port.mac.addr_bytes, kMacLen);
  return p;
}

}  // namespace aggr
