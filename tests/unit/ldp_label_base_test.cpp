// The label information base's decisions (RFC 5036: downstream
// unsolicited, liberal retention, ordered control), as a tailend, a
// transit and a headend of DESIGN.md make them: what each advertises to
// whom, what it installs, what it withdraws and releases, and when.
#include <gtest/gtest.h>

#include "tests/support/text_fixtures.h"
#include "controlplane/ldp/label_base.h"

namespace aggr::ldp {
namespace {

using test::prefix;

NextHop hop(const char* address, uint16_t port = 1) { return {prefix(address), port}; }

const LdpId kHeadendLsr{0x0AFF0001, 0}, kTransitLsr{0x0AFF0002, 0}, kTailendLsr{0x0AFF0003, 0}, kOtherLsr{0x0AFF0009, 0};
const IpPrefix kRed = prefix("192.0.2.0/30");  // the red ISP's handoff prefix: its FEC

std::pair<uint32_t, uint16_t> key(const LdpId& id) { return {id.lsr_id, id.label_space}; }

Message mapping(const IpPrefix& fec, uint32_t label) {
  return {MessageType::kLabelMapping, 5, LabelMessage{{FecElement{false, fec}}, label, std::nullopt, std::nullopt}};
}
Message withdraw(std::optional<IpPrefix> fec, std::optional<uint32_t> label = std::nullopt) {
  FecElement element = fec ? FecElement{false, *fec} : FecElement{true, {}};
  return {MessageType::kLabelWithdraw, 6, LabelMessage{{element}, label, std::nullopt, std::nullopt}};
}

// (type, label) of each message to `peer`.
std::vector<std::pair<MessageType, uint32_t>> sent(const LabelBaseChanges& c, const LdpId& peer) {
  std::vector<std::pair<MessageType, uint32_t>> out;
  auto it = c.send.find(key(peer));
  if (it == c.send.end()) return out;
  for (const Message& m : it->second) {
    const auto* l = std::get_if<LabelMessage>(&m.body);
    out.push_back({m.type, l && l->label ? *l->label : 0});
  }
  return out;
}

using Sent = std::vector<std::pair<MessageType, uint32_t>>;

TEST(LdpLabelBase, ATailendAdvertisesItsNonNullIspLabelToEveryPeer) {
  LabelBase tailend;
  LabelBaseChanges c = tailend.set_egress(kRed, 3001);
  ASSERT_EQ(c.install.count(kRed), 1u);
  EXPECT_TRUE(c.install[kRed].egress);
  EXPECT_TRUE(c.send.empty());  // nobody to tell yet
  c = tailend.peer_up(kTransitLsr, {prefix("10.0.23.1/32")});
  EXPECT_EQ(sent(c, kTransitLsr), (Sent{{MessageType::kLabelMapping, 3001}}));
  c = tailend.peer_up(kOtherLsr, {});
  EXPECT_EQ(sent(c, kOtherLsr), (Sent{{MessageType::kLabelMapping, 3001}}));
  EXPECT_TRUE(sent(c, kTransitLsr).empty());  // told once
  // No longer the egress: withdrawn from both.
  c = tailend.set_egress(kRed, std::nullopt);
  EXPECT_EQ(sent(c, kTransitLsr), (Sent{{MessageType::kLabelWithdraw, 3001}}));
  EXPECT_EQ(sent(c, kOtherLsr), (Sent{{MessageType::kLabelWithdraw, 3001}}));
  EXPECT_EQ(c.remove.count(kRed), 1u);
}

TEST(LdpLabelBase, ATransitBindsOnlyOnceItsNextHopHasAndFollowsIt) {
  LabelBase transit({}, 16);
  transit.peer_up(kHeadendLsr, {prefix("10.0.12.1/32")});
  transit.peer_up(kTailendLsr, {prefix("10.0.23.2/32")});
  transit.peer_up(kOtherLsr, {prefix("10.0.24.2/32")});
  LabelBaseChanges c = transit.set_next_hop(kRed, hop("10.0.23.2/32"));
  EXPECT_TRUE(c.install.empty());  // ordered control: nothing from the next hop yet
  // Another peer's mapping is kept (liberal retention) but binds nothing.
  c = transit.received(kOtherLsr, mapping(kRed, 7001));
  EXPECT_TRUE(c.install.empty());
  EXPECT_EQ(transit.mappings(kRed).size(), 1u);
  // The next hop's mapping: bound to label 16, swapped for 3001 towards it, advertised to all.
  c = transit.received(kTailendLsr, mapping(kRed, 3001));
  ASSERT_EQ(c.install.count(kRed), 1u);
  EXPECT_EQ(c.install[kRed], (Binding{16, false, 3001, hop("10.0.23.2/32")}));
  EXPECT_EQ(sent(c, kHeadendLsr), (Sent{{MessageType::kLabelMapping, 16}}));
  EXPECT_EQ(sent(c, kTailendLsr), (Sent{{MessageType::kLabelMapping, 16}}));
  EXPECT_EQ(c.next_hop_labels[kRed], (NextHopLabel{3001, hop("10.0.23.2/32")}));
  // Routing moves the FEC to the other peer, whose mapping was retained:
  // the same local label, now swapped for 7001; nothing re-advertised.
  c = transit.set_next_hop(kRed, hop("10.0.24.2/32"));
  EXPECT_EQ(c.install[kRed], (Binding{16, false, 7001, hop("10.0.24.2/32")}));
  EXPECT_TRUE(c.send.empty());
  // That peer withdraws: released back, our label withdrawn everywhere, the entry removed.
  c = transit.received(kOtherLsr, withdraw(kRed, 7001));
  EXPECT_EQ(sent(c, kOtherLsr), (Sent{{MessageType::kLabelRelease, 7001}, {MessageType::kLabelWithdraw, 16}}));
  EXPECT_EQ(sent(c, kHeadendLsr), (Sent{{MessageType::kLabelWithdraw, 16}}));
  EXPECT_EQ(c.remove.count(kRed), 1u);
  EXPECT_EQ(c.next_hop_labels[kRed], std::nullopt);
  // Back to the tailend: bound again, under a new label (16 may be in a peer's tables still).
  c = transit.set_next_hop(kRed, hop("10.0.23.2/32"));
  EXPECT_EQ(c.install[kRed].local_label, 17u);
  // The tailend's session ends: its mapping goes, and with it the binding.
  c = transit.peer_down(kTailendLsr);
  EXPECT_EQ(c.remove.count(kRed), 1u);
  EXPECT_EQ(sent(c, kHeadendLsr), (Sent{{MessageType::kLabelWithdraw, 17}}));
}

TEST(LdpLabelBase, AHeadendFollowsTheLabelItsNextHopGivesEachIspFec) {
  LabelBase headend({}, 1000);  // its own labels from 1000, told apart from the transit's
  headend.set_egress(prefix("100.64.0.0/10"), 100);  // its subscriber pool
  LabelBaseChanges c = headend.peer_up(kTransitLsr, {prefix("10.0.12.2/32")});
  EXPECT_EQ(sent(c, kTransitLsr), (Sent{{MessageType::kLabelMapping, 100}}));
  headend.set_next_hop(kRed, hop("10.0.12.2/32"));
  c = headend.received(kTransitLsr, mapping(kRed, 16));
  EXPECT_EQ(c.next_hop_labels[kRed], (NextHopLabel{16, hop("10.0.12.2/32")}));  // the red ISP's FTN entry: push 16
  // Like any LSR in downstream unsolicited mode, it binds the FEC too and tells its peers.
  EXPECT_EQ(sent(c, kTransitLsr), (Sent{{MessageType::kLabelMapping, 1000}}));
  // A wildcard withdraw takes every label the peer gave.
  c = headend.received(kTransitLsr, withdraw(std::nullopt));
  EXPECT_EQ(c.next_hop_labels[kRed], std::nullopt);
  EXPECT_EQ(sent(c, kTransitLsr), (Sent{{MessageType::kLabelRelease, 16}, {MessageType::kLabelWithdraw, 1000}}));
}

TEST(LdpLabelBase, AFecTakesItsNextHopFromRoutingWhenFirstHeardOfAndFollowsRouteChanges) {
  std::map<IpPrefix, NextHop> routes{{kRed, hop("10.0.23.2/32")}};
  LabelBase transit([&](const IpPrefix& p) -> std::optional<NextHop> {
    auto it = routes.find(p);
    return it == routes.end() ? std::nullopt : std::optional<NextHop>(it->second);
  });
  transit.peer_up(kTailendLsr, {prefix("10.0.23.2/32")});
  transit.peer_up(kOtherLsr, {prefix("10.0.24.2/32")});
  transit.received(kOtherLsr, mapping(kRed, 7001));
  LabelBaseChanges c = transit.received(kTailendLsr, mapping(kRed, 3001));
  EXPECT_EQ(c.install[kRed], (Binding{16, false, 3001, hop("10.0.23.2/32")}));
  EXPECT_EQ(transit.fecs(), std::vector<IpPrefix>{kRed});
  routes[kRed] = hop("10.0.24.2/32", 2);
  c = transit.refresh_routes();
  EXPECT_EQ(c.install[kRed], (Binding{16, false, 7001, hop("10.0.24.2/32", 2)}));
  EXPECT_EQ(c.next_hop_labels[kRed], (NextHopLabel{7001, hop("10.0.24.2/32", 2)}));
  EXPECT_TRUE(transit.refresh_routes().empty());  // nothing moved
  routes.clear();
  c = transit.refresh_routes();
  EXPECT_EQ(c.remove.count(kRed), 1u);
  EXPECT_EQ(c.next_hop_labels[kRed], std::nullopt);
}

TEST(LdpLabelBase, ARestartingPeersLabelsAreKeptStaleUntilRefreshedOrExpired) {
  LabelBase headend({}, 1000);
  headend.peer_up(kTransitLsr, {prefix("10.0.12.2/32")});
  headend.set_next_hop(kRed, hop("10.0.12.2/32"));
  const IpPrefix green = prefix("192.0.2.4/30");
  headend.set_next_hop(green, hop("10.0.12.2/32"));
  headend.received(kTransitLsr, mapping(kRed, 16));
  headend.received(kTransitLsr, mapping(green, 17));
  // The transit restarts gracefully: nothing changes in forwarding, nothing is sent to it.
  LabelBaseChanges c = headend.peer_down(kTransitLsr, true);
  EXPECT_TRUE(c.empty());
  EXPECT_EQ(headend.next_hop_label(kRed), (NextHopLabel{16, hop("10.0.12.2/32")}));
  c = headend.set_egress(prefix("100.64.0.0/16"), 100);
  EXPECT_TRUE(sent(c, kTransitLsr).empty());
  // Back: it is told every binding again, and maps red again, not green.
  c = headend.peer_up(kTransitLsr, {});
  EXPECT_FALSE(sent(c, kTransitLsr).empty());
  headend.received(kTransitLsr, mapping(kRed, 16));
  c = headend.expire_stale(kTransitLsr);
  EXPECT_EQ(c.next_hop_labels.count(kRed), 0u);  // refreshed: untouched
  EXPECT_EQ(c.next_hop_labels[green], std::nullopt);
  EXPECT_EQ(headend.next_hop_label(kRed), (NextHopLabel{16, hop("10.0.12.2/32")}));
}

TEST(LdpLabelBase, ARestartedRouterBindsTheLabelsItHadBefore) {
  LabelBase transit({}, 16);
  transit.preserve(kRed, 40);
  transit.preserve(prefix("100.64.0.0/16"), 41);
  transit.peer_up(kTailendLsr, {prefix("10.0.23.2/32")});
  transit.set_next_hop(kRed, hop("10.0.23.2/32"));
  LabelBaseChanges c = transit.received(kTailendLsr, mapping(kRed, 3001));
  EXPECT_EQ(c.install[kRed].local_label, 40u);
  EXPECT_EQ(transit.egress_label(prefix("100.64.0.0/16")), 41u);
  // New FECs get labels above every preserved one.
  const IpPrefix other = prefix("198.51.100.0/24");
  transit.set_next_hop(other, hop("10.0.23.2/32"));
  c = transit.received(kTailendLsr, mapping(other, 3002));
  EXPECT_EQ(c.install[other].local_label, 42u);
}

TEST(LdpLabelBase, ARequestIsAnsweredWithTheBindingOrNoRoute) {
  LabelBase tailend;
  tailend.set_egress(kRed, 3001);
  tailend.peer_up(kTransitLsr, {});
  Message request{MessageType::kLabelRequest, 77,
                  LabelMessage{{FecElement{false, kRed}, FecElement{false, prefix("198.51.100.0/24")}}, {}, {}, {}}};
  LabelBaseChanges c = tailend.received(kTransitLsr, request);
  ASSERT_EQ(c.send[key(kTransitLsr)].size(), 2u);
  EXPECT_EQ(c.send[key(kTransitLsr)][0].type, MessageType::kLabelMapping);
  const auto& refusal = std::get<Notification>(c.send[key(kTransitLsr)][1].body);
  EXPECT_EQ(refusal.code(), StatusCode::kNoRoute);
  EXPECT_EQ(refusal.message_id, 77u);
  // Messages from a peer with no session are not taken.
  EXPECT_TRUE(tailend.received(kOtherLsr, mapping(kRed, 9)).send.empty());
  EXPECT_TRUE(tailend.mappings(kRed).empty());
}

}  // namespace
}  // namespace aggr::ldp
