// Next hops named by IP address: what the kernel resolves on a mirror
// reaches the RIB as Rib::set_neighbour, and each entry through that
// neighbour, and only those, follows it. Until it is resolved, and after it
// fails, their packets are dropped as unresolved_next_hop, never sent to a
// MAC that may be stale. Frames compared byte for byte (aggr-gen's builder).
#include <gtest/gtest.h>

#include "dataplane/net/mac.h"
#include "tests/support/router_harness.h"
#include "tests/unit/eal_environment.h"
#include "tools/aggr-gen/frame_builder.h"

namespace aggr {
namespace {

using gen::Bytes;
using gen::Mac;

using test::mac;

rte_ether_addr ether(const char* text) {
  rte_ether_addr out;
  EXPECT_TRUE(parse_mac(text, &out).ok());
  return out;
}

IpPrefix address(const char* text) {
  IpPrefix out;
  EXPECT_TRUE(parse_host_address(text, &out).ok()) << text;
  return out;
}

// A headend and a tailend entry would do as well; a transit has every kind
// of neighbour: by address on east (two labels through 10.0.12.2, one
// through 2001:db8:12::3), by MAC on west, and by address alone (label 340),
// reached by whatever route the kernel has.
const char* const kTransitByAddress = R"(
router: {role: transit}
workers: {lcores: [1]}
ports:
  - {name: west, role: core, device: net_null0, mac: "02:00:00:00:1a:00"}
  - name: east
    role: core
    device: net_null1
    mac: "02:00:00:00:1b:00"
    mirror: {interface: aggr-east, addresses: [10.0.12.1/29, "2001:db8:12::1/64"]}
local_labels:
  - {label: 300, action: swap, out_labels: [1001], next_hop: {port: east, address: 10.0.12.2}}
  - {label: 310, action: swap, out_labels: [2001], next_hop: {port: east, address: 10.0.12.2}}
  - {label: 320, action: swap, out_labels: [3001], next_hop: {port: east, address: "2001:db8:12::3"}}
  - {label: 500, action: swap, out_labels: [100], next_hop: {port: west, mac: "02:00:00:00:c0:00"}}
  - {label: 340, action: swap, out_labels: [5001], next_hop: {address: 10.99.0.5}}
)";

class NextHopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pool_ = test::packet_pool();
    LoadResult r = test::load_config_text(kTransitByAddress);
    for (const ConfigError& e : r.errors) ADD_FAILURE() << e.to_string();
    transit_ = std::make_unique<test::RouterHarness>(r.config);
    for (const std::string& f : transit_->failures) ADD_FAILURE() << f;
  }
  Bytes labelled(uint32_t label) const {
    return gen::mpls_frame(mac("02:00:00:00:1a:00"), mac("02:00:00:00:c0:00"), {{label, 0, 64}}, packet_);
  }
  Bytes swapped(const char* to, uint32_t label) const {
    return gen::mpls_frame(mac(to), mac("02:00:00:00:1b:00"), {{label, 0, 63}}, packet_);
  }
  std::vector<Bytes> out_east(std::vector<Bytes> in) { return transit_->run(pool_, 0, in)[1]; }
  uint64_t unresolved() const { return transit_->counters->drops(DropReason::kUnresolvedNextHop); }
  unsigned set(const char* neighbour, std::optional<rte_ether_addr> to) {
    unsigned rewritten = 99;
    EXPECT_TRUE(transit_->rib->set_neighbour({1, address(neighbour)}, to, &rewritten).ok());
    return rewritten;
  }

  rte_mempool* pool_ = nullptr;
  std::unique_ptr<test::RouterHarness> transit_;
  const Bytes packet_ = gen::ip_packet(gen::IpPacketSpec{});
};

TEST_F(NextHopTest, UnresolvedUntilTheKernelKnowsThenFollowedExactly) {
  // Asked for: each neighbour named by address, once.
  std::vector<Adjacency> wanted = transit_->rib->neighbours_wanted();
  ASSERT_EQ(wanted.size(), 2u);
  EXPECT_EQ(wanted[0], (Adjacency{1, address("10.0.12.2")}));
  EXPECT_EQ(wanted[1], (Adjacency{1, address("2001:db8:12::3")}));

  // Nothing resolved yet: dropped under their own reason; the west
  // neighbour (by MAC) is unaffected.
  EXPECT_TRUE(out_east({labelled(300), labelled(310), labelled(320)}).empty());
  EXPECT_EQ(unresolved(), 3u);
  EXPECT_EQ(transit_->run(pool_, 1, {labelled(500)})[0].size(), 1u);

  // Resolved: exactly the two entries through 10.0.12.2 are rewritten.
  EXPECT_EQ(set("10.0.12.2", ether("02:00:00:00:2b:01")), 2u);
  EXPECT_EQ(out_east({labelled(300), labelled(310), labelled(320)}),
            (std::vector<Bytes>{swapped("02:00:00:00:2b:01", 1001), swapped("02:00:00:00:2b:01", 2001)}));
  EXPECT_EQ(unresolved(), 4u);
  // The same MAC again (the kernel reports every state change) rewrites nothing.
  EXPECT_EQ(set("10.0.12.2", ether("02:00:00:00:2b:01")), 0u);

  // A new MAC (the neighbour's card replaced): the next frame goes to it.
  EXPECT_EQ(set("10.0.12.2", ether("02:00:00:00:2b:99")), 2u);
  EXPECT_EQ(out_east({labelled(300)}), std::vector<Bytes>{swapped("02:00:00:00:2b:99", 1001)});

  // IPv6's neighbour on its own.
  EXPECT_EQ(set("2001:db8:12::3", ether("02:00:00:00:2b:03")), 1u);
  EXPECT_EQ(out_east({labelled(320)}), std::vector<Bytes>{swapped("02:00:00:00:2b:03", 3001)});

  // Failed: dropped again, not sent to the MAC it had.
  EXPECT_EQ(set("10.0.12.2", std::nullopt), 2u);
  EXPECT_EQ(out_east({labelled(300), labelled(310), labelled(320)}),
            std::vector<Bytes>{swapped("02:00:00:00:2b:03", 3001)});
  EXPECT_EQ(unresolved(), 6u);
  EXPECT_EQ(transit_->counters->total_drops(), 6u);
}

TEST_F(NextHopTest, AnEntryAddedLaterFindsTheNeighbourResolved) {
  set("10.0.12.2", ether("02:00:00:00:2b:01"));
  NhlfeSpec out{{4001}, 1, {}};
  out.next_hop_address = address("10.0.12.2");
  ASSERT_TRUE(transit_->rib->set_ilm_swap(330, out, EntrySource::kApi).ok());
  EXPECT_EQ(out_east({labelled(330)}), std::vector<Bytes>{swapped("02:00:00:00:2b:01", 4001)});
  // Installed entries carry the MAC they send to.
  const NhlfeSpec& installed = *transit_->rib->ilm().at(330).swap;
  EXPECT_FALSE(installed.unresolved);
  const rte_ether_addr resolved = ether("02:00:00:00:2b:01");
  EXPECT_TRUE(rte_is_same_ether_addr(&installed.next_hop_mac, &resolved));
  // An address that is not one host is refused.
  out.next_hop_address->length = 24;
  EXPECT_FALSE(transit_->rib->set_ilm_swap(331, out, EntrySource::kApi).ok());
}

TEST_F(NextHopTest, ANextHopByAddressAloneFollowsTheKernelsRoutes) {
  Rib& rib = *transit_->rib;
  auto route = [&](const char* prefix, std::optional<KernelRoute> to) {
    IpPrefix p;
    EXPECT_TRUE(parse_prefix(prefix, &p).ok());
    unsigned rewritten = 99;
    EXPECT_TRUE(rib.set_kernel_route(p, to, &rewritten).ok());
    return rewritten;
  };
  // No route: dropped, and no neighbour to ask the kernel for.
  EXPECT_TRUE(out_east({labelled(340)}).empty());
  EXPECT_EQ(unresolved(), 1u);
  EXPECT_EQ(rib.neighbours_wanted().size(), 2u);

  // A route through the gateway 10.0.12.2 on east, which is resolved: out it goes.
  set("10.0.12.2", ether("02:00:00:00:2b:01"));
  EXPECT_EQ(route("10.99.0.0/16", KernelRoute{1, address("10.0.12.2")}), 1u);
  EXPECT_EQ(out_east({labelled(340)}), std::vector<Bytes>{swapped("02:00:00:00:2b:01", 5001)});
  EXPECT_EQ(rib.ilm().at(340).swap->out_port, 1);  // the installed entry shows the route's port

  // A longer match through another gateway, not yet resolved: the kernel is
  // asked for it, and meanwhile nothing goes to the old one.
  EXPECT_EQ(route("10.99.0.0/24", KernelRoute{1, address("10.0.12.3")}), 1u);
  std::vector<Adjacency> wanted = rib.neighbours_wanted();
  EXPECT_NE(std::find(wanted.begin(), wanted.end(), Adjacency{1, address("10.0.12.3")}), wanted.end());
  EXPECT_TRUE(out_east({labelled(340)}).empty());
  EXPECT_EQ(set("10.0.12.3", ether("02:00:00:00:2b:33")), 1u);
  EXPECT_EQ(out_east({labelled(340)}), std::vector<Bytes>{swapped("02:00:00:00:2b:33", 5001)});
  // A route that changes nothing for it rewrites nothing.
  EXPECT_EQ(route("192.0.2.0/24", KernelRoute{1, address("10.0.12.2")}), 0u);

  // The longer route withdrawn: back through the shorter one.
  EXPECT_EQ(route("10.99.0.0/24", std::nullopt), 1u);
  EXPECT_EQ(out_east({labelled(340)}), std::vector<Bytes>{swapped("02:00:00:00:2b:01", 5001)});
  // On the link itself (a connected route): the address is the neighbour.
  EXPECT_EQ(route("10.99.0.0/29", KernelRoute{1, std::nullopt}), 1u);
  EXPECT_TRUE(out_east({labelled(340)}).empty());
  EXPECT_EQ(set("10.99.0.5", ether("02:00:00:00:2b:05")), 1u);
  EXPECT_EQ(out_east({labelled(340)}), std::vector<Bytes>{swapped("02:00:00:00:2b:05", 5001)});
  // Every route withdrawn: dropped again.
  route("10.99.0.0/29", std::nullopt);
  route("10.99.0.0/16", std::nullopt);
  EXPECT_TRUE(out_east({labelled(340)}).empty());
  EXPECT_EQ(unresolved(), 4u);
}

}  // namespace
}  // namespace aggr
