// Micro-benchmarks of the pipeline stages over bursts of real mbufs, in TSC
// cycles per packet, at 1k, 100k and 1M subscribers and 10 or 1,000 ISPs.
//
// Each iteration loads the next 32 of 4,096 prepared 64-byte frames (random
// subscribers of the whole table, so large tables miss the caches as real
// traffic would) into 32 mbufs, runs what the measured stages need before
// them, and counts only the measured stages' cycles (rte_rdtsc around them);
// Google Benchmark's own time includes the loading. Frames are written by the
// loading step, so they start in cache, as after a NIC's DDIO write.
//
//   parse_classify_qinq     parse_access + classify, QinQ lines
//   parse_classify_prefix   parse_access + classify, source prefix (+ anti-spoofing)
//   ftn_push                mpls_push: FTN lookup, strip tags, push, TTL/TC, L2 rewrite
//   ilm_pop_deliver         mpls_input + deliver: ILM, pop, destination lookup, S/C tags, MACs
//   account                 account_and_output: per-ISP and per-subscriber
//                           counters, frames queued by out port
//   meter                   police: the subscriber's upstream srTCM
//   pipeline_up_qinq        process_burst on the line port: every upstream
//                           stage, the port counters and the grouping by out
//                           port (all but the ethdev calls)
//   pipeline_up_prefix      the same on the source-prefix port
//   pipeline_down           process_burst on the core port
//
// Usage: stage_bench [Google Benchmark flags]
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <random>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_mbuf.h>

#include "dataplane/mbuf_pool.h"
#include "dataplane/graph.h"
#include "dataplane/nodes/nodes.h"
#include "controlplane/rib/rib.h"
#include "tools/aggr-gen/frame_builder.h"

using namespace aggr;

namespace {

constexpr uint16_t kLinePort = 0, kPrefixPort = 1, kCorePort = 2;
constexpr uint32_t kLocalLabel = 100;
constexpr unsigned kTemplates = 4096;

const gen::Mac kCpeMac = gen::parse_mac_or_die("02:00:00:01:00:01");
const gen::Mac kAccessMac = gen::parse_mac_or_die("02:00:00:00:a0:00");
const gen::Mac kCoreMac = gen::parse_mac_or_die("02:00:00:00:c0:00");
const gen::Mac kNextHopMac = gen::parse_mac_or_die("02:00:00:00:ff:01");

rte_mempool* g_pool = nullptr;

// Subscriber i: even i on a QinQ line of the line port, odd i on the prefix
// port; address 10.x.y.z = 10.0.0.0 + i; ISP 1 + i % isps; 1 Gbit/s up.
uint32_t address_of(uint32_t i) { return (10u << 24) + i; }

void store_ipv4(uint8_t* out, uint32_t a) {
  out[0] = uint8_t(a >> 24), out[1] = uint8_t(a >> 16), out[2] = uint8_t(a >> 8), out[3] = uint8_t(a);
}

gen::Bytes ip_packet(uint32_t source, uint32_t destination) {
  gen::IpPacketSpec ip;
  store_ipv4(ip.source, source);
  store_ipv4(ip.destination, destination);
  ip.total_length = 46;  // a 64-byte frame untagged, with FCS
  return gen::ip_packet(ip);
}

// The tables of one scale and frames of random subscribers in it.
struct Scale {
  uint32_t subscribers, isps;
  std::unique_ptr<Tables> tables;
  std::unique_ptr<CounterSet> counters;
  std::unique_ptr<Rib> rib;
  std::vector<gen::Bytes> qinq, prefix, downstream;

  Scale(uint32_t subs, uint32_t isp_count) : subscribers(subs), isps(isp_count) {
    TableLimits limits;
    limits.subscribers = std::max(subs, 1024u);
    limits.isps = std::max(isp_count, 16u);
    limits.label_space = 4096;
    tables = std::make_unique<Tables>(limits);
    auto port = [&](uint16_t id, PortRole role, ClassifyMode mode, const gen::Mac& mac) {
      PortAttributes& p = tables->ports[id];
      p.role = role;
      p.classify = mode;
      std::memcpy(p.mac.addr_bytes, mac.bytes, 6);
    };
    port(kLinePort, PortRole::kAccess, ClassifyMode::kLine, kAccessMac);
    port(kPrefixPort, PortRole::kAccess, ClassifyMode::kSourcePrefix, kAccessMac);
    port(kCorePort, PortRole::kCore, ClassifyMode::kLine, kCoreMac);
    counters = std::make_unique<CounterSet>(1, limits.isps, limits.subscribers, limits.contracts);
    rib = std::make_unique<Rib>(*tables);
    rib->attach_counters(counters.get());
    rte_ether_addr next_hop;
    std::memcpy(next_hop.addr_bytes, kNextHopMac.bytes, 6);
    for (uint32_t i = 1; i <= isp_count; ++i) {
      check(rib->add_isp(i, "isp" + std::to_string(i)));
      check(rib->set_ftn(i, {{16000 + i, 1000 + i}, kCorePort, next_hop}));
    }
    check(rib->set_ilm(kLocalLabel, {IlmAction::kPopToSubscriber, 0}));
    SubscriberSpec s;
    std::memcpy(s.cpe_mac.addr_bytes, kCpeMac.bytes, 6);
    s.rate_bps[0] = 1'000'000'000;
    s.addresses.resize(1);
    for (uint32_t i = 0; i < subs; ++i) {
      s.id = i + 1;
      s.isp_id = 1 + i % isp_count;
      s.port = i % 2 ? kPrefixPort : kLinePort;
      s.svlan = i % 2 ? 0 : uint16_t(1 + (i / 2) / 4000);
      s.cvlan = i % 2 ? 0 : uint16_t(1 + (i / 2) % 4000);
      s.addresses[0] = {4, 32, {}};
      store_ipv4(s.addresses[0].bytes, address_of(i));
      check(rib->add_subscriber(s));
    }
    std::mt19937 random(7);
    const uint32_t far_end = 198u << 24 | 18u << 16 | 1u << 8 | 7u;
    while (qinq.size() < kTemplates || prefix.size() < kTemplates) {
      uint32_t i = uint32_t(random() % subs);
      if (i % 2 == 0 && qinq.size() < kTemplates)
        qinq.push_back(gen::ethernet_frame(kAccessMac, kCpeMac,
                                           {{0x88A8, uint16_t(1 + (i / 2) / 4000)}, {0x8100, uint16_t(1 + (i / 2) % 4000)}},
                                           0x0800, ip_packet(address_of(i), far_end)));
      if (i % 2 == 1 && prefix.size() < kTemplates)
        prefix.push_back(gen::pad_to_minimum(gen::ethernet_frame(kAccessMac, kCpeMac, {}, 0x0800, ip_packet(address_of(i), far_end))));
      if (downstream.size() < kTemplates)
        downstream.push_back(gen::mpls_frame(kCoreMac, kNextHopMac, {{kLocalLabel, 0, 64}}, ip_packet(far_end, address_of(i))));
    }
  }

  static void check(const Status& s) {
    if (!s.ok()) throw std::runtime_error("benchmark setup: " + s.error);
  }
};

// One scale at a time (the benchmarks are registered scale by scale); freed
// before EAL, whose memory its tables live in.
std::unique_ptr<Scale> g_scale;

Scale& scale(uint32_t subscribers, uint32_t isps) {
  if (!g_scale || g_scale->subscribers != subscribers || g_scale->isps != isps) {
    g_scale.reset();
    g_scale = std::make_unique<Scale>(subscribers, isps);
  }
  return *g_scale;
}

// Copies the next 32 templates into the burst's mbufs.
void load(Burst& burst, rte_mbuf* const* mbufs, const std::vector<gen::Bytes>& frames, size_t& cursor, uint16_t port) {
  for (unsigned i = 0; i < kBurstSize; ++i) {
    const gen::Bytes& f = frames[cursor++ % frames.size()];
    rte_mbuf* m = mbufs[i];
    m->data_off = RTE_PKTMBUF_HEADROOM;
    std::memcpy(rte_pktmbuf_mtod(m, uint8_t*), f.data(), f.size());
    m->data_len = m->pkt_len = uint16_t(f.size());
    burst.packets[i] = m;
  }
  burst.count = kBurstSize;
  burst.in_port = port;
}

enum class Stage {
  kParseClassifyQinq,
  kParseClassifyPrefix,
  kFtnPush,
  kIlmPopDeliver,
  kAccount,
  kMeter,
  kPipelineUpQinq,
  kPipelineUpPrefix,
  kPipelineDown
};

void run_stage(benchmark::State& state, Stage stage, uint32_t subscribers, uint32_t isps) {
  Scale& s = scale(subscribers, isps);
  NodeEnv env{*s.tables, s.tables->meters, s.counters->worker(0), rte_rdtsc(), 0};
  rte_mbuf* mbufs[kBurstSize];
  if (rte_pktmbuf_alloc_bulk(g_pool, mbufs, kBurstSize) != 0) {
    state.SkipWithError("mbuf pool empty");
    return;
  }
  bool downstream = stage == Stage::kIlmPopDeliver || stage == Stage::kPipelineDown;
  bool by_prefix = stage == Stage::kParseClassifyPrefix || stage == Stage::kPipelineUpPrefix;
  const std::vector<gen::Bytes>& frames = downstream ? s.downstream : by_prefix ? s.prefix : s.qinq;
  uint16_t port = downstream ? kCorePort : by_prefix ? kPrefixPort : kLinePort;
  Burst burst;
  TxBatch batch;
  size_t cursor = 0;
  uint64_t cycles = 0, packets = 0, dropped = 0;
  for (auto _ : state) {
    load(burst, mbufs, frames, cursor, port);
    env.now_tsc = rte_rdtsc();
    uint64_t start = 0;
    switch (stage) {
      case Stage::kParseClassifyQinq:
      case Stage::kParseClassifyPrefix:
        start = rte_rdtsc();
        access_input_node(burst, env);
        classify_node(burst, env);
        break;
      case Stage::kFtnPush:
        access_input_node(burst, env);
        classify_node(burst, env);
        start = rte_rdtsc();
        ftn_push_node(burst, env);
        break;
      case Stage::kIlmPopDeliver:
        start = rte_rdtsc();
        mpls_input_node(burst, env);
        subscriber_deliver_node(burst, env);
        break;
      case Stage::kAccount:
        access_input_node(burst, env);
        classify_node(burst, env);
        ftn_push_node(burst, env);
        start = rte_rdtsc();
        account_node(burst, env, Direction::kUpstream, batch);
        break;
      case Stage::kMeter:
        access_input_node(burst, env);
        classify_node(burst, env);
        start = rte_rdtsc();
        police_node(burst, env, Direction::kUpstream);
        break;
      case Stage::kPipelineUpQinq:
      case Stage::kPipelineUpPrefix:
      case Stage::kPipelineDown:
        start = rte_rdtsc();
        process_burst(burst, env, batch);
        break;
    }
    cycles += rte_rdtsc() - start;
    packets += burst.count;
    for (unsigned i = 0; i < burst.count; ++i) dropped += burst.context[i].drop != DropReason::kNone;
    if (dropped != 0) break;  // process_burst has freed those mbufs
    // The frames stay ours: the batch is emptied without sending them.
    for (uint64_t ports = batch.used_ports; ports; ports &= ports - 1)
      batch.count[__builtin_ctzll(ports)] = 0, batch.bytes[__builtin_ctzll(ports)] = 0;
    batch.used_ports = 0;
    benchmark::ClobberMemory();
  }
  if (dropped == 0) rte_pktmbuf_free_bulk(mbufs, kBurstSize);
  // Meters drop nothing at 1 Gbit/s of this trickle; any drop is a setup error.
  if (dropped != 0) state.SkipWithError(("frames dropped: " + std::to_string(dropped)).c_str());
  state.counters["cycles_per_packet"] = double(cycles) / double(packets);
  state.SetItemsProcessed(int64_t(packets));
}

}  // namespace

int main(int argc, char** argv) {
  std::string prefix = "stage-bench-" + std::to_string(getpid());
  std::vector<std::string> args = {"stage_bench", "--no-huge", "-m", "3072", "--no-pci", "-l", "0",
                                   "--log-level=lib.eal:error", "--file-prefix=" + prefix};
  std::vector<char*> eal_argv;
  for (std::string& a : args) eal_argv.push_back(a.data());
  if (rte_eal_init(int(eal_argv.size()), eal_argv.data()) < 0) return 1;
  g_pool = create_mbuf_pool("bench_pool", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);

  const std::pair<const char*, Stage> stages[] = {
      {"parse_classify_qinq", Stage::kParseClassifyQinq}, {"parse_classify_prefix", Stage::kParseClassifyPrefix},
      {"ftn_push", Stage::kFtnPush},                       {"ilm_pop_deliver", Stage::kIlmPopDeliver},
      {"account", Stage::kAccount},                        {"meter", Stage::kMeter},
      {"pipeline_up_qinq", Stage::kPipelineUpQinq},       {"pipeline_up_prefix", Stage::kPipelineUpPrefix},
      {"pipeline_down", Stage::kPipelineDown}};
  for (uint32_t subscribers : {1000u, 100000u, 1000000u})
    for (uint32_t isps : {10u, 1000u})
      for (const auto& [name, stage] : stages)
        benchmark::RegisterBenchmark(
            (std::string(name) + "/subscribers:" + std::to_string(subscribers) + "/isps:" + std::to_string(isps)).c_str(),
            [stage = stage, subscribers, isps](benchmark::State& state) { run_stage(state, stage, subscribers, isps); });

  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  g_scale.reset();
  rte_mempool_free(g_pool);
  rte_eal_cleanup();
  std::error_code ignored;
  std::filesystem::remove_all("/var/run/dpdk/" + prefix, ignored);
  return 0;
}
