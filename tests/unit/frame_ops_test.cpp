// Parsing and rewriting on plain byte arrays.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "dataplane/frame_ops.h"
#include "dataplane/wire.h"
#include "tests/support/shortcut_agreement.h"
#include "tools/aggr-gen/frame_builder.h"

namespace aggr {
namespace {

using gen::Bytes;

gen::IpPacketSpec v4_spec(uint8_t ttl = 64, uint8_t dscp = 0) {
  gen::IpPacketSpec s;
  s.version = 4;
  s.total_length = 60;
  s.ttl = ttl;
  s.dscp = dscp;
  uint8_t src[4] = {100, 64, 0, 1}, dst[4] = {198, 51, 100, 7};
  std::memcpy(s.source, src, 4);
  std::memcpy(s.destination, dst, 4);
  return s;
}

gen::IpPacketSpec v6_spec(uint8_t hop_limit = 64) {
  gen::IpPacketSpec s;
  s.version = 6;
  s.total_length = 80;
  s.ttl = hop_limit;
  s.source[0] = 0x20;
  s.destination[0] = 0x20;
  s.destination[15] = 7;
  return s;
}

const gen::Mac kA = gen::parse_mac_or_die("02:00:00:00:00:0a");
const gen::Mac kB = gen::parse_mac_or_die("02:00:00:00:00:0b");

struct TagCase {
  std::vector<gen::VlanTag> tags;
  uint16_t svlan, cvlan;
};

class EthernetTags : public ::testing::TestWithParam<TagCase> {};

TEST_P(EthernetTags, FindsTagsAndL3ForIpv4AndIpv6) {
  for (uint8_t version : {4, 6}) {
    Bytes ip = gen::ip_packet(version == 4 ? v4_spec() : v6_spec());
    Bytes f = gen::ethernet_frame(kA, kB, GetParam().tags, version == 4 ? 0x0800 : 0x86DD, ip);
    EthernetInfo eth;
    ASSERT_EQ(parse_ethernet(f.data(), uint32_t(f.size()), &eth), DropReason::kNone);
    EXPECT_EQ(eth.l3_offset, 14 + 4 * GetParam().tags.size());
    EXPECT_EQ(eth.svlan, GetParam().svlan);
    EXPECT_EQ(eth.cvlan, GetParam().cvlan);
    IpInfo info;
    ASSERT_EQ(parse_ip(f.data() + eth.l3_offset, uint32_t(f.size() - eth.l3_offset), &info), DropReason::kNone);
    EXPECT_EQ(info.version, version);
    EXPECT_EQ(info.length, ip.size());
  }
}

INSTANTIATE_TEST_SUITE_P(
    AllTagCombinations, EthernetTags,
    ::testing::Values(TagCase{{}, 0, 0}, TagCase{{{0x8100, 100}}, 100, 0}, TagCase{{{0x88A8, 200}}, 200, 0},
                      TagCase{{{0x88A8, 300}, {0x8100, 7}}, 300, 7}, TagCase{{{0x8100, 301}, {0x8100, 8}}, 301, 8},
                      TagCase{{{0x8100, 0xF00 | 5}}, 0xF00 | 5, 0}));

TEST(ParseEthernet, VlanPriorityBitsAreNotPartOfTheId) {
  Bytes f = gen::ethernet_frame(kA, kB, {{0x8100, uint16_t(0xA000 | 42)}}, 0x0800, gen::ip_packet(v4_spec()));
  EthernetInfo eth;
  ASSERT_EQ(parse_ethernet(f.data(), uint32_t(f.size()), &eth), DropReason::kNone);
  EXPECT_EQ(eth.svlan, 42);
}

TEST(ParseEthernet, RejectsThreeTagsAndInnerSTag) {
  Bytes ip = gen::ip_packet(v4_spec());
  Bytes three = gen::ethernet_frame(kA, kB, {{0x88A8, 1}, {0x8100, 2}, {0x8100, 3}}, 0x0800, ip);
  Bytes inner_s = gen::ethernet_frame(kA, kB, {{0x8100, 1}, {0x88A8, 2}}, 0x0800, ip);
  EthernetInfo eth;
  EXPECT_EQ(parse_ethernet(three.data(), uint32_t(three.size()), &eth), DropReason::kTooManyVlanTags);
  EXPECT_EQ(parse_ethernet(inner_s.data(), uint32_t(inner_s.size()), &eth), DropReason::kTooManyVlanTags);
}

TEST(ParseEthernet, EveryTruncationIsReportedNotRead) {
  Bytes f = gen::ethernet_frame(kA, kB, {{0x88A8, 1}, {0x8100, 2}}, 0x0800, gen::ip_packet(v4_spec()));
  for (uint32_t len = 0; len < 22; ++len) {
    Bytes cut(f.begin(), f.begin() + len);  // exact-size copy: ASan catches over-reads
    EthernetInfo eth;
    EXPECT_EQ(parse_ethernet(cut.data(), len, &eth), DropReason::kTruncated) << "length " << len;
  }
}

// The shortcuts must say what the general parsers say (shortcut_agreement.h).
::testing::AssertionResult plain_ipv4_agrees(const Bytes& f) {
  std::string difference = test::plain_ipv4_disagreement(f.data(), f.size());
  if (difference.empty()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << difference;
}

::testing::AssertionResult plain_mpls_agrees(const Bytes& f) {
  std::string difference = test::plain_mpls_disagreement(f.data(), f.size());
  if (difference.empty()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << difference;
}

bool plain_ipv4(const Bytes& f) {
  EthernetInfo eth;
  IpInfo ip;
  return parse_plain_ipv4(f.data(), uint32_t(f.size()), &eth, &ip);
}

// A shortcut parser takes `frame`, as it is and with Ethernet padding after
// it, and agrees with the general parsers on both.
template <typename Shortcut, typename Agrees>
void expect_taken(Shortcut shortcut, Agrees agrees, Bytes frame, size_t padding, const std::string& what) {
  EXPECT_TRUE(shortcut(frame)) << what;
  EXPECT_TRUE(agrees(frame)) << what;
  frame.resize(frame.size() + padding, 0);
  EXPECT_TRUE(shortcut(frame)) << what << ", padded";
  EXPECT_TRUE(agrees(frame)) << what << ", padded";
}

// A shortcut parser refuses every frame of `others` and every truncation of
// `whole`, down to nothing. The truncations are exact-size copies, so that
// ASan catches a read past the end.
template <typename Shortcut>
void expect_refused(Shortcut shortcut, const std::vector<Bytes>& others, const Bytes& whole) {
  for (size_t i = 0; i < others.size(); ++i) EXPECT_FALSE(shortcut(others[i])) << "frame " << i;
  for (size_t len = 0; len < whole.size(); ++len) {
    Bytes cut(whole.begin(), whole.begin() + ptrdiff_t(len));
    EXPECT_FALSE(shortcut(cut)) << "length " << len;
  }
}

const std::vector<std::vector<gen::VlanTag>> kTagStacks = {
    {}, {{0x8100, 100}}, {{0x88A8, 200}}, {{0x88A8, 300}, {0x8100, 7}}, {{0x8100, 0xA000 | 301}, {0x8100, 8}}};

TEST(PlainIpv4, TakesIpv4BehindNoneOneOrTwoTags) {
  for (const auto& tags : kTagStacks)
    expect_taken(plain_ipv4, plain_ipv4_agrees, gen::ethernet_frame(kA, kB, tags, 0x0800, gen::ip_packet(v4_spec())), 7,
                 std::to_string(tags.size()) + " tags");
}

TEST(PlainIpv4, LeavesEverythingElseToTheGeneralParsers) {
  Bytes v4 = gen::ip_packet(v4_spec());
  Bytes options = v4;
  options[0] = 0x46;  // IHL 6: the general parser takes it, the shortcut does not
  std::vector<Bytes> others = {
      gen::ethernet_frame(kA, kB, {{0x88A8, 1}}, 0x86DD, gen::ip_packet(v6_spec())),
      gen::ethernet_frame(kA, kB, {}, 0x0800, options),
      gen::ethernet_frame(kA, kB, {{0x88A8, 1}, {0x8100, 2}, {0x8100, 3}}, 0x0800, v4),
      gen::ethernet_frame(kA, kB, {{0x8100, 1}, {0x88A8, 2}}, 0x0800, v4),
      gen::ethernet_frame(kA, kB, {}, 0x0806, v4),
  };
  expect_refused(plain_ipv4, others, gen::ethernet_frame(kA, kB, {{0x88A8, 1}, {0x8100, 2}}, 0x0800, v4));
}

TEST(PlainIpv4, AgreesWithTheGeneralParsersWhateverAHeaderByteHolds) {
  // Each byte of the tags, the Ethertype and the IPv4 header's first four
  // set to values that matter to either parser, in frames of every length
  // around the shortcut's minimum.
  const uint8_t values[] = {0x00, 0x01, 0x05, 0x06, 0x08, 0x13, 0x14, 0x40, 0x45, 0x46,
                            0x4F, 0x60, 0x81, 0x86, 0x88, 0xA8, 0xDD, 0xFF};
  unsigned accepted = 0;
  for (const auto& tags : kTagStacks) {
    Bytes base = gen::ethernet_frame(kA, kB, tags, 0x0800, gen::ip_packet(v4_spec()));
    size_t l3 = 14 + 4 * tags.size();
    for (size_t at = 12; at < l3 + 4; ++at) {
      for (uint8_t v : values) {
        Bytes f = base;
        f[at] = v;
        for (size_t len : {size_t(41), size_t(42), l3 + 20, l3 + 24, f.size() - 1, f.size()}) {
          Bytes cut(f.begin(), f.begin() + ptrdiff_t(std::min(len, f.size())));
          EXPECT_TRUE(plain_ipv4_agrees(cut)) << "byte " << at << " = " << int(v) << ", length " << cut.size();
          accepted += plain_ipv4(cut);
        }
      }
    }
  }
  EXPECT_GT(accepted, 0u);
}

bool plain_mpls(const Bytes& f) {
  PlainMplsIpv4 out;
  return parse_plain_mpls_ipv4(f.data(), uint32_t(f.size()), &out);
}

TEST(PlainMplsIpv4, TakesOneLabelOverIpv4) {
  Bytes f = gen::mpls_frame(kA, kB, {{1001, 5, 63}}, gen::ip_packet(v4_spec()));
  PlainMplsIpv4 out;
  ASSERT_TRUE(parse_plain_mpls_ipv4(f.data(), uint32_t(f.size()), &out));
  EXPECT_EQ(out.label, 1001u);
  EXPECT_EQ(out.ttl, 63);
  EXPECT_EQ(out.length, gen::ip_packet(v4_spec()).size());
  expect_taken(plain_mpls, plain_mpls_agrees, f, 9, "one label");
}

TEST(PlainMplsIpv4, LeavesEverythingElseToTheLabelLoop) {
  Bytes v4 = gen::ip_packet(v4_spec());
  Bytes options = v4;
  options[0] = 0x46;
  Bytes tagged = gen::ethernet_frame(kA, kB, {{0x8100, 7}}, 0x8847, gen::mpls_frame(kA, kB, {{1001, 0, 64}}, v4));
  Bytes not_bottom = gen::mpls_frame(kA, kB, {{1001, 0, 64}}, v4);
  not_bottom[16] &= 0xFE;
  Bytes multicast = gen::mpls_frame(kA, kB, {{1001, 0, 64}}, v4);
  multicast[13] = 0x48;
  std::vector<Bytes> others = {
      gen::mpls_frame(kA, kB, {{0, 0, 64}, {1001, 0, 64}}, v4),  // explicit null first
      gen::mpls_frame(kA, kB, {{1001, 0, 64}, {2002, 0, 64}}, v4),
      gen::mpls_frame(kA, kB, {{0, 0, 64}}, v4),
      gen::mpls_frame(kA, kB, {{15, 0, 64}}, v4),
      gen::mpls_frame(kA, kB, {{1001, 0, 1}}, v4),
      gen::mpls_frame(kA, kB, {{1001, 0, 0}}, v4),
      gen::mpls_frame(kA, kB, {{1001, 0, 64}}, gen::ip_packet(v6_spec())),
      gen::mpls_frame(kA, kB, {{1001, 0, 64}}, options),
      tagged, not_bottom, multicast,
      gen::ethernet_frame(kA, kB, {}, 0x0800, v4),
  };
  expect_refused(plain_mpls, others, gen::mpls_frame(kA, kB, {{1001, 0, 64}}, v4));
}

TEST(PlainMplsIpv4, AgreesWithTheGeneralParsersWhateverAHeaderByteHolds) {
  // Each byte of the Ethertype, the label entry and the IPv4 header's first
  // four set to values that matter to either parser, in frames of every
  // length around the shortcut's minimum.
  const uint8_t values[] = {0x00, 0x01, 0x02, 0x05, 0x08, 0x0F, 0x10, 0x14, 0x45, 0x46,
                            0x47, 0x60, 0x81, 0x88, 0xFE, 0xFF};
  Bytes base = gen::mpls_frame(kA, kB, {{1001, 0, 64}}, gen::ip_packet(v4_spec()));
  unsigned accepted = 0;
  for (size_t at = 12; at < kPlainMplsL3Offset + 4; ++at) {
    for (uint8_t v : values) {
      Bytes f = base;
      f[at] = v;
      for (size_t len : {size_t(37), size_t(38), size_t(42), f.size() - 1, f.size()}) {
        Bytes cut(f.begin(), f.begin() + ptrdiff_t(std::min(len, f.size())));
        EXPECT_TRUE(plain_mpls_agrees(cut)) << "byte " << at << " = " << int(v) << ", length " << cut.size();
        accepted += plain_mpls(cut);
      }
    }
  }
  EXPECT_GT(accepted, 0u);
}

TEST(ParseIp, TruncatedAndMalformedHeaders) {
  Bytes v4 = gen::ip_packet(v4_spec());
  IpInfo info;
  for (uint32_t len = 0; len < v4.size(); ++len) {
    Bytes cut(v4.begin(), v4.begin() + len);
    EXPECT_EQ(parse_ip(cut.data(), len, &info), DropReason::kTruncated)
        << len;
  }
  Bytes bad_ihl = v4;
  bad_ihl[0] = 0x44;
  EXPECT_EQ(parse_ip(bad_ihl.data(), uint32_t(bad_ihl.size()), &info), DropReason::kBadIpHeader);
  Bytes short_total = v4;
  short_total[2] = 0;
  short_total[3] = 10;  // total length below the header length
  EXPECT_EQ(parse_ip(short_total.data(), uint32_t(short_total.size()), &info), DropReason::kBadIpHeader);
  Bytes version5 = v4;
  version5[0] = 0x55;
  EXPECT_EQ(parse_ip(version5.data(), uint32_t(version5.size()), &info), DropReason::kBadIpHeader);
  Bytes v6 = gen::ip_packet(v6_spec());
  for (uint32_t len = 0; len < v6.size(); ++len) {
    Bytes cut(v6.begin(), v6.begin() + len);
    EXPECT_EQ(parse_ip(cut.data(), len, &info), DropReason::kTruncated) << len;
  }
  // Padding after the IP packet is allowed and excluded from the length.
  Bytes padded = v4;
  padded.resize(v4.size() + 6, 0);
  ASSERT_EQ(parse_ip(padded.data(), uint32_t(padded.size()), &info), DropReason::kNone);
  EXPECT_EQ(info.length, v4.size());
}

TEST(TtlRewrite, Ipv4ChecksumMatchesAFullRecomputationForEveryTtl) {
  for (unsigned ttl = 1; ttl < 256; ++ttl) {
    Bytes p = gen::ip_packet(v4_spec(uint8_t(ttl)));
    set_ip_ttl(p.data(), 4, uint8_t(ttl - 1));
    Bytes expected = gen::ip_packet(v4_spec(uint8_t(ttl - 1)));
    ASSERT_EQ(p, expected) << "ttl " << ttl;
    ASSERT_EQ(wire::internet_checksum(p.data(), 20), 0);
  }
}

TEST(TtlRewrite, DecrementMatchesAFullRecomputationForEveryTtlAndChecksum) {
  for (unsigned ttl = 1; ttl < 256; ++ttl)
    for (uint8_t dscp : {0, 10, 46, 63}) {  // other header words, other checksums
      Bytes p = gen::ip_packet(v4_spec(uint8_t(ttl), dscp));
      decrement_ip_ttl(p.data(), 4);
      ASSERT_EQ(p, gen::ip_packet(v4_spec(uint8_t(ttl - 1), dscp))) << "ttl " << ttl;
    }
  // Every stored checksum value, against the general RFC 1624 update.
  for (uint32_t checksum = 0; checksum <= 0xFFFF; ++checksum) {
    Bytes p = gen::ip_packet(v4_spec(64));
    wire::store_be16(p.data() + 10, uint16_t(checksum));
    Bytes general = p;
    set_ip_ttl(general.data(), 4, 63);
    decrement_ip_ttl(p.data(), 4);
    ASSERT_EQ(p, general) << "checksum " << checksum;
  }
  Bytes v6 = gen::ip_packet(v6_spec(10));
  decrement_ip_ttl(v6.data(), 6);
  EXPECT_EQ(v6, gen::ip_packet(v6_spec(9)));
}

TEST(TtlRewrite, Ipv6HopLimitHasNoChecksum) {
  Bytes p = gen::ip_packet(v6_spec(10));
  set_ip_ttl(p.data(), 6, 9);
  EXPECT_EQ(p, gen::ip_packet(v6_spec(9)));
  EXPECT_EQ(ip_ttl(p.data(), 6), 9);
}

TEST(TrafficClass, ComesFromTheDscpClassSelector) {
  EXPECT_EQ(ip_traffic_class(gen::ip_packet(v4_spec(64, 46)).data(), 4), 5);  // EF
  EXPECT_EQ(ip_traffic_class(gen::ip_packet(v4_spec(64, 10)).data(), 4), 1);  // AF11
  EXPECT_EQ(ip_traffic_class(gen::ip_packet(v4_spec(64, 56)).data(), 4), 7);  // CS7
  gen::IpPacketSpec s = v6_spec();
  s.dscp = 26;  // AF31
  EXPECT_EQ(ip_traffic_class(gen::ip_packet(s).data(), 6), 3);
}

TEST(MplsEncapsulation, WritesHeaderAndStackInFrontOfThePacket) {
  Bytes ip = gen::ip_packet(v4_spec());
  const uint32_t stacks[3][3] = {{16001}, {16001, 2002}, {16001, 2002, 3003}};
  for (unsigned depth = 1; depth <= 3; ++depth) {
    Nhlfe n{};
    build_nhlfe_header(n, kA.bytes, kB.bytes, stacks[depth - 1], depth);
    std::vector<gen::LabelEntry> expected;
    for (unsigned i = 0; i < depth; ++i) expected.push_back({stacks[depth - 1][i], 5, 63});
    // Room for the fixed-size copy, and exactly the header's own bytes:
    // the same frame, and nothing written in front of it in the second case.
    for (unsigned room : {64u, unsigned(n.header_len)}) {
      Bytes buffer(room, 0xEE);
      buffer.insert(buffer.end(), ip.begin(), ip.end());
      uint8_t* start = write_mpls_encapsulation(buffer.data() + room, n, 5, 63, room);
      Bytes out(start, buffer.data() + buffer.size());
      EXPECT_EQ(out, gen::mpls_frame(kA, kB, expected, ip)) << "depth " << depth << ", room " << room;
      if (room == n.header_len) {
        EXPECT_EQ(start, buffer.data());
      }
    }
  }
}

TEST(AccessEncapsulation, WritesQinqSingleTagAndUntaggedHeaders) {
  PortAttributes port;
  std::memcpy(port.mac.addr_bytes, kB.bytes, 6);
  SubscriberRecord s{};
  std::memcpy(s.cpe_mac.addr_bytes, kA.bytes, 6);
  Bytes ip = gen::ip_packet(v6_spec());
  struct Case {
    uint16_t svlan, cvlan, tpid;
    std::vector<gen::VlanTag> tags;
  } cases[] = {{0, 0, 0x88A8, {}}, {7, 0, 0x88A8, {{0x8100, 7}}}, {7, 9, 0x88A8, {{0x88A8, 7}, {0x8100, 9}}},
               {7, 9, 0x8100, {{0x8100, 7}, {0x8100, 9}}}};
  for (const Case& c : cases) {
    s.svlan = c.svlan;
    s.cvlan = c.cvlan;
    port.outer_tpid = c.tpid;
    Bytes buffer(32, 0);
    buffer.insert(buffer.end(), ip.begin(), ip.end());
    uint8_t* start = write_access_encapsulation(buffer.data() + 32, s, port, 6);
    EXPECT_EQ(Bytes(start, buffer.data() + buffer.size()), gen::ethernet_frame(kA, kB, c.tags, 0x86DD, ip));
  }
}

TEST(Wire, MplsEntryRoundTrip) {
  uint32_t w = wire::mpls_encode(1048575, 7, true, 255);
  EXPECT_EQ(w, 0xFFFFFFFFu);
  wire::MplsEntry e = wire::mpls_decode(wire::mpls_encode(16, 3, false, 64));
  EXPECT_EQ(e.label, 16u);
  EXPECT_EQ(e.tc, 3);
  EXPECT_FALSE(e.bottom_of_stack);
  EXPECT_EQ(e.ttl, 64);
}

}  // namespace
}  // namespace aggr
