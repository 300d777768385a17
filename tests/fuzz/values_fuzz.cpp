// libFuzzer target: the configuration's value parsers (MAC, prefix, rate,
// unsigned). Accepted values must survive a format/parse round trip, and a
// rejected one must say why.
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "controlplane/config/values.h"

using namespace aggr;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);

  rte_ether_addr mac;
  if (Status parsed = parse_mac(text, &mac); parsed.ok()) {
    rte_ether_addr again;
    if (!parse_mac(format_mac(mac), &again).ok() || std::memcmp(&mac, &again, sizeof mac) != 0) std::abort();
  }

  IpPrefix prefix;
  if (Status parsed = parse_prefix(text, &prefix); parsed.ok()) {
    IpPrefix again;
    if (!parse_prefix(format_prefix(prefix), &again).ok() || !(again == prefix)) std::abort();
    if (prefix.length > (prefix.family == 4 ? 32 : 128)) std::abort();
  }

  uint64_t rate = 0;
  if (Status parsed = parse_rate(text, &rate); parsed.ok()) {
    uint64_t again = 0;  // the same rate written in plain bits/s
    if (!parse_rate(std::to_string(rate), &again).ok() || again != rate) std::abort();
  } else if (parsed.error.size() < 8) {
    std::abort();  // says nothing useful
  }

  uint64_t number = 0;
  uint64_t max = size ? data[0] * 1000003ull : 0;
  if (parse_unsigned(text, max, &number).ok() && number > max) std::abort();
  return 0;
}
