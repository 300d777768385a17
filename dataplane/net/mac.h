// Ethernet MAC addresses as text ("aa:bb:cc:dd:ee:ff").
#pragma once

#include <string>
#include <string_view>

#include <rte_ether.h>

#include "dataplane/net/status.h"

namespace aggr {

Status parse_mac(std::string_view text, rte_ether_addr* out);
std::string format_mac(const rte_ether_addr& mac);

}  // namespace aggr
