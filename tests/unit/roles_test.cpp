// Transit and tailend over real mbufs, configured from YAML as an operator
// would: frames in, frames out compared byte for byte with frames built
// independently (aggr-gen's frame builder); then a headend, a transit and a
// tailend in a row, whose per-ISP counters must agree exactly.
#include <gtest/gtest.h>

#include "controlplane/config_apply.h"
#include "tests/support/router_harness.h"
#include "tests/unit/eal_environment.h"
#include "tools/aggr-gen/frame_builder.h"

namespace aggr {
namespace {

using gen::Bytes;
using gen::LabelEntry;
using gen::Mac;

using test::mac;

gen::IpPacketSpec ipv4(std::initializer_list<uint8_t> source, std::initializer_list<uint8_t> destination,
                       uint8_t ttl = 64, uint16_t length = 100) {
  gen::IpPacketSpec p;
  std::copy(source.begin(), source.end(), p.source);
  std::copy(destination.begin(), destination.end(), p.destination);
  p.ttl = ttl;
  p.total_length = length;
  return p;
}

gen::IpPacketSpec ipv6(uint8_t destination_last, uint16_t destination_group, uint8_t ttl = 64) {
  gen::IpPacketSpec p;
  p.version = 6;
  const uint8_t source[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  std::copy(source, source + 16, p.source);
  p.destination[0] = 0x20, p.destination[1] = 0x01, p.destination[2] = 0x0d, p.destination[3] = 0xb8;
  p.destination[4] = uint8_t(destination_group >> 8), p.destination[5] = uint8_t(destination_group);
  p.destination[15] = destination_last;
  p.ttl = ttl;
  p.total_length = 120;
  return p;
}

gen::IpPacketSpec with_ttl(gen::IpPacketSpec p, uint8_t ttl) {
  p.ttl = ttl;
  return p;
}

class RoleTest : public ::testing::Test {
 protected:
  static std::unique_ptr<test::RouterHarness> router(const char* yaml) {
    LoadResult r = test::load_config_text(yaml);
    for (const ConfigError& e : r.errors) ADD_FAILURE() << e.to_string();
    auto harness = std::make_unique<test::RouterHarness>(r.config);
    for (const std::string& f : harness->failures) ADD_FAILURE() << f;
    return harness;
  }
  void SetUp() override { pool_ = test::packet_pool(); }
  std::map<uint16_t, std::vector<Bytes>> run(test::RouterHarness& h, uint16_t port, const std::vector<Bytes>& in) {
    return h.run(pool_, port, in);
  }
  rte_mempool* pool_;
};

// ------------------------------------------------------------------ transit

TEST_F(RoleTest, TransitSwapsBothWaysByteForByte) {
  auto transit = router(test::kTransitTestConfig);
  const Bytes packet = gen::ip_packet(ipv4({100, 64, 0, 1}, {198, 51, 100, 7}));
  Bytes up = gen::mpls_frame(mac("02:00:00:00:1a:00"), mac("02:00:00:00:c0:00"), {{300, 2, 64}}, packet);
  Bytes deeper = gen::mpls_frame(mac("02:00:00:00:1a:00"), mac("02:00:00:00:c0:00"), {{310, 0, 30}, {77, 1, 200}},
                                 packet);
  Bytes down = gen::mpls_frame(mac("02:00:00:00:1b:00"), mac("02:00:00:00:2b:01"), {{500, 5, 9}}, packet);
  auto out = run(*transit, 0, {up, deeper});
  EXPECT_EQ(out[1], (std::vector<Bytes>{
                        gen::mpls_frame(mac("02:00:00:00:2b:01"), mac("02:00:00:00:1b:00"), {{1001, 2, 63}}, packet),
                        gen::mpls_frame(mac("02:00:00:00:2b:01"), mac("02:00:00:00:1b:00"), {{2001, 0, 29}, {77, 1, 200}},
                                        packet)}));
  out = run(*transit, 1, {down});
  EXPECT_EQ(out[0], std::vector<Bytes>{gen::mpls_frame(mac("02:00:00:00:c0:00"), mac("02:00:00:00:1a:00"),
                                                      {{100, 5, 8}}, packet)});
  EXPECT_EQ(transit->counters->total_drops(), 0u);
}

TEST_F(RoleTest, TransitPopsWhereTheNextHopAskedForImplicitNull) {
  auto transit = router(test::kTransitTestConfig);
  const gen::IpPacketSpec spec = ipv4({100, 64, 0, 1}, {198, 51, 100, 7}, 64);
  const Mac from = mac("02:00:00:00:1a:00"), peer = mac("02:00:00:00:c0:00");
  const Mac next = mac("02:00:00:00:2b:01"), east = mac("02:00:00:00:1b:00");
  // Over IP: the LSP's TTL (10) comes into IP, less this hop; padding is not carried.
  Bytes over_ip = gen::mpls_frame(from, peer, {{320, 0, 10}}, gen::ip_packet(with_ttl(spec, 64)));
  // Over a label: the LSP's TTL goes on in it.
  Bytes over_label = gen::mpls_frame(from, peer, {{320, 0, 10}, {900, 3, 64}}, gen::ip_packet(spec));
  // Over IPv6, whose hop limit (5) is below the LSP's: a plain decrement.
  gen::IpPacketSpec v6 = ipv6(1, 0x0009, 5);
  Bytes over_ipv6 = gen::mpls_frame(from, peer, {{320, 0, 10}}, gen::ip_packet(v6));
  auto out = run(*transit, 0, {over_ip, over_label, over_ipv6});
  EXPECT_EQ(out[1], (std::vector<Bytes>{
                        gen::ethernet_frame(next, east, {}, 0x0800, gen::ip_packet(with_ttl(spec, 9))),
                        gen::mpls_frame(next, east, {{900, 3, 9}}, gen::ip_packet(spec)),
                        gen::ethernet_frame(next, east, {}, 0x86dd, gen::ip_packet(with_ttl(v6, 4)))}));
  EXPECT_EQ(transit->counters->total_drops(), 0u);
}

TEST_F(RoleTest, TransitDropsAreCountedByReason) {
  auto transit = router(test::kTransitTestConfig);
  const Bytes packet = gen::ip_packet(ipv4({100, 64, 0, 1}, {198, 51, 100, 7}));
  const Mac to = mac("02:00:00:00:1a:00"), from = mac("02:00:00:00:c0:00");
  Bytes truncated = gen::mpls_frame(to, from, {{320, 0, 10}}, packet);
  truncated.resize(14 + 4 + 10);  // an IP header cut short behind the popped label
  auto out = run(*transit, 0,
                 {gen::mpls_frame(to, from, {{300, 0, 1}}, packet),     // TTL 1: expires here
                  gen::mpls_frame(to, from, {{300, 0, 0}}, packet),     // TTL 0
                  gen::mpls_frame(to, from, {{7, 0, 64}}, packet),      // reserved
                  gen::mpls_frame(to, from, {{999, 0, 64}}, packet),    // bound to nothing
                  gen::mpls_frame(to, from, {{320, 0, 1}}, packet),     // a pop that expires
                  truncated,
                  gen::ethernet_frame(to, from, {}, 0x0800, packet)});  // IP on a core port
  EXPECT_TRUE(out.empty());
  const CounterSet& c = *transit->counters;
  EXPECT_EQ(c.drops(DropReason::kTtlExpired), 3u);
  EXPECT_EQ(c.drops(DropReason::kReservedLabel), 1u);
  EXPECT_EQ(c.drops(DropReason::kUnknownLabel), 1u);
  EXPECT_EQ(c.drops(DropReason::kTruncated), 1u);
  EXPECT_EQ(c.drops(DropReason::kNotMpls), 1u);
  EXPECT_EQ(c.total_drops(), 7u);
}

// ------------------------------------------------------------------ tailend

TEST_F(RoleTest, TailendHandsEachIspItsTrafficAndCountsIt) {
  auto tailend = router(test::kTailendTestConfig);
  const Mac core = mac("02:00:00:00:2b:01"), transit = mac("02:00:00:00:1b:00");
  gen::IpPacketSpec v4 = ipv4({100, 64, 0, 1}, {198, 51, 100, 7}, 64, 300);
  gen::IpPacketSpec v6 = ipv6(7, 0x0064, 64);
  auto out = run(*tailend, 0,
                 {gen::mpls_frame(core, transit, {{1001, 0, 60}}, gen::ip_packet(v4)),
                  gen::mpls_frame(core, transit, {{2001, 0, 62}}, gen::ip_packet(v6)),
                  // Explicit null over the ISP's label is popped first.
                  gen::mpls_frame(core, transit, {{0, 0, 61}, {1001, 0, 61}}, gen::ip_packet(v4))});
  EXPECT_EQ(out[1], (std::vector<Bytes>{gen::ethernet_frame(mac("02:00:00:00:d0:01"), mac("02:00:00:00:3d:00"), {},
                                                            0x0800, gen::ip_packet(with_ttl(v4, 59))),
                                        gen::ethernet_frame(mac("02:00:00:00:d0:01"), mac("02:00:00:00:3d:00"), {},
                                                            0x0800, gen::ip_packet(with_ttl(v4, 60)))}));
  EXPECT_EQ(out[2], std::vector<Bytes>{gen::ethernet_frame(mac("02:00:00:00:e0:01"), mac("02:00:00:00:3e:00"), {},
                                                           0x86dd, gen::ip_packet(with_ttl(v6, 61)))});
  const CounterSet& c = *tailend->counters;
  const Rib& rib = *tailend->rib;
  EXPECT_EQ(c.isp(rib.isp(1)->index, Direction::kUpstream), (Totals{2, 600}));
  EXPECT_EQ(c.isp(rib.isp(2)->index, Direction::kUpstream), (Totals{1, 120}));
  EXPECT_EQ(c.total_drops(), 0u);
}

TEST_F(RoleTest, TailendLabelsIspTrafficByDestinationTowardsItsHeadend) {
  auto tailend = router(test::kTailendTestConfig);
  const Mac red_gateway = mac("02:00:00:00:d0:01"), red_port = mac("02:00:00:00:3d:00");
  const Mac green_gateway = mac("02:00:00:00:e0:01"), green_port = mac("02:00:00:00:3e:00");
  gen::IpPacketSpec v4 = ipv4({198, 51, 100, 7}, {100, 64, 0, 9}, 64, 200);
  v4.dscp = 46;  // EF: traffic class 5
  gen::IpPacketSpec v6 = ipv6(1, 0x0001, 33);
  auto red = run(*tailend, 1, {gen::ethernet_frame(red_port, red_gateway, {}, 0x0800, gen::ip_packet(v4))});
  auto green = run(*tailend, 2, {gen::ethernet_frame(green_port, green_gateway, {}, 0x86dd, gen::ip_packet(v6))});
  const Mac transit = mac("02:00:00:00:1b:00"), core = mac("02:00:00:00:2b:01");
  EXPECT_EQ(red[0], std::vector<Bytes>{gen::mpls_frame(transit, core, {{500, 5, 63}}, gen::ip_packet(with_ttl(v4, 63)))});
  EXPECT_EQ(green[0], std::vector<Bytes>{gen::mpls_frame(transit, core, {{500, 0, 32}}, gen::ip_packet(with_ttl(v6, 32)))});
  const CounterSet& c = *tailend->counters;
  EXPECT_EQ(c.isp(tailend->rib->isp(1)->index, Direction::kDownstream), (Totals{1, 200}));
  EXPECT_EQ(c.isp(tailend->rib->isp(2)->index, Direction::kDownstream), (Totals{1, 120}));
}

TEST_F(RoleTest, TailendDropsAreCountedByReason) {
  auto tailend = router(test::kTailendTestConfig);
  const Mac core = mac("02:00:00:00:2b:01"), transit = mac("02:00:00:00:1b:00");
  const Mac red_gateway = mac("02:00:00:00:d0:01"), red_port = mac("02:00:00:00:3d:00");
  const Bytes packet = gen::ip_packet(ipv4({100, 64, 0, 1}, {198, 51, 100, 7}));
  run(*tailend, 0,
      {gen::mpls_frame(core, transit, {{1001, 0, 64}, {55, 0, 64}}, packet),  // the ISP's label is not the last
       gen::mpls_frame(core, transit, {{1001, 0, 1}}, packet)});              // TTL 1
  const Bytes inbound = gen::ip_packet(ipv4({198, 51, 100, 7}, {100, 64, 0, 9}));
  run(*tailend, 1,
      {gen::ethernet_frame(red_port, red_gateway, {}, 0x0800,
                           gen::ip_packet(ipv4({198, 51, 100, 7}, {192, 0, 2, 1}))),  // no headend's pool
       gen::ethernet_frame(red_port, red_gateway, {{0x8100, 7}}, 0x0800, inbound),      // a VLAN, not a handoff
       gen::ethernet_frame(red_port, red_gateway, {}, 0x0806, Bytes(28, 0)),             // ARP: not for the fast path
       gen::ethernet_frame(red_port, red_gateway, {}, 0x0800,
                           gen::ip_packet(ipv4({198, 51, 100, 7}, {100, 64, 0, 9}, 1)))});  // TTL 1
  const CounterSet& c = *tailend->counters;
  EXPECT_EQ(c.drops(DropReason::kLabelStackTooDeep), 1u);
  EXPECT_EQ(c.drops(DropReason::kTtlExpired), 2u);
  EXPECT_EQ(c.drops(DropReason::kUnknownDestination), 1u);
  EXPECT_EQ(c.drops(DropReason::kUnknownHandoff), 1u);
  EXPECT_EQ(c.drops(DropReason::kNotIp), 1u);
  EXPECT_EQ(c.total_drops(), 6u);
  EXPECT_EQ(c.isp(tailend->rib->isp(1)->index, Direction::kUpstream), (Totals{0, 0}));
}

TEST_F(RoleTest, AnIspWithoutAHandoffDropsItsLabelsTraffic) {
  auto tailend = router(test::kTailendTestConfig);
  ASSERT_TRUE(tailend->rib->clear_handoff(1).ok());
  run(*tailend, 0, {gen::mpls_frame(mac("02:00:00:00:2b:01"), mac("02:00:00:00:1b:00"), {{1001, 0, 64}},
                                    gen::ip_packet(ipv4({100, 64, 0, 1}, {198, 51, 100, 7})))});
  EXPECT_EQ(tailend->counters->drops(DropReason::kNoHandoff), 1u);
  // And the port is no ISP's any more: what comes in on it is not counted for red.
  run(*tailend, 1, {gen::ethernet_frame(mac("02:00:00:00:3d:00"), mac("02:00:00:00:d0:01"), {}, 0x0800,
                                        gen::ip_packet(ipv4({198, 51, 100, 7}, {100, 64, 0, 9})))});
  EXPECT_EQ(tailend->counters->drops(DropReason::kUnknownHandoff), 1u);
  // A label pops to an ISP that exists, and keeps it from going.
  EXPECT_EQ(tailend->rib->set_ilm(3000, {IlmAction::kPopToIsp, 99}).error, "label 3000: no ISP at index 99");
  EXPECT_EQ(tailend->rib->remove_isp(1).error, "ISP 1 still has label 1001 popped to it");
}

// ---------------------------------------------------------------- punting

// With a kernel mirror, what is for the router leaves the graph for punt,
// by kind and within each kind's rate; what is not, goes on as before.
TEST_F(RoleTest, MirroredPortsPuntWhatIsForTheRouterWithinEachKindsRate) {
  auto transit = router(test::kTransitTestConfig);
  auto tailend = router(test::kTailendTestConfig);
  transit->tables->ports[0].mirrored = true;
  tailend->tables->ports[1].mirrored = true;
  const uint8_t router_address[4] = {10, 9, 0, 1};
  ASSERT_TRUE(tailend->tables->local_addresses.add_ipv4(0x0A090001, 32, 1));
  for (auto* r : {transit.get(), tailend.get()})
    for (unsigned k = 0; k < kPuntKinds; ++k) r->tables->punt.set_rate(PuntKind(k), 1000, rte_get_tsc_hz());
  transit->tables->punt.set_rate(PuntKind::kIcmp, 10, rte_get_tsc_hz());  // a burst of 16 passes
  const Mac to = mac("02:00:00:00:1a:00"), from = mac("02:00:00:00:c0:00");
  const Bytes packet = gen::ip_packet(ipv4({100, 64, 0, 1}, {198, 51, 100, 7}));
  gen::IpPacketSpec ldp = ipv4({10, 9, 0, 2}, {10, 9, 0, 1});
  ldp.destination_port = 646;
  Bytes arp = gen::ethernet_frame(mac("ff:ff:ff:ff:ff:ff"), from, {}, 0x0806, Bytes(28, 0));
  Bytes ldp_frame = gen::ethernet_frame(to, from, {}, 0x0800, gen::ip_packet(ldp));
  Bytes labelled = gen::mpls_frame(to, from, {{300, 0, 64}}, packet);
  std::vector<Bytes> core_frames = {arp, ldp_frame, labelled};
  gen::IpPacketSpec ping = ipv4({10, 9, 0, 2}, {10, 9, 0, 1});
  ping.destination_port = 0;
  Bytes icmp = gen::ethernet_frame(to, from, {}, 0x0800, gen::ip_packet(ping));
  icmp[14 + 9] = 1;  // protocol ICMP (the checksum does not matter to the router)
  for (unsigned i = 0; i < 40; ++i) core_frames.push_back(icmp);
  auto out = run(*transit, 0, core_frames);
  EXPECT_EQ(out[1].size(), 1u);  // the labelled frame, swapped as ever
  ASSERT_EQ(transit->punted[0].size(), 2u + 16u);
  EXPECT_EQ(transit->punted[0][0], arp);  // punted frames go to the kernel as they came
  EXPECT_EQ(transit->punted[0][1], ldp_frame);
  const CounterSet& c = *transit->counters;
  EXPECT_EQ(c.punted(PuntKind::kArp), 1u);
  EXPECT_EQ(c.punted(PuntKind::kLdp), 1u);
  EXPECT_EQ(c.punted(PuntKind::kIcmp), 16u);
  EXPECT_EQ(c.punt_policed(PuntKind::kIcmp), 24u);
  EXPECT_EQ(c.drops(DropReason::kPuntPoliced), 24u);
  EXPECT_EQ(c.drops(DropReason::kNotMpls), 0u);

  // An ISP port: ARP, the router's address and IPv6 link-local are the
  // router's; a subscriber pool's traffic is labelled; the rest dropped.
  const Mac red_gateway = mac("02:00:00:00:d0:01"), red_port = mac("02:00:00:00:3d:00");
  gen::IpPacketSpec to_router = ipv4({10, 9, 0, 2}, {10, 9, 0, 1});
  std::copy(router_address, router_address + 4, to_router.destination);
  gen::IpPacketSpec link_local = ipv6(1, 0);
  link_local.destination[0] = 0xfe, link_local.destination[1] = 0x80, link_local.destination[2] = 0,
  link_local.destination[3] = 0;
  std::vector<Bytes> isp_frames = {
      gen::ethernet_frame(red_port, red_gateway, {}, 0x0806, Bytes(28, 0)),
      gen::ethernet_frame(red_port, red_gateway, {}, 0x0800, gen::ip_packet(to_router)),
      gen::ethernet_frame(red_port, red_gateway, {}, 0x86dd, gen::ip_packet(link_local)),
      gen::ethernet_frame(red_port, red_gateway, {}, 0x0800, gen::ip_packet(ipv4({198, 51, 100, 7}, {100, 64, 0, 9}))),
      gen::ethernet_frame(red_port, red_gateway, {}, 0x0800, gen::ip_packet(ipv4({198, 51, 100, 7}, {192, 0, 2, 1})))};
  out = run(*tailend, 1, isp_frames);
  EXPECT_EQ(out[0].size(), 1u);
  EXPECT_EQ(tailend->punted[1], (std::vector<Bytes>{isp_frames[0], isp_frames[1], isp_frames[2]}));
  EXPECT_EQ(tailend->counters->drops(DropReason::kUnknownDestination), 1u);
}

// ------------------------------------------------------- the three in a row

// Frames leave one router and enter the next by the port the link joins;
// the per-ISP counts of headend and tailend agree exactly, both ways.
TEST_F(RoleTest, HeadendTransitAndTailendAgreeOnEveryIspsBytes) {
  auto headend = router(test::kNetworkHeadendTestConfig);
  auto transit = router(test::kTransitTestConfig);
  auto tailend = router(test::kTailendTestConfig);
  const Mac cpe1 = mac("02:00:00:01:00:01"), cpe2 = mac("02:00:00:01:00:02"), access = mac("02:00:00:00:a0:00");
  std::vector<Bytes> upstream;
  for (unsigned i = 0; i < 40; ++i) {
    gen::IpPacketSpec red = ipv4({100, 64, 0, 1}, {198, 51, 100, 7}, 64, uint16_t(60 + 20 * i));
    gen::IpPacketSpec green = ipv4({100, 64, 0, uint8_t(8 + i % 8)}, {203, 0, 113, 5}, 64, uint16_t(1400 - 10 * i));
    upstream.push_back(gen::ethernet_frame(access, cpe1, {{0x88a8, 10}, {0x8100, 1}}, 0x0800, gen::ip_packet(red)));
    upstream.push_back(gen::ethernet_frame(access, cpe2, {{0x8100, 20}}, 0x0800, gen::ip_packet(green)));
  }
  auto at_transit = run(*headend, 0, upstream);
  auto at_tailend = run(*transit, 0, at_transit[1]);
  auto at_isps = run(*tailend, 0, at_tailend[1]);
  EXPECT_EQ(at_isps[1].size(), 40u);
  EXPECT_EQ(at_isps[2].size(), 40u);

  // Back: each ISP answers every packet it received.
  std::vector<Bytes> red_answers, green_answers;
  for (unsigned i = 0; i < 40; ++i) {
    red_answers.push_back(gen::ethernet_frame(mac("02:00:00:00:3d:00"), mac("02:00:00:00:d0:01"), {}, 0x0800,
                                              gen::ip_packet(ipv4({198, 51, 100, 7}, {100, 64, 0, 1}, 64,
                                                                  uint16_t(80 + 7 * i)))));
    green_answers.push_back(gen::ethernet_frame(mac("02:00:00:00:3e:00"), mac("02:00:00:00:e0:01"), {}, 0x0800,
                                                gen::ip_packet(ipv4({203, 0, 113, 5}, {100, 64, 0, uint8_t(8 + i % 8)},
                                                                    64, uint16_t(1000 + i)))));
  }
  auto red_back = run(*tailend, 1, red_answers);
  auto green_back = run(*tailend, 2, green_answers);
  std::vector<Bytes> labelled = red_back[0];
  labelled.insert(labelled.end(), green_back[0].begin(), green_back[0].end());
  auto at_headend = run(*headend, 1, run(*transit, 1, labelled)[0]);
  EXPECT_EQ(at_headend[0].size(), 80u);

  for (uint32_t isp : {1u, 2u})
    for (Direction d : {Direction::kUpstream, Direction::kDownstream}) {
      Totals head = headend->counters->isp(headend->rib->isp(isp)->index, d);
      Totals tail = tailend->counters->isp(tailend->rib->isp(isp)->index, d);
      EXPECT_EQ(head, tail) << "isp " << isp << (d == Direction::kUpstream ? " up" : " down");
      EXPECT_EQ(head.packets, 40u);
    }
  for (const auto* router : {headend.get(), transit.get(), tailend.get()})
    EXPECT_EQ(router->counters->total_drops(), 0u);
}

}  // namespace
}  // namespace aggr
