// The headend as its IPoE subscribers' gateway: ARP, neighbour
// solicitations and echo requests for the gateway address are answered on
// the line they came from, byte for byte as RFC 826, RFC 4861 and RFC 792 /
// 4443 say (built here independently, checksums included); only for the
// line's own subscriber's addresses; and nothing else for the router is
// forwarded to an ISP.
#include <gtest/gtest.h>

#include "tests/support/router_harness.h"
#include "tests/unit/eal_environment.h"
#include "tools/aggr-gen/frame_builder.h"

namespace aggr {
namespace {

using gen::Bytes;
using gen::Mac;

using test::mac;

const char* const kGatewayHeadend = R"(
workers: {lcores: [1]}
ports:
  - name: access0
    role: access
    device: net_null0
    mac: "02:00:00:00:a0:00"
    gateways: [100.64.0.254, "2001:db8:ff::1"]
  - {name: core0, role: core, device: net_null1, mac: "02:00:00:00:c0:00"}
isps:
  - {id: 1, name: red, labels: [300], next_hop: {port: core0, mac: "02:00:00:00:1a:00"}}
subscribers:
  - {id: 1, isp: red, line: {port: access0, svlan: 10, cvlan: 1}, cpe_mac: "02:00:00:01:00:01",
     addresses: [100.64.0.1/32, "2001:db8:1::/64"]}
  - {id: 2, isp: red, line: {port: access0, svlan: 10, cvlan: 2}, cpe_mac: "02:00:00:01:00:02",
     addresses: [100.64.0.2/32]}
)";

const Mac kPort = mac("02:00:00:00:a0:00"), kHost = mac("02:00:00:01:00:01");
const std::vector<gen::VlanTag> kLine1 = {{0x88A8, 10}, {0x8100, 1}}, kLine2 = {{0x88A8, 10}, {0x8100, 2}};
const Bytes kGateway4 = {100, 64, 0, 254}, kHost4 = {100, 64, 0, 1};
const Bytes kGateway6 = {0x20, 0x01, 0x0d, 0xb8, 0, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
const Bytes kHost6 = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};  // 2001:db8:1::2

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
Bytes be16(uint16_t v) { return {uint8_t(v >> 8), uint8_t(v)}; }
Bytes mac_bytes(const Mac& m) { return Bytes(m.bytes, m.bytes + 6); }

// The Internet checksum (RFC 1071), complemented, of the bytes.
uint16_t checksum(const Bytes& data) {
  uint32_t sum = 0;
  for (size_t i = 0; i < data.size(); i += 2) sum += uint32_t(data[i] << 8 | (i + 1 < data.size() ? data[i + 1] : 0));
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return uint16_t(~sum);
}

Bytes arp(uint16_t op, const Mac& sender_mac, const Bytes& sender, const Mac& target_mac, const Bytes& target) {
  return cat({be16(1), be16(0x0800), {6, 4}, be16(op), mac_bytes(sender_mac), sender, mac_bytes(target_mac), target});
}

Bytes ipv4_icmp(const Bytes& source, const Bytes& destination, uint8_t ttl, uint8_t type, uint16_t id) {
  Bytes icmp = cat({{type, 0, 0, 0}, be16(id), be16(1), Bytes(16, 0xab)});
  const uint16_t icmp_sum = checksum(icmp);
  icmp[2] = uint8_t(icmp_sum >> 8), icmp[3] = uint8_t(icmp_sum);
  Bytes header = cat({{0x45, 0}, be16(uint16_t(20 + icmp.size())), be16(7), {0, 0, ttl, 1, 0, 0}, source, destination});
  const uint16_t header_sum = checksum(header);
  header[10] = uint8_t(header_sum >> 8), header[11] = uint8_t(header_sum);
  return cat({header, icmp});
}

// IPv6 + ICMPv6 with its checksum over the pseudo-header.
Bytes ipv6_icmp(const Bytes& source, const Bytes& destination, uint8_t hop_limit, Bytes icmp) {
  Bytes pseudo = cat({source, destination, {0, 0}, be16(uint16_t(icmp.size())), {0, 0, 0, 58}, icmp});
  const uint16_t sum = checksum(pseudo);
  icmp[2] = uint8_t(sum >> 8), icmp[3] = uint8_t(sum);
  return cat({{0x60, 0, 0, 0}, be16(uint16_t(icmp.size())), {58, hop_limit}, source, destination, icmp});
}

Bytes solicitation(const Bytes& target, const Mac& from) {
  return cat({{135, 0, 0, 0, 0, 0, 0, 0}, target, {1, 1}, mac_bytes(from)});
}
Bytes advertisement(const Bytes& target, const Mac& of) {
  return cat({{136, 0, 0, 0, 0xE0, 0, 0, 0}, target, {2, 1}, mac_bytes(of)});
}
Bytes echo6(uint8_t type) { return cat({{type, 0, 0, 0}, be16(9), be16(1), Bytes(8, 0xcd)}); }

const Bytes kSolicitedNode = {0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 1};

class AnswerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pool_ = test::packet_pool();
    LoadResult r = test::load_config_text(kGatewayHeadend);
    for (const ConfigError& e : r.errors) ADD_FAILURE() << e.to_string();
    headend_ = std::make_unique<test::RouterHarness>(r.config);
    for (const std::string& f : headend_->failures) ADD_FAILURE() << f;
  }
  std::map<uint16_t, std::vector<Bytes>> run(const std::vector<Bytes>& in) { return headend_->run(pool_, 0, in); }
  uint64_t drops(DropReason reason) const { return headend_->counters->drops(reason); }

  rte_mempool* pool_ = nullptr;
  std::unique_ptr<test::RouterHarness> headend_;
};

TEST_F(AnswerTest, ArpForTheGatewayIsAnsweredOnTheLine) {
  const Bytes request = gen::pad_to_minimum(gen::ethernet_frame(
      mac("ff:ff:ff:ff:ff:ff"), kHost, kLine1, 0x0806, arp(1, kHost, kHost4, mac("00:00:00:00:00:00"), kGateway4)));
  auto out = run({request});
  Bytes reply = gen::pad_to_minimum(
      gen::ethernet_frame(kHost, kPort, kLine1, 0x0806, arp(2, kPort, kGateway4, kHost, kHost4)));
  EXPECT_EQ(out[0], std::vector<Bytes>{reply});
  EXPECT_EQ(out.count(1), 0u);
  EXPECT_EQ(headend_->counters->punted(PuntKind::kArp), 1u);
}

TEST_F(AnswerTest, EchoRequestsToTheGatewayAreAnsweredBothFamilies) {
  // Bytes trailing the packet (Ethernet padding, or worse) are not echoed.
  Bytes padded = gen::ethernet_frame(kPort, kHost, kLine1, 0x0800, ipv4_icmp(kHost4, kGateway4, 64, 8, 77));
  padded.resize(padded.size() + 10, 0xee);
  auto out = run({padded,
                  gen::ethernet_frame(kPort, kHost, kLine1, 0x86dd, ipv6_icmp(kHost6, kGateway6, 64, echo6(128)))});
  EXPECT_EQ(out[0], (std::vector<Bytes>{
                        gen::ethernet_frame(kHost, kPort, kLine1, 0x0800, ipv4_icmp(kGateway4, kHost4, 64, 0, 77)),
                        gen::ethernet_frame(kHost, kPort, kLine1, 0x86dd, ipv6_icmp(kGateway6, kHost6, 64, echo6(129)))}));
  EXPECT_EQ(headend_->counters->total_drops(), 0u);
}

TEST_F(AnswerTest, ANeighbourSolicitationForTheGatewayGetsAnAdvertisement) {
  const Bytes ns = gen::ethernet_frame(mac("33:33:ff:00:00:01"), kHost, kLine1, 0x86dd,
                                       ipv6_icmp(kHost6, kSolicitedNode, 255, solicitation(kGateway6, kHost)));
  // Without the source link-layer option too (eight bytes shorter: the answer is longer than the question).
  Bytes bare = solicitation(kGateway6, kHost);
  bare.resize(24);
  const Bytes ns_bare =
      gen::ethernet_frame(kPort, kHost, kLine1, 0x86dd, ipv6_icmp(kHost6, kGateway6, 255, bare));
  auto out = run({ns, ns_bare});
  const Bytes na = gen::ethernet_frame(kHost, kPort, kLine1, 0x86dd,
                                       ipv6_icmp(kGateway6, kHost6, 255, advertisement(kGateway6, kPort)));
  EXPECT_EQ(out[0], (std::vector<Bytes>{na, na}));
  EXPECT_EQ(headend_->counters->punted(PuntKind::kNd), 2u);
}

TEST_F(AnswerTest, OnlyTheLinesOwnSubscriberIsAnsweredAndNothingForTheRouterIsForwarded) {
  const Mac any = mac("00:00:00:00:00:00"), broadcast = mac("ff:ff:ff:ff:ff:ff");
  Bytes hop_limit_64 = ipv6_icmp(kHost6, kSolicitedNode, 64, solicitation(kGateway6, kHost));
  auto out = run({
      // Subscriber 1's address from subscriber 2's line.
      gen::pad_to_minimum(gen::ethernet_frame(broadcast, kHost, kLine2, 0x0806, arp(1, kHost, kHost4, any, kGateway4))),
      // A line nobody has.
      gen::pad_to_minimum(gen::ethernet_frame(broadcast, kHost, {{0x88A8, 99}}, 0x0806,
                                              arp(1, kHost, kHost4, any, kGateway4))),
      // Another address than the gateway's; an ARP reply.
      gen::pad_to_minimum(gen::ethernet_frame(broadcast, kHost, kLine1, 0x0806,
                                              arp(1, kHost, kHost4, any, {100, 64, 0, 9}))),
      gen::pad_to_minimum(gen::ethernet_frame(broadcast, kHost, kLine1, 0x0806, arp(2, kHost, kHost4, any, kGateway4))),
      // A solicitation that crossed a router (hop limit not 255).
      gen::ethernet_frame(mac("33:33:ff:00:00:01"), kHost, kLine1, 0x86dd, hop_limit_64),
      // UDP to the gateway, and a ping to it from an address not the subscriber's.
      gen::ethernet_frame(kPort, kHost, kLine1, 0x0800, gen::ip_packet([] {
                            gen::IpPacketSpec p;
                            std::copy(kHost4.begin(), kHost4.end(), p.source);
                            std::copy(kGateway4.begin(), kGateway4.end(), p.destination);
                            return p;
                          }())),
      gen::ethernet_frame(kPort, kHost, kLine1, 0x0800, ipv4_icmp({100, 64, 0, 2}, kGateway4, 64, 8, 1)),
      // IPv6 under the IPv4 Ethertype, to the gateway's solicited-node group.
      gen::ethernet_frame(mac("33:33:ff:00:00:01"), kHost, kLine1, 0x0800,
                          ipv6_icmp(kHost6, kSolicitedNode, 255, solicitation(kGateway6, kHost))),
  });
  EXPECT_TRUE(out.empty()) << out.size();
  EXPECT_EQ(drops(DropReason::kSpoofedSource), 2u);
  EXPECT_EQ(drops(DropReason::kUnknownLine), 1u);
  EXPECT_EQ(drops(DropReason::kUnanswered), 4u);
  EXPECT_EQ(drops(DropReason::kBadIpHeader), 1u);
  EXPECT_EQ(headend_->counters->total_drops(), 8u);
}

TEST_F(AnswerTest, SubscribersTrafficStillGoesToItsIsp) {
  gen::IpPacketSpec p;
  std::copy(kHost4.begin(), kHost4.end(), p.source);
  const uint8_t server[4] = {198, 51, 100, 7};
  std::copy(server, server + 4, p.destination);
  auto out = run({gen::ethernet_frame(kPort, kHost, kLine1, 0x0800, gen::ip_packet(p))});
  p.ttl = 63;
  EXPECT_EQ(out[1], std::vector<Bytes>{gen::mpls_frame(mac("02:00:00:00:1a:00"), mac("02:00:00:00:c0:00"),
                                                      {{300, 0, 63}}, gen::ip_packet(p))});
}

}  // namespace
}  // namespace aggr
