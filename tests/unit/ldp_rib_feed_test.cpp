// LDP's bindings as RIB entries (rib_feed.h), on a headend and a tailend
// built from configuration like the daemon's: routing's next hop for a
// FEC; the headend's FTN entry per ISP from its next hop's label, and what
// forwarding does with it (frames compared byte for byte); egress labels
// that pop to the subscribers or to an ISP; swaps, and implicit null as a
// pop; a tailend's FTN by prefix for the headends' pools only; a
// reload's new policy taking an ISP's entry away; and a speaker that goes
// taking all of its entries with it.
#include <gtest/gtest.h>

#include "tests/support/text_fixtures.h"
#include "controlplane/ldp/fec_policy.h"
#include "controlplane/ldp/rib_feed.h"
#include "dataplane/net/mac.h"
#include "tests/support/router_harness.h"
#include "tests/unit/eal_environment.h"
#include "tools/aggr-gen/traffic.h"

namespace aggr::ldp {
namespace {

using test::prefix;

rte_ether_addr ether(const char* text) {
  rte_ether_addr out;
  EXPECT_TRUE(parse_mac(text, &out).ok());
  return out;
}

const char* const kLdpHeadendConfig = R"(
router: {role: headend, router_id: 10.255.0.1}
workers: {lcores: [1]}
ports:
  - {name: access0, role: access, device: net_null0, mac: "02:00:00:00:0a:00"}
  - name: core0
    role: core
    device: net_null1
    mac: "02:00:00:00:0c:00"
    mirror: {interface: aggr-core0, addresses: [10.0.12.1/30]}
subscriber_pools: [100.64.0.0/16]
isps:
  - {id: 1, name: red, fec: 192.0.2.0/30}
  - {id: 2, name: green, fec: 192.0.2.4/30}
subscribers:
  - {id: 7, isp: red, line: {port: access0, svlan: 10, cvlan: 1}, cpe_mac: "02:00:00:00:00:07", addresses: [100.64.0.7/32]}
ldp: {}
)";

const char* const kLdpTailendConfig = R"(
router: {role: tailend, router_id: 10.255.0.3}
workers: {lcores: [1]}
ports:
  - name: core0
    role: core
    device: net_null0
    mirror: {interface: aggr-core0, addresses: [10.0.23.2/30]}
  - name: red0
    role: isp
    device: net_null1
    mirror: {interface: aggr-red0, addresses: [192.0.2.1/30]}
isps:
  - {id: 1, name: red, handoff: {port: red0, address: 192.0.2.2}}
ldp: {subscriber_fecs: [100.64.0.0/10]}
)";

class LdpRibFeed : public ::testing::Test {
 protected:
  std::unique_ptr<test::RouterHarness> harness(const char* text) {
    test::packet_pool();  // the EAL, which the tables' RCU needs
    LoadResult r = test::load_config_text(text);
    for (const ConfigError& e : r.errors) ADD_FAILURE() << e.to_string();
    config_ = r.config;
    auto h = std::make_unique<test::RouterHarness>(r.config);
    for (const std::string& f : h->failures) ADD_FAILURE() << f;
    return h;
  }
  void route(Rib& rib, const char* to, std::optional<const char*> gateway) {
    KernelRoute r{1, std::nullopt};
    if (gateway) {
      IpPrefix g;
      ASSERT_TRUE(parse_host_address(*gateway, &g).ok());
      r.gateway = g;
    }
    unsigned rewritten;
    ASSERT_TRUE(rib.set_kernel_route(prefix(to), r, &rewritten).ok());
  }
  // The transit's labels for both ISPs' FECs, as the headend learns them.
  static LabelBaseChanges both_isps_labelled() {
    LabelBaseChanges c;
    c.next_hop_labels[prefix("192.0.2.0/30")] = NextHopLabel{3001, transit()};
    c.next_hop_labels[prefix("192.0.2.4/30")] = NextHopLabel{3002, transit()};
    return c;
  }
  static NextHop transit() { return {prefix("10.0.12.2/32"), 1}; }
  RouterConfig config_;
};

TEST_F(LdpRibFeed, AHeadendPushesTheLabelItsNextHopGivesEachIspsFec) {
  auto headend = harness(kLdpHeadendConfig);
  Rib& rib = *headend->rib;
  RibFeed feed(rib, fec_policy(config_));
  EXPECT_EQ(feed.policy().isp_ftn.at(prefix("192.0.2.0/30")), std::vector<uint32_t>{1});

  // Routing: the ISPs' FECs through the transit at 10.0.12.2; the link itself has no next hop.
  route(rib, "192.0.2.0/29", "10.0.12.2");
  route(rib, "10.0.12.0/30", std::nullopt);
  const NextHop transit{prefix("10.0.12.2/32"), 1};
  EXPECT_EQ(feed.route(prefix("192.0.2.0/30")), transit);
  EXPECT_EQ(feed.route(prefix("10.0.12.0/30")), std::nullopt);
  EXPECT_EQ(feed.route(prefix("198.51.100.0/24")), std::nullopt);

  LabelBaseChanges c;
  c.next_hop_labels[prefix("192.0.2.0/30")] = NextHopLabel{3001, transit};
  c.install[prefix("100.64.0.0/16")] = Binding{16, true, std::nullopt, std::nullopt};
  EXPECT_TRUE(feed.apply(c).empty());
  const IspState* red = rib.isp(1);
  ASSERT_TRUE(red->ftn.has_value());
  EXPECT_EQ(red->ftn_source, EntrySource::kLdp);
  EXPECT_EQ(red->ftn->labels, std::vector<uint32_t>{3001});
  EXPECT_EQ(rib.ilm().at(16).action, IlmAction::kPopToSubscriber);
  EXPECT_EQ(rib.ilm().at(16).source, EntrySource::kLdp);
  EXPECT_FALSE(rib.isp(2)->ftn.has_value());

  // Once the kernel resolves the transit, the subscriber's packets leave labelled 3001.
  unsigned rewritten;
  ASSERT_TRUE(rib.set_neighbour({1, prefix("10.0.12.2/32")}, ether("02:00:00:00:12:02"), &rewritten).ok());
  // The expected frame is the one a static FTN entry of the same label and next hop makes.
  IspConfig as_static = *config_.isp("red");
  as_static.labels = {3001};
  as_static.next_hop = NextHopConfig{"core0", ether("02:00:00:00:12:02"), std::nullopt, {}, {}};
  const gen::FramePair frame = gen::upstream_frame(config_, config_.subscribers[0], as_static, 4, 128, 0, 64, 1);
  auto out = headend->run(test::packet_pool(), 0, {frame.input})[1];
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], frame.expected);

  // Implicit null for an ISP's FEC would lose the ISP: no entry, rather.
  c = {};
  c.next_hop_labels[prefix("192.0.2.0/30")] = NextHopLabel{3, transit};
  EXPECT_TRUE(feed.apply(c).empty());
  EXPECT_FALSE(rib.isp(1)->ftn.has_value());
}

TEST_F(LdpRibFeed, SwapsFollowTheNextHopsLabelAndImplicitNullPops) {
  auto headend = harness(kLdpHeadendConfig);
  Rib& rib = *headend->rib;
  RibFeed feed(rib, fec_policy(config_));
  const NextHop transit{prefix("10.0.12.2/32"), 1};
  LabelBaseChanges c;
  c.install[prefix("198.51.100.0/24")] = Binding{20, false, 4001, transit};
  c.install[prefix("10.255.0.2/32")] = Binding{21, false, 3, transit};
  EXPECT_TRUE(feed.apply(c).empty());
  ASSERT_TRUE(rib.ilm().count(20));
  EXPECT_EQ(rib.ilm().at(20).action, IlmAction::kSwap);
  EXPECT_EQ(rib.ilm().at(20).swap->labels, std::vector<uint32_t>{4001});
  EXPECT_EQ(rib.ilm().at(21).swap->labels, std::vector<uint32_t>{});  // penultimate hop: popped
  // Rebound under a new label: the old one goes.
  c = {};
  c.install[prefix("198.51.100.0/24")] = Binding{22, false, 4001, transit};
  c.remove.insert(prefix("10.255.0.2/32"));
  EXPECT_TRUE(feed.apply(c).empty());
  EXPECT_FALSE(rib.ilm().count(20));
  EXPECT_FALSE(rib.ilm().count(21));
  EXPECT_EQ(rib.ilm().at(22).source, EntrySource::kLdp);
}

TEST_F(LdpRibFeed, ATailendPopsItsIspsFecToTheIspAndPushesTowardsThePoolsOnly) {
  auto tailend = harness(kLdpTailendConfig);
  Rib& rib = *tailend->rib;
  const FecPolicy policy = fec_policy(config_);
  // The ISP's FEC defaults to its handoff's link.
  EXPECT_EQ(policy.isp_egress.at(prefix("192.0.2.0/30")), 1u);
  RibFeed feed(rib, policy);
  const NextHop transit{prefix("10.0.23.1/32"), 0};
  LabelBaseChanges c;
  c.install[prefix("192.0.2.0/30")] = Binding{16, true, std::nullopt, std::nullopt};
  c.next_hop_labels[prefix("100.64.0.0/16")] = NextHopLabel{4100, transit};
  c.next_hop_labels[prefix("203.0.113.0/24")] = NextHopLabel{5000, transit};  // another tailend's ISP
  EXPECT_TRUE(feed.apply(c).empty());
  EXPECT_EQ(rib.ilm().at(16).action, IlmAction::kPopToIsp);
  EXPECT_EQ(rib.ilm().at(16).argument, rib.isp(1)->index);
  ASSERT_TRUE(rib.prefix_fecs().count(prefix("100.64.0.0/16")));
  EXPECT_EQ(rib.prefix_fecs().at(prefix("100.64.0.0/16")).installed->labels, std::vector<uint32_t>{4100});
  EXPECT_FALSE(rib.prefix_fecs().count(prefix("203.0.113.0/24")));
  // The next hop withdraws: the entry goes.
  c = {};
  c.next_hop_labels[prefix("100.64.0.0/16")] = std::nullopt;
  EXPECT_TRUE(feed.apply(c).empty());
  EXPECT_FALSE(rib.prefix_fecs().count(prefix("100.64.0.0/16")));
}

TEST_F(LdpRibFeed, ANewPolicyTakesAnIspsEntryAwayAndFollowsTheFecsAsTheyAre) {
  auto headend = harness(kLdpHeadendConfig);
  Rib& rib = *headend->rib;
  RibFeed feed(rib, fec_policy(config_));
  LabelBaseChanges c = both_isps_labelled();
  EXPECT_TRUE(feed.apply(c).empty());
  ASSERT_TRUE(rib.isp(2)->ftn.has_value());
  // A reload moves green to red's FEC: green now follows 3001.
  FecPolicy moved = feed.policy();
  moved.isp_ftn.erase(prefix("192.0.2.4/30"));
  moved.isp_ftn[prefix("192.0.2.0/30")].push_back(2);
  EXPECT_TRUE(feed.set_policy(moved, c.next_hop_labels).empty());
  EXPECT_EQ(rib.isp(2)->ftn->labels, std::vector<uint32_t>{3001});
  // And without any FEC, green has no LDP entry.
  moved.isp_ftn[prefix("192.0.2.0/30")] = {1};
  EXPECT_TRUE(feed.set_policy(moved, c.next_hop_labels).empty());
  EXPECT_FALSE(rib.isp(2)->ftn.has_value());
  EXPECT_EQ(rib.isp(1)->ftn->labels, std::vector<uint32_t>{3001});
}

TEST_F(LdpRibFeed, WithdrawingAllLeavesOnlyTheOtherSourcesEntries) {
  auto headend = harness(kLdpHeadendConfig);
  Rib& rib = *headend->rib;
  RibFeed feed(rib, fec_policy(config_));
  LabelBaseChanges c = both_isps_labelled();
  c.install[prefix("100.64.0.0/16")] = Binding{16, true, std::nullopt, std::nullopt};
  c.install[prefix("198.51.100.0/24")] = Binding{17, false, 4000, transit()};
  EXPECT_TRUE(feed.apply(c).empty());
  // The file's entry for red, behind LDP's.
  NhlfeSpec fallback;
  fallback.labels = {777};
  fallback.out_port = 1;
  fallback.next_hop_address = prefix("10.0.12.2/32");
  ASSERT_TRUE(rib.set_ftn(1, fallback, EntrySource::kStatic).ok());
  EXPECT_EQ(rib.isp(1)->ftn_source, EntrySource::kLdp);
  ASSERT_EQ(rib.ilm_labels(EntrySource::kLdp).size(), 2u);

  const std::vector<std::string> problems = feed.withdraw_all();
  EXPECT_TRUE(problems.empty()) << problems[0];
  EXPECT_EQ(rib.isp(1)->ftn_source, EntrySource::kStatic);
  EXPECT_EQ(rib.isp(1)->ftn->labels, std::vector<uint32_t>{777});
  EXPECT_FALSE(rib.isp(2)->ftn.has_value());
  EXPECT_TRUE(rib.ilm_labels(EntrySource::kLdp).empty());
  EXPECT_TRUE(rib.ilm().empty());
  // Nothing is left to withdraw a second time.
  EXPECT_TRUE(feed.withdraw_all().empty());
}

TEST_F(LdpRibFeed, WithdrawingAllTakesATailendsPrefixFtnsAndPops) {
  auto tailend = harness(kLdpTailendConfig);
  Rib& rib = *tailend->rib;
  RibFeed feed(rib, fec_policy(config_));
  LabelBaseChanges c;
  c.install[prefix("192.0.2.0/30")] = Binding{16, true, std::nullopt, std::nullopt};
  c.next_hop_labels[prefix("100.64.0.0/16")] = NextHopLabel{4100, NextHop{prefix("10.0.23.1/32"), 0}};
  EXPECT_TRUE(feed.apply(c).empty());
  ASSERT_TRUE(rib.prefix_fecs().count(prefix("100.64.0.0/16")));
  EXPECT_TRUE(feed.withdraw_all().empty());
  EXPECT_FALSE(rib.prefix_fecs().count(prefix("100.64.0.0/16")));
  EXPECT_TRUE(rib.ilm().empty());
}

}  // namespace
}  // namespace aggr::ldp
