// Control-plane update rate under load: how many table changes per second
// the control plane makes through the Rib while a worker forwards
// flat out, and whether any frame is lost meanwhile.
//
// One process, two lcores: the worker (lcore 1) forwards 64-byte upstream
// frames replayed by net_pcap (infinite_rx) into net_null; the main lcore
// first measures the forwarding rate without changes (baseline), then makes
// changes as fast as it can for the same time: alternately a new label stack
// for an ISP (set_ftn, 1 to 3 labels) and a subscriber moved to another ISP
// (set_subscriber_isp), reclaiming superseded memory every 64 changes. It
// prints one JSON object: updates/s, Mpps with and without changes, and the
// frames dropped (all reasons) and unaccounted for (received - sent - dropped).
//
// Usage: update_rate [--subscribers N] [--seconds S]

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_mbuf.h>

#include "controlplane/config/config.h"
#include "dataplane/mbuf_pool.h"
#include "dataplane/port.h"
#include "dataplane/worker.h"
#include "tests/support/router_harness.h"
#include "tests/support/process.h"
#include "tools/aggr-gen/pcap_file.h"
#include "tools/aggr-gen/traffic.h"

using namespace aggr;
using Clock = std::chrono::steady_clock;

namespace {

constexpr unsigned kIsps = 8;

std::string config_text(unsigned subscribers) {
  std::string text = "limits: {subscribers: " + std::to_string(std::max(subscribers, 1024u)) + "}\n";
  text += R"(
workers: {lcores: [1]}
ports:
  - {name: access0, role: access, device: net_pcap_upd_in, mac: "02:00:00:00:a0:00"}
  - {name: core0, role: core, device: net_null_upd_out, mac: "02:00:00:00:c0:00"}
isps:
)";
  for (unsigned i = 1; i <= kIsps; ++i)
    text += "  - {id: " + std::to_string(i) + ", name: isp" + std::to_string(i) + ", labels: [" +
            std::to_string(1000 * i) + "], next_hop: {port: core0, mac: \"02:00:00:00:ff:01\"}}\n";
  text += "subscribers:\n";
  for (unsigned i = 0; i < subscribers; ++i)
    text += "  - {id: " + std::to_string(i + 1) + ", isp: isp" + std::to_string(1 + i % kIsps) +
            ", line: {port: access0, svlan: " + std::to_string(1 + i / 4000) + ", cvlan: " + std::to_string(1 + i % 4000) +
            "}, cpe_mac: \"02:00:00:01:00:01\", addresses: [100." + std::to_string(64 + (i >> 16)) + "." +
            std::to_string((i >> 8) & 255) + "." + std::to_string(i & 255) + "/32]}\n";
  return text;
}

struct Sample {
  uint64_t sent = 0;
  Clock::time_point at;
};

Sample sample(const CounterSet& counters, uint16_t out_port) { return {counters.port_tx(out_port).packets, Clock::now()}; }

double mpps(const Sample& a, const Sample& b) {
  return double(b.sent - a.sent) / std::chrono::duration<double>(b.at - a.at).count() / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  unsigned subscribers = 1000;
  double seconds = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--subscribers")) subscribers = unsigned(std::stoul(argv[i + 1]));
    else if (!std::strcmp(argv[i], "--seconds")) seconds = std::stod(argv[i + 1]);
  }
  // Removed on every way out, with the EAL's runtime directory.
  const test::ScratchDir scratch("update-rate");
  const std::string& dir = scratch.path();
  const std::string& prefix = scratch.file_prefix();
  LoadResult loaded = test::load_config_text(config_text(subscribers));
  if (!loaded.ok()) {
    std::fprintf(stderr, "%s\n", loaded.errors[0].to_string().c_str());
    return 1;
  }
  RouterConfig config = loaded.config;
  gen::TrafficProfile profile;
  profile.packets_per_subscriber = 1;
  profile.frame_sizes = {64};
  profile.families = {4};
  profile.sample_subscribers = std::min(subscribers, 4096u);
  gen::write_pcap(dir + "/in.pcap", gen::generate(config, profile).upstream["access0"]);

  std::vector<std::string> args = {"update_rate", "--no-huge", "-m", "1024", "--no-pci", "-l", "0,1",
                                   "--log-level=lib.eal:error", "--file-prefix=" + prefix,
                                   "--vdev=net_pcap_upd_in,rx_pcap=" + dir + "/in.pcap,infinite_rx=1",
                                   "--vdev=net_null_upd_out,no-rx=1"};
  std::vector<char*> eal_argv;
  for (std::string& a : args) eal_argv.push_back(a.data());
  if (rte_eal_init(int(eal_argv.size()), eal_argv.data()) < 0) return 1;
  int result = 0;
  {
    rte_mempool* pool = create_mbuf_pool("upd_pool", 16383, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
    std::vector<uint16_t> port_ids;
    for (const PortConfig& p : config.ports) port_ids.push_back(open_port({p.name, p.device, 1, 1, 1024, 1024, p.mtu}, pool).port_id);
    TableLimits limits = test::small_limits();
    limits.subscribers = std::max(subscribers, 1024u);
    test::RouterHarness headend(config, port_ids, limits);
    if (!headend.failures.empty()) {
      std::fprintf(stderr, "%s\n", headend.failures[0].c_str());
      return 1;
    }
    Rib& rib = *headend.rib;
    std::atomic<bool> stop{false};
    WorkerSetup setup;
    setup.rx = {{port_ids[0], 0}};
    Worker worker(setup, *headend.tables, headend.counters->worker(0), stop);
    rte_eal_remote_launch(Worker::launch, &worker, 1);

    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // warm up
    Sample start = sample(*headend.counters, port_ids[1]);
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    Sample baseline_end = sample(*headend.counters, port_ids[1]);

    uint64_t updates = 0;
    auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
    Sample changes_start = sample(*headend.counters, port_ids[1]);
    while (Clock::now() < deadline) {
      for (unsigned batch = 0; batch < 64; ++batch, ++updates) {
        Status s;
        if (updates % 2 == 0) {
          std::vector<uint32_t> labels;
          for (unsigned depth = 0; depth <= (updates / 2) % 3; ++depth) labels.push_back(16 + (updates * 7 + depth) % 1000000);
          s = rib.set_ftn(1 + (updates / 2) % kIsps, {labels, port_ids[1], config.isps[0].next_hop.mac});
        } else {
          s = rib.set_subscriber_isp(1 + (updates / 2) % subscribers, 1 + (updates / 2 + 1) % kIsps);
        }
        if (!s.ok()) {
          std::fprintf(stderr, "update %llu failed: %s\n", (unsigned long long)updates, s.error.c_str());
          return 1;
        }
      }
      rib.reclaim();
    }
    Sample changes_end = sample(*headend.counters, port_ids[1]);
    double update_seconds = std::chrono::duration<double>(changes_end.at - changes_start.at).count();
    stop.store(true);
    rte_eal_wait_lcore(1);

    const CounterSet& c = *headend.counters;
    uint64_t received = c.port_rx(port_ids[0]).packets, sent = c.port_tx(port_ids[1]).packets, dropped = c.total_drops();
    double base = mpps(start, baseline_end), during = mpps(changes_start, changes_end);
    std::printf("{\"subscribers\": %u, \"seconds\": %.1f, \"updates\": %llu, \"updates_per_s\": %.0f, "
                "\"mpps_baseline\": %.3f, \"mpps_during_updates\": %.3f, \"ratio\": %.3f, \"received\": %llu, "
                "\"sent\": %llu, \"dropped\": %llu, \"unaccounted\": %lld}\n",
                subscribers, seconds, (unsigned long long)updates, double(updates) / update_seconds, base, during,
                during / base, (unsigned long long)received, (unsigned long long)sent, (unsigned long long)dropped,
                (long long)(received - sent - dropped));
    result = dropped == 0 && received == sent ? 0 : 3;
    for (uint16_t port : port_ids) close_port(port);
  }
  rte_eal_cleanup();
  return result;
}
