// Parsers for the scalar value types of the configuration. Each returns an
// error message, empty on success.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <rte_ether.h>

#include "dataplane/table_writer.h"

namespace aggr {

std::string parse_mac(std::string_view text, rte_ether_addr* out);
// "192.0.2.0/24", "2001:db8::/32"; without "/len" a host prefix. Host bits
// beyond the length are an error.
std::string parse_prefix(std::string_view text, IpPrefix* out);
// "100Mbit", "1.5Gbit", "640kbit", "2500000" (bits/s). SI multipliers.
std::string parse_rate(std::string_view text, uint64_t* bits_per_second);
std::string parse_unsigned(std::string_view text, uint64_t max, uint64_t* out);
std::string format_prefix(const IpPrefix& prefix);
std::string format_mac(const rte_ether_addr& mac);
// The shortest exact form parse_rate reads back: "100Mbit", "1500kbit", "0".
std::string format_rate(uint64_t bits_per_second);

}  // namespace aggr
