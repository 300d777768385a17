// An IPv4 or IPv6 prefix, as configuration, tables and views share it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "dataplane/net/status.h"

namespace aggr {

struct IpPrefix {
  uint8_t family = 4;  // 4 or 6
  uint8_t length = 0;
  uint8_t bytes[16] = {};  // network order; IPv4 uses the first 4
  uint32_t ipv4_host_order() const {
    return uint32_t(bytes[0]) << 24 | uint32_t(bytes[1]) << 16 | uint32_t(bytes[2]) << 8 | bytes[3];
  }
  bool operator==(const IpPrefix& o) const;
  // By family, then address, then length: a stable order for maps and views.
  bool operator<(const IpPrefix& o) const;
};

// "192.0.2.0/24", "2001:db8::/32"; without "/len" a host prefix. Host bits
// beyond the length are an error.
Status parse_prefix(std::string_view text, IpPrefix* out);
std::string format_prefix(const IpPrefix& prefix);
// A host prefix as its address alone: "10.0.12.2".
std::string format_address(const IpPrefix& address);
// True when `inner` (a prefix or a host) lies within `outer`, of the same family.
bool prefix_contains(const IpPrefix& outer, const IpPrefix& inner);
// The prefix with its host bits cleared: an interface address's subnet.
IpPrefix prefix_network(const IpPrefix& prefix);
// "10.0.12.2", "2001:db8::2": one address, as a host prefix.
Status parse_host_address(std::string_view text, IpPrefix* out);
// "10.0.12.1/30", "2001:db8::1/64": an interface's address and the length
// of its subnet, so host bits are allowed (they are the address).
Status parse_interface_address(std::string_view text, IpPrefix* out);

}  // namespace aggr
