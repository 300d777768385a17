// The capacity model and donor matching: spare capacity as measured, and
// never more lent than there is.
#include <gtest/gtest.h>

#include <algorithm>

#include "controlplane/broker/capacity.h"
#include "controlplane/broker/matching.h"

namespace aggr::test {
namespace {

using namespace aggr::broker;

BrokerConfig three_lines() {
  BrokerConfig c;
  c.lines = {{"b", "r1", 20'000'000, 10'000'000}, {"d1", "r1", 100'000'000, 20'000'000},
             {"d2", "r1", 100'000'000, 20'000'000}, {"far", "r2", 100'000'000, 20'000'000}};
  c.third_links = {{"b", "d1"}, {"d2", "b"}, {"b", "far"}};
  c.sharing.headroom = 0.1;
  c.sharing.ewma_weight = 0.5;
  c.sharing.saturation = 0.9;
  c.sharing.saturated_for_ms = 3000;
  c.build_index();
  return c;
}

// Reports every second at a steady rate per direction (bit/s).
void steady(CapacityModel& m, const std::string& line, int64_t epoch, int64_t from_ms, int seconds, uint64_t down_bps,
            uint64_t up_bps, uint64_t* down_bytes, uint64_t* up_bytes) {
  for (int s = 0; s <= seconds; ++s) {
    m.observe(line, "r1", epoch, from_ms + s * 1000, *down_bytes, *up_bytes);
    *down_bytes += down_bps / 8;
    *up_bytes += up_bps / 8;
  }
}

TEST(CapacityModel, ALineNeverMeasuredLendsNothing) {
  const BrokerConfig c = three_lines();
  CapacityModel m(c);
  EXPECT_EQ(m.lendable("d1", Direction::kDown, true), 0u);
  EXPECT_FALSE(m.use("nobody"));
}

TEST(CapacityModel, InterruptibleSpareIsCapacityLessHeadroomLessRecentUse) {
  const BrokerConfig c = three_lines();
  CapacityModel m(c);
  uint64_t down = 0, up = 0;
  steady(m, "d1", 1, 0, 20, 30'000'000, 4'000'000, &down, &up);
  // 100M x 0.9 - 30M; 20M x 0.9 - 4M.
  EXPECT_NEAR(double(m.lendable("d1", Direction::kDown, true)), 60e6, 1e3);
  EXPECT_NEAR(double(m.lendable("d1", Direction::kUp, true)), 14e6, 1e3);
}

TEST(CapacityModel, NonInterruptibleSpareLeavesTheHoursP95) {
  const BrokerConfig c = three_lines();
  CapacityModel m(c);
  uint64_t down = 0, up = 0;
  // 40 s at 10M, then bursts of 60M for 3 s: the p95 is a burst's rate,
  // the recent use is back near 10M.
  steady(m, "d1", 1, 0, 40, 10'000'000, 0, &down, &up);
  steady(m, "d1", 1, 41'000, 2, 60'000'000, 0, &down, &up);
  steady(m, "d1", 1, 44'000, 10, 10'000'000, 0, &down, &up);
  const LineUse u = *m.use("d1");
  EXPECT_EQ(u.direction[0].p95_bps, 60'000'000u);
  EXPECT_LT(u.direction[0].recent_bps, 11e6);
  // 100M - 60M - 10M headroom.
  EXPECT_EQ(m.lendable("d1", Direction::kDown, false), 30'000'000u);
  EXPECT_GT(m.lendable("d1", Direction::kDown, true), 75'000'000u);
}

TEST(CapacityModel, ARestartIsANewEpochNotANegativeRate) {
  const BrokerConfig c = three_lines();
  CapacityModel m(c);
  uint64_t down = 0, up = 0;
  steady(m, "d1", 1, 0, 10, 20'000'000, 0, &down, &up);
  // The router restarts: its counters begin from zero in epoch 2.
  down = up = 0;
  steady(m, "d1", 2, 11'000, 10, 20'000'000, 0, &down, &up);
  EXPECT_NEAR(m.use("d1")->direction[0].recent_bps, 20e6, 1e3);
}

TEST(CapacityModel, TheAnnouncedSyncRateCapsThePlan) {
  const BrokerConfig c = three_lines();
  CapacityModel m(c);
  uint64_t down = 0, up = 0;
  steady(m, "d1", 1, 0, 5, 0, 0, &down, &up);
  m.announce("d1", 50'000'000, 0);
  EXPECT_EQ(m.use("d1")->direction[0].capacity_bps, 50'000'000u);
  EXPECT_EQ(m.use("d1")->direction[1].capacity_bps, 20'000'000u);
  EXPECT_EQ(m.lendable("d1", Direction::kDown, true), 45'000'000u);
}

TEST(CapacityModel, ADeviceLendsNoMoreThanItAnnouncedWhateverItsLineCouldSpare) {
  const BrokerConfig c = three_lines();
  CapacityModel m(c);
  uint64_t down = 0, up = 0;
  steady(m, "d1", 1, 0, 5, 0, 0, &down, &up);
  m.announce("d1", 0, 0, {3'000'000, std::nullopt});
  EXPECT_EQ(m.lendable("d1", Direction::kDown, true), 3'000'000u);
  EXPECT_EQ(m.lendable("d1", Direction::kDown, false), 3'000'000u);
  EXPECT_EQ(m.use("d1")->direction[0].lend_cap_bps, 3'000'000u);
  EXPECT_EQ(m.use("d1")->direction[1].lend_cap_bps, std::nullopt);
  EXPECT_EQ(m.lendable("d1", Direction::kUp, true), 18'000'000u);  // 20 Mbit/s less the headroom
  // Nothing, if so announced; and the cap never raises what the line can spare.
  m.announce("d1", 0, 0, {0, 500'000'000});
  EXPECT_EQ(m.lendable("d1", Direction::kDown, true), 0u);
  EXPECT_EQ(m.lendable("d1", Direction::kUp, true), 18'000'000u);
  // A later announcement without caps lifts them.
  m.announce("d1", 0, 0);
  EXPECT_GT(m.lendable("d1", Direction::kDown, true), 3'000'000u);
}

TEST(CapacityModel, ALineBusyLongEnoughIsSaturated) {
  const BrokerConfig c = three_lines();
  CapacityModel m(c);
  uint64_t down = 0, up = 0;
  steady(m, "b", 1, 0, 2, 19'500'000, 0, &down, &up);
  EXPECT_FALSE(m.saturated("b", Direction::kDown, 2000));
  steady(m, "b", 1, 3000, 5, 19'500'000, 0, &down, &up);
  EXPECT_TRUE(m.saturated("b", Direction::kDown, 8000));
  EXPECT_FALSE(m.saturated("b", Direction::kUp, 8000));
  // Quiet again.
  steady(m, "b", 1, 9000, 5, 1'000'000, 0, &down, &up);
  EXPECT_FALSE(m.saturated("b", Direction::kDown, 14000));
}

class Matching : public ::testing::Test {
 protected:
  void SetUp() override {
    uint64_t down = 0, up = 0;
    steady(model, "d1", 1, 0, 10, 50'000'000, 2'000'000, &down, &up);  // spare 40M down, 16M up
    down = up = 0;
    steady(model, "d2", 1, 0, 10, 20'000'000, 2'000'000, &down, &up);  // spare 70M down, 16M up
    down = up = 0;
    steady(model, "far", 1, 0, 10, 0, 0, &down, &up);  // idle, but on another router
  }
  GrantRequest request(uint64_t min, uint64_t desired) {
    GrantRequest r;
    r.borrower = "b";
    r.min_bps = min;
    r.desired_bps = desired;
    return r;
  }
  BrokerConfig config = three_lines();
  CapacityModel model{config};
};

TEST_F(Matching, TheLeastLoadedLinkedDonorOnTheSameRouterLendsUpToItsSpare) {
  auto m = match_donor(config, model, request(10'000'000, 100'000'000), {});
  ASSERT_TRUE(std::holds_alternative<Match>(m)) << std::get<std::string>(m);
  EXPECT_EQ(std::get<Match>(m).donor, "d2");
  EXPECT_NEAR(double(std::get<Match>(m).down_bps), 70e6, 1e3);
  EXPECT_EQ(std::get<Match>(m).up_bps, 0u);
}

TEST_F(Matching, WhatIsLentAlreadyIsNotLentAgain) {
  // d2 lends 65M already: 5M left, under the minimum; d1 has 40M.
  auto m = match_donor(config, model, request(10'000'000, 30'000'000), {{"d2", {65'000'000, 0}}});
  ASSERT_TRUE(std::holds_alternative<Match>(m));
  EXPECT_EQ(std::get<Match>(m).donor, "d1");
  EXPECT_EQ(std::get<Match>(m).down_bps, 30'000'000u);
  auto none = match_donor(config, model, request(45'000'000, 50'000'000), {{"d2", {65'000'000, 0}}});
  ASSERT_TRUE(std::holds_alternative<std::string>(none));
  EXPECT_NE(std::get<std::string>(none).find("less than the minimum"), std::string::npos);
}

TEST_F(Matching, EveryDirectionAskedMustHaveItsMinimum) {
  GrantRequest r = request(17'000'000, 20'000'000);
  r.up = true;  // 16M up at most anywhere
  EXPECT_TRUE(std::holds_alternative<std::string>(match_donor(config, model, r, {})));
  r.min_bps = 10'000'000;
  auto m = match_donor(config, model, r, {});
  ASSERT_TRUE(std::holds_alternative<Match>(m));
  EXPECT_EQ(std::get<Match>(m).down_bps, 20'000'000u);
  EXPECT_NEAR(double(std::get<Match>(m).up_bps), 16e6, 1e3);
}

TEST_F(Matching, APriceCapBelowThePriceOrALineWithoutThirdLinksGetsNoDonor) {
  GrantRequest r = request(1, 1);
  r.max_price_per_gb = config.sharing.price_per_gb - 1;
  EXPECT_NE(std::get<std::string>(match_donor(config, model, r, {})).find("above the cap"), std::string::npos);
  r = request(1, 1);
  r.borrower = "d1";  // linked to b only, which was never measured
  EXPECT_TRUE(std::holds_alternative<std::string>(match_donor(config, model, r, {})));
}

TEST(SampleRing, KeepsTheLatestAndHoldsNothingBeforeTheFirst) {
  SampleRing ring;
  EXPECT_EQ(ring.samples().capacity(), 0u);
  for (uint64_t s = 1; s <= 300; ++s) ring.add(s, 256);
  std::vector<uint64_t> kept = ring.samples();
  std::sort(kept.begin(), kept.end());
  ASSERT_EQ(kept.size(), 256u);
  EXPECT_EQ(kept.front(), 45u);  // 1..44 overwritten, oldest first
  EXPECT_EQ(kept.back(), 300u);
}

}  // namespace
}  // namespace aggr::test
