// Hitless update: a real worker on its own lcore forwards a continuous
// upstream stream through ring ports while this thread, as the control plane,
// changes FTN label stacks and subscriber -> ISP mappings: thousands of
// single changes through the Rib, and 100 configuration reloads
// (the reload path: YAML files loaded, validated, the difference applied).
// Every frame that comes out must be byte for byte the frame of its
// subscriber under some (ISP, label stack) that was in force between the
// moment it was sent and the moment it was received, never a mixture, and no
// frame may be lost.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <set>

#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_launch.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "controlplane/config/config.h"
#include "controlplane/config_diff.h"
#include "dataplane/mbuf_pool.h"
#include "dataplane/port.h"
#include "dataplane/worker.h"
#include "tests/support/busy_load.h"
#include "tests/support/router_harness.h"
#include "tests/support/process.h"
#include "tools/aggr-gen/traffic.h"

namespace aggr {
namespace {

using gen::Bytes;

constexpr unsigned kWorkerLcore = 1;
constexpr unsigned kSubscribers = 64;
constexpr unsigned kChanges = 6000;      // half FTN changes, half ISP moves
constexpr unsigned kMaxInFlight = 1024;  // frames sent but not yet received
constexpr unsigned kRingSize = 4096;

// Variant 0 is the starting configuration. Variant 1 moves every third
// subscriber to the other ISP and gives both ISPs other label stacks.
// Ring port names differ per test (`instance`): DPDK keeps a closed port's name.
std::string config_text(unsigned variant, unsigned instance) {
  std::string port_prefix = "net_ring_hl" + std::to_string(instance) + "_";
  std::string text = R"(
workers: {lcores: [1]}
ports:
  - {name: access0, role: access, device: @PREFIX@access0, mac: "02:00:00:00:a0:00"}
  - {name: core0, role: core, device: @PREFIX@core0, mac: "02:00:00:00:c0:00"}
isps:
)";
  text = test::substitute(text, "PREFIX", port_prefix);
  text += variant == 0 ? R"(
  - {id: 1, name: a, labels: [1001], next_hop: {port: core0, mac: "02:00:00:00:ff:01"}}
  - {id: 2, name: b, labels: [2001, 2002], next_hop: {port: core0, mac: "02:00:00:00:ff:02"}}
)"
                       : R"(
  - {id: 1, name: a, labels: [1101, 1102, 1103], next_hop: {port: core0, mac: "02:00:00:00:ff:01"}}
  - {id: 2, name: b, labels: [2201], next_hop: {port: core0, mac: "02:00:00:00:ff:02"}}
)";
  text += "subscribers:\n";
  for (unsigned i = 0; i < kSubscribers; ++i)
    text += "  - {id: " + std::to_string(i + 1) + ", isp: " + ((i % 2 == 1) != (variant == 1 && i % 3 == 0) ? "b" : "a") +
            ", line: {port: access0, svlan: 100, cvlan: " + std::to_string(i + 1) + "}, cpe_mac: \"02:00:00:01:00:" +
            std::to_string(10 + i % 90) + "\", addresses: [100.64.0." + std::to_string(i + 1) + "/32]}\n";
  return text;
}

// What was in force, as a step function of the change counter ("version").
template <typename T>
class History {
 public:
  void set(uint64_t version, T value) { steps_.push_back({version, std::move(value)}); }
  // Every value in force at some version in [from, to].
  std::vector<T> during(uint64_t from, uint64_t to) const {
    std::vector<T> values;
    auto it = std::upper_bound(steps_.begin(), steps_.end(), from,
                               [](uint64_t v, const auto& step) { return v < step.first; });
    for (--it; it != steps_.end() && it->first <= to; ++it) values.push_back(it->second);
    return values;
  }

 private:
  std::vector<std::pair<uint64_t, T>> steps_;
};

class HitlessUpdateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    instance_ = next_instance_++;
    LoadResult loaded = test::load_config_text(text(0));
    for (const ConfigError& e : loaded.errors) FAIL() << e.to_string();
    config_ = loaded.config;

    pool_ = create_mbuf_pool("hitless_pool", 16383, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
    ASSERT_NE(pool_, nullptr);
    access_in_ = make_ring("hl_access_in");
    access_out_ = make_ring("hl_access_out");
    core_in_ = make_ring("hl_core_in");
    core_out_ = make_ring("hl_core_out");
    // rte_eth_from_rings names the ports net_ring_<name>, as the config does.
    std::string name = "hl" + std::to_string(instance_) + "_";
    ASSERT_GE(rte_eth_from_rings((name + "access0").c_str(), &access_in_, 1, &access_out_, 1, 0), 0);
    ASSERT_GE(rte_eth_from_rings((name + "core0").c_str(), &core_in_, 1, &core_out_, 1, 0), 0);

    std::vector<uint16_t> port_ids;
    for (const PortConfig& p : config_.ports)
      port_ids.push_back(open_port({p.name, p.device, 1, 1, 1024, 1024, p.mtu}, pool_).port_id);
    headend_ = std::make_unique<test::RouterHarness>(config_, port_ids);
    for (const std::string& failure : headend_->failures) FAIL() << failure;
    rib_ = headend_->rib.get();
    counters_ = headend_->counters.get();

    for (const IspConfig& isp : config_.isps) stacks_[isp.id].set(0, isp.labels);
    for (const SubscriberConfig& s : config_.subscribers) isp_of_[s.id].set(0, config_.isp(s.isp)->id);
  }

  void TearDown() override {
    if (worker_) {
      stop_.store(true);
      rte_eal_wait_lcore(kWorkerLcore);
    }
    if (headend_) {
      for (uint16_t port : headend_->port_ids) close_port(port);
      headend_.reset();
    }
    for (rte_ring* ring : {access_in_, access_out_, core_in_, core_out_}) {
      if (ring == nullptr) continue;
      rte_mbuf* m;
      while (rte_ring_dequeue(ring, reinterpret_cast<void**>(&m)) == 0) rte_pktmbuf_free(m);
      rte_ring_free(ring);
    }
    rte_mempool_free(pool_);
  }

  static rte_ring* make_ring(const char* name) {
    return rte_ring_create(name, kRingSize, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
  }

  void start_worker() {
    WorkerSetup setup;
    setup.index = 0;
    setup.rx = {{headend_->port_ids[0], 0}, {headend_->port_ids[1], 0}};
    setup.idle_polls = 4096;
    setup.idle_sleep_us = 50;
    worker_ = std::make_unique<Worker>(setup, *headend_->tables, counters_->worker(0), stop_);
    ASSERT_EQ(rte_eal_remote_launch(Worker::launch, worker_.get(), kWorkerLcore), 0);
  }

  // The control plane's next change: even steps give an ISP a new label
  // stack (1 to 3 labels), odd steps move a subscriber to the other ISP.
  void apply_change(unsigned step) {
    ++version_;
    if (step % 2 == 0) {
      uint32_t isp_id = 1 + (step / 2) % 2;
      std::vector<uint32_t> labels;
      for (unsigned depth = 0; depth <= (step / 4) % 3; ++depth) labels.push_back(16 + (step * 7 + depth) % 1000000);
      stacks_[isp_id].set(version_, labels);
      const IspConfig& isp = *config_.isp(isp_id == 1 ? "a" : "b");
      ASSERT_TRUE(rib_->set_ftn(isp_id, {labels, headend_->port_ids[1], isp.next_hop.mac}).ok());
    } else {
      uint32_t subscriber_id = 1 + (step / 2) % kSubscribers;
      uint32_t isp_id = 3 - isp_of_[subscriber_id].during(version_, version_).back();
      isp_of_[subscriber_id].set(version_, isp_id);
      ASSERT_TRUE(rib_->set_subscriber_isp(subscriber_id, isp_id).ok());
    }
    rib_->reclaim();
  }

  struct Sent {
    uint32_t subscriber_id;
    uint64_t version;
    unsigned size;
  };

  gen::FramePair frame_for(const Sent& s, uint32_t sequence, const IspConfig& isp) const {
    const SubscriberConfig& subscriber = config_.subscribers[s.subscriber_id - 1];
    return gen::upstream_frame(config_, subscriber, isp, 4, s.size, 0, 64, sequence);
  }

  // Checks one received frame against everything that was in force while it
  // was in flight; returns the ISP whose frame it is, 0 if none.
  uint32_t check(const Bytes& frame, uint32_t sequence, const Sent& sent) {
    for (uint32_t isp_id : isp_of_[sent.subscriber_id].during(sent.version, version_)) {
      IspConfig isp = *config_.isp(isp_id == 1 ? "a" : "b");
      for (const std::vector<uint32_t>& labels : stacks_[isp_id].during(sent.version, version_)) {
        isp.labels = labels;
        if (frame_for(sent, sequence, isp).expected == frame) return isp_id;
      }
    }
    return 0;
  }

  // Frames the forwarding loop saw come out, by the ISP whose frame each was
  // (0: none, a wrong frame).
  struct Forwarded {
    uint64_t sent = 0, received = 0, wrong = 0;
    size_t lost = 0;
    std::map<uint32_t, uint64_t> frames_by_isp, bytes_by_isp;
  };

  // Sends a continuous stream and checks every frame that comes out, calling
  // `change` (the control plane's next step) once per burst until it returns
  // false; then sends a last stretch that sees only the final tables.
  Forwarded forward_during(const std::function<bool()>& change);

  void expect_every_frame_right(Forwarded& f) {
    EXPECT_EQ(f.wrong, 0u);
    EXPECT_EQ(f.received, f.sent);
    EXPECT_EQ(f.lost, 0u) << f.lost << " frames lost";
    EXPECT_EQ(counters_->total_drops(), 0u);
    // Each frame was counted under the ISP whose labels it carries.
    for (uint32_t isp_id : {1u, 2u}) {
      Totals counted = counters_->isp(rib_->isp(isp_id)->index, Direction::kUpstream);
      EXPECT_EQ(counted.packets, f.frames_by_isp[isp_id]) << "ISP " << isp_id;
      EXPECT_EQ(counted.bytes, f.bytes_by_isp[isp_id]) << "ISP " << isp_id;
    }
  }

  // A new configuration is about to be applied: from now on its label
  // stacks and subscriber -> ISP mappings are in force too.
  void record_in_force(const RouterConfig& next) {
    ++version_;
    for (const IspConfig& isp : next.isps) stacks_[isp.id].set(version_, isp.labels);
    for (const SubscriberConfig& s : next.subscribers) isp_of_[s.id].set(version_, next.isp(s.isp)->id);
  }

  std::string text(unsigned variant) const { return config_text(variant, instance_); }

  static inline unsigned next_instance_ = 0;
  unsigned instance_ = 0;
  RouterConfig config_;
  rte_mempool* pool_ = nullptr;
  rte_ring *access_in_ = nullptr, *access_out_ = nullptr, *core_in_ = nullptr, *core_out_ = nullptr;
  std::unique_ptr<test::RouterHarness> headend_;
  Rib* rib_ = nullptr;
  CounterSet* counters_ = nullptr;
  std::unique_ptr<Worker> worker_;
  std::atomic<bool> stop_{false};
  uint64_t version_ = 0;
  std::map<uint32_t, History<std::vector<uint32_t>>> stacks_;  // by ISP id
  std::map<uint32_t, History<uint32_t>> isp_of_;               // by subscriber id
};

unsigned label_count(const Bytes& frame) {
  unsigned labels = 1;
  while (!(frame[14 + 4 * (labels - 1) + 2] & 0x01)) ++labels;
  return labels;
}

// The UDP payload repeats the sequence number, least significant byte first
// (frame_builder).
uint32_t sequence_of(const Bytes& frame) {
  size_t udp_payload = 14 + 4 * label_count(frame) + 20 + 8;
  return uint32_t(frame[udp_payload + 3]) << 24 | uint32_t(frame[udp_payload + 2]) << 16 |
         uint32_t(frame[udp_payload + 1]) << 8 | frame[udp_payload];
}

HitlessUpdateTest::Forwarded HitlessUpdateTest::forward_during(const std::function<bool()>& change) {
  const unsigned sizes[] = {64, 128, 256, 512};
  const uint64_t kTailFrames = 20000;
  Forwarded f;
  std::map<uint32_t, Sent> in_flight;
  uint32_t next_sequence = 1;
  bool changing = true;
  uint64_t stop_sending_at = UINT64_MAX;
  auto last_progress = std::chrono::steady_clock::now();

  while (true) {
    // Send a burst, bounded by what is still in flight.
    rte_mbuf* burst[32];
    unsigned n = 0;
    while (n < 32 && in_flight.size() + n < kMaxInFlight && next_sequence < stop_sending_at) {
      Sent sent{1 + next_sequence % kSubscribers, version_, sizes[next_sequence % 4]};
      Bytes frame = frame_for(sent, next_sequence, *config_.isp("a")).input;
      rte_mbuf* m = rte_pktmbuf_alloc(pool_);
      if (m == nullptr) {
        ADD_FAILURE() << "mbuf pool empty";
        return f;
      }
      std::memcpy(rte_pktmbuf_append(m, uint16_t(frame.size())), frame.data(), frame.size());
      burst[n++] = m;
      in_flight[next_sequence++] = sent;
    }
    EXPECT_EQ(rte_ring_enqueue_burst(access_in_, reinterpret_cast<void**>(burst), n, nullptr), n);
    f.sent += n;

    if (changing) changing = change();
    if (!changing && stop_sending_at == UINT64_MAX) stop_sending_at = next_sequence + kTailFrames;

    // Receive and check whatever came out.
    rte_mbuf* out[64];
    unsigned got = rte_ring_dequeue_burst(core_out_, reinterpret_cast<void**>(out), 64, nullptr);
    for (unsigned i = 0; i < got; ++i) {
      Bytes frame(rte_pktmbuf_mtod(out[i], uint8_t*), rte_pktmbuf_mtod(out[i], uint8_t*) + out[i]->data_len);
      rte_pktmbuf_free(out[i]);
      uint32_t sequence = sequence_of(frame);
      auto it = in_flight.find(sequence);
      if (it == in_flight.end()) {
        ADD_FAILURE() << "frame with unknown or repeated sequence " << sequence;
        ++f.wrong;
        continue;
      }
      uint32_t isp_id = check(frame, sequence, it->second);
      if (isp_id == 0 && ++f.wrong <= 5)
        ADD_FAILURE() << "frame " << sequence << " of subscriber " << it->second.subscriber_id
                      << " matches no label stack in force while it was in flight";
      ++f.frames_by_isp[isp_id];
      f.bytes_by_isp[isp_id] += frame.size() - 14 - 4 * label_count(frame);  // IP bytes, as counted
      in_flight.erase(it);
      ++f.received;
    }
    if (next_sequence >= stop_sending_at && in_flight.empty()) break;
    if (got != 0) last_progress = std::chrono::steady_clock::now();
    else if (std::chrono::steady_clock::now() - last_progress > std::chrono::seconds(5)) break;  // lost for good
  }
  f.lost = in_flight.size();
  return f;
}

TEST_F(HitlessUpdateTest, EveryFrameCarriesAnOldOrNewLabelAndNoneIsLost) {
  start_worker();
  unsigned changes = 0;
  Forwarded f = forward_during([&] {
    if (changes == kChanges) return false;
    apply_change(changes++);
    return true;
  });
  EXPECT_EQ(changes, kChanges);
  expect_every_frame_right(f);
  std::printf("hitless: %llu frames checked through %u table changes (%llu via ISP a, %llu via ISP b)\n",
              (unsigned long long)f.received, changes, (unsigned long long)f.frames_by_isp[1],
              (unsigned long long)f.frames_by_isp[2]);
}

TEST_F(HitlessUpdateTest, HundredReloadsUnderTrafficLoseNothingAndBadConfigurationsChangeNothing) {
  // The reload path as aggrd runs it: parse and validate a file, refuse
  // what needs a restart, apply the difference.
  const unsigned kReloads = 100;
  const unsigned kBurstsBetweenReloads = 24;
  std::string bad_reference = text(1);
  bad_reference.replace(bad_reference.find("isp: b"), 6, "isp: nope");
  std::string needs_restart = text(1);
  needs_restart.replace(needs_restart.find("02:00:00:00:c0:00"), 17, "02:00:00:00:c0:99");

  start_worker();
  RouterConfig running = config_;
  unsigned reloads = 0, refused = 0, bursts = 0;
  Forwarded f = forward_during([&] {
    if (++bursts % kBurstsBetweenReloads != 0) return true;
    if (reloads == kReloads) return false;
    if (reloads == kReloads / 2 && refused == 0) {
      // Halfway: a file with an error, then one that needs a restart. Both
      // are refused and nothing changes (the frames check that: no history
      // is recorded for them).
      LoadResult broken = test::load_config_text(bad_reference);
      EXPECT_FALSE(broken.ok());
      EXPECT_NE(broken.errors.at(0).to_string().find("no isp named 'nope'"), std::string::npos);
      LoadResult restart = test::load_config_text(needs_restart);
      EXPECT_TRUE(restart.ok());
      EXPECT_EQ(restart_required(running, restart.config),
                std::vector<std::string>{"port core0 changed: that needs a restart"});
      refused = 2;
      return true;
    }
    LoadResult next = test::load_config_text(text(++reloads % 2));
    EXPECT_TRUE(next.ok());
    EXPECT_TRUE(restart_required(running, next.config).empty());
    record_in_force(next.config);
    ConfigChanges changes;
    Status applied = reconcile_config(next.config, headend_->port_ids, *rib_, &changes);
    EXPECT_TRUE(applied.ok()) << applied.error;
    // 22 of the 64 subscribers move; both FTN entries change.
    EXPECT_EQ(changes.describe(), "2 FTN entries changed, 22 subscribers changed");
    rib_->reclaim();
    running = next.config;
    return true;
  });
  EXPECT_EQ(reloads, kReloads);
  EXPECT_EQ(refused, 2u);
  expect_every_frame_right(f);
  // The tables hold the last configuration (variant 0 after an even count).
  EXPECT_EQ(rib_->isp(1)->ftn->labels, (std::vector<uint32_t>{1001}));
  EXPECT_EQ(rib_->isp(2)->ftn->labels, (std::vector<uint32_t>{2001, 2002}));
  EXPECT_EQ(rib_->isp(1)->subscribers, kSubscribers / 2);
  std::printf("reload: %llu frames checked through %u reloads and %u refused ones\n", (unsigned long long)f.received,
              reloads, refused);
}

}  // namespace
}  // namespace aggr

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  aggr::test::add_busy_load_from_environment();
  std::string prefix = "--file-prefix=hitless-" + std::to_string(getpid());
  std::vector<std::string> args = {"hitless_update_test", "--no-huge", "-m", "512", "--no-pci", "-l", "0,1",
                                   "--log-level=lib.eal:error", prefix};
  std::vector<char*> eal_argv;
  for (std::string& a : args) eal_argv.push_back(a.data());
  if (rte_eal_init(int(eal_argv.size()), eal_argv.data()) < 0) {
    std::fprintf(stderr, "EAL initialisation failed\n");
    return 1;
  }
  int result = RUN_ALL_TESTS();
  rte_eal_cleanup();
  std::error_code ignored;
  std::filesystem::remove_all("/var/run/dpdk/" + prefix.substr(prefix.find('=') + 1), ignored);
  return result;
}
