#include "tools/aggr-gen/frame_builder.h"

#include <cstdio>
#include <stdexcept>

namespace aggr::gen {
namespace {

void put16(Bytes& b, size_t at, uint16_t v) {
  b[at] = uint8_t(v >> 8);
  b[at + 1] = uint8_t(v);
}

uint32_t sum_words(const uint8_t* data, size_t len, uint32_t sum = 0) {
  for (size_t i = 0; i + 1 < len; i += 2) sum += uint32_t(data[i]) << 8 | data[i + 1];
  if (len & 1) sum += uint32_t(data[len - 1]) << 8;
  return sum;
}

uint16_t fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return uint16_t(~sum);
}

}  // namespace

Bytes ip_packet(const IpPacketSpec& s) {
  bool v4 = s.version == 4;
  size_t header = v4 ? 20 : 40;
  if (s.total_length < header + 8) throw std::invalid_argument("IP packet too short for UDP");
  Bytes p(s.total_length, 0);
  size_t udp_len = s.total_length - header;
  if (v4) {
    p[0] = 0x45;
    p[1] = uint8_t(s.dscp << 2);
    put16(p, 2, s.total_length);
    put16(p, 4, uint16_t(s.sequence));
    p[8] = s.ttl;
    p[9] = 17;  // UDP
    std::copy(s.source, s.source + 4, p.begin() + 12);
    std::copy(s.destination, s.destination + 4, p.begin() + 16);
    put16(p, 10, fold(sum_words(p.data(), 20)));
  } else {
    uint32_t first = 6u << 28 | uint32_t(s.dscp << 2) << 20 | (s.sequence & 0xFFFFF);
    p[0] = uint8_t(first >> 24);
    p[1] = uint8_t(first >> 16);
    p[2] = uint8_t(first >> 8);
    p[3] = uint8_t(first);
    put16(p, 4, uint16_t(udp_len));
    p[6] = 17;
    p[7] = s.ttl;
    std::copy(s.source, s.source + 16, p.begin() + 8);
    std::copy(s.destination, s.destination + 16, p.begin() + 24);
  }
  uint8_t* udp = p.data() + header;
  put16(p, header, s.source_port);
  put16(p, header + 2, s.destination_port);
  put16(p, header + 4, uint16_t(udp_len));
  for (size_t i = 8; i < udp_len; ++i) udp[i] = uint8_t(s.sequence >> (8 * ((i - 8) % 4)));
  // UDP checksum over the pseudo-header.
  size_t address_len = v4 ? 4 : 16;
  uint32_t sum = sum_words(s.source, address_len);
  sum = sum_words(s.destination, address_len, sum);
  sum += 17 + uint32_t(udp_len);
  sum = sum_words(udp, udp_len, sum);
  uint16_t checksum = fold(sum);
  put16(p, header + 6, checksum == 0 ? 0xFFFF : checksum);
  return p;
}

Bytes ethernet_frame(const Mac& dst, const Mac& src, const std::vector<VlanTag>& tags, uint16_t ethertype,
                     const Bytes& payload) {
  Bytes f(12 + 4 * tags.size() + 2);
  std::copy(dst.bytes, dst.bytes + 6, f.begin());
  std::copy(src.bytes, src.bytes + 6, f.begin() + 6);
  size_t at = 12;
  for (const VlanTag& t : tags) {
    put16(f, at, t.tpid);
    put16(f, at + 2, t.vid);
    at += 4;
  }
  put16(f, at, ethertype);
  f.insert(f.end(), payload.begin(), payload.end());
  return f;
}

Bytes mpls_frame(const Mac& dst, const Mac& src, const std::vector<LabelEntry>& labels, const Bytes& payload) {
  Bytes stack;
  for (size_t i = 0; i < labels.size(); ++i) {
    uint32_t word = labels[i].label << 12 | uint32_t(labels[i].tc & 7) << 9 |
                    uint32_t(i + 1 == labels.size()) << 8 | labels[i].ttl;
    for (int shift = 24; shift >= 0; shift -= 8) stack.push_back(uint8_t(word >> shift));
  }
  stack.insert(stack.end(), payload.begin(), payload.end());
  return ethernet_frame(dst, src, {}, 0x8847, stack);
}

Bytes pad_to_minimum(Bytes frame) {
  if (frame.size() < 60) frame.resize(60, 0);
  return frame;
}

Mac parse_mac_or_die(const std::string& text) {
  Mac m;
  unsigned b[6];
  if (std::sscanf(text.c_str(), "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
    throw std::invalid_argument("bad MAC " + text);
  for (int i = 0; i < 6; ++i) m.bytes[i] = uint8_t(b[i]);
  return m;
}

}  // namespace aggr::gen
