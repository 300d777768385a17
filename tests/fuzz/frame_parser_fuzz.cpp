// libFuzzer target: the byte-level frame parsers and the TTL rewrite, on
// arbitrary bytes. Every accepted frame must have its headers inside it, the
// plain-IPv4 and plain-MPLS shortcuts must agree with the general parsers
// wherever they accept a frame, and the incremental checksum update must
// agree with a full recomputation.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "dataplane/frame_ops.h"
#include "dataplane/wire.h"

using namespace aggr;

namespace {

// What the label loop and parse_ip see in a frame the MPLS shortcut took.
void check_plain_mpls(const std::vector<uint8_t>& frame, const EthernetInfo& eth, const PlainMplsIpv4& plain) {
  if (eth.ethertype != wire::kEtherTypeMpls || eth.svlan != 0 || eth.l3_offset + wire::kMplsEntryLen != kPlainMplsL3Offset)
    std::abort();
  wire::MplsEntry entry = wire::mpls_decode(wire::load_be32(frame.data() + eth.l3_offset));
  if (!entry.bottom_of_stack || entry.ttl <= 1 || entry.label < wire::kFirstUnreservedLabel ||
      entry.label != plain.label || entry.ttl != plain.ttl)
    std::abort();
  IpInfo ip;
  if (parse_ip(frame.data() + kPlainMplsL3Offset, uint32_t(frame.size() - kPlainMplsL3Offset), &ip) != DropReason::kNone ||
      ip.version != 4 || ip.length != plain.length || frame[kPlainMplsL3Offset] != 0x45)
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A copy of exactly the input's size, so that ASan sees any overread.
  std::vector<uint8_t> frame(data, data + size);
  EthernetInfo plain_eth;
  IpInfo plain_ip;
  bool plain = parse_plain_ipv4(frame.data(), uint32_t(size), &plain_eth, &plain_ip);
  PlainMplsIpv4 plain_mpls;
  bool mpls = parse_plain_mpls_ipv4(frame.data(), uint32_t(size), &plain_mpls);
  EthernetInfo eth;
  if (parse_ethernet(frame.data(), uint32_t(size), &eth) != DropReason::kNone) {
    if (plain || mpls) std::abort();
    return 0;
  }
  if (eth.l3_offset > size) std::abort();
  if (mpls) check_plain_mpls(frame, eth, plain_mpls);
  IpInfo ip;
  uint8_t* l3 = frame.data() + eth.l3_offset;
  uint32_t available = uint32_t(size - eth.l3_offset);
  bool ip_ok = parse_ip(l3, available, &ip) == DropReason::kNone;
  if (plain && (!ip_ok || eth.ethertype != wire::kEtherTypeIpv4 || ip.version != 4 ||
                plain_eth.l3_offset != eth.l3_offset || plain_eth.svlan != eth.svlan ||
                plain_eth.cvlan != eth.cvlan || plain_ip.length != ip.length))
    std::abort();
  if (!ip_ok) return 0;
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
