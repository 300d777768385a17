#include "tools/aggr-gen/traffic.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace aggr::gen {
namespace {

Mac to_mac(const rte_ether_addr& a) {
  Mac m;
  std::memcpy(m.bytes, a.addr_bytes, 6);
  return m;
}

Mac port_mac(const RouterConfig& c, const std::string& port) {
  const PortConfig* p = c.port(port);
  if (p == nullptr || !p->mac) throw std::invalid_argument("port " + port + " needs a mac in the configuration");
  return to_mac(*p->mac);
}

// An address inside the prefix: the prefix itself for host routes, else +1.
void host_address(const IpPrefix& p, uint8_t* out) {
  unsigned bytes = p.family == 4 ? 4 : 16;
  std::memcpy(out, p.bytes, bytes);
  if (p.length < (p.family == 4 ? 32u : 128u)) out[bytes - 1] |= 1;
}

const IpPrefix* prefix_of_family(const SubscriberConfig& s, uint8_t family) {
  for (const IpPrefix& p : s.addresses)
    if (p.family == family) return &p;
  return nullptr;
}

// Far-end hosts in the benchmarking ranges (RFC 2544 / RFC 5180): 198.18.1.7
// is also where DPDK's l3fwd routes to its port 1, so one pcap serves both.
const uint8_t kInternetV4[4] = {198, 18, 1, 7};
const uint8_t kInternetV6[16] = {0x20, 0x01, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7};  // 2001:2::/48

IpPacketSpec packet_spec(uint8_t family, unsigned ip_length, uint8_t ttl, uint8_t dscp, uint32_t sequence) {
  IpPacketSpec spec;
  spec.version = family;
  spec.total_length = uint16_t(ip_length);
  spec.ttl = ttl;
  spec.dscp = dscp;
  spec.sequence = sequence;
  spec.source_port = uint16_t(1024 + sequence % 50000);
  return spec;
}

}  // namespace

FramePair upstream_frame(const RouterConfig& c, const SubscriberConfig& s, const IspConfig& isp, uint8_t family,
                         unsigned frame_size, uint8_t dscp, uint8_t ttl, uint32_t sequence) {
  std::vector<VlanTag> tags;
  if (s.svlan) tags.push_back({uint16_t(s.cvlan ? 0x88A8 : 0x8100), s.svlan});
  if (s.cvlan) tags.push_back({0x8100, s.cvlan});
  unsigned l2 = 14 + 4 * unsigned(tags.size());
  unsigned minimum = family == 4 ? 28 : 48;
  // Largest packet that still fits the core port's MTU under the labels.
  unsigned fits = c.port(isp.next_hop.port)->mtu - 4 * unsigned(isp.labels.size());
  unsigned ip_length = std::min(fits, std::max(minimum, frame_size - 4 - l2));

  IpPacketSpec spec = packet_spec(family, ip_length, ttl, dscp, sequence);
  host_address(*prefix_of_family(s, family), spec.source);
  std::memcpy(spec.destination, family == 4 ? kInternetV4 : kInternetV6, family == 4 ? 4 : 16);
  Bytes in = pad_to_minimum(ethernet_frame(port_mac(c, s.port), to_mac(s.cpe_mac), tags,
                                           family == 4 ? 0x0800 : 0x86DD, ip_packet(spec)));

  IpPacketSpec out_spec = spec;
  out_spec.ttl = uint8_t(ttl - 1);
  uint8_t label_ttl = c.ttl_model == TtlModel::kUniform ? uint8_t(ttl - 1) : 255;
  std::vector<LabelEntry> labels;
  for (uint32_t l : isp.labels) labels.push_back({l, uint8_t(dscp >> 3), label_ttl});
  Bytes expected = mpls_frame(to_mac(isp.next_hop.mac), port_mac(c, isp.next_hop.port), labels, ip_packet(out_spec));
  return {in, expected, uint16_t(ip_length)};
}

FramePair downstream_frame(const RouterConfig& c, const SubscriberConfig& s, uint32_t label, uint8_t family,
                           unsigned frame_size, uint8_t mpls_ttl, uint8_t ip_ttl, uint32_t sequence) {
  const PortConfig* core = nullptr;
  for (const PortConfig& p : c.ports)
    if (p.role == PortRole::kCore) core = &p;
  unsigned minimum = family == 4 ? 28 : 48;
  unsigned ip_length = std::min<unsigned>(c.port(s.port)->mtu, std::max(minimum, frame_size - 4 - 18));
  IpPacketSpec spec = packet_spec(family, ip_length, ip_ttl, 0, sequence);
  std::memcpy(spec.source, family == 4 ? kInternetV4 : kInternetV6, family == 4 ? 4 : 16);
  host_address(*prefix_of_family(s, family), spec.destination);
  Mac upstream_router = parse_mac_or_die("02:00:00:00:ff:01");
  Bytes in = pad_to_minimum(mpls_frame(port_mac(c, core->name), upstream_router, {{label, 0, mpls_ttl}}, ip_packet(spec)));

  IpPacketSpec out_spec = spec;
  uint8_t ttl = c.ttl_model == TtlModel::kUniform ? std::min(ip_ttl, mpls_ttl) : ip_ttl;
  out_spec.ttl = uint8_t(ttl - 1);
  std::vector<VlanTag> tags;
  if (s.svlan) tags.push_back({uint16_t(s.cvlan ? c.port(s.port)->outer_tpid : 0x8100), s.svlan});
  if (s.cvlan) tags.push_back({0x8100, s.cvlan});
  Bytes expected = ethernet_frame(to_mac(s.cpe_mac), port_mac(c, s.port), tags, family == 4 ? 0x0800 : 0x86DD,
                                  ip_packet(out_spec));
  return {in, expected, uint16_t(ip_length)};
}

GeneratedTraffic generate(const RouterConfig& c, const TrafficProfile& profile) {
  GeneratedTraffic t;
  const LocalLabelConfig* pop_label = nullptr;
  for (const LocalLabelConfig& l : c.local_labels)
    if (l.action == IlmAction::kPopToSubscriber) pop_label = &l;
  uint32_t sequence = 0;
  size_t stride = profile.sample_subscribers == 0 || profile.sample_subscribers >= c.subscribers.size()
                      ? 1
                      : c.subscribers.size() / profile.sample_subscribers;
  for (unsigned round = 0; round < profile.packets_per_subscriber; ++round) {
    for (size_t index = 0; index < c.subscribers.size(); index += stride) {
      const SubscriberConfig& s = c.subscribers[index];
      const IspConfig* isp = c.isp(s.isp);
      std::vector<uint8_t> families;
      for (uint8_t f : profile.families)
        if (prefix_of_family(s, f)) families.push_back(f);
      if (families.empty()) continue;
      uint8_t family = families[(round + s.id) % families.size()];
      unsigned size = profile.frame_sizes[(round + s.id) % profile.frame_sizes.size()];
      uint8_t dscp = profile.dscps[(round + s.id) % profile.dscps.size()];
      FramePair up = upstream_frame(c, s, *isp, family, size, dscp, profile.ip_ttl, ++sequence);
      t.upstream[s.port].push_back(up.input);
      t.expected_core.push_back(up.expected);
      t.isp_up[isp->name].add(up.ip_length);
      t.subscriber_up[s.id].add(up.ip_length);
      if (pop_label != nullptr) {
        FramePair down = downstream_frame(c, s, pop_label->label, family, size, profile.mpls_ttl, profile.ip_ttl, ++sequence);
        t.downstream.push_back(down.input);
        t.expected_access[s.port].push_back(down.expected);
        t.isp_down[isp->name].add(down.ip_length);
        t.subscriber_down[s.id].add(down.ip_length);
      }
    }
  }
  return t;
}

}  // namespace aggr::gen
