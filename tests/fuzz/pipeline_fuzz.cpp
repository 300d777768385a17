// libFuzzer target: whole frames through the forwarding graph (parse,
// classify, police, push, pop, swap, rewrite, account) over real mbufs and
// tables.
//
// Input: a sequence of records, each
//   [selector] [length] [patches...]
// selector picks the in port and a valid template frame (upstream QinQ,
// single tag, source prefix, IPv6, downstream labelled, transit labelled) or, with its top bit,
// raw bytes; `length` truncates or extends the frame; each patch XORs one
// byte. Templates take the fuzzer deep into the pipeline at once, patches
// and raw bytes take it everywhere else.
//
// Invariants: no crash, every frame either comes out or is counted as a drop,
// every output frame fits its port's MTU and starts with the port's MAC as
// source.
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <rte_eal.h>
#include <rte_mbuf.h>

#include "tests/support/router_harness.h"
#include "tools/aggr-gen/traffic.h"

using namespace aggr;
using gen::Bytes;

namespace {


struct Template {
  uint16_t port;
  Bytes frame;
};

struct State {
  rte_mempool* pool = nullptr;
  std::unique_ptr<test::RouterHarness> headend;
  std::vector<Template> templates;
  uint64_t now = 1;
};

State* state = nullptr;

void initialise() {
  std::string prefix = "--file-prefix=fuzz-pipeline-" + std::to_string(getpid());
  std::vector<std::string> args = {"pipeline_fuzz", "--no-huge", "-m", "256", "--no-pci", "-l", "0",
                                   "--log-level=lib.eal:error", "--no-shconf", prefix};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  if (rte_eal_init(int(argv.size()), argv.data()) < 0) std::abort();
  std::atexit([] {
    // The headend's tables free what they still hold for RCU (kept as
    // integers in DPDK memory, which LeakSanitizer does not scan).
    delete state;
    state = nullptr;
    std::error_code ignored;
    std::filesystem::remove_all("/var/run/dpdk/fuzz-pipeline-" + std::to_string(getpid()), ignored);
  });
  state = new State;
  state->pool = rte_pktmbuf_pool_create("fuzz_pool", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
  LoadResult loaded = test::load_config_text(test::kPipelineTestConfig);
  if (!loaded.ok() || state->pool == nullptr) std::abort();
  state->headend = std::make_unique<test::RouterHarness>(loaded.config);
  if (!state->headend->failures.empty()) std::abort();
  // A transit label too: swapped for two labels towards core0's next hop.
  constexpr uint32_t kSwapLabel = 500;
  if (!state->headend->rib->set_ilm_swap(kSwapLabel, {{700, 701}, 2, {{2, 0, 0, 0, 0xee, 1}}}).ok()) std::abort();
  const RouterConfig& c = state->headend->config;
  for (const SubscriberConfig& s : c.subscribers)
    for (uint8_t family : {4, 6}) {
      bool has_family = false;
      for (const IpPrefix& p : s.addresses) has_family |= p.family == family;
      if (!has_family) continue;
      uint16_t access_port = s.port == "access0" ? 0 : 1;
      state->templates.push_back(
          {access_port, gen::upstream_frame(c, s, *c.isp(s.isp), family, 128, 46, 64, 1).input});
      state->templates.push_back({2, gen::downstream_frame(c, s, 100, family, 128, 64, 64, 2).input});
      state->templates.push_back({2, gen::downstream_frame(c, s, kSwapLabel, family, 128, 64, 64, 3).input});
    }
}

void check_output(uint16_t port, const Bytes& frame) {
  const PortAttributes& attributes = state->headend->tables->ports[port];
  if (frame.size() < 14 || frame.size() > 14u + 8u + attributes.mtu) std::abort();
  if (std::memcmp(frame.data() + 6, attributes.mac.addr_bytes, 6) != 0) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (state == nullptr) initialise();
  // Frames of one record go through one burst per in port.
  std::vector<Bytes> frames_by_port[3];
  size_t at = 0;
  while (at + 2 <= size) {
    uint8_t selector = data[at++];
    unsigned length = data[at++] * 8u;  // up to 2040 bytes
    Bytes frame;
    uint16_t port;
    if (selector & 0x80) {  // raw bytes
      port = uint16_t((selector & 0x7F) % 3);
      size_t n = std::min<size_t>(length, size - at);
      frame.assign(data + at, data + at + n);
      at += n;
    } else {
      const Template& t = state->templates[selector % state->templates.size()];
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
    frames_by_port[port].push_back(std::move(frame));
  }

  CounterSet& counters = *state->headend->counters;
  for (uint16_t port = 0; port < 3; ++port) {
    if (frames_by_port[port].empty()) continue;
    uint64_t drops_before = counters.total_drops();
    auto out = state->headend->run(state->pool, port, frames_by_port[port], state->now += 1000);
    size_t sent = 0;
    for (const auto& [out_port, frames] : out) {
      for (const Bytes& f : frames) check_output(out_port, f);
      sent += frames.size();
    }
    uint64_t dropped = counters.total_drops() - drops_before;
    // Frames too large for one mbuf never enter the pipeline (harness).
    size_t entered = 0;
    for (const Bytes& f : frames_by_port[port]) entered += f.size() <= RTE_MBUF_DEFAULT_DATAROOM;
    if (sent + dropped != entered) std::abort();
  }
  if (rte_mempool_in_use_count(state->pool) != 0) std::abort();  // no mbuf leaked
  return 0;
}
