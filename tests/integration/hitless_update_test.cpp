// Hitless update: a real worker on its own lcore forwards a continuous
// upstream stream through ring ports while this thread, as the control plane,
// changes FTN label stacks and subscriber -> ISP mappings thousands of times
// through the TableWriter. Every frame that comes out must be byte for byte
// the frame of its subscriber under some (ISP, label stack) that was in force
// between the moment it was sent and the moment it was received, never a
// mixture, and no frame may be lost.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>

#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_launch.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "controlplane/config/config.h"
#include "dataplane/port.h"
#include "dataplane/worker.h"
#include "tests/support/headend_harness.h"
#include "tools/aggr-gen/traffic.h"

namespace aggr {
namespace {

using gen::Bytes;

constexpr unsigned kWorkerLcore = 1;
constexpr unsigned kSubscribers = 64;
constexpr unsigned kChanges = 6000;      // half FTN changes, half ISP moves
constexpr unsigned kMaxInFlight = 1024;  // frames sent but not yet received
constexpr unsigned kRingSize = 4096;

std::string config_text() {
  std::string text = R"(
workers: {lcores: [1]}
ports:
  - {name: access0, role: access, device: net_ring_hl_access0, mac: "02:00:00:00:a0:00"}
  - {name: core0, role: core, device: net_ring_hl_core0, mac: "02:00:00:00:c0:00"}
isps:
  - {id: 1, name: a, labels: [1001], next_hop: {port: core0, mac: "02:00:00:00:ff:01"}}
  - {id: 2, name: b, labels: [2001, 2002], next_hop: {port: core0, mac: "02:00:00:00:ff:02"}}
subscribers:
)";
  for (unsigned i = 0; i < kSubscribers; ++i)
    text += "  - {id: " + std::to_string(i + 1) + ", isp: " + (i % 2 ? "b" : "a") +
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
    LoadResult loaded = test::load_config_text(config_text());
    for (const ConfigError& e : loaded.errors) FAIL() << e.to_string();
    config_ = loaded.config;

    pool_ = rte_pktmbuf_pool_create("hitless_pool", 16383, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
    ASSERT_NE(pool_, nullptr);
    access_in_ = make_ring("hl_access_in");
    access_out_ = make_ring("hl_access_out");
    core_in_ = make_ring("hl_core_in");
    core_out_ = make_ring("hl_core_out");
    // rte_eth_from_rings names the ports net_ring_<name>, as the config does.
    ASSERT_GE(rte_eth_from_rings("hl_access0", &access_in_, 1, &access_out_, 1, 0), 0);
    ASSERT_GE(rte_eth_from_rings("hl_core0", &core_in_, 1, &core_out_, 1, 0), 0);

    std::vector<uint16_t> port_ids;
    for (const PortConfig& p : config_.ports)
      port_ids.push_back(open_port({p.name, p.device, 1, 1, 1024, 1024, p.mtu}, pool_).port_id);
    headend_ = std::make_unique<test::HeadendHarness>(config_, port_ids);
    for (const std::string& failure : headend_->failures) FAIL() << failure;
    writer_ = headend_->writer.get();
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
      ASSERT_TRUE(writer_->set_ftn(isp_id, {labels, headend_->port_ids[1], isp.next_hop_mac}).ok());
    } else {
      uint32_t subscriber_id = 1 + (step / 2) % kSubscribers;
      uint32_t isp_id = 3 - isp_of_[subscriber_id].during(version_, version_).back();
      isp_of_[subscriber_id].set(version_, isp_id);
      ASSERT_TRUE(writer_->set_subscriber_isp(subscriber_id, isp_id).ok());
    }
    writer_->reclaim();
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

  RouterConfig config_;
  rte_mempool* pool_ = nullptr;
  rte_ring *access_in_ = nullptr, *access_out_ = nullptr, *core_in_ = nullptr, *core_out_ = nullptr;
  std::unique_ptr<test::HeadendHarness> headend_;
  TableWriter* writer_ = nullptr;
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

TEST_F(HitlessUpdateTest, EveryFrameCarriesAnOldOrNewLabelAndNoneIsLost) {
  start_worker();
  const unsigned sizes[] = {64, 128, 256, 512};
  std::map<uint32_t, Sent> in_flight;
  std::map<uint32_t, uint64_t> frames_by_isp, bytes_by_isp;
  uint32_t next_sequence = 1;
  uint64_t received = 0, wrong = 0;
  unsigned changes = 0;
  // Keep sending until every change is applied and a last stretch of frames
  // has seen the final tables.
  const uint64_t kTailFrames = 20000;
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
      ASSERT_NE(m, nullptr);
      std::memcpy(rte_pktmbuf_append(m, uint16_t(frame.size())), frame.data(), frame.size());
      burst[n++] = m;
      in_flight[next_sequence++] = sent;
    }
    ASSERT_EQ(rte_ring_enqueue_burst(access_in_, reinterpret_cast<void**>(burst), n, nullptr), n);

    if (changes < kChanges) apply_change(changes++);
    else if (stop_sending_at == UINT64_MAX) stop_sending_at = next_sequence + kTailFrames;

    // Receive and check whatever came out.
    rte_mbuf* out[64];
    unsigned got = rte_ring_dequeue_burst(core_out_, reinterpret_cast<void**>(out), 64, nullptr);
    for (unsigned i = 0; i < got; ++i) {
      Bytes frame(rte_pktmbuf_mtod(out[i], uint8_t*), rte_pktmbuf_mtod(out[i], uint8_t*) + out[i]->data_len);
      rte_pktmbuf_free(out[i]);
      uint32_t sequence = sequence_of(frame);
      auto it = in_flight.find(sequence);
      ASSERT_NE(it, in_flight.end()) << "frame with unknown or repeated sequence " << sequence;
      uint32_t isp_id = check(frame, sequence, it->second);
      if (isp_id == 0 && ++wrong <= 5)
        ADD_FAILURE() << "frame " << sequence << " of subscriber " << it->second.subscriber_id
                      << " matches no label stack in force while it was in flight";
      ++frames_by_isp[isp_id];
      bytes_by_isp[isp_id] += frame.size() - 14 - 4 * label_count(frame);  // IP bytes, as counted
      in_flight.erase(it);
      ++received;
    }
    if (next_sequence >= stop_sending_at && in_flight.empty()) break;
    if (got != 0) last_progress = std::chrono::steady_clock::now();
    else if (std::chrono::steady_clock::now() - last_progress > std::chrono::seconds(5)) break;  // lost for good
  }

  EXPECT_EQ(changes, kChanges);
  EXPECT_EQ(wrong, 0u);
  EXPECT_EQ(received, next_sequence - 1);
  EXPECT_TRUE(in_flight.empty()) << in_flight.size() << " frames lost";
  EXPECT_EQ(counters_->total_drops(), 0u);
  // Each frame was counted under the ISP whose labels it carries.
  for (uint32_t isp_id : {1u, 2u}) {
    Totals counted = counters_->isp(writer_->isp(isp_id)->index, Direction::kUpstream);
    EXPECT_EQ(counted.packets, frames_by_isp[isp_id]) << "ISP " << isp_id;
    EXPECT_EQ(counted.bytes, bytes_by_isp[isp_id]) << "ISP " << isp_id;
  }
  std::printf("hitless: %llu frames checked through %u table changes (%llu via ISP a, %llu via ISP b)\n",
              (unsigned long long)received, changes, (unsigned long long)frames_by_isp[1],
              (unsigned long long)frames_by_isp[2]);
}

}  // namespace
}  // namespace aggr

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
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
