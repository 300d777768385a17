#include "dataplane/frame_ops.h"

#include <cstring>

#include "dataplane/wire.h"

namespace aggr {

using namespace wire;

DropReason parse_ethernet(const uint8_t* frame, uint32_t length, EthernetInfo* out) {
  if (length < kEtherHeaderLen) return DropReason::kTruncated;
  uint32_t offset = 12;
  uint16_t type = load_be16(frame + offset);
  uint16_t tags[2] = {0, 0};
  unsigned tag_count = 0;
  while (type == kEtherTypeVlan || type == kEtherTypeQinq) {
    if (tag_count == 2) return DropReason::kTooManyVlanTags;
    // An S-tag (0x88A8) is only valid as the outer tag.
    if (type == kEtherTypeQinq && tag_count == 1) return DropReason::kTooManyVlanTags;
    if (length < offset + 2 + kVlanTagLen + 2) return DropReason::kTruncated;
    tags[tag_count++] = load_be16(frame + offset + 2) & 0x0FFF;
    offset += kVlanTagLen;
    type = load_be16(frame + offset);
  }
  out->ethertype = type;
  out->l3_offset = uint16_t(offset + 2);
  out->svlan = tags[0];
  out->cvlan = tags[1];
  return DropReason::kNone;
}

DropReason parse_ip(const uint8_t* l3, uint32_t available, IpInfo* out) {
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

uint8_t ip_ttl(const uint8_t* l3, uint8_t version) { return version == 4 ? l3[8] : l3[7]; }

void set_ip_ttl(uint8_t* l3, uint8_t version, uint8_t ttl) {
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

uint8_t ip_traffic_class(const uint8_t* l3, uint8_t version) {
  uint8_t tos = version == 4 ? l3[1] : uint8_t(load_be16(l3) >> 4);
  return tos >> 5;  // DSCP's class selector: the top three bits
}

uint8_t* write_mpls_encapsulation(uint8_t* l3, const Nhlfe& nhlfe, uint8_t tc, uint8_t ttl) {
  uint8_t* start = l3 - nhlfe.header_len;
  std::memcpy(start, nhlfe.header, nhlfe.header_len);
  // Each template entry has TC 0 and TTL 0; OR them in (bits 9-11 and 0-7).
  uint32_t fill = uint32_t(tc & 7) << 9 | ttl;
  for (unsigned i = 0; i < nhlfe.label_count; ++i) {
    uint8_t* entry = start + kEtherHeaderLen + 4 * i;
    store_be32(entry, load_be32(entry) | fill);
  }
  return start;
}

uint8_t* write_access_encapsulation(uint8_t* l3, const SubscriberRecord& s,
                                    const PortAttributes& port, uint8_t ip_version) {
  uint8_t* start = l3 - access_header_length(s);
  std::memcpy(start, s.cpe_mac.addr_bytes, kMacLen);
  std::memcpy(start + 6, port.mac.addr_bytes, kMacLen);
  uint8_t* p = start + 12;
  if (s.svlan) {
    store_be16(p, s.cvlan ? port.outer_tpid : kEtherTypeVlan);
    store_be16(p + 2, s.svlan);
    p += 4;
  }
  if (s.cvlan) {
    store_be16(p, kEtherTypeVlan);
    store_be16(p + 2, s.cvlan);
    p += 4;
  }
  store_be16(p, ip_version == 4 ? kEtherTypeIpv4 : kEtherTypeIpv6);
  return start;
}

}  // namespace aggr
