// Builds reference frames byte by byte: the traffic aggr-gen sends and the
// frames tests expect. Deliberately independent of the dataplane's rewrite
// code (full checksums, no templates) so that each checks the other.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace aggr::gen {

using Bytes = std::vector<uint8_t>;

struct Mac {
  uint8_t bytes[6] = {};
};

struct IpPacketSpec {
  uint8_t version = 4;
  uint8_t source[16] = {};       // IPv4 uses the first 4 bytes
  uint8_t destination[16] = {};
  uint8_t ttl = 64;
  uint8_t dscp = 0;
  uint16_t total_length = 46;    // whole IP packet; at least 28 (v4) / 48 (v6)
  uint16_t source_port = 1024;
  uint16_t destination_port = 9;
  uint32_t sequence = 0;         // written into the UDP payload
};

// IPv4 or IPv6 header + UDP header + payload, checksums complete.
Bytes ip_packet(const IpPacketSpec& spec);

struct VlanTag {
  uint16_t tpid;
  uint16_t vid;
};

Bytes ethernet_frame(const Mac& destination, const Mac& source, const std::vector<VlanTag>& tags,
                     uint16_t ethertype, const Bytes& payload);

struct LabelEntry {
  uint32_t label;
  uint8_t tc;
  uint8_t ttl;
};

// Ethernet + MPLS stack (bottom-of-stack set on the last entry) + payload.
Bytes mpls_frame(const Mac& destination, const Mac& source, const std::vector<LabelEntry>& labels,
                 const Bytes& payload);

// Pads a frame with zeros to the Ethernet minimum of 60 bytes (without FCS).
Bytes pad_to_minimum(Bytes frame);

Mac parse_mac_or_die(const std::string& text);

}  // namespace aggr::gen
