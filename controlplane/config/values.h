// Parsers for the scalar value types of the configuration; addresses and
// prefixes are the leaf library's (dataplane/net/).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "dataplane/net/ip_prefix.h"
#include "dataplane/net/mac.h"
#include "dataplane/net/status.h"

namespace aggr {

// "100Mbit", "1.5Gbit", "640kbit", "2500000" (bits/s). SI multipliers.
Status parse_rate(std::string_view text, uint64_t* bits_per_second);
Status parse_unsigned(std::string_view text, uint64_t max, uint64_t* out);
// The shortest exact form parse_rate reads back: "100Mbit", "1500kbit", "0".
std::string format_rate(uint64_t bits_per_second);

}  // namespace aggr
