// Link-sharing contracts in the pipeline: a borrower's downstream excess
// over a donor's line, its upstream packets accepted on the donor's line,
// each up to the contract's rate and counted per contract; interruptible
// contracts yielding to the donor's own traffic; the RIB's rules for them.
// Frames compared byte for byte with aggr-gen's independently built ones.
#include <gtest/gtest.h>

#include <rte_cycles.h>

#include "controlplane/config_apply.h"
#include "tests/support/router_harness.h"
#include "tests/unit/eal_environment.h"
#include "tools/aggr-gen/traffic.h"

namespace aggr {
namespace {

using gen::Bytes;

// Subscriber 1 (QinQ 10/1, red) borrows from subscriber 2 (S-tag 20,
// green); both on access0. Each has a 1 Mbit/s plan both ways.
class RedirectTest : public ::testing::Test {
 protected:
  static constexpr uint64_t kPlan = 1000000;
  static constexpr unsigned kBorrowerHeader = 22, kDonorHeader = 18;

  void SetUp() override {
    pool_ = test::packet_pool();
    LoadResult r = test::load_config_text(test::kPipelineTestConfig);
    for (const auto& e : r.errors) ADD_FAILURE() << e.to_string();
    config_ = r.config;
    for (auto& s : config_.subscribers)
      if (s.id == 1 || s.id == 2) s.rate_bps[0] = s.rate_bps[1] = kPlan;
    harness_ = std::make_unique<test::RouterHarness>(config_);
    for (const std::string& f : harness_->failures) ADD_FAILURE() << f;
    rib_ = harness_->rib.get();
    counters_ = harness_->counters.get();
  }

  const SubscriberConfig& sub(uint32_t id) {
    for (const auto& s : config_.subscribers)
      if (s.id == id) return s;
    throw std::logic_error("no subscriber");
  }
  gen::FramePair up(uint32_t id, unsigned size = 128) {
    return gen::upstream_frame(config_, sub(id), *config_.isp(sub(id).isp), 4, size, 0, 64, ++seq_);
  }
  gen::FramePair down(uint32_t id, unsigned size = 256) {
    return gen::downstream_frame(config_, sub(id), 100, 4, size, 64, 64, ++seq_);
  }
  // The borrower's frame with the donor's line header in place of its own.
  Bytes on_donor_line(const Bytes& borrower_frame, const Bytes& donor_frame) {
    Bytes f(donor_frame.begin(), donor_frame.begin() + kDonorHeader);
    f.insert(f.end(), borrower_frame.begin() + kBorrowerHeader, borrower_frame.end());
    return f;
  }
  RedirectSpec contract(uint64_t up_bps, uint64_t down_bps, bool interruptible = true) {
    RedirectSpec spec;
    spec.contract = 77;
    spec.borrower = 1;
    spec.donor = 2;
    spec.rate_bps[0] = up_bps;
    spec.rate_bps[1] = down_bps;
    spec.interruptible = interruptible;
    return spec;
  }
  Totals carried(uint64_t contract, Direction d) { return counters_->contract(rib_->redirects().at(contract).slot, d); }
  Totals subscriber(uint32_t id, Direction d) { return counters_->subscriber(*rib_->subscriber_handle(id), d); }
  uint64_t drops(DropReason r) { return counters_->drops(r); }
  // A second into the TSC: every bucket and meter starts full.
  std::map<uint16_t, std::vector<Bytes>> run(uint16_t port, const std::vector<Bytes>& frames) {
    return harness_->run(pool_, port, frames, rte_get_tsc_hz());
  }

  rte_mempool* pool_;
  RouterConfig config_;
  std::unique_ptr<test::RouterHarness> harness_;
  Rib* rib_;
  CounterSet* counters_;
  uint32_t seq_ = 0;
};

TEST_F(RedirectTest, DownstreamExcessGoesOverTheDonorsLineUpToTheContractRate) {
  ASSERT_TRUE(rib_->set_redirect(contract(0, kPlan)).ok());
  std::vector<gen::FramePair> pairs;
  std::vector<Bytes> in;
  for (int i = 0; i < 40; ++i) {
    pairs.push_back(down(1, 1518));
    in.push_back(pairs.back().input);
  }
  const Bytes donor_frame = down(2).expected;
  auto out = run(2, in);
  // The plan's 16384-byte burst holds 10 frames of 1518; the contract's,
  // 10 of 1514 on the single-tagged donor line; the rest are over both.
  std::vector<Bytes> expected;
  for (int i = 0; i < 10; ++i) expected.push_back(pairs[i].expected);
  for (int i = 10; i < 20; ++i) expected.push_back(on_donor_line(pairs[i].expected, donor_frame));
  EXPECT_EQ(out[0], expected);
  const uint64_t ip = pairs[0].ip_length;
  EXPECT_EQ(carried(77, Direction::kDownstream), (Totals{10, 10 * ip}));
  EXPECT_EQ(carried(77, Direction::kUpstream), (Totals{0, 0}));
  EXPECT_EQ(subscriber(1, Direction::kDownstream), (Totals{20, 20 * ip}));
  EXPECT_EQ(subscriber(2, Direction::kDownstream), (Totals{0, 0}));
  EXPECT_EQ(drops(DropReason::kMeterDownstream), 20u);
  EXPECT_EQ(counters_->subscriber_meter_drops(*rib_->subscriber_handle(1), Direction::kDownstream), 20u);
  EXPECT_EQ(counters_->total_drops(), 20u);
}

TEST_F(RedirectTest, WithoutAContractTheExcessIsDroppedAsBefore) {
  std::vector<Bytes> in;
  for (int i = 0; i < 20; ++i) in.push_back(down(1, 1518).input);
  EXPECT_EQ(run(2, in)[0].size(), 10u);
  EXPECT_EQ(drops(DropReason::kMeterDownstream), 10u);
}

TEST_F(RedirectTest, TheBorrowersPacketsOnTheDonorsLineAreAcceptedOnlyUnderAContract) {
  gen::FramePair pair = up(1);
  const Bytes frame = on_donor_line(pair.input, up(2).input);
  EXPECT_TRUE(run(0, {frame})[2].empty());
  EXPECT_EQ(drops(DropReason::kSpoofedSource), 1u);

  ASSERT_TRUE(rib_->set_redirect(contract(kPlan, 0)).ok());
  // Labelled towards the borrower's ISP (red), not the donor's (green).
  EXPECT_EQ(run(0, {frame})[2], std::vector<Bytes>{pair.expected});
  EXPECT_EQ(carried(77, Direction::kUpstream), (Totals{1, pair.ip_length}));
  EXPECT_EQ(subscriber(1, Direction::kUpstream), (Totals{1, pair.ip_length}));
  EXPECT_EQ(subscriber(2, Direction::kUpstream), (Totals{0, 0}));

  // A third subscriber's source on the donor's line is still spoofed.
  const Bytes stranger = on_donor_line(up(4).input, up(2).input);
  EXPECT_TRUE(run(0, {stranger})[2].empty());
  EXPECT_EQ(drops(DropReason::kSpoofedSource), 2u);

  ASSERT_TRUE(rib_->remove_redirect(77).ok());
  EXPECT_TRUE(run(0, {frame})[2].empty());
  EXPECT_EQ(drops(DropReason::kSpoofedSource), 3u);
}

TEST_F(RedirectTest, UpstreamOverTheContractRateIsDroppedByName) {
  ASSERT_TRUE(rib_->set_redirect(contract(kPlan, 0)).ok());
  const Bytes donor_frame = up(2).input;
  std::vector<Bytes> in;
  for (int i = 0; i < 30; ++i) in.push_back(on_donor_line(up(1, 1518).input, donor_frame));
  // 1514 bytes on the donor's line: 10 fit the contract's 16384-byte burst.
  EXPECT_EQ(run(0, in)[2].size(), 10u);
  EXPECT_EQ(drops(DropReason::kContractOverRate), 20u);
  EXPECT_EQ(carried(77, Direction::kUpstream).packets, 10u);
}

TEST_F(RedirectTest, AnInterruptibleContractYieldsToTheDonorsOwnTraffic) {
  ASSERT_TRUE(rib_->set_redirect(contract(kPlan, 0, true)).ok());
  const Bytes donor_frame = up(2).input;
  std::vector<Bytes> in;
  // The donor sends a full plan burst of its own first.
  for (int i = 0; i < 10; ++i) in.push_back(up(2, 1514).input);
  for (int i = 0; i < 10; ++i) in.push_back(on_donor_line(up(1, 1518).input, donor_frame));
  auto out = run(0, in);
  EXPECT_EQ(subscriber(2, Direction::kUpstream).packets, 10u);  // the donor's own traffic all passed
  EXPECT_EQ(carried(77, Direction::kUpstream).packets, 0u);     // and left the contract nothing
  EXPECT_EQ(drops(DropReason::kContractOverRate), 10u);
}

TEST_F(RedirectTest, AGreedyBorrowerStillYieldsToTheDonorsTrafficThatComesAfterIt) {
  ASSERT_TRUE(rib_->set_redirect(contract(kPlan, 0, true)).ok());
  const Bytes donor_frame = up(2).input;
  auto borrowers = [&] {
    std::vector<Bytes> in;
    for (int i = 0; i < 10; ++i) in.push_back(on_donor_line(up(1, 1518).input, donor_frame));
    return in;
  };
  // The borrower takes the contract's whole burst first; then the donor
  // sends a plan burst of its own, which passes and leaves the contract in
  // debt.
  std::vector<Bytes> in = borrowers();
  for (int i = 0; i < 10; ++i) in.push_back(up(2, 1514).input);
  const uint64_t hz = rte_get_tsc_hz();
  run(0, in);
  EXPECT_EQ(carried(77, Direction::kUpstream).packets, 10u);
  EXPECT_EQ(subscriber(2, Direction::kUpstream).packets, 10u);
  // 120 ms at the contract's 1 Mbit/s (15000 bytes) only repays the
  // donor's 15140 bytes, less the 1244 the borrower had left: the borrower
  // gets nothing more, where a bucket that stopped at empty would have let
  // it take nine frames again on top of the donor's.
  harness_->run(pool_, 0, borrowers(), hz + hz * 120 / 1000);
  EXPECT_EQ(carried(77, Direction::kUpstream).packets, 10u);
  EXPECT_EQ(drops(DropReason::kContractOverRate), 10u);
  // Once the debt is repaid, the contract's rate is the borrower's again.
  harness_->run(pool_, 0, borrowers(), hz + hz * 400 / 1000);
  EXPECT_EQ(carried(77, Direction::kUpstream).packets, 20u);
}

TEST_F(RedirectTest, ANonInterruptibleContractReducesTheDonorsPlanAndKeepsItsRate) {
  ASSERT_TRUE(rib_->set_redirect(contract(kPlan / 2, 0, false)).ok());
  const uint32_t donor = *rib_->subscriber_handle(2);
  const uint16_t reduced = harness_->tables->subscribers.record(donor)->meter_profile[0];
  const Bytes donor_frame = up(2).input;
  std::vector<Bytes> in;
  for (int i = 0; i < 10; ++i) in.push_back(up(2, 1514).input);
  for (int i = 0; i < 10; ++i) in.push_back(on_donor_line(up(1, 1518).input, donor_frame));
  run(0, in);
  // The donor's traffic drains nothing: the contract's whole burst is the borrower's.
  EXPECT_EQ(carried(77, Direction::kUpstream).packets, 10u);
  ASSERT_TRUE(rib_->remove_redirect(77).ok());
  EXPECT_NE(harness_->tables->subscribers.record(donor)->meter_profile[0], reduced);  // the whole plan back
}

TEST_F(RedirectTest, TheRibRefusesWhatTheDataplaneCouldNotHonour) {
  RedirectSpec spec = contract(kPlan, kPlan);
  spec.borrower = 3;  // no downstream plan: nothing of it is ever excess
  Status s = rib_->set_redirect(spec);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.error.find("subscriber 3 has no downstream plan rate"), std::string::npos) << s.error;

  spec = contract(kPlan, 0);
  spec.donor = 9;
  spec.borrower = 1;
  s = rib_->set_redirect(spec);
  EXPECT_NE(s.error.find("no subscriber 9 (the donor)"), std::string::npos) << s.error;

  spec = contract(0, 0);
  EXPECT_NE(rib_->set_redirect(spec).error.find("no rate either way"), std::string::npos);

  spec = contract(kPlan, 0, false);  // a non-interruptible contract of the donor's whole plan
  EXPECT_NE(rib_->set_redirect(spec).error.find("must leave the donor some"), std::string::npos);

  spec = contract(kPlan, 0);
  spec.epoch = 5;
  ASSERT_TRUE(rib_->set_redirect(spec).ok());
  spec.epoch = 4;
  spec.rate_bps[0] = 2 * kPlan;
  EXPECT_NE(rib_->set_redirect(spec).error.find("older than the one in force"), std::string::npos);
  spec.epoch = 5;
  spec.donor = 4;
  EXPECT_NE(rib_->set_redirect(spec).error.find("never change"), std::string::npos);
  EXPECT_EQ(rib_->redirects().at(77).spec.rate_bps[0], kPlan);  // refused changes changed nothing
  EXPECT_EQ(rib_->redirects().size(), 1u);
}

TEST_F(RedirectTest, LeasesEndAndSubscribersTakeTheirContractsWithThem) {
  RedirectSpec spec = contract(kPlan, kPlan);
  spec.lease_end_ms = 1000;
  ASSERT_TRUE(rib_->set_redirect(spec).ok());
  spec.contract = 78;
  spec.lease_end_ms = 0;
  ASSERT_TRUE(rib_->set_redirect(spec).ok());
  EXPECT_TRUE(rib_->expire_redirects(999).empty());
  EXPECT_EQ(rib_->expire_redirects(1000), std::vector<uint64_t>{77});
  EXPECT_EQ(rib_->redirects().size(), 1u);
  ASSERT_TRUE(rib_->remove_subscriber(2).ok());
  EXPECT_TRUE(rib_->redirects().empty());
  EXPECT_TRUE(harness_->tables->redirects.empty());
}

TEST_F(RedirectTest, AReusedSlotCountsFromZero) {
  ASSERT_TRUE(rib_->set_redirect(contract(kPlan, 0)).ok());
  const Bytes frame = on_donor_line(up(1).input, up(2).input);
  run(0, {frame, frame});
  const uint32_t slot = rib_->redirects().at(77).slot;
  ASSERT_TRUE(rib_->remove_redirect(77).ok());
  harness_->tables->rcu.synchronize();  // the slot comes back after a grace period
  RedirectSpec next = contract(kPlan, 0);
  next.contract = 78;
  ASSERT_TRUE(rib_->set_redirect(next).ok());
  ASSERT_EQ(rib_->redirects().at(78).slot, slot);
  EXPECT_EQ(carried(78, Direction::kUpstream), (Totals{0, 0}));
}

}  // namespace
}  // namespace aggr

namespace aggr {
namespace {

// Two workers: access0 polled by one, access1 by the other.
TEST(RedirectWorkers, AContractsLinesStayWithOneWorker) {
  LoadResult r = test::load_config_text(test::kPipelineTestConfig);
  RouterConfig config = r.config;
  config.worker_lcores = {1, 2};
  config.ports[0].worker = 2;
  config.ports[1].worker = 1;
  config.ports[2].worker = 1;
  for (auto& s : config.subscribers) s.rate_bps[0] = s.rate_bps[1] = 1000000;
  test::RouterHarness harness(config, {}, test::small_limits(), 2);
  Rib& rib = *harness.rib;
  RedirectSpec spec;
  spec.contract = 5;
  spec.borrower = 1;  // access0
  spec.donor = 3;     // access1
  spec.rate_bps[1] = 1000000;
  Status s = rib.set_redirect(spec);
  EXPECT_NE(s.error.find("are polled by different workers"), std::string::npos) << s.error;

  spec.donor = 2;  // access0 too
  ASSERT_TRUE(rib.set_redirect(spec).ok());
  SubscriberSpec moved = *rib.subscriber(2);
  moved.port = 1;  // to access1, whose worker is the other
  moved.svlan = 0;
  s = rib.update_subscriber(moved);
  EXPECT_NE(s.error.find("contract 5 joins it to subscriber 1"), std::string::npos) << s.error;
  EXPECT_EQ(rib.subscriber(2)->port, 0);
}

}  // namespace
}  // namespace aggr
