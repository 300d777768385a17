// aggrd's side of the broker's messages: instructions read into redirects
// (every reason one is refused), and reports that carry each contract's
// exact counters, an ended contract's last reading included.
#include <gtest/gtest.h>

#include <rte_cycles.h>

#include "controlplane/broker_client/instructions.h"
#include "tests/support/router_harness.h"
#include "tests/unit/eal_environment.h"
#include "tools/aggr-gen/traffic.h"

namespace aggr {
namespace {

using nlohmann::json;
using broker_client::parse_instruction;

json instruction() {
  return {{"contract", "c12"}, {"epoch", 3},         {"borrower", "1"},         {"donor", "2"},
          {"up_bps", 1000000}, {"down_bps", 2000000}, {"interruptible", false}, {"lease_expires_at_ms", 1'000'030'000}};
}

TEST(BrokerInstructions, AnInstructionIsARedirectWithItsLeaseOnTheSteadyClock) {
  broker_client::ParsedInstruction p = parse_instruction(instruction(), 1'000'000'000, 500);
  ASSERT_TRUE(p.spec) << p.errors.front();
  EXPECT_EQ(p.spec->contract, 12u);
  EXPECT_EQ(p.spec->epoch, 3u);
  EXPECT_EQ((std::pair{p.spec->borrower, p.spec->donor}), (std::pair{1u, 2u}));
  EXPECT_EQ(p.spec->rate_bps[0], 1000000u);
  EXPECT_EQ(p.spec->rate_bps[1], 2000000u);
  EXPECT_FALSE(p.spec->interruptible);
  EXPECT_EQ(p.spec->lease_end_ms, 500u + 30'000u);  // 30 s left by the broker's clock
  // A lease already over by the router's clock still ends at once, not never.
  EXPECT_EQ(parse_instruction(instruction(), 2'000'000'000, 500).spec->lease_end_ms, 501u);
}

TEST(BrokerInstructions, EveryProblemIsNamed) {
  json bad = instruction();
  bad["contract"] = "12";
  bad["borrower"] = 1;
  bad["donor"] = "0";
  bad["down_bps"] = -5;
  bad["interruptible"] = "yes";
  bad.erase("epoch");
  broker_client::ParsedInstruction p = parse_instruction(bad, 0, 0);
  EXPECT_FALSE(p.spec);
  ASSERT_EQ(p.errors.size(), 6u);
  std::string all;
  for (const std::string& e : p.errors) all += e + "\n";
  for (const char* expected : {"contract must be \"c<number>\"", "borrower must be a subscriber id",
                               "donor must be a subscriber id", "down_bps must be a whole number", "no epoch",
                               "interruptible must be true or false"})
    EXPECT_NE(all.find(expected), std::string::npos) << expected << " in\n" << all;
  EXPECT_EQ(parse_instruction(json::array(), 0, 0).errors, std::vector<std::string>{"an instruction must be a JSON object"});
}

class BrokerReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pool_ = test::packet_pool();
    LoadResult r = test::load_config_text(test::kPipelineTestConfig);
    config_ = r.config;
    harness_ = std::make_unique<test::RouterHarness>(config_);
    rib_ = harness_->rib.get();
    rib_->keep_ended(true);
  }
  const SubscriberConfig& sub(uint32_t id) {
    for (const auto& s : config_.subscribers)
      if (s.id == id) return s;
    throw std::logic_error("no subscriber");
  }
  // Subscriber 1's packet on subscriber 2's line (S-tag 20 in place of QinQ 10/1).
  gen::Bytes borrowed_frame() {
    gen::FramePair pair = gen::upstream_frame(config_, sub(1), *config_.isp("red"), 4, 500, 0, 64, 1);
    ip_length_ = pair.ip_length;
    const gen::Bytes& own = pair.input;
    gen::Bytes donor = gen::upstream_frame(config_, sub(2), *config_.isp("green"), 4, 128, 0, 64, 2).input;
    gen::Bytes f(donor.begin(), donor.begin() + 18);
    f.insert(f.end(), own.begin() + 22, own.end());
    return f;
  }
  json contract_readings(uint64_t sequence) {
    return broker_client::build_report(*rib_, *harness_->counters, "r1", 7, sequence, 1000)["contracts"];
  }

  rte_mempool* pool_;
  RouterConfig config_;
  std::unique_ptr<test::RouterHarness> harness_;
  Rib* rib_;
  uint64_t ip_length_ = 0;
};

TEST_F(BrokerReportTest, ReportsCarryEachContractsCountersAndItsLastReadingAfterItEnds) {
  RedirectSpec spec;
  spec.contract = 12;
  spec.borrower = 1;
  spec.donor = 2;
  spec.rate_bps[0] = 10'000'000;
  spec.epoch = 3;
  ASSERT_TRUE(rib_->set_redirect(spec, EntrySource::kBroker).ok());
  RedirectSpec operators = spec;  // an operator's redirect is not the broker's to bill
  operators.contract = 13;
  operators.borrower = 4;
  ASSERT_TRUE(rib_->set_redirect(operators, EntrySource::kApi).ok());
  const gen::Bytes frame = borrowed_frame();
  harness_->run(pool_, 0, {frame, frame, frame}, rte_get_tsc_hz());

  json report = broker_client::build_report(*rib_, *harness_->counters, "r1", 7, 1, 1000);
  EXPECT_EQ(report["router"], "r1");
  ASSERT_EQ(report["lines"].size(), rib_->subscribers().size());
  EXPECT_EQ(report["lines"][0], (json{{"subscriber", "1"}, {"epoch", 7}, {"down_bytes", 0}, {"up_bytes", 3 * ip_length_}}));
  const uint64_t epoch = rib_->redirects().at(12).counter_epoch;
  EXPECT_EQ(report["contracts"], (json::array({{{"contract", "c12"}, {"epoch", epoch}, {"sequence", 1},
                                                {"up_bytes", 3 * ip_length_}, {"down_bytes", 0}}})));
  EXPECT_EQ(report["installed"], (json::array({{{"contract", "c12"}, {"epoch", 3}}})));

  // Removed, it keeps its counters until a report with them is accepted.
  ASSERT_TRUE(rib_->remove_redirect(12).ok());
  rib_->settle_ended();
  json last = contract_readings(2);
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(last[0]["up_bytes"], 3 * ip_length_);
  EXPECT_EQ(broker_client::build_report(*rib_, *harness_->counters, "r1", 7, 2, 1000)["installed"], json::array());
  rib_->forget_ended(12, epoch);
  EXPECT_EQ(contract_readings(3), json::array());

  // Installed again, it counts from zero in a later epoch.
  ASSERT_TRUE(rib_->set_redirect(spec, EntrySource::kBroker).ok());
  json again = contract_readings(4);
  EXPECT_GT(again[0]["epoch"].get<uint64_t>(), epoch);
  EXPECT_EQ(again[0]["up_bytes"], 0);
}

}  // namespace
}  // namespace aggr
