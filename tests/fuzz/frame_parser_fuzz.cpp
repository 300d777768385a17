// libFuzzer target: the byte-level frame parsers and the TTL rewrite, on
// arbitrary bytes. Every accepted frame must have its headers inside it, the
// plain-IPv4 and plain-MPLS shortcuts must agree with the general parsers
// wherever they accept a frame (tests/support/shortcut_agreement.h), and the
// incremental checksum update must agree with a full recomputation.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "dataplane/frame_ops.h"
#include "dataplane/wire.h"
#include "tests/support/shortcut_agreement.h"

using namespace aggr;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A copy of exactly the input's size, so that ASan sees any overread.
  std::vector<uint8_t> frame(data, data + size);
  if (!test::plain_ipv4_disagreement(frame.data(), size).empty() ||
      !test::plain_mpls_disagreement(frame.data(), size).empty())
    std::abort();
  EthernetInfo eth;
  if (parse_ethernet(frame.data(), uint32_t(size), &eth) != DropReason::kNone) return 0;
  if (eth.l3_offset > size) std::abort();
  IpInfo ip;
  uint8_t* l3 = frame.data() + eth.l3_offset;
  uint32_t available = uint32_t(size - eth.l3_offset);
  if (parse_ip(l3, available, &ip) != DropReason::kNone) return 0;
  if (ip.length > available || (ip.version != 4 && ip.version != 6)) std::abort();
  ip_traffic_class(l3, ip.version);
  uint8_t ttl = ip_ttl(l3, ip.version);
  if (ip.version == 4 && wire::internet_checksum(l3, (l3[0] & 0x0F) * 4u) == 0) {
    // A header with a valid checksum keeps it valid across the TTL rewrite.
    set_ip_ttl(l3, ip.version, uint8_t(ttl - 1));
    if (wire::internet_checksum(l3, (l3[0] & 0x0F) * 4u) != 0) std::abort();
  } else {
    set_ip_ttl(l3, ip.version, uint8_t(ttl - 1));
  }
  if (ip_ttl(l3, ip.version) != uint8_t(ttl - 1)) std::abort();
  return 0;
}
