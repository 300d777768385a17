// libFuzzer target: whole frames through the forwarding graph (parse,
// classify, police, push, pop, swap, rewrite, account) over real mbufs and
// tables, of a headend, a transit and a tailend.
//
// Input: a sequence of records, each
//   [selector] [length] [patches...]
// selector picks the router, in port and a valid template frame (headend:
// upstream QinQ, single tag, source prefix, IPv6, downstream labelled,
// swapped; transit: each swap and the implicit-null pop; tailend: each
// pop-to-ISP label, each ISP's traffic back) or, with its top bit, raw
// bytes into one router's port; `length` truncates or extends the frame;
// each patch XORs one byte. Templates take the fuzzer deep into the graph
// at once, patches and raw bytes take it everywhere else.
//
// Invariants: no crash, every frame either comes out (or goes to a kernel
// mirror) or is counted as a drop,
// every output frame fits its port's MTU and starts with the port's MAC as
// source.
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_mbuf.h>

#include "tests/support/router_harness.h"
#include "tools/aggr-gen/frame_builder.h"
#include "tools/aggr-gen/traffic.h"

using namespace aggr;
using gen::Bytes;

namespace {


enum Router : unsigned { kHeadend, kTransit, kTailend, kRouters };

struct Template {
  Router router;
  uint16_t port;
  Bytes frame;
};

// Where raw bytes may go: every port of every router.
struct RawTarget {
  Router router;
  uint16_t port;
};
constexpr RawTarget kRawTargets[] = {{kHeadend, 0}, {kHeadend, 1}, {kHeadend, 2}, {kTransit, 0},
                                     {kTransit, 1}, {kTailend, 0}, {kTailend, 1}, {kTailend, 2}};

struct State {
  rte_mempool* pool = nullptr;
  std::unique_ptr<test::RouterHarness> routers[kRouters];
  std::vector<Template> templates;
  uint64_t now = 1;
};

std::unique_ptr<test::RouterHarness> router(const char* yaml) {
  LoadResult loaded = test::load_config_text(yaml);
  if (!loaded.ok()) std::abort();
  auto harness = std::make_unique<test::RouterHarness>(loaded.config);
  if (!harness->failures.empty()) std::abort();
  return harness;
}

gen::IpPacketSpec packet(uint8_t family, uint8_t last_destination_byte) {
  gen::IpPacketSpec p;
  p.version = family;
  const uint8_t v4_source[4] = {198, 51, 100, 7}, v4_destination[4] = {100, 64, 0, last_destination_byte};
  const uint8_t v6_prefix[4] = {0x20, 0x01, 0x0d, 0xb8};
  if (family == 4) {
    std::memcpy(p.source, v4_source, 4);
    std::memcpy(p.destination, v4_destination, 4);
  } else {
    std::memcpy(p.source, v6_prefix, 4);
    std::memcpy(p.destination, v6_prefix, 4);
    p.source[15] = 1, p.destination[5] = 1, p.destination[15] = last_destination_byte;
  }
  p.total_length = 128;
  return p;
}

// Labelled frames into the transit and the tailend, and ISP traffic into the tailend.
void add_network_templates(State& s) {
  const gen::Mac any = gen::parse_mac_or_die("02:00:00:00:00:99");
  for (uint8_t family : {4, 6}) {
    Bytes ip = gen::ip_packet(packet(family, 9));
    for (uint32_t label : {300u, 310u, 320u})
      s.templates.push_back({kTransit, 0, gen::mpls_frame(any, any, {{label, 1, 64}}, ip)});
    s.templates.push_back({kTransit, 0, gen::mpls_frame(any, any, {{320, 1, 64}, {900, 0, 64}}, ip)});
    s.templates.push_back({kTransit, 1, gen::mpls_frame(any, any, {{500, 1, 64}}, ip)});
    for (uint32_t label : {1001u, 2001u})
      s.templates.push_back({kTailend, 0, gen::mpls_frame(any, any, {{label, 1, 64}}, ip)});
    for (uint16_t isp_port : {1, 2})
      s.templates.push_back({kTailend, isp_port, gen::ethernet_frame(any, any, {}, family == 4 ? 0x0800 : 0x86dd, ip)});
  }
}

// The headend as its subscribers' gateway on both access ports: ARP for it,
// IP to it (UDP; mutations reach ICMP and ICMPv6), IPv6 to the
// solicited-node group of its address.
void add_gateway_templates(State& s) {
  test::RouterHarness& headend = *s.routers[kHeadend];
  const uint8_t gateway4[4] = {100, 64, 0, 254};
  const uint8_t gateway6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  for (uint16_t port : {0, 1}) {
    PortAttributes& attributes = headend.tables->ports[port];
    attributes.gateway_ipv4_set = attributes.gateway_ipv6_set = true;
    std::memcpy(attributes.gateway_ipv4, gateway4, 4);
    std::memcpy(attributes.gateway_ipv6, gateway6, 16);
  }
  const gen::Mac host = gen::parse_mac_or_die("02:00:00:01:00:01"), broadcast = gen::parse_mac_or_die("ff:ff:ff:ff:ff:ff");
  const std::vector<gen::VlanTag> line = {{0x88A8, 10}, {0x8100, 1}};
  const Bytes arp = {0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 1, 0, 1, 100, 64, 0, 1, 0, 0, 0, 0, 0, 0, 100, 64, 0, 254};
  s.templates.push_back({kHeadend, 0, gen::pad_to_minimum(gen::ethernet_frame(broadcast, host, line, 0x0806, arp))});
  gen::IpPacketSpec to_gateway = packet(4, 1);
  std::swap(to_gateway.source, to_gateway.destination);
  std::memcpy(to_gateway.destination, gateway4, 4);
  s.templates.push_back({kHeadend, 0, gen::ethernet_frame(broadcast, host, line, 0x0800, gen::ip_packet(to_gateway))});
  gen::IpPacketSpec solicited = packet(6, 1);
  std::swap(solicited.source, solicited.destination);
  const uint8_t group[16] = {0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 1};
  std::memcpy(solicited.destination, group, 16);
  solicited.ttl = 255;
  s.templates.push_back({kHeadend, 0, gen::ethernet_frame(gen::parse_mac_or_die("33:33:ff:00:00:01"), host, line,
                                                          0x86dd, gen::ip_packet(solicited))});
  s.templates.push_back({kHeadend, 1, gen::pad_to_minimum(gen::ethernet_frame(broadcast, host, {}, 0x0806, arp))});
}

State* state = nullptr;

void initialise() {
  std::string prefix = "--file-prefix=fuzz-pipeline-" + std::to_string(getpid());
  std::vector<std::string> args = {"pipeline_fuzz", "--no-huge", "-m", "256", "--no-pci", "-l", "0",
                                   "--log-level=lib.eal:error", "--no-shconf", prefix};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  if (rte_eal_init(int(argv.size()), argv.data()) < 0) std::abort();
  std::atexit([] {
    // The routers' tables free what they still hold for RCU (kept as
    // integers in DPDK memory, which LeakSanitizer does not scan).
    delete state;
    state = nullptr;
    std::error_code ignored;
    std::filesystem::remove_all("/var/run/dpdk/fuzz-pipeline-" + std::to_string(getpid()), ignored);
  });
  state = new State;
  state->pool = rte_pktmbuf_pool_create("fuzz_pool", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
  if (state->pool == nullptr) std::abort();
  state->routers[kHeadend] = router(test::kPipelineTestConfig);
  state->routers[kTransit] = router(test::kTransitTestConfig);
  state->routers[kTailend] = router(test::kTailendTestConfig);
  // Kernel mirrors on the transit's west port and the tailend's red port:
  // what is for the router is punted there, policed (low rates: the
  // policer's drops are reached too).
  state->routers[kTransit]->tables->ports[0].mirrored = true;
  state->routers[kTailend]->tables->ports[1].mirrored = true;
  if (!state->routers[kTailend]->tables->local_addresses.add_ipv4(0x0A090001, 32, 1)) std::abort();
  for (Router r : {kTransit, kTailend})
    for (unsigned k = 0; k < kPuntKinds; ++k)
      state->routers[r]->tables->punt.set_rate(PuntKind(k), 100, rte_get_tsc_hz());
  test::RouterHarness& headend = *state->routers[kHeadend];
  // A transit label at the headend too: swapped for two labels towards core0's next hop.
  constexpr uint32_t kSwapLabel = 500;
  if (!headend.rib->set_ilm_swap(kSwapLabel, {{700, 701}, 2, {{2, 0, 0, 0, 0xee, 1}}}).ok()) std::abort();
  const RouterConfig& c = headend.config;
  for (const SubscriberConfig& s : c.subscribers)
    for (uint8_t family : {4, 6}) {
      bool has_family = false;
      for (const IpPrefix& p : s.addresses) has_family |= p.family == family;
      if (!has_family) continue;
      uint16_t access_port = s.port == "access0" ? 0 : 1;
      state->templates.push_back(
          {kHeadend, access_port, gen::upstream_frame(c, s, *c.isp(s.isp), family, 128, 46, 64, 1).input});
      state->templates.push_back({kHeadend, 2, gen::downstream_frame(c, s, 100, family, 128, 64, 64, 2).input});
      state->templates.push_back({kHeadend, 2, gen::downstream_frame(c, s, kSwapLabel, family, 128, 64, 64, 3).input});
    }
  add_network_templates(*state);
  add_gateway_templates(*state);
}

void check_output(const test::RouterHarness& router, uint16_t port, const Bytes& frame) {
  const PortAttributes& attributes = router.tables->ports[port];
  if (frame.size() < 14 || frame.size() > 14u + 8u + attributes.mtu) std::abort();
  if (std::memcmp(frame.data() + 6, attributes.mac.addr_bytes, 6) != 0) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (state == nullptr) initialise();
  // Frames of one input go through one run per router and in port.
  std::vector<Bytes> frames_by_port[kRouters][3];
  size_t at = 0;
  while (at + 2 <= size) {
    uint8_t selector = data[at++];
    unsigned length = data[at++] * 8u;  // up to 2040 bytes
    Bytes frame;
    Router router;
    uint16_t port;
    if (selector & 0x80) {  // raw bytes
      const RawTarget& target = kRawTargets[(selector & 0x7F) % std::size(kRawTargets)];
      router = target.router;
      port = target.port;
      size_t n = std::min<size_t>(length, size - at);
      frame.assign(data + at, data + at + n);
      at += n;
    } else {
      const Template& t = state->templates[selector % state->templates.size()];
      router = t.router;
      port = t.port;
      frame = t.frame;
      if (length != 0) frame.resize(length);
      // Patches: (offset, xor) pairs until a zero offset byte.
      while (at + 2 <= size && data[at] != 0) {
        size_t offset = data[at] - 1u;
        if (offset < frame.size()) frame[offset] ^= data[at + 1];
        at += 2;
      }
      if (at < size) ++at;
    }
    frames_by_port[router][port].push_back(std::move(frame));
  }

  for (unsigned r = 0; r < kRouters; ++r)
    for (uint16_t port = 0; port < 3; ++port) {
      const std::vector<Bytes>& in = frames_by_port[r][port];
      if (in.empty()) continue;
      test::RouterHarness& router = *state->routers[r];
      uint64_t drops_before = router.counters->total_drops();
      auto out = router.run(state->pool, port, in, state->now += 1000);
      size_t sent = 0;
      for (const auto& [out_port, frames] : out) {
        for (const Bytes& f : frames) check_output(router, out_port, f);
        sent += frames.size();
      }
      sent += router.punted[port].size();  // for the mirror: out too
      router.punted.clear();
      uint64_t dropped = router.counters->total_drops() - drops_before;
      // Frames too large for one mbuf never enter the graph (harness).
      size_t entered = 0;
      for (const Bytes& f : in) entered += f.size() <= RTE_MBUF_DEFAULT_DATAROOM;
      if (sent + dropped != entered) std::abort();
    }
  if (rte_mempool_in_use_count(state->pool) != 0) std::abort();  // no mbuf leaked
  return 0;
}
