// LDP discovery's bookkeeping (RFC 5036 sections 2.4, 2.5.2, 3.5.2):
// adjacencies per interface and per targeted peer, negotiated hold times,
// expiry ending a peer only when its last adjacency goes, the transport
// address a session connects to and which side opens it.
#include <gtest/gtest.h>

#include "controlplane/ldp/discovery.h"

namespace aggr::ldp {
namespace {

using namespace std::chrono_literals;
using Clock = Discovery::Clock;

IpPrefix address(const char* text) {
  IpPrefix p;
  EXPECT_TRUE(parse_prefix(text, &p).ok()) << text;
  return p;
}

const LdpId kUs{0x0A000002, 0}, kLower{0x0A000001, 0}, kHigher{0x0A000009, 0};

Discovery discovery() { return Discovery({kUs, address("10.0.0.2"), 15, 45}); }

Hello link_hello(uint16_t hold, std::optional<const char*> transport = std::nullopt) {
  Hello h;
  h.hold_time = hold;
  if (transport) h.ipv4_transport_address = address(*transport);
  return h;
}

TEST(LdpDiscovery, HoldTimesAreTheSmallerProposalWithTheRfcsDefaults) {
  EXPECT_EQ(negotiated_hold_time(15, 30, false), 15);
  EXPECT_EQ(negotiated_hold_time(15, 5, false), 5);
  EXPECT_EQ(negotiated_hold_time(15, 0, false), 15);  // 0: the default, 15 on a link
  EXPECT_EQ(negotiated_hold_time(90, 0, true), 45);   // 45 targeted
  EXPECT_EQ(negotiated_hold_time(0xFFFF, 0xFFFF, true), 0xFFFF);
}

TEST(LdpDiscovery, AdjacenciesLeadToOnePeerEachAndExpireOneByOne) {
  Discovery d = discovery();
  const Clock::time_point t = Clock::time_point(100s);
  // The same peer over two links, with its transport address in the TLV.
  ASSERT_FALSE(d.received(kLower, link_hello(10, "10.0.0.1"), {"mcore0", address("10.0.12.1")}, t));
  ASSERT_FALSE(d.received(kLower, link_hello(30, "10.0.0.1"), {"mcore1", address("10.0.13.1")}, t + 5s));
  // Another over a link with no transport address TLV: its source is the address.
  ASSERT_FALSE(d.received(kHigher, link_hello(0), {"mcore1", address("10.0.13.9")}, t));
  ASSERT_EQ(d.adjacencies().size(), 3u);
  EXPECT_EQ(d.adjacencies()[0].hold_time, 10);
  EXPECT_EQ(d.adjacencies()[1].hold_time, 15);
  std::vector<Peer> peers = d.peers();
  ASSERT_EQ(peers.size(), 2u);
  EXPECT_EQ(peers[0].id, kLower);
  EXPECT_EQ(peers[0].adjacencies, 2u);
  EXPECT_EQ(peers[0].transport_address, address("10.0.0.1"));
  EXPECT_TRUE(peers[0].active);    // 10.0.0.2 > 10.0.0.1: we connect
  EXPECT_EQ(peers[1].transport_address, address("10.0.13.9"));
  EXPECT_FALSE(peers[1].active);  // it connects to us
  // A Hello refreshes its adjacency.
  ASSERT_FALSE(d.received(kHigher, link_hello(0), {"mcore1", address("10.0.13.9")}, t + 10s));
  // At 10 s the first link's adjacency goes, but the peer has another.
  EXPECT_TRUE(d.expire(t + 10s).empty());
  EXPECT_EQ(d.adjacencies().size(), 2u);
  // At 20 s its last one goes: the peer is gone. kHigher was refreshed at 10 s.
  EXPECT_EQ(d.expire(t + 20s), std::vector<LdpId>{kLower});
  EXPECT_EQ(d.expire(t + 25s), std::vector<LdpId>{kHigher});
  EXPECT_TRUE(d.peers().empty());
}

TEST(LdpDiscovery, HellosThatCannotBeTakenAreRefusedWithTheReason) {
  Discovery d = discovery();
  const Clock::time_point t = Clock::time_point(100s);
  EXPECT_EQ(d.received(kUs, link_hello(15), {"mcore0", address("10.0.12.2")}, t), "a Hello of our own");
  EXPECT_TRUE(d.received({0x0A000001, 3}, link_hello(15), {"mcore0", address("10.0.12.1")}, t).has_value());
  ASSERT_FALSE(d.received(kLower, link_hello(15, "10.0.0.1"), {"mcore0", address("10.0.12.1")}, t));
  EXPECT_EQ(d.received(kLower, link_hello(15, "10.0.0.7"), {"mcore0", address("10.0.12.1")}, t),
            "its transport address changed");
  EXPECT_EQ(d.received(kLower, link_hello(15, "10.0.0.7"), {"mcore1", address("10.0.13.1")}, t),
            "its transport address differs from its other adjacencies'");
  EXPECT_EQ(d.adjacencies().size(), 1u);
  // Ours: the link Hello and the targeted one carry our transport address and hold times.
  EXPECT_EQ(d.hello(false).hold_time, 15);
  EXPECT_EQ(d.hello(true).hold_time, 45);
  EXPECT_TRUE(d.hello(true).targeted);
  EXPECT_EQ(d.hello(false).ipv4_transport_address, address("10.0.0.2"));
}

}  // namespace
}  // namespace aggr::ldp
