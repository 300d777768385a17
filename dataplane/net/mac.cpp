#include "dataplane/net/mac.h"

#include <charconv>
#include <cstdio>

namespace aggr {

Status parse_mac(std::string_view text, rte_ether_addr* out) {
  auto bad = [&] { return Status::failure("'" + std::string(text) + "' is not a MAC address (aa:bb:cc:dd:ee:ff)"); };
  if (text.size() != 17) return bad();
  rte_ether_addr mac;
  for (unsigned i = 0; i < 6; ++i) {
    if (i < 5 && text[i * 3 + 2] != ':') return bad();
    unsigned value;
    auto [end, ec] = std::from_chars(text.data() + i * 3, text.data() + i * 3 + 2, value, 16);
    if (ec != std::errc() || end != text.data() + i * 3 + 2) return bad();
    mac.addr_bytes[i] = uint8_t(value);
  }
  *out = mac;
  return Status::success();
}

std::string format_mac(const rte_ether_addr& mac) {
  char buffer[18];
  std::snprintf(buffer, sizeof buffer, "%02x:%02x:%02x:%02x:%02x:%02x", mac.addr_bytes[0], mac.addr_bytes[1],
                mac.addr_bytes[2], mac.addr_bytes[3], mac.addr_bytes[4], mac.addr_bytes[5]);
  return buffer;
}

}  // namespace aggr
