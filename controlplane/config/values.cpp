#include "controlplane/config/values.h"

#include <arpa/inet.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace aggr {

std::string parse_mac(std::string_view text, rte_ether_addr* out) {
  if (text.size() != 17) return "'" + std::string(text) + "' is not a MAC address (aa:bb:cc:dd:ee:ff)";
  for (unsigned i = 0; i < 6; ++i) {
    if (i < 5 && text[i * 3 + 2] != ':')
      return "'" + std::string(text) + "' is not a MAC address (aa:bb:cc:dd:ee:ff)";
    unsigned value;
    auto [end, ec] = std::from_chars(text.data() + i * 3, text.data() + i * 3 + 2, value, 16);
    if (ec != std::errc() || end != text.data() + i * 3 + 2)
      return "'" + std::string(text) + "' is not a MAC address (aa:bb:cc:dd:ee:ff)";
    out->addr_bytes[i] = uint8_t(value);
  }
  return {};
}

std::string parse_prefix(std::string_view text, IpPrefix* out) {
  std::string s(text);
  std::string address = s, length_text;
  if (auto slash = s.find('/'); slash != std::string::npos) {
    address = s.substr(0, slash);
    length_text = s.substr(slash + 1);
  }
  IpPrefix p;
  if (inet_pton(AF_INET, address.c_str(), p.bytes) == 1) {
    p.family = 4;
  } else if (inet_pton(AF_INET6, address.c_str(), p.bytes) == 1) {
    p.family = 6;
  } else {
    return "'" + s + "' is not an IPv4 or IPv6 prefix";
  }
  unsigned max = p.family == 4 ? 32 : 128;
  uint64_t length = max;
  if (!length_text.empty() && !parse_unsigned(length_text, max, &length).empty())
    return "prefix length in '" + s + "' must be 0.." + std::to_string(max);
  p.length = uint8_t(length);
  for (unsigned bit = p.length; bit < max; ++bit)
    if (p.bytes[bit / 8] & (0x80 >> (bit % 8)))
      return "'" + s + "' has host bits set beyond /" + std::to_string(p.length);
  *out = p;
  return {};
}

std::string parse_rate(std::string_view text, uint64_t* out) {
  std::string s(text);
  double value;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  std::string_view unit(end, s.data() + s.size() - end);
  double multiplier = 0;
  if (unit.empty() || unit == "bit" || unit == "bps") multiplier = 1;
  else if (unit == "kbit" || unit == "kbps") multiplier = 1e3;
  else if (unit == "Mbit" || unit == "Mbps") multiplier = 1e6;
  else if (unit == "Gbit" || unit == "Gbps") multiplier = 1e9;
  else if (unit == "Tbit" || unit == "Tbps") multiplier = 1e12;
  if (ec != std::errc() || multiplier == 0 || value < 0 || !std::isfinite(value))
    return "'" + s + "' is not a rate (e.g. 100Mbit, 1.5Gbit, 640kbit, 2500000)";
  double bits = value * multiplier;
  if (bits > 4e12) return "rate '" + s + "' is above 4 Tbit/s";
  if (bits != 0 && bits < 8000) return "rate '" + s + "' is below 8 kbit/s";
  *out = uint64_t(bits);
  return {};
}

std::string parse_unsigned(std::string_view text, uint64_t max, uint64_t* out) {
  uint64_t value;
  int base = 10;
  const char* begin = text.data();
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    begin += 2;
  }
  auto [end, ec] = std::from_chars(begin, text.data() + text.size(), value, base);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty())
    return "'" + std::string(text) + "' is not an unsigned integer";
  if (value > max) return std::string(text) + " is above the maximum " + std::to_string(max);
  *out = value;
  return {};
}

std::string format_prefix(const IpPrefix& p) {
  char buffer[INET6_ADDRSTRLEN];
  inet_ntop(p.family == 4 ? AF_INET : AF_INET6, p.bytes, buffer, sizeof buffer);
  return std::string(buffer) + "/" + std::to_string(p.length);
}

std::string format_mac(const rte_ether_addr& mac) {
  char buffer[18];
  std::snprintf(buffer, sizeof buffer, "%02x:%02x:%02x:%02x:%02x:%02x", mac.addr_bytes[0],
                mac.addr_bytes[1], mac.addr_bytes[2], mac.addr_bytes[3], mac.addr_bytes[4],
                mac.addr_bytes[5]);
  return buffer;
}

std::string format_rate(uint64_t bps) {
  static const std::pair<uint64_t, const char*> units[] = {{1000000000000, "Tbit"}, {1000000000, "Gbit"},
                                                            {1000000, "Mbit"}, {1000, "kbit"}};
  for (const auto& [scale, unit] : units)
    if (bps != 0 && bps % scale == 0) return std::to_string(bps / scale) + unit;
  return std::to_string(bps);
}

}  // namespace aggr
