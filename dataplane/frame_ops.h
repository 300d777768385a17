// Frame parsing and rewriting on plain bytes. The stages apply these to
// mbufs; tests and fuzzers call them directly on arrays.
#pragma once

#include <cstdint>

#include "dataplane/drop_reason.h"
#include "dataplane/tables/port_table.h"
#include "dataplane/tables/records.h"

namespace aggr {

struct EthernetInfo {
  uint16_t l3_offset = 0;
  uint16_t ethertype = 0;  // after the tags
  uint16_t svlan = 0;      // outer tag id (0x88A8 or 0x8100), 0 if none
  uint16_t cvlan = 0;      // inner 0x8100 tag id, 0 if none
};

// Ethernet with 0, 1 or 2 VLAN tags. The outer tag may be 0x88A8 or 0x8100,
// the inner one 0x8100. A single tag is reported as svlan.
DropReason parse_ethernet(const uint8_t* frame, uint32_t length, EthernetInfo* out);

struct IpInfo {
  uint8_t version = 0;
  uint16_t length = 0;  // whole IP packet, from its header
};

// Checks the IP header at `l3` against the `available` bytes of the frame.
DropReason parse_ip(const uint8_t* l3, uint32_t available, IpInfo* out);

// IPv4 TTL or IPv6 hop limit.
uint8_t ip_ttl(const uint8_t* l3, uint8_t version);
// Sets it, updating the IPv4 header checksum incrementally (RFC 1624).
void set_ip_ttl(uint8_t* l3, uint8_t version, uint8_t ttl);
// MPLS traffic class from the DSCP class selector (RFC 5129 section 2.3 / RFC 3270 E-LSP default).
uint8_t ip_traffic_class(const uint8_t* l3, uint8_t version);

// Writes the NHLFE's Ethernet header and label stack, with `tc` and `ttl` in
// every entry, right in front of `l3`. Returns the new frame start.
uint8_t* write_mpls_encapsulation(uint8_t* l3, const Nhlfe& nhlfe, uint8_t tc, uint8_t ttl);

// Bytes of Ethernet + VLAN header a subscriber's line needs.
inline unsigned access_header_length(const SubscriberRecord& s) {
  return 14 + (s.svlan ? 4 : 0) + (s.cvlan ? 4 : 0);
}

// Writes the subscriber line's Ethernet header (CPE MAC, port MAC, S/C tags)
// in front of `l3`. Returns the new frame start.
uint8_t* write_access_encapsulation(uint8_t* l3, const SubscriberRecord& subscriber,
                                    const PortAttributes& port, uint8_t ip_version);

}  // namespace aggr
