// The real aggrd binary on net_pcap ports: aggr-gen's traffic in, output
// pcaps compared frame by frame with the frames a correct headend sends, the
// summary counters compared with exact sums computed from the input, and
// malformed and hostile frames dropped under the right reason.
//
// Usage: aggrd_pcap_test <path to aggrd> [gtest flags]
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

#include "controlplane/config/config.h"
#include "tests/support/integration_main.h"
#include "tests/support/process.h"
#include "tools/aggr-gen/pcap_file.h"
#include "tools/aggr-gen/traffic.h"

namespace aggr {
namespace {

using gen::Bytes;
using nlohmann::json;

std::string g_aggrd_path;

const char* const kConfigTemplate = R"(
router: {name: pcap-test, router_id: 10.255.0.9, role: headend}
eal:
  args: [--no-huge, -m, "256", --no-pci, --log-level=lib.eal:error@EAL_EXTRA@]
workers: {lcores: @LCORES@, idle_polls: 64, idle_sleep_us: 100}
ports:
  - name: access0
    role: access
    mac: "02:00:00:00:a0:00"
    device: net_pcap_a0,rx_pcap=@DIR@/in-access0.pcap,tx_pcap=@DIR@/out-access0.pcap@TX_QUEUE_1_access0@
  - name: access1
    role: access
    classify: source-prefix
    mac: "02:00:00:00:a1:00"
    device: net_pcap_a1,rx_pcap=@DIR@/in-access1.pcap,tx_pcap=@DIR@/out-access1.pcap@TX_QUEUE_1_access1@
  - name: core0
    role: core
    mac: "02:00:00:00:c0:00"
    device: net_pcap_c0,rx_pcap=@DIR@/in-core0.pcap,tx_pcap=@DIR@/out-core0.pcap@TX_QUEUE_1_core0@
isps:
  - {id: 1, name: red, labels: [1001], next_hop: {port: core0, mac: "02:00:00:00:ff:01"}}
  - {id: 2, name: green, labels: [16001, 2002], next_hop: {port: core0, mac: "02:00:00:00:ff:02"}}
  - {id: 3, name: blue, labels: [17001, 17002, 3003], next_hop: {port: core0, mac: "02:00:00:00:ff:03"}}
local_labels: [{label: 100, action: pop-to-subscriber}]
subscribers:
  - {id: 1, isp: red, line: {port: access0, svlan: 100, cvlan: 1}, cpe_mac: "02:00:00:01:00:01",
     addresses: [100.64.0.1/32, "2001:db8:1:100::/56"], rate: {up: 1Gbit, down: 1Gbit}}
  - {id: 2, isp: green, line: {port: access0, svlan: 100, cvlan: 2}, cpe_mac: "02:00:00:01:00:02",
     addresses: [100.64.0.2/32, "2001:db8:1:200::/56"]}
  - {id: 3, isp: blue, line: {port: access0, svlan: 200}, cpe_mac: "02:00:00:01:00:03",
     addresses: [100.64.1.0/29]}
  - {id: 4, isp: green, line: {port: access1}, cpe_mac: "02:00:00:01:00:04",
     addresses: [192.0.2.0/28, "2001:db8:2::/48"], rate: {up: 1Gbit, down: 1Gbit}}
subscribers_file: subscribers.csv
)";

// 60 more QinQ subscribers spread over the three ISPs.
std::string subscribers_csv() {
  std::ostringstream csv;
  const char* isps[] = {"red", "green", "blue"};
  for (unsigned i = 0; i < 60; ++i) {
    char line[200];
    std::snprintf(line, sizeof line, "%u,%s,access0,%u,%u,02:00:00:02:00:%02x,100.65.0.%u/32 2001:db8:10:%x00::/56,,\n",
                  1000 + i, isps[i % 3], 300 + i / 8, i % 8 + 1, i, i + 1, i);
    csv << line;
  }
  return csv.str();
}

std::string hex(const Bytes& frame) {
  std::string text;
  char byte[4];
  for (size_t i = 0; i < frame.size() && i < 96; ++i) {
    std::snprintf(byte, sizeof byte, "%02x", frame[i]);
    text += byte;
  }
  return text + (frame.size() > 96 ? "..." : "");
}

// Order-free comparison: every expected frame came out exactly once, and
// nothing else did. Reports the first differences in hex.
void expect_same_frames(std::vector<Bytes> actual, std::vector<Bytes> expected, const std::string& what) {
  std::sort(actual.begin(), actual.end());
  std::sort(expected.begin(), expected.end());
  std::vector<Bytes> missing, unexpected;
  std::set_difference(expected.begin(), expected.end(), actual.begin(), actual.end(), std::back_inserter(missing));
  std::set_difference(actual.begin(), actual.end(), expected.begin(), expected.end(), std::back_inserter(unexpected));
  EXPECT_EQ(actual.size(), expected.size()) << what;
  EXPECT_TRUE(missing.empty()) << what << ": " << missing.size() << " expected frames missing, first "
                               << hex(missing.front());
  EXPECT_TRUE(unexpected.empty()) << what << ": " << unexpected.size() << " unexpected frames, first "
                                  << hex(unexpected.front());
}

json totals(const gen::ExpectedTotals& t) { return {{"packets", t.packets}, {"bytes", t.bytes}}; }
// A port's counter for these frames: their number and Ethernet bytes.
json totals(const std::vector<Bytes>& frames) {
  uint64_t bytes = 0;
  for (const Bytes& f : frames) bytes += f.size();
  return {{"packets", frames.size()}, {"bytes", bytes}};
}

uint64_t sum_drops(const json& summary) {
  uint64_t total = 0;
  for (const auto& [reason, count] : summary["drops"].items()) total += count.get<uint64_t>();
  return total;
}

class AggrdPcapTest : public ::testing::Test {
 protected:
  void SetUp() override { write_config(1); }

  // One or two workers (lcores 1 and 2, which share the second CPU). Each
  // worker needs its own TX queue on every port: net_pcap has one per
  // tx_pcap file, so tx_queues files per port.
  void write_config(unsigned workers, unsigned tx_queues = 0) {
    if (tx_queues == 0) tx_queues = workers;
    std::string text = test::substitute(kConfigTemplate, "LCORES", workers == 1 ? "[1]" : "[1, 2]");
    text = test::substitute(text, "EAL_EXTRA", workers == 1 ? "" : ", \"--lcores=0@0,1@1,2@1\"");
    for (std::string port : {"access0", "access1", "core0"})
      text = test::substitute(text, "TX_QUEUE_1_" + port, tx_queues == 1 ? "" : ",tx_pcap=@DIR@/out-" + port + "-q1.pcap");
    text = test::substitute(text, "DIR", dir_.path());
    test::write_file(dir_.file("config.yaml"), text);
    test::write_file(dir_.file("subscribers.csv"), subscribers_csv());
    LoadResult loaded = load_config(dir_.file("config.yaml"));
    for (const ConfigError& e : loaded.errors) ADD_FAILURE() << e.to_string();
    config_ = loaded.config;
  }

  // Generated traffic through aggrd: every frame out as expected, every
  // counter equal to the sums computed from the input.
  void forward_and_check(unsigned packets_per_subscriber) {
    gen::TrafficProfile profile;
    profile.packets_per_subscriber = packets_per_subscriber;
    gen::GeneratedTraffic t = gen::generate(config_, profile);
    write_input("access0", t.upstream["access0"]);
    write_input("access1", t.upstream["access1"]);
    write_input("core0", t.downstream);

    json summary = run_aggrd();
    ASSERT_FALSE(summary.empty());

    expect_same_frames(output("core0"), t.expected_core, "core0 (upstream, labelled)");
    expect_same_frames(output("access0"), t.expected_access["access0"], "access0 (downstream)");
    expect_same_frames(output("access1"), t.expected_access["access1"], "access1 (downstream)");

    for (const IspConfig& isp : config_.isps) {
      EXPECT_EQ(summary["isps"][isp.name]["up"], totals(t.isp_up[isp.name])) << isp.name;
      EXPECT_EQ(summary["isps"][isp.name]["down"], totals(t.isp_down[isp.name])) << isp.name;
    }
    ASSERT_EQ(summary["subscribers"].size(), config_.subscribers.size());
    for (const SubscriberConfig& s : config_.subscribers) {
      const json& counted = summary["subscribers"][std::to_string(s.id)];
      EXPECT_EQ(counted["up"], totals(t.subscriber_up[s.id])) << "subscriber " << s.id;
      EXPECT_EQ(counted["down"], totals(t.subscriber_down[s.id])) << "subscriber " << s.id;
      EXPECT_EQ(counted["meter_drops_up"], 0);
      EXPECT_EQ(counted["meter_drops_down"], 0);
    }
    EXPECT_EQ(sum_drops(summary), 0u) << summary["drops"].dump();
    EXPECT_EQ(summary["ports"]["access0"]["rx"], totals(t.upstream["access0"]));
    EXPECT_EQ(summary["ports"]["core0"]["rx"], totals(t.downstream));
    EXPECT_EQ(summary["ports"]["core0"]["tx"], totals(t.expected_core));
  }

  void write_input(const std::string& port, const std::vector<Bytes>& frames) {
    gen::write_pcap(dir_.file("in-" + port + ".pcap"), frames);
  }
  // Frames the port sent, from every TX queue's file.
  std::vector<Bytes> output(const std::string& port) {
    std::vector<Bytes> frames = gen::read_pcap(dir_.file("out-" + port + ".pcap"));
    if (std::filesystem::exists(dir_.file("out-" + port + "-q1.pcap"))) {
      std::vector<Bytes> more = gen::read_pcap(dir_.file("out-" + port + "-q1.pcap"));
      frames.insert(frames.end(), more.begin(), more.end());
    }
    return frames;
  }

  // Runs aggrd until its inputs are exhausted; returns its summary JSON.
  json run_aggrd() {
    test::ProcessResult r = test::run_process(
        {g_aggrd_path, "--config", dir_.file("config.yaml"), "--exit-idle", "0.5", "--quiet", "--no-services", "--summary-json",
         dir_.file("summary.json"), "-E", "--file-prefix=" + dir_.file_prefix()});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    if (r.exit_code != 0) return json::object();
    return json::parse(test::read_file(dir_.file("summary.json")));
  }

  test::ScratchDir dir_{"pcap-test"};
  RouterConfig config_;
};

TEST_F(AggrdPcapTest, ForwardsEveryFrameAsExpectedAndCountsExactly) { forward_and_check(8); }

// Two workers on the two CPUs: worker 1 polls access0 and core0, worker 2
// polls access1, so downstream frames of access1's metered subscriber are
// handed from worker 1 to worker 2, its meter's owner.
TEST_F(AggrdPcapTest, TwoWorkersForwardExactlyWithMeterTransfer) {
  write_config(2);
  ASSERT_EQ(config_.port_workers(), (std::vector<unsigned>{1, 2, 1}));
  forward_and_check(8);
}

// A device with fewer TX queues than workers is refused at start, naming the
// port, and nothing is forwarded.
TEST_F(AggrdPcapTest, RefusesAPortWithFewerTxQueuesThanWorkers) {
  write_config(2, 1);
  write_input("access0", {});
  write_input("access1", {});
  write_input("core0", {});
  test::ProcessResult r = test::run_process({g_aggrd_path, "--config", dir_.file("config.yaml"), "--quiet", "--no-services", "-E",
                                             "--file-prefix=" + dir_.file_prefix()});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("port access0: needs 1 rx and 2 tx queues, device has 1 and 1"), std::string::npos)
      << r.output;
}

// Builders for the hostile frames below.
struct Hostile {
  const gen::Mac router_a0 = gen::parse_mac_or_die("02:00:00:00:a0:00");
  const gen::Mac router_a1 = gen::parse_mac_or_die("02:00:00:00:a1:00");
  const gen::Mac router_c0 = gen::parse_mac_or_die("02:00:00:00:c0:00");
  const gen::Mac cpe = gen::parse_mac_or_die("02:00:00:01:00:01");
  const gen::Mac peer = gen::parse_mac_or_die("02:00:00:00:ff:01");
  const std::vector<gen::VlanTag> line1 = {{0x88A8, 100}, {0x8100, 1}};  // subscriber 1

  static gen::IpPacketSpec v4(std::initializer_list<uint8_t> source, std::initializer_list<uint8_t> destination,
                              uint16_t length = 46, uint8_t ttl = 64) {
    gen::IpPacketSpec spec;
    std::copy(source.begin(), source.end(), spec.source);
    std::copy(destination.begin(), destination.end(), spec.destination);
    spec.total_length = length;
    spec.ttl = ttl;
    return spec;
  }
  static gen::IpPacketSpec v6(uint16_t prefix_word2, uint16_t prefix_word3) {
    gen::IpPacketSpec spec;
    spec.version = 6;
    spec.total_length = 64;
    const uint8_t source[16] = {0x20, 0x01, 0x0d, 0xb8, uint8_t(prefix_word2 >> 8), uint8_t(prefix_word2),
                                uint8_t(prefix_word3 >> 8), uint8_t(prefix_word3), 0, 0, 0, 0, 0, 0, 0, 1};
    std::copy(source, source + 16, spec.source);
    spec.destination[0] = 0x20;
    spec.destination[15] = 7;
    return spec;
  }
  Bytes upstream(const std::vector<gen::VlanTag>& tags, uint16_t ethertype, const Bytes& payload) const {
    return gen::pad_to_minimum(gen::ethernet_frame(router_a0, cpe, tags, ethertype, payload));
  }
  Bytes downstream(const std::vector<gen::LabelEntry>& labels, const Bytes& payload) const {
    return gen::pad_to_minimum(gen::mpls_frame(router_c0, peer, labels, payload));
  }
};

TEST_F(AggrdPcapTest, DropsMalformedAndHostileFramesUnderTheirReasonAndForwardsTheRest) {
  gen::TrafficProfile profile;
  profile.packets_per_subscriber = 2;
  gen::GeneratedTraffic t = gen::generate(config_, profile);

  Hostile h;
  std::map<std::string, std::vector<std::pair<Bytes, std::string>>> bad;  // port -> (frame, reason)
  auto add = [&](const std::string& port, Bytes frame, const std::string& reason) {
    bad[port].push_back({std::move(frame), reason});
  };
  const Bytes ip_ok = gen::ip_packet(Hostile::v4({100, 64, 0, 1}, {198, 51, 100, 7}));

  add("access0", Bytes(10, 0xff), "truncated");
  add("access0", Bytes(ip_ok.begin(), ip_ok.begin() + 13), "truncated");
  Bytes cut_in_tags = h.upstream(h.line1, 0x0800, ip_ok);
  cut_in_tags.resize(18);
  add("access0", cut_in_tags, "truncated");
  Bytes long_ip = gen::ip_packet(Hostile::v4({100, 64, 0, 1}, {198, 51, 100, 7}));
  long_ip[2] = 0x05;  // total length 1400+ in a 46-byte packet
  add("access0", h.upstream(h.line1, 0x0800, long_ip), "truncated");
  add("access0", h.upstream({{0x88A8, 100}, {0x8100, 1}, {0x8100, 7}}, 0x0800, ip_ok), "too_many_vlan_tags");
  add("access0", h.upstream({{0x8100, 100}, {0x88A8, 1}}, 0x0800, ip_ok), "too_many_vlan_tags");
  add("access0", h.upstream(h.line1, 0x0806, Bytes(28, 0)), "not_ip");
  add("access0", h.upstream(h.line1, 0x8847, ip_ok), "not_ip");
  Bytes short_ihl = ip_ok;
  short_ihl[0] = 0x44;
  add("access0", h.upstream(h.line1, 0x0800, short_ihl), "bad_ip_header");
  Bytes version7 = ip_ok;
  version7[0] = 0x75;
  add("access0", h.upstream(h.line1, 0x0800, version7), "bad_ip_header");
  add("access0", h.upstream(h.line1, 0x0800, gen::ip_packet(Hostile::v6(0x0001, 0x0100))), "bad_ip_header");
  add("access0", h.upstream({{0x88A8, 999}, {0x8100, 1}}, 0x0800, ip_ok), "unknown_line");
  add("access0", h.upstream({{0x8100, 100}}, 0x0800, ip_ok), "unknown_line");
  add("access0", h.upstream({}, 0x0800, ip_ok), "unknown_line");
  add("access0", h.upstream(h.line1, 0x0800, gen::ip_packet(Hostile::v4({100, 64, 9, 9}, {198, 51, 100, 7}))),
      "spoofed_source");
  add("access0", h.upstream(h.line1, 0x86DD, gen::ip_packet(Hostile::v6(0x0001, 0x0200))), "spoofed_source");
  add("access0", h.upstream(h.line1, 0x0800, gen::ip_packet(Hostile::v4({100, 64, 0, 1}, {8, 8, 8, 8}, 46, 1))),
      "ttl_expired");
  add("access0", h.upstream(h.line1, 0x0800, gen::ip_packet(Hostile::v4({100, 64, 0, 1}, {8, 8, 8, 8}, 46, 0))),
      "ttl_expired");
  add("access0", h.upstream(h.line1, 0x0800, gen::ip_packet(Hostile::v4({100, 64, 0, 1}, {8, 8, 8, 8}, 1500))),
      "mtu_exceeded");
  add("access0", h.upstream(h.line1, 0x0800, gen::ip_packet(Hostile::v4({100, 64, 0, 1}, {8, 8, 8, 8}, 3000))),
      "multi_segment");  // larger than one mbuf: net_pcap chains segments

  Bytes from_nobody = gen::ip_packet(Hostile::v4({203, 0, 113, 5}, {198, 51, 100, 7}));
  add("access1", gen::pad_to_minimum(gen::ethernet_frame(h.router_a1, h.cpe, {}, 0x0800, from_nobody)),
      "unknown_source");
  add("access1", gen::pad_to_minimum(gen::ethernet_frame(h.router_a1, h.cpe, {}, 0x86DD,
                                                         gen::ip_packet(Hostile::v6(0x0099, 0)))),
      "unknown_source");

  const Bytes to_subscriber = gen::ip_packet(Hostile::v4({198, 51, 100, 7}, {100, 64, 0, 1}));
  add("core0", gen::pad_to_minimum(gen::ethernet_frame(h.router_c0, h.peer, {}, 0x0800, to_subscriber)), "not_mpls");
  add("core0", gen::pad_to_minimum(gen::ethernet_frame(h.router_c0, h.peer, {{0x8100, 5}}, 0x8847,
                                                       Bytes{0, 0x06, 0x41, 64})),
      "not_mpls");
  add("core0", h.downstream({{5, 0, 64}}, to_subscriber), "reserved_label");
  add("core0", h.downstream({{3, 0, 64}}, to_subscriber), "reserved_label");
  add("core0", h.downstream({{999, 0, 64}}, to_subscriber), "unknown_label");
  add("core0", h.downstream({{1048575, 0, 64}}, to_subscriber), "unknown_label");
  add("core0", h.downstream({{100, 0, 64}, {200, 0, 64}}, to_subscriber), "label_stack_too_deep");
  add("core0", h.downstream({{100, 0, 64}}, gen::ip_packet(Hostile::v4({198, 51, 100, 7}, {203, 0, 113, 9}))),
      "unknown_destination");
  add("core0", h.downstream({{100, 0, 1}}, to_subscriber), "ttl_expired");
  add("core0", gen::ethernet_frame(h.router_c0, h.peer, {}, 0x8847, Bytes{0, 0x06}), "truncated");
  add("core0", h.downstream({{100, 0, 64}}, Bytes(to_subscriber.begin(), to_subscriber.begin() + 12)), "truncated");

  // Three copies of each hostile frame, spread evenly through the good traffic.
  std::map<std::string, uint64_t> expected_drops;
  std::map<std::string, std::vector<Bytes>> inputs = {
      {"access0", t.upstream["access0"]}, {"access1", t.upstream["access1"]}, {"core0", t.downstream}};
  for (auto& [port, frames] : bad) {
    std::vector<Bytes>& in = inputs[port];
    for (unsigned copy = 0; copy < 3; ++copy)
      for (size_t i = 0; i < frames.size(); ++i) {
        size_t at = (in.size() * (copy * frames.size() + i)) / (3 * frames.size() + 1);
        in.insert(in.begin() + std::ptrdiff_t(at), frames[i].first);
        ++expected_drops[frames[i].second];
      }
  }
  for (const auto& [port, frames] : inputs) write_input(port, frames);

  json summary = run_aggrd();
  ASSERT_FALSE(summary.empty());

  // Only the good frames come out, each exactly as expected.
  expect_same_frames(output("core0"), t.expected_core, "core0");
  expect_same_frames(output("access0"), t.expected_access["access0"], "access0");
  expect_same_frames(output("access1"), t.expected_access["access1"], "access1");
  for (const auto& [reason, count] : summary["drops"].items())
    EXPECT_EQ(count.get<uint64_t>(), expected_drops[reason]) << "drops for " << reason;
  for (const IspConfig& isp : config_.isps) {
    EXPECT_EQ(summary["isps"][isp.name]["up"], totals(t.isp_up[isp.name])) << isp.name;
    EXPECT_EQ(summary["isps"][isp.name]["down"], totals(t.isp_down[isp.name])) << isp.name;
  }
}

// Random bytes with plausible headers: whatever the router makes of them, it
// survives, forwards none of it, and counts every frame under some reason.
TEST_F(AggrdPcapTest, SurvivesRandomFramesAndCountsEveryOne) {
  std::mt19937 random(20261121);
  const uint16_t ethertypes[] = {0x0800, 0x86DD, 0x8100, 0x88A8, 0x8847, 0x0806, 0x1234};
  std::map<std::string, std::vector<Bytes>> inputs;
  const unsigned kFramesPerPort = 3000;
  for (const char* port : {"access0", "access1", "core0"}) {
    for (unsigned i = 0; i < kFramesPerPort; ++i) {
      Bytes frame(1 + random() % 1514);
      for (uint8_t& b : frame) b = uint8_t(random());
      // Give most frames a real ethertype (and tags, labels) so that the
      // deeper parsers see them too.
      if (frame.size() >= 14 && random() % 4 != 0) {
        uint16_t type = ethertypes[random() % 7];
        frame[12] = uint8_t(type >> 8);
        frame[13] = uint8_t(type);
      }
      inputs[port].push_back(std::move(frame));
    }
    write_input(port, inputs[port]);
  }

  json summary = run_aggrd();
  ASSERT_FALSE(summary.empty());
  EXPECT_EQ(sum_drops(summary), 3u * kFramesPerPort) << summary["drops"].dump();
  for (const char* port : {"access0", "access1", "core0"}) {
    EXPECT_EQ(summary["ports"][port]["rx"]["packets"], kFramesPerPort) << port;
    EXPECT_EQ(summary["ports"][port]["tx"]["packets"], 0) << port;
    EXPECT_TRUE(output(port).empty()) << port;
  }
}

// ---------------------------------------------------- transit and tailend

// What every role's pcap run shares.
const std::string kPcapRunSettings = R"(
eal: {args: [--no-huge, -m, "256", --no-pci, --log-level=lib.eal:error]}
workers: {lcores: [1], idle_polls: 64, idle_sleep_us: 100}
)";

const std::string kTransitTemplate = kPcapRunSettings + R"(
router: {name: pcap-transit, role: transit}
ports:
  - {name: west, role: core, mac: "02:00:00:00:1a:00", device: "net_pcap_w,rx_pcap=@DIR@/in-west.pcap,tx_pcap=@DIR@/out-west.pcap"}
  - {name: east, role: core, mac: "02:00:00:00:1b:00", device: "net_pcap_e,rx_pcap=@DIR@/in-east.pcap,tx_pcap=@DIR@/out-east.pcap"}
local_labels:
  - {label: 300, action: swap, out_labels: [1001], next_hop: {port: east, mac: "02:00:00:00:2b:01"}}
  - {label: 320, action: swap, out_labels: [3], next_hop: {port: east, mac: "02:00:00:00:2b:01"}}
  - {label: 500, action: swap, out_labels: [100], next_hop: {port: west, mac: "02:00:00:00:c0:00"}}
)";

const std::string kTailendTemplate = kPcapRunSettings + R"(
router: {name: pcap-tailend, role: tailend}
ports:
  - {name: core0, role: core, mac: "02:00:00:00:2b:01", device: "net_pcap_c,rx_pcap=@DIR@/in-core0.pcap,tx_pcap=@DIR@/out-core0.pcap"}
  - {name: red0, role: isp, mac: "02:00:00:00:3d:00", device: "net_pcap_r,rx_pcap=@DIR@/in-red0.pcap,tx_pcap=@DIR@/out-red0.pcap"}
isps:
  - {id: 1, name: red, handoff: {port: red0, mac: "02:00:00:00:d0:01"}}
local_labels: [{label: 3001, action: pop-to-isp, isp: red}]
prefix_fecs:
  - {prefix: 100.64.0.0/16, labels: [4100], next_hop: {port: core0, mac: "02:00:00:00:1b:00"}}
)";

// The aggrd binary as a transit and as a tailend: frames good and hostile
// in, the good ones out byte for byte, each hostile one dropped under its
// reason; and random frames survived, every one counted.
class RolePcapTest : public AggrdPcapTest {
 protected:
  void SetUp() override {}
  void use(const std::string& config) {
    test::write_file(dir_.file("config.yaml"), test::substitute(config, "DIR", dir_.path()));
  }
  // Hostile frames spread through the good ones, each expected dropped under its reason.
  void mix(std::vector<Bytes>& in, const std::vector<std::pair<Bytes, std::string>>& hostile,
           std::map<std::string, uint64_t>& expected_drops) {
    for (size_t i = 0; i < hostile.size(); ++i) {
      in.insert(in.begin() + std::ptrdiff_t(in.size() * i / hostile.size()), hostile[i].first);
      ++expected_drops[hostile[i].second];
    }
  }
  void expect_drops(const json& summary, std::map<std::string, uint64_t> expected) {
    for (const auto& [reason, count] : summary["drops"].items())
      EXPECT_EQ(count.get<uint64_t>(), expected[reason]) << "drops for " << reason;
  }
  // Random frames, most with a plausible Ethertype, on each port.
  void random_frames(const std::vector<std::string>& ports) {
    std::mt19937 random(20261201);
    const uint16_t ethertypes[] = {0x0800, 0x86DD, 0x8100, 0x8847, 0x0806};
    for (const std::string& port : ports) {
      std::vector<Bytes> frames;
      for (unsigned i = 0; i < 2000; ++i) {
        Bytes frame(1 + random() % 1514);
        for (uint8_t& b : frame) b = uint8_t(random());
        if (frame.size() >= 14 && random() % 4 != 0) {
          const uint16_t type = ethertypes[random() % 5];
          frame[12] = uint8_t(type >> 8), frame[13] = uint8_t(type);
        }
        frames.push_back(std::move(frame));
      }
      write_input(port, frames);
    }
  }

  const gen::Mac peer_ = gen::parse_mac_or_die("02:00:00:00:99:99");
  const Bytes ip_ = gen::ip_packet(Hostile::v4({198, 51, 100, 7}, {100, 64, 0, 1}));
};

TEST_F(RolePcapTest, ATransitSwapsAndDropsHostileCoreFramesByReason) {
  use(kTransitTemplate);
  const gen::Mac west = gen::parse_mac_or_die("02:00:00:00:1a:00"), next = gen::parse_mac_or_die("02:00:00:00:2b:01");
  const gen::Mac east = gen::parse_mac_or_die("02:00:00:00:1b:00");
  std::vector<Bytes> in, expected;
  for (uint8_t i = 0; i < 40; ++i) {
    in.push_back(gen::pad_to_minimum(gen::mpls_frame(west, peer_, {{300, uint8_t(i % 8), 64}}, ip_)));
    expected.push_back(gen::pad_to_minimum(gen::mpls_frame(next, east, {{1001, uint8_t(i % 8), 63}}, ip_)));
  }
  // A stack with no bottom: every entry's S bit clear, to the frame's end.
  Bytes unterminated = gen::mpls_frame(west, peer_, {{999, 0, 64}, {77, 0, 64}}, {});
  unterminated[14 + 6] &= 0xFE;
  std::map<std::string, uint64_t> drops;
  mix(in,
      {{gen::pad_to_minimum(gen::mpls_frame(west, peer_, {{300, 0, 1}}, ip_)), "ttl_expired"},
       {gen::pad_to_minimum(gen::mpls_frame(west, peer_, {{300, 0, 0}}, ip_)), "ttl_expired"},
       {gen::pad_to_minimum(gen::mpls_frame(west, peer_, {{320, 0, 1}}, ip_)), "ttl_expired"},
       {gen::pad_to_minimum(gen::mpls_frame(west, peer_, {{5, 0, 64}}, ip_)), "reserved_label"},
       {gen::pad_to_minimum(gen::mpls_frame(west, peer_, {{3, 0, 64}}, ip_)), "reserved_label"},
       {gen::pad_to_minimum(gen::mpls_frame(west, peer_, {{999, 0, 64}}, ip_)), "unknown_label"},
       {unterminated, "unknown_label"},
       {gen::pad_to_minimum(gen::mpls_frame(west, peer_, {{320, 0, 64}}, Bytes(ip_.begin(), ip_.begin() + 12))),
        "truncated"},
       {gen::ethernet_frame(west, peer_, {}, 0x8847, Bytes{0, 0x12}), "truncated"},
       {gen::pad_to_minimum(gen::ethernet_frame(west, peer_, {}, 0x0800, ip_)), "not_mpls"},
       {gen::pad_to_minimum(gen::ethernet_frame(west, peer_, {}, 0x0806, Bytes(28, 0))), "not_mpls"}},
      drops);
  write_input("west", in);
  write_input("east", {});
  json summary = run_aggrd();
  ASSERT_FALSE(summary.empty());
  expect_same_frames(output("east"), expected, "east");
  EXPECT_TRUE(output("west").empty());
  expect_drops(summary, drops);
}

TEST_F(RolePcapTest, ATailendHandsOverPushesAndDropsHostileFramesByReason) {
  use(kTailendTemplate);
  const gen::Mac core = gen::parse_mac_or_die("02:00:00:00:2b:01"), red = gen::parse_mac_or_die("02:00:00:00:3d:00");
  const gen::Mac gateway = gen::parse_mac_or_die("02:00:00:00:d0:01"), transit = gen::parse_mac_or_die("02:00:00:00:1b:00");
  const Bytes up_ip = gen::ip_packet(Hostile::v4({100, 64, 0, 1}, {198, 51, 100, 7}));
  std::vector<Bytes> from_core, to_isp, from_isp, to_core;
  for (unsigned i = 0; i < 30; ++i) {
    from_core.push_back(gen::pad_to_minimum(gen::mpls_frame(core, peer_, {{3001, 0, 64}}, up_ip)));
    to_isp.push_back(gen::ethernet_frame(gateway, red, {}, 0x0800, gen::ip_packet(Hostile::v4({100, 64, 0, 1}, {198, 51, 100, 7}, 46, 63))));
    from_isp.push_back(gen::pad_to_minimum(gen::ethernet_frame(red, gateway, {}, 0x0800, ip_)));
    to_core.push_back(gen::mpls_frame(transit, core, {{4100, 0, 63}}, gen::ip_packet(Hostile::v4({198, 51, 100, 7}, {100, 64, 0, 1}, 46, 63))));
  }
  Bytes bad_header = ip_;
  bad_header[0] = 0x44;  // IHL 4: shorter than a header
  std::map<std::string, uint64_t> drops;
  mix(from_core,
      {{gen::pad_to_minimum(gen::mpls_frame(core, peer_, {{3001, 0, 64}, {77, 0, 64}}, up_ip)), "label_stack_too_deep"},
       {gen::pad_to_minimum(gen::mpls_frame(core, peer_, {{3001, 0, 1}}, up_ip)), "ttl_expired"},
       {gen::pad_to_minimum(gen::mpls_frame(core, peer_, {{1, 0, 64}}, up_ip)), "reserved_label"},
       {gen::pad_to_minimum(gen::mpls_frame(core, peer_, {{3005, 0, 64}}, up_ip)), "unknown_label"},
       {gen::pad_to_minimum(gen::ethernet_frame(core, peer_, {}, 0x0800, up_ip)), "not_mpls"}},
      drops);
  mix(from_isp,
      {{gen::pad_to_minimum(gen::ethernet_frame(red, gateway, {}, 0x0800,
                                                gen::ip_packet(Hostile::v4({198, 51, 100, 7}, {8, 8, 8, 8})))),
        "unknown_destination"},
       {gen::pad_to_minimum(gen::ethernet_frame(red, gateway, {{0x8100, 7}}, 0x0800, ip_)), "unknown_handoff"},
       {gen::pad_to_minimum(gen::ethernet_frame(red, gateway, {}, 0x0800, bad_header)), "bad_ip_header"},
       {gen::ethernet_frame(red, gateway, {}, 0x0800, Bytes(ip_.begin(), ip_.begin() + 10)), "truncated"},
       {gen::pad_to_minimum(gen::ethernet_frame(red, gateway, {}, 0x0806, Bytes(28, 0))), "not_ip"},
       {gen::pad_to_minimum(gen::ethernet_frame(red, gateway, {}, 0x0800,
                                                gen::ip_packet(Hostile::v4({198, 51, 100, 7}, {100, 64, 0, 1}, 46, 1)))),
        "ttl_expired"}},
      drops);
  write_input("core0", from_core);
  write_input("red0", from_isp);
  json summary = run_aggrd();
  ASSERT_FALSE(summary.empty());
  expect_same_frames(output("red0"), to_isp, "red0 (handed to the ISP)");
  expect_same_frames(output("core0"), to_core, "core0 (labelled towards the headend)");
  expect_drops(summary, drops);
  EXPECT_EQ(summary["isps"]["red"]["up"]["packets"], 30);
  EXPECT_EQ(summary["isps"]["red"]["down"]["packets"], 30);
}

TEST_F(RolePcapTest, TransitAndTailendSurviveRandomFramesAndCountEveryOne) {
  for (const auto& [config, ports] : std::vector<std::pair<std::string, std::vector<std::string>>>{
           {kTransitTemplate, {"west", "east"}}, {kTailendTemplate, {"core0", "red0"}}}) {
    use(config);
    random_frames(ports);
    json summary = run_aggrd();
    ASSERT_FALSE(summary.empty());
    uint64_t received = 0, sent = 0;
    for (const std::string& port : ports) {
      received += summary["ports"][port]["rx"]["packets"].get<uint64_t>();
      sent += summary["ports"][port]["tx"]["packets"].get<uint64_t>();
    }
    EXPECT_EQ(received, 2000u * ports.size());
    EXPECT_EQ(sum_drops(summary) + sent, received) << summary["drops"].dump();
  }
}

}  // namespace
}  // namespace aggr

int main(int argc, char** argv) {
  return aggr::test::run_integration_tests(argc, argv, {"path to aggrd"}, {&aggr::g_aggrd_path});
}
