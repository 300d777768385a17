#include "dataplane/net/ip_prefix.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace aggr {

bool IpPrefix::operator==(const IpPrefix& o) const {
  return family == o.family && length == o.length && std::memcmp(bytes, o.bytes, 16) == 0;
}

bool IpPrefix::operator<(const IpPrefix& o) const {
  if (family != o.family) return family < o.family;
  if (int c = std::memcmp(bytes, o.bytes, 16); c != 0) return c < 0;
  return length < o.length;
}

namespace {

// Both parsers: the address and its length; host bits are checked by the caller.
Status parse_address_and_length(std::string_view text, IpPrefix* out) {
  std::string s(text);
  std::string address = s, length_text;
  bool has_length = false;
  if (auto slash = s.find('/'); slash != std::string::npos) {
    address = s.substr(0, slash);
    length_text = s.substr(slash + 1);
    has_length = true;
  }
  IpPrefix p;
  if (inet_pton(AF_INET, address.c_str(), p.bytes) == 1) {
    p.family = 4;
  } else if (inet_pton(AF_INET6, address.c_str(), p.bytes) == 1) {
    p.family = 6;
  } else {
    return Status::failure("'" + s + "' is not an IPv4 or IPv6 prefix");
  }
  unsigned max = p.family == 4 ? 32 : 128;
  unsigned length = max;
  if (has_length) {
    const char* end = length_text.data() + length_text.size();
    auto [stop, ec] = std::from_chars(length_text.data(), end, length);
    if (length_text.empty() || ec != std::errc() || stop != end || length > max)
      return Status::failure("prefix length in '" + s + "' must be 0.." + std::to_string(max));
  }
  p.length = uint8_t(length);
  *out = p;
  return Status::success();
}

}  // namespace

Status parse_prefix(std::string_view text, IpPrefix* out) {
  IpPrefix p;
  if (Status s = parse_address_and_length(text, &p); !s.ok()) return s;
  const unsigned max = p.family == 4 ? 32 : 128;
  for (unsigned bit = p.length; bit < max; ++bit)
    if (p.bytes[bit / 8] & (0x80 >> (bit % 8)))
      return Status::failure("'" + std::string(text) + "' has host bits set beyond /" + std::to_string(p.length));
  *out = p;
  return Status::success();
}

Status parse_host_address(std::string_view text, IpPrefix* out) {
  if (text.find('/') != std::string_view::npos)
    return Status::failure("'" + std::string(text) + "' is not an address (no /length)");
  return parse_prefix(text, out);
}

Status parse_interface_address(std::string_view text, IpPrefix* out) {
  if (text.find('/') == std::string_view::npos)
    return Status::failure("'" + std::string(text) + "' needs the subnet's length (address/length)");
  return parse_address_and_length(text, out);
}

std::string format_prefix(const IpPrefix& p) {
  char buffer[INET6_ADDRSTRLEN];
  inet_ntop(p.family == 4 ? AF_INET : AF_INET6, p.bytes, buffer, sizeof buffer);
  return std::string(buffer) + "/" + std::to_string(p.length);
}

std::string format_address(const IpPrefix& p) {
  char buffer[INET6_ADDRSTRLEN];
  inet_ntop(p.family == 4 ? AF_INET : AF_INET6, p.bytes, buffer, sizeof buffer);
  return buffer;
}

IpPrefix prefix_network(const IpPrefix& prefix) {
  IpPrefix network = prefix;
  for (unsigned bit = prefix.length; bit < 128; ++bit) network.bytes[bit / 8] &= uint8_t(~(0x80 >> (bit % 8)));
  return network;
}

bool prefix_contains(const IpPrefix& outer, const IpPrefix& inner) {
  if (outer.family != inner.family || inner.length < outer.length) return false;
  const unsigned whole = outer.length / 8, bits = outer.length % 8;
  if (std::memcmp(outer.bytes, inner.bytes, whole) != 0) return false;
  const uint8_t mask = uint8_t(0xFF00 >> bits);
  return bits == 0 || ((outer.bytes[whole] ^ inner.bytes[whole]) & mask) == 0;
}

}  // namespace aggr
