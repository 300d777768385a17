// The headend pipeline over real mbufs, without ports: frames in, frames
// out compared byte for byte with aggr-gen's independently built frames.
#include <gtest/gtest.h>


#include <array>
#include <chrono>
#include <cstring>
#include <map>

#include <rte_malloc.h>

#include "controlplane/config_apply.h"
#include "dataplane/graph.h"
#include "dataplane/wire.h"
#include "tests/support/router_harness.h"
#include "tests/unit/eal_environment.h"
#include "tools/aggr-gen/traffic.h"

namespace aggr {
namespace {

using gen::Bytes;

uint64_t total_size(const std::vector<Bytes>& frames) {
  uint64_t bytes = 0;
  for (const Bytes& f : frames) bytes += f.size();
  return bytes;
}


class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pool_ = test::packet_pool();
    LoadResult r = test::load_config_text(test::kPipelineTestConfig);
    for (const auto& e : r.errors) ADD_FAILURE() << e.to_string();
    config_ = r.config;
    harness_ = std::make_unique<test::RouterHarness>(config_);
    for (const std::string& f : harness_->failures) ADD_FAILURE() << f;
    tables_ = harness_->tables.get();
    counters_ = harness_->counters.get();
    rib_ = harness_->rib.get();
  }

  // Sends frames into `port` in bursts; returns what came out, per port.
  std::map<uint16_t, std::vector<Bytes>> run(uint16_t port, const std::vector<Bytes>& frames, uint64_t now = 1) {
    return harness_->run(pool_, port, frames, now);
  }

  const SubscriberConfig& sub(uint32_t id) {
    for (const auto& s : config_.subscribers)
      if (s.id == id) return s;
    throw std::logic_error("no subscriber");
  }
  gen::FramePair up(uint32_t id, uint8_t family, unsigned size = 128, uint8_t ttl = 64, uint8_t dscp = 0) {
    return gen::upstream_frame(config_, sub(id), *config_.isp(sub(id).isp), family, size, dscp, ttl, ++seq_);
  }
  gen::FramePair down(uint32_t id, uint8_t family, uint32_t label = 100, uint8_t mpls_ttl = 64, uint8_t ip_ttl = 64) {
    return gen::downstream_frame(config_, sub(id), label, family, 256, mpls_ttl, ip_ttl, ++seq_);
  }
  uint64_t drops(DropReason r) { return counters_->drops(r); }
  Totals isp(uint32_t id, Direction d) { return counters_->isp(rib_->isp(id)->index, d); }
  Totals subscriber(uint32_t id, Direction d) { return counters_->subscriber(*rib_->subscriber_handle(id), d); }

  rte_mempool* pool_;
  RouterConfig config_;
  std::unique_ptr<test::RouterHarness> harness_;
  Tables* tables_;
  CounterSet* counters_;
  Rib* rib_;
  uint32_t seq_ = 0;
};

TEST_F(PipelineTest, UpstreamPushesTheIspLabelsByteForByte) {
  std::vector<gen::FramePair> pairs = {up(1, 4, 64), up(1, 6, 1518, 64, 46), up(2, 4, 512, 9, 10), up(4, 4)};
  std::vector<Bytes> in, expected;
  for (auto& p : pairs) in.push_back(p.input), expected.push_back(p.expected);
  auto out = run(0, in);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[2], expected);
  EXPECT_EQ(isp(1, Direction::kUpstream), (Totals{3, uint64_t(pairs[0].ip_length + pairs[1].ip_length + pairs[3].ip_length)}));
  EXPECT_EQ(isp(2, Direction::kUpstream), (Totals{1, pairs[2].ip_length}));
  EXPECT_EQ(subscriber(1, Direction::kUpstream), (Totals{2, uint64_t(pairs[0].ip_length + pairs[1].ip_length)}));
  EXPECT_EQ(counters_->port_rx(0), (Totals{4, total_size(in)}));
  EXPECT_EQ(harness_->queued_bytes[2], total_size(expected));
  EXPECT_EQ(counters_->total_drops(), 0u);
}

TEST_F(PipelineTest, SourcePrefixPortClassifiesBySource) {
  auto v4 = up(3, 4), v6 = up(3, 6);
  auto out = run(1, {v4.input, v6.input});
  EXPECT_EQ(out[2], (std::vector<Bytes>{v4.expected, v6.expected}));
  EXPECT_EQ(subscriber(3, Direction::kUpstream).packets, 2u);
}

// A frame in a chain of mbufs (a port that scatters large frames) is dropped
// by name, counted as received with its whole length, and freed, on an
// access port (before the plain-IPv4 shortcut) and on a core port alike.
TEST_F(PipelineTest, MultiSegmentFramesAreDroppedCountedAndFreed) {
  struct Case {
    uint16_t port;
    Bytes frame;
  };
  // Ethernet padding in the second segment: the first holds the whole IP
  // packet, so only the segment count tells that the frame is chained.
  Bytes upstream = up(1, 4).input, downstream = down(1, 4).input;
  upstream.resize(upstream.size() + 8, 0);
  downstream.resize(downstream.size() + 8, 0);
  for (const Case& c : {Case{0, upstream}, Case{2, downstream}}) {
    unsigned available = rte_mempool_avail_count(pool_);
    rte_mbuf* head = rte_pktmbuf_alloc(pool_);
    rte_mbuf* tail = rte_pktmbuf_alloc(pool_);
    ASSERT_NE(head, nullptr);
    ASSERT_NE(tail, nullptr);
    const uint16_t split = uint16_t(c.frame.size() - 8);
    std::memcpy(rte_pktmbuf_append(head, split), c.frame.data(), split);
    std::memcpy(rte_pktmbuf_append(tail, uint16_t(c.frame.size() - split)), c.frame.data() + split,
                c.frame.size() - split);
    ASSERT_EQ(rte_pktmbuf_chain(head, tail), 0);
    Burst burst;
    burst.in_port = c.port;
    burst.packets[burst.count++] = head;
    TxBatch batch;
    NodeEnv env{*tables_, tables_->meters, counters_->worker(0), 1, 0};
    process_burst(burst, env, batch);
    EXPECT_EQ(batch.used_ports, 0u) << "port " << c.port;
    EXPECT_EQ(counters_->port_rx(c.port), (Totals{1, c.frame.size()})) << "port " << c.port;
    EXPECT_EQ(rte_mempool_avail_count(pool_), available) << "port " << c.port;  // both segments freed
  }
  EXPECT_EQ(drops(DropReason::kMultiSegment), 2u);
  EXPECT_EQ(counters_->total_drops(), 2u);
}

// On a source-prefix port the owner's line must match in port and both tags.
TEST_F(PipelineTest, SourcePrefixFramesOnAnotherVlanAreSpoofed) {
  Bytes untagged = up(3, 4).input;
  auto tagged = [&](std::vector<uint8_t> tags) {
    Bytes frame(untagged.begin(), untagged.begin() + 12);
    frame.insert(frame.end(), tags.begin(), tags.end());
    frame.insert(frame.end(), untagged.begin() + 12, untagged.end());
    return frame;
  };
  Bytes s_tag = tagged({0x81, 0x00, 0x00, 0x05});
  Bytes c_tag = tagged({0x88, 0xA8, 0x00, 0x00, 0x81, 0x00, 0x00, 0x05});
  auto out = run(1, {s_tag, c_tag, untagged});
  EXPECT_EQ(out[2].size(), 1u);
  EXPECT_EQ(drops(DropReason::kSpoofedSource), 2u);
  EXPECT_EQ(subscriber(3, Direction::kUpstream).packets, 1u);
}

// A line's sources are checked against its subscriber's first IPv4 prefix
// in the record, and others by address lookup: both at the prefix's edges.
TEST_F(PipelineTest, LineSourcesAreCheckedAtThePrefixEdges) {
  auto with_source = [&](uint32_t id, uint8_t last_byte) {
    Bytes frame = up(id, 4).input;
    unsigned l3 = 14 + 4 * (sub(id).svlan != 0) + 4 * (sub(id).cvlan != 0);
    frame[l3 + 15] = last_byte;  // 100.64.0.<last_byte>; the IP checksum is not checked on the way in
    return frame;
  };
  // Subscriber 2 has 100.64.0.8/29, subscriber 1 100.64.0.1/32, subscriber 4 100.64.0.4/32.
  std::vector<Bytes> good = {with_source(2, 8), with_source(2, 15), with_source(1, 1)};
  std::vector<Bytes> spoofed = {with_source(2, 7), with_source(2, 16), with_source(1, 0), with_source(1, 2),
                                with_source(1, 4)};
  std::vector<Bytes> frames = good;
  frames.insert(frames.end(), spoofed.begin(), spoofed.end());
  auto out = run(0, frames);
  EXPECT_EQ(out[2].size(), good.size());
  EXPECT_EQ(drops(DropReason::kSpoofedSource), spoofed.size());
  EXPECT_EQ(counters_->total_drops(), spoofed.size());
  EXPECT_EQ(subscriber(2, Direction::kUpstream).packets, 2u);
  EXPECT_EQ(subscriber(1, Direction::kUpstream).packets, 1u);
  EXPECT_EQ(subscriber(4, Direction::kUpstream).packets, 0u);
}

TEST_F(PipelineTest, PipeModeSetsLabelTtl255) {
  config_.ttl_model = TtlModel::kPipe;
  tables_->ttl_model = TtlModel::kPipe;
  auto p = up(1, 4);
  EXPECT_EQ(run(0, {p.input})[2], std::vector<Bytes>{p.expected});
  EXPECT_EQ(p.expected[14 + 3], 255);
}

TEST_F(PipelineTest, UpstreamDropsAreCountedByReason) {
  Bytes unknown_line = up(1, 4).input;
  unknown_line[15] = 99;  // S-VLAN 10 -> 99
  Bytes spoofed = up(1, 4).input;
  spoofed[22 + 15] = 77;  // source 100.64.0.77
  Bytes wrong_line_prefix = up(2, 4).input;  // subscriber 2's frame on the prefix port
  Bytes unknown_source = up(3, 4).input;
  unknown_source[14 + 12] = 10;  // source 10.x
  Bytes ttl1 = up(1, 4, 128, 1).input;
  Bytes arp = up(1, 4).input;
  arp[20] = 0x08, arp[21] = 0x06;
  Bytes truncated = up(1, 6).input;
  truncated.resize(40);
  Bytes bad_version = up(1, 4).input;
  bad_version[22] = 0x75;
  Bytes three_tags = gen::ethernet_frame(gen::Mac{}, gen::Mac{}, {{0x88A8, 1}, {0x8100, 2}, {0x8100, 3}}, 0x0800,
                                         gen::ip_packet({}));
  run(0, {unknown_line, spoofed, ttl1, arp, truncated, bad_version, three_tags});
  run(1, {wrong_line_prefix, unknown_source});
  EXPECT_EQ(drops(DropReason::kUnknownLine), 1u);
  EXPECT_EQ(drops(DropReason::kSpoofedSource), 2u);  // spoofed + right prefix on the wrong line
  EXPECT_EQ(drops(DropReason::kUnknownSource), 1u);
  EXPECT_EQ(drops(DropReason::kTtlExpired), 1u);
  EXPECT_EQ(drops(DropReason::kNotIp), 1u);
  EXPECT_EQ(drops(DropReason::kTruncated), 1u);
  EXPECT_EQ(drops(DropReason::kBadIpHeader), 1u);
  EXPECT_EQ(drops(DropReason::kTooManyVlanTags), 1u);
  EXPECT_EQ(counters_->total_drops(), 9u);
  EXPECT_EQ(isp(1, Direction::kUpstream).packets, 0u);
  // Dropped frames still count as received, by their whole length.
  EXPECT_EQ(counters_->port_rx(0), (Totals{7, total_size({unknown_line, spoofed, ttl1, arp, truncated, bad_version,
                                                          three_tags})}));
}

TEST_F(PipelineTest, MtuAndMissingFtnAreDrops) {
  auto big = up(2, 4, 1518);  // untagged would fit; 3 labels on 1496 bytes do not
  Bytes frame = big.input;
  // Grow the IP packet to 1496 bytes: beyond the core MTU with 3 labels (12 bytes).
  gen::IpPacketSpec s;
  s.total_length = 1496;
  uint8_t src[4] = {100, 64, 0, 9}, dst[4] = {198, 51, 100, 7};
  std::memcpy(s.source, src, 4);
  std::memcpy(s.destination, dst, 4);
  Bytes oversize = gen::ethernet_frame(gen::Mac{}, gen::Mac{}, {{0x8100, 20}}, 0x0800, gen::ip_packet(s));
  run(0, {oversize});
  EXPECT_EQ(drops(DropReason::kMtuExceeded), 1u);
  ASSERT_TRUE(rib_->clear_ftn(1).ok());
  run(0, {up(1, 4).input});
  EXPECT_EQ(drops(DropReason::kNoFtnEntry), 1u);
}

TEST_F(PipelineTest, MeterDropsTrafficAbovePlanRate) {
  // 1 Mbit/s, burst max(1e6/8/100, 16 KB) = 16384 bytes; all at one instant.
  std::vector<Bytes> frames;
  for (int i = 0; i < 40; ++i) frames.push_back(up(4, 4, 1518).input);
  uint32_t frame_len = uint32_t(frames[0].size());
  auto out = run(0, frames, rte_get_tsc_hz());
  uint64_t conforming = 16384 / frame_len;
  EXPECT_EQ(out[2].size(), conforming);
  EXPECT_EQ(drops(DropReason::kMeterUpstream), 40 - conforming);
  EXPECT_EQ(counters_->subscriber_meter_drops(*rib_->subscriber_handle(4), Direction::kUpstream), 40 - conforming);
  // Subscriber 1 has no plan rate: nothing dropped.
  std::vector<Bytes> unmetered;
  for (int i = 0; i < 40; ++i) unmetered.push_back(up(1, 4, 1518).input);
  EXPECT_EQ(run(0, unmetered, rte_get_tsc_hz())[2].size(), 40u);
}

// Two workers: worker 1 polls access0 (so owns its subscribers' meters),
// worker 0 polls the core port. Downstream frames of metered subscribers on
// access0 go to worker 1 to be policed, counted and sent; others go straight out.
class MeterTransferTest : public PipelineTest {
 protected:
  void SetUp() override {
    PipelineTest::SetUp();
    RouterConfig two_workers = config_;
    two_workers.worker_lcores = {1, 2};
    two_workers.ports[0].worker = 2;  // access0 -> worker index 1
    two_workers.ports[1].worker = 1;
    two_workers.ports[2].worker = 1;
    two_workers.subscribers[0].rate_bps[unsigned(Direction::kDownstream)] = 1000000;  // subscriber 1
    harness_ = std::make_unique<test::RouterHarness>(two_workers, std::vector<uint16_t>{}, test::small_limits(), 2);
    for (const std::string& f : harness_->failures) ADD_FAILURE() << f;
    tables_ = harness_->tables.get();
    counters_ = harness_->counters.get();
    rib_ = harness_->rib.get();
    ASSERT_EQ(tables_->ports[0].owner_worker, 1);
  }
  Totals worker_subscriber(unsigned worker, uint32_t id) {
    Totals t;
    t += counters_->worker(worker).subscriber_traffic(*rib_->subscriber_handle(id), Direction::kDownstream);
    return t;
  }
};

TEST_F(MeterTransferTest, MeteredSubscribersFramesArePolicedAndSentByTheMeterOwner) {
  gen::FramePair metered = down(1, 4), unmetered = down(2, 4);
  auto out = harness_->run(pool_, 2, {metered.input, unmetered.input, metered.input}, 1, 0);
  EXPECT_EQ(out[0], std::vector<Bytes>{unmetered.expected});  // worker 0 sends the unmetered frame itself
  ASSERT_EQ(harness_->handed_off[1].size(), 2u);
  EXPECT_EQ(worker_subscriber(0, 1).packets, 0u);  // not counted by the receiving worker

  auto owner_out = harness_->run_transfers(1);
  EXPECT_EQ(owner_out[0], (std::vector<Bytes>{metered.expected, metered.expected}));
  EXPECT_EQ(worker_subscriber(1, 1), (Totals{2, 2u * metered.ip_length}));
  EXPECT_EQ(worker_subscriber(0, 2), (Totals{1, unmetered.ip_length}));
  EXPECT_EQ(isp(1, Direction::kDownstream), (Totals{2, 2u * metered.ip_length}));
  EXPECT_EQ(counters_->total_drops(), 0u);
}

TEST_F(MeterTransferTest, TheOwnerEnforcesTheDownstreamRate) {
  // 1 Mbit/s: burst 16384 bytes; 30 full-size frames at one instant.
  std::vector<Bytes> frames;
  for (int i = 0; i < 30; ++i) frames.push_back(gen::downstream_frame(config_, sub(1), 100, 4, 1518, 64, 64, i).input);
  harness_->run(pool_, 2, frames, rte_get_tsc_hz(), 0);
  auto out = harness_->run_transfers(1, rte_get_tsc_hz());
  ASSERT_FALSE(out[0].empty());
  uint64_t conforming = 16384 / out[0][0].size();
  EXPECT_EQ(out[0].size(), conforming);
  EXPECT_EQ(drops(DropReason::kMeterDownstream), 30 - conforming);
  EXPECT_EQ(counters_->worker(1).subscriber_meter_drops(*rib_->subscriber_handle(1), Direction::kDownstream).get(),
            30 - conforming);
}

TEST_F(MeterTransferTest, FramesOfASubscriberRemovedInFlightAreDroppedAsGone) {
  harness_->run(pool_, 2, {down(1, 4).input, down(1, 6).input}, 1, 0);
  ASSERT_EQ(harness_->handed_off[1].size(), 2u);
  ASSERT_TRUE(rib_->remove_subscriber(1).ok());
  EXPECT_TRUE(harness_->run_transfers(1)[0].empty());
  EXPECT_EQ(drops(DropReason::kSubscriberGone), 2u);
}

TEST_F(PipelineTest, DownstreamPopsAndDeliversToTheLineByteForByte) {
  std::vector<gen::FramePair> pairs = {down(1, 4), down(1, 6), down(2, 4), down(3, 6), down(4, 4, 100, 10, 64)};
  std::vector<Bytes> in;
  for (auto& p : pairs) in.push_back(p.input);
  auto out = run(2, in);
  EXPECT_EQ(out[0], (std::vector<Bytes>{pairs[0].expected, pairs[1].expected, pairs[2].expected, pairs[4].expected}));
  EXPECT_EQ(out[1], std::vector<Bytes>{pairs[3].expected});
  EXPECT_EQ(pairs[4].expected[22 + 8], 9);  // uniform: IP TTL from the MPLS TTL 10, minus one
  EXPECT_EQ(isp(2, Direction::kDownstream), (Totals{2, uint64_t(pairs[2].ip_length + pairs[3].ip_length)}));
  EXPECT_EQ(counters_->port_rx(2), (Totals{5, total_size(in)}));
  EXPECT_EQ(harness_->queued_bytes[0], total_size(out[0]));
  EXPECT_EQ(harness_->queued_bytes[1], total_size(out[1]));
}

TEST_F(PipelineTest, ExplicitNullIsPoppedOtherReservedLabelsDropped) {
  auto p = down(1, 4);
  // Prepend IPv4 explicit null above label 100.
  Bytes with_null(p.input.begin(), p.input.begin() + 14);
  Bytes null_entry = {0x00, 0x00, 0x00, 0x40};  // label 0, not BoS, TTL 64
  with_null.insert(with_null.end(), null_entry.begin(), null_entry.end());
  with_null.insert(with_null.end(), p.input.begin() + 14, p.input.end());
  Bytes null_only = p.input;
  null_only[14] = 0, null_only[15] = 0, null_only[16] = 0x01;  // label 0, BoS
  Bytes router_alert = p.input;
  router_alert[14] = 0, router_alert[15] = 0, router_alert[16] = 0x11;  // label 1, BoS
  auto out = run(2, {with_null, null_only, router_alert});
  EXPECT_EQ(out[0], (std::vector<Bytes>{p.expected, p.expected}));
  EXPECT_EQ(drops(DropReason::kReservedLabel), 1u);
}

TEST_F(PipelineTest, DownstreamDropsAreCountedByReason) {
  Bytes unknown_label = down(1, 4, 200).input;
  Bytes not_bottom = down(1, 4).input;
  not_bottom[16] &= 0xFE;  // clear BoS: the stack continues into the IP header
  Bytes ttl1 = down(1, 4, 100, 1).input;
  Bytes ip_ttl1 = down(1, 4, 100, 64, 1).input;
  Bytes unknown_dest = down(1, 4).input;
  unknown_dest[18 + 19] = 200;  // 100.64.0.200
  Bytes not_mpls = up(1, 4).input;
  Bytes truncated = down(1, 4).input;
  truncated.resize(16);
  run(2, {unknown_label, not_bottom, ttl1, ip_ttl1, unknown_dest, not_mpls, truncated});
  EXPECT_EQ(drops(DropReason::kUnknownLabel), 1u);
  EXPECT_EQ(drops(DropReason::kLabelStackTooDeep), 1u);
  EXPECT_EQ(drops(DropReason::kTtlExpired), 2u);
  EXPECT_EQ(drops(DropReason::kUnknownDestination), 1u);
  EXPECT_EQ(drops(DropReason::kNotMpls), 1u);
  EXPECT_EQ(drops(DropReason::kTruncated), 1u);
  EXPECT_EQ(counters_->port_tx(0).packets + counters_->port_rx(0).packets, 0u);
}

// A labelled frame as a transit router sees it: MACs, label stack entries
// (label, TC, TTL; bottom of stack on the last) and an IPv4 packet.
Bytes labelled_frame(const std::vector<std::array<uint32_t, 3>>& stack, unsigned ip_bytes = 60) {
  Bytes f = {0x02, 0, 0, 0, 0xc0, 0x00, 0x02, 0, 0, 0, 0xee, 0x09, 0x88, 0x47};
  for (size_t i = 0; i < stack.size(); ++i) {
    uint32_t entry = wire::mpls_encode(stack[i][0], uint8_t(stack[i][1]), i + 1 == stack.size(), uint8_t(stack[i][2]));
    for (int shift = 24; shift >= 0; shift -= 8) f.push_back(uint8_t(entry >> shift));
  }
  Bytes ip(ip_bytes, 0xab);
  ip[0] = 0x45, ip[2] = uint8_t(ip_bytes >> 8), ip[3] = uint8_t(ip_bytes), ip[8] = 17;
  f.insert(f.end(), ip.begin(), ip.end());
  return f;
}

NhlfeSpec swap_to(std::vector<uint32_t> labels, uint16_t port = 2) {
  NhlfeSpec spec;
  spec.labels = std::move(labels);
  spec.out_port = port;
  spec.next_hop_mac = {{0x02, 0, 0, 0, 0xee, 0x01}};
  return spec;
}

TEST_F(PipelineTest, SwapReplacesTheLabelByteForByte) {
  ASSERT_TRUE(rib_->set_ilm_swap(500, swap_to({700})).ok());
  ASSERT_TRUE(rib_->set_ilm_swap(501, swap_to({701, 702})).ok());
  Bytes one = labelled_frame({{500, 5, 64}});
  Bytes deeper = labelled_frame({{501, 3, 20}, {900, 1, 99}});
  // Explicit null on top is popped; the label under it is swapped.
  Bytes under_null = labelled_frame({{0, 0, 40}, {500, 2, 40}});
  auto out = run(2, {one, deeper, under_null});
  // Next hop MAC, core0's MAC, then the out labels with TC kept and TTL - 1.
  Bytes l2 = {0x02, 0, 0, 0, 0xee, 0x01, 0x02, 0, 0, 0, 0xc0, 0x00, 0x88, 0x47};
  Bytes one_out = l2;
  for (uint8_t b : {0x00, 0x2b, 0xcb, 63}) one_out.push_back(b);  // 700, TC 5, S, TTL 63
  one_out.insert(one_out.end(), one.begin() + 18, one.end());
  Bytes deeper_out = l2;
  for (uint8_t b : {0x00, 0x2b, 0xd6, 19, 0x00, 0x2b, 0xe6, 19}) deeper_out.push_back(b);  // 701, 702: TC 3, not S
  deeper_out.insert(deeper_out.end(), deeper.begin() + 18, deeper.end());  // 900 and the packet as they were
  Bytes under_null_out = l2;
  for (uint8_t b : {0x00, 0x2b, 0xc5, 39}) under_null_out.push_back(b);  // 700, TC 2, S, TTL 39
  under_null_out.insert(under_null_out.end(), under_null.begin() + 22, under_null.end());
  EXPECT_EQ(out[2], (std::vector<Bytes>{one_out, deeper_out, under_null_out}));
  // A transit frame is nobody's subscriber traffic.
  EXPECT_EQ(isp(1, Direction::kDownstream), (Totals{0, 0}));
  EXPECT_EQ(isp(1, Direction::kUpstream), (Totals{0, 0}));
  EXPECT_EQ(counters_->port_rx(2), (Totals{3, total_size({one, deeper, under_null})}));
  EXPECT_EQ(harness_->queued_bytes[2], total_size(out[2]));
}

TEST_F(PipelineTest, SwappedAndDeliveredFramesOfOneBurstEachTakeTheirPath) {
  ASSERT_TRUE(rib_->set_ilm_swap(500, swap_to({700})).ok());
  auto d1 = down(1, 4), d2 = down(3, 6);
  Bytes transit = labelled_frame({{500, 0, 64}});
  auto out = run(2, {transit, d1.input, transit, d2.input});
  EXPECT_EQ(out[0], std::vector<Bytes>{d1.expected});
  EXPECT_EQ(out[1], std::vector<Bytes>{d2.expected});
  ASSERT_EQ(out[2].size(), 2u);
  EXPECT_EQ(out[2][0][16], 0xc1);  // 700's low nibble, TC 0, S
  EXPECT_EQ(isp(1, Direction::kDownstream), (Totals{1, uint64_t(d1.ip_length)}));
}

TEST_F(PipelineTest, SwapDropsAreCountedByReason) {
  ASSERT_TRUE(rib_->set_ilm_swap(500, swap_to({700, 701, 702})).ok());
  Bytes ttl1 = labelled_frame({{500, 0, 1}});
  // The out port's MTU (1500) less two more labels than came in.
  Bytes fits = labelled_frame({{500, 0, 64}}, 1500 - 12);
  Bytes too_big = labelled_frame({{500, 0, 64}}, 1500 - 11);
  auto out = run(2, {ttl1, fits, too_big});
  EXPECT_EQ(out[2].size(), 1u);
  EXPECT_EQ(drops(DropReason::kTtlExpired), 1u);
  EXPECT_EQ(drops(DropReason::kMtuExceeded), 1u);
}

TEST_F(PipelineTest, ReplacedAndClearedSwapsRetireTheirNhlfes) {
  ASSERT_TRUE(rib_->set_ilm_swap(500, swap_to({700})).ok());
  uint32_t in_use = tables_->nhlfes.in_use();
  ASSERT_TRUE(rib_->set_ilm_swap(500, swap_to({800})).ok());
  auto out = run(2, {labelled_frame({{500, 0, 64}})});
  ASSERT_EQ(out[2].size(), 1u);
  EXPECT_EQ(wire::load_be32(out[2][0].data() + 14) >> 12, 800u);
  tables_->rcu.synchronize();  // the grace period of the replaced NHLFE
  EXPECT_EQ(tables_->nhlfes.in_use(), in_use);
  ASSERT_TRUE(rib_->clear_ilm(500).ok());
  tables_->rcu.synchronize();
  EXPECT_EQ(tables_->nhlfes.in_use(), in_use - 1);
  run(2, {labelled_frame({{500, 0, 64}})});
  EXPECT_EQ(drops(DropReason::kUnknownLabel), 1u);
  // A swap's labels obey the rules of any pushed stack.
  EXPECT_FALSE(rib_->set_ilm_swap(500, swap_to({7})).ok());
  EXPECT_FALSE(rib_->set_ilm_swap(500, swap_to({700}, 0)).ok());  // access0 is no core port
  EXPECT_FALSE(rib_->set_ilm(600, {IlmAction::kSwap, 0}).ok());  // a swap without its NHLFE
}

TEST_F(PipelineTest, ANeighboursNewMacRewritesExactlyTheNhlfesThroughIt) {
  const rte_ether_addr red_next_hop = {{0x02, 0, 0, 0, 0xff, 0x01}}, moved = {{0x02, 0, 0, 0, 0x77, 0x77}};
  NhlfeSpec via_red = swap_to({701});
  via_red.next_hop_mac = red_next_hop;
  ASSERT_TRUE(rib_->set_ilm_swap(500, swap_to({700})).ok());
  ASSERT_TRUE(rib_->set_ilm_swap(501, via_red, EntrySource::kApi).ok());
  const uint16_t red = rib_->isp(1)->index, green = rib_->isp(2)->index;
  const uint32_t red_before = tables_->ftn.lookup(red), green_before = tables_->ftn.lookup(green);
  const uint32_t swap500_before = tables_->ilm.lookup(500).argument, swap501_before = tables_->ilm.lookup(501).argument;

  unsigned rewritten = 0;
  ASSERT_TRUE(rib_->move_neighbour(2, red_next_hop, moved, &rewritten).ok());
  EXPECT_EQ(rewritten, 2u);  // red's FTN entry and the swap of 501
  EXPECT_NE(tables_->ftn.lookup(red), red_before);
  EXPECT_NE(tables_->ilm.lookup(501).argument, swap501_before);
  EXPECT_EQ(tables_->ftn.lookup(green), green_before);
  EXPECT_EQ(tables_->ilm.lookup(500).argument, swap500_before);
  EXPECT_EQ(rib_->ilm().at(501).source, EntrySource::kApi);  // the entry keeps its source

  // Frames through the neighbour go to its new MAC, the others as before.
  auto red_frame = up(1, 4), green_frame = up(2, 4);
  auto out = run(0, {red_frame.input, green_frame.input});
  Bytes red_expected = red_frame.expected;
  std::copy(moved.addr_bytes, moved.addr_bytes + 6, red_expected.begin());
  EXPECT_EQ(out[2], (std::vector<Bytes>{red_expected, green_frame.expected}));
  out = run(2, {labelled_frame({{500, 0, 64}}), labelled_frame({{501, 0, 64}})});
  ASSERT_EQ(out[2].size(), 2u);
  EXPECT_EQ(Bytes(out[2][0].begin(), out[2][0].begin() + 6), (Bytes{0x02, 0, 0, 0, 0xee, 0x01}));
  EXPECT_EQ(Bytes(out[2][1].begin(), out[2][1].begin() + 6), (Bytes{0x02, 0, 0, 0, 0x77, 0x77}));
}

TEST_F(PipelineTest, AnEntryReplacedByAnotherSourceReportsTheNewSource) {
  EXPECT_EQ(rib_->isp(1)->ftn_source, EntrySource::kStatic);
  NhlfeSpec spec = *rib_->isp(1)->ftn;
  spec.labels = {4242};
  ASSERT_TRUE(rib_->set_ftn(1, spec, EntrySource::kApi).ok());
  EXPECT_EQ(rib_->isp(1)->ftn_source, EntrySource::kApi);
  EXPECT_EQ(rib_->isp(1)->ftn->labels, std::vector<uint32_t>{4242});
  EXPECT_EQ(rib_->ilm().at(100).source, EntrySource::kStatic);
  ASSERT_TRUE(rib_->set_ilm_swap(100, swap_to({700}), EntrySource::kLdp).ok());
  EXPECT_EQ(rib_->ilm().at(100).action, IlmAction::kSwap);
  EXPECT_EQ(rib_->ilm().at(100).source, EntrySource::kLdp);
  // Each withdrawn, the next preferred source's entry takes over.
  ASSERT_TRUE(rib_->clear_ilm(100, EntrySource::kLdp).ok());
  EXPECT_EQ(rib_->ilm().at(100).action, IlmAction::kPopToSubscriber);
  EXPECT_EQ(rib_->ilm().at(100).source, EntrySource::kStatic);
  EXPECT_EQ(tables_->ilm.lookup(100).action, IlmAction::kPopToSubscriber);
  ASSERT_TRUE(rib_->clear_ilm(100).ok());
  EXPECT_EQ(rib_->ilm().count(100), 0u);
  EXPECT_EQ(tables_->ilm.lookup(100).action, IlmAction::kNone);
  // A less preferred source's entry waits behind the installed one.
  ASSERT_TRUE(rib_->set_ilm_swap(100, swap_to({700}), EntrySource::kApi).ok());
  ASSERT_TRUE(rib_->set_ilm(100, {IlmAction::kPopToSubscriber, 0}, EntrySource::kStatic).ok());
  EXPECT_EQ(rib_->ilm().at(100).source, EntrySource::kApi);
  EXPECT_EQ(tables_->ilm.lookup(100).action, IlmAction::kSwap);
}

TEST_F(PipelineTest, TableChangesTakeEffectAndFailedChangesChangeNothing) {
  // Move subscriber 1 from red (1001) to green (16001/2002/3003).
  ASSERT_TRUE(rib_->set_subscriber_isp(1, 2).ok());
  SubscriberConfig moved = sub(1);
  moved.isp = "green";
  auto p = gen::upstream_frame(config_, moved, *config_.isp("green"), 4, 128, 0, 64, 1);
  EXPECT_EQ(run(0, {p.input})[2], std::vector<Bytes>{p.expected});
  // New labels for green.
  ASSERT_TRUE(rib_->set_ftn(2, {{555}, 2, {{2, 0, 0, 0, 0xff, 2}}}).ok());
  Bytes out = run(0, {p.input})[2].at(0);
  EXPECT_EQ(wire::mpls_decode(wire::load_be32(out.data() + 14)).label, 555u);
  EXPECT_TRUE(wire::mpls_decode(wire::load_be32(out.data() + 14)).bottom_of_stack);
  // Rejected changes.
  EXPECT_FALSE(rib_->set_ftn(2, {{1, 2}, 2, {}}).ok());      // reserved label
  EXPECT_FALSE(rib_->set_ftn(2, {{20}, 0, {}}).ok());        // access port
  EXPECT_FALSE(rib_->set_subscriber_isp(1, 77).ok());        // no such ISP
  EXPECT_FALSE(rib_->remove_isp(2).ok());                    // still has subscribers
  SubscriberSpec clash = subscriber_spec(config_, sub(2), {0, 1, 2});
  clash.id = 50;
  EXPECT_FALSE(rib_->add_subscriber(clash).ok());            // line taken
  EXPECT_EQ(run(0, {p.input})[2].size(), 1u);
  // Removal: the line and the addresses are gone.
  ASSERT_TRUE(rib_->remove_subscriber(1).ok());
  rib_->reclaim();
  run(0, {p.input});
  EXPECT_EQ(drops(DropReason::kUnknownLine), 1u);
  run(2, {down(2, 4).input, gen::downstream_frame(config_, sub(1), 100, 4, 256, 64, 64, 9).input});
  EXPECT_EQ(drops(DropReason::kUnknownDestination), 1u);
}

TEST(SubscriberScale, OneMillionSubscribersFitAndLoad) {
  test::packet_pool();
  rte_malloc_socket_stats before{}, after{};
  rte_malloc_get_socket_stats(0, &before);
  TableLimits limits;
  limits.subscribers = 1'000'000;
  limits.isps = 16;
  limits.label_space = 4096;
  auto tables = std::make_unique<Tables>(limits);
  tables->ports[0].role = PortRole::kAccess;
  tables->ports[1].role = PortRole::kCore;
  Rib rib(*tables);
  ASSERT_TRUE(rib.add_isp(1, "red").ok());
  auto started = std::chrono::steady_clock::now();
  SubscriberSpec s;
  s.isp_id = 1;
  s.port = 0;
  s.addresses.resize(2);
  for (uint32_t i = 0; i < 1'000'000; ++i) {
    s.id = i + 1;
    s.svlan = uint16_t(1 + i / 4000);
    s.cvlan = uint16_t(1 + i % 4000);
    s.rate_bps[0] = 50'000'000;
    s.addresses[0] = {4, 32, {100, uint8_t(64 + (i >> 16)), uint8_t(i >> 8), uint8_t(i)}};
    s.addresses[1] = {6, 56, {0x20, 0x01, 0x0d, 0xb8, uint8_t(i >> 16), uint8_t(i >> 8), uint8_t(i)}};
    Status st = rib.add_subscriber(s);
    ASSERT_TRUE(st.ok()) << i << ": " << st.error;
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  rte_malloc_get_socket_stats(0, &after);
  size_t dpdk_bytes = after.heap_allocsz_bytes - before.heap_allocsz_bytes;
  size_t table_bytes = dpdk_bytes + tables->subscribers.memory_bytes() +
                       size_t(limits.subscribers) * kDirections * sizeof(rte_meter_srtcm);
  std::printf("1M subscribers loaded in %.2f s; table memory %.1f bytes/subscriber\n", seconds,
              double(table_bytes) / 1e6);
  RecordProperty("load_seconds", std::to_string(seconds));
  EXPECT_LE(double(table_bytes) / 1e6, 256.0);
  uint32_t handle = tables->addresses.lookup_ipv4(100u << 24 | 79u << 16 | 0x42u << 8 | 0x3F);
  ASSERT_NE(handle, kInvalidHandle);
  EXPECT_EQ(tables->subscribers.record(handle)->id, (15u << 16 | 0x42u << 8 | 0x3Fu) + 1);
}

}  // namespace
}  // namespace aggr
