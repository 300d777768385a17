// Byte-level helpers for the headers the fast path reads and writes.
// Everything here works on plain byte pointers so that nodes and tests can
// use it without DPDK buffers.
#pragma once

#include <cstdint>
#include <cstring>

#include "dataplane/net/labels.h"

namespace aggr::wire {

constexpr uint16_t kEtherTypeIpv4 = 0x0800;
constexpr uint16_t kEtherTypeIpv6 = 0x86DD;
constexpr uint16_t kEtherTypeArp = 0x0806;
constexpr uint16_t kEtherTypeVlan = 0x8100;  // IEEE 802.1Q C-tag
constexpr uint16_t kEtherTypeQinq = 0x88A8;  // IEEE 802.1ad S-tag
constexpr uint16_t kEtherTypeMpls = 0x8847;  // MPLS unicast

// IP protocol numbers (IANA), in IPv4's protocol and IPv6's next header.
constexpr uint8_t kIpProtoIcmp = 1;
constexpr uint8_t kIpProtoTcp = 6;
constexpr uint8_t kIpProtoUdp = 17;
constexpr uint8_t kIpProtoIcmpv6 = 58;

constexpr unsigned kEtherHeaderLen = 14;
constexpr unsigned kVlanTagLen = 4;
constexpr unsigned kMplsEntryLen = 4;
constexpr unsigned kIpv4MinHeaderLen = 20;
constexpr unsigned kIpv6HeaderLen = 40;
constexpr unsigned kMacLen = 6;

inline uint16_t load_be16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }
inline uint32_t load_be32(const uint8_t* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}
inline void store_be16(uint8_t* p, uint16_t v) {
  p[0] = uint8_t(v >> 8);
  p[1] = uint8_t(v);
}
inline void store_be32(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v >> 24);
  p[1] = uint8_t(v >> 16);
  p[2] = uint8_t(v >> 8);
  p[3] = uint8_t(v);
}

// One MPLS label stack entry (RFC 3032 section 2.1).
struct MplsEntry {
  uint32_t label;
  uint8_t tc;
  bool bottom_of_stack;
  uint8_t ttl;
};

inline uint32_t mpls_encode(uint32_t label, uint8_t tc, bool bos, uint8_t ttl) {
  return (label & label::kMax) << 12 | uint32_t(tc & 7) << 9 | uint32_t(bos) << 8 | ttl;
}
inline MplsEntry mpls_decode(uint32_t word) {
  return {word >> 12, uint8_t(word >> 9 & 7), bool(word >> 8 & 1), uint8_t(word)};
}

// RFC 1624 eqn. 3: update a ones'-complement checksum (network order value
// read as a host integer with load_be16) after one 16-bit word changed.
inline uint16_t checksum_adjust(uint16_t checksum, uint16_t old_word, uint16_t new_word) {
  uint32_t sum = uint16_t(~checksum) + uint32_t(uint16_t(~old_word)) + new_word;
  sum = (sum & 0xFFFF) + (sum >> 16);
  sum = (sum & 0xFFFF) + (sum >> 16);
  return uint16_t(~sum);
}

// Full ones'-complement Internet checksum (RFC 1071) over a byte range; used
// by tests and tools to build reference frames, never per packet.
inline uint16_t internet_checksum(const uint8_t* data, unsigned len) {
  uint32_t sum = 0;
  for (unsigned i = 0; i + 1 < len; i += 2) sum += load_be16(data + i);
  if (len & 1) sum += uint32_t(data[len - 1]) << 8;
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return uint16_t(~sum);
}

}  // namespace aggr::wire
