// Reload by difference: what needs a restart, what a reload changes in the
// tables, that a reload failing half-way leaves the tables as they were,
// and what a reload does to entries of other sources than the file.
#include <gtest/gtest.h>

#include <thread>

#include "controlplane/command_queue.h"
#include "controlplane/config_apply.h"
#include "controlplane/config_diff.h"
#include "tests/support/router_harness.h"
#include "tests/unit/eal_environment.h"

namespace aggr {
namespace {

std::string edited(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  if (at == std::string::npos) throw std::logic_error("test bug: '" + from + "' not in the text");
  return text.replace(at, from.size(), to);
}

RouterConfig loaded(const std::string& text) {
  LoadResult r = test::load_config_text(text);
  for (const ConfigError& e : r.errors) ADD_FAILURE() << e.to_string();
  return r.config;
}

// Everything about the installed state that a reload may change.
struct Installed {
  std::map<uint32_t, std::pair<std::string, std::vector<uint32_t>>> isps;  // id -> name, labels
  std::map<uint32_t, uint32_t> isp_of;                                     // subscriber -> ISP id
  std::map<uint32_t, std::vector<IpPrefix>> addresses;
  IlmAction label_100 = IlmAction::kNone, label_200 = IlmAction::kNone;
  bool operator==(const Installed&) const = default;
};

Installed installed(const Rib& w) {
  Installed out;
  for (const auto& [id, state] : w.isps()) out.isps[id] = {state.name, state.ftn ? state.ftn->labels : std::vector<uint32_t>{}};
  for (uint32_t id = 1; id <= 10; ++id)
    if (const SubscriberSpec* s = w.subscriber(id)) {
      out.isp_of[id] = s->isp_id;
      out.addresses[id] = s->addresses;
    }
  out.label_100 = w.tables().ilm.lookup(100).action;
  out.label_200 = w.tables().ilm.lookup(200).action;
  return out;
}

class ConfigDiffTest : public ::testing::Test {
 protected:
  void SetUp() override {
    test::packet_pool();  // EAL
    running_ = loaded(test::kPipelineTestConfig);
    headend_ = std::make_unique<test::RouterHarness>(running_);
    ASSERT_TRUE(headend_->failures.empty());
  }

  RouterConfig running_;
  std::unique_ptr<test::RouterHarness> headend_;
};

TEST_F(ConfigDiffTest, RestartIsRequiredForPortsWorkersLimitsAndListenersOnly) {
  std::string base = test::kPipelineTestConfig;
  EXPECT_TRUE(restart_required(running_, loaded(edited(base, "labels: [1001]", "labels: [1002]"))).empty());
  EXPECT_EQ(restart_required(running_, loaded(edited(base, "mtu: 1500", "mtu: 9000"))),
            std::vector<std::string>{"port core0 changed: that needs a restart"});
  EXPECT_EQ(restart_required(running_, loaded(edited(base, "lcores: [1]", "lcores: [2]"))),
            std::vector<std::string>{"workers lcores changed: that needs a restart"});
  EXPECT_EQ(restart_required(running_, loaded(base + "limits: {subscribers: 100}\n")),
            std::vector<std::string>{"limits changed: that needs a restart"});
  EXPECT_EQ(restart_required(running_, loaded(base + "metrics: {listen: 127.0.0.1:9999}\n")),
            std::vector<std::string>{"metrics listen changed: that needs a restart"});
  // Reloadable: token file, subscriber metrics, log level.
  EXPECT_TRUE(restart_required(running_, loaded(base + "metrics: {subscribers: all}\nlogging: {level: debug}\n")).empty());
}

TEST_F(ConfigDiffTest, AppliesOnlyTheDifferenceAndBackAgain) {
  std::string text = test::kPipelineTestConfig;
  text = edited(text, "labels: [1001]", "labels: [1001, 1002]");                      // FTN change
  text = edited(text, "{id: 2, name: green", "{id: 2, name: emerald");                 // rename
  text = edited(text, "{id: 3, isp: green", "{id: 3, isp: blue");                      // move to a new ISP
  text = edited(text, "{id: 2, isp: green", "{id: 2, isp: emerald");
  text = edited(text, "local_labels: [{label: 100, action: pop-to-subscriber}]",
                "local_labels: [{label: 200, action: pop-to-subscriber}]");             // label replaced
  text = edited(text, "isps:\n", "isps:\n  - {id: 7, name: blue, labels: [7007], next_hop: {port: core0, mac: \"02:00:00:00:ff:07\"}}\n");
  // Subscriber 4 removed, 5 added (taking 4's line), 1 gets another address.
  // Subscriber 2 stays with ISP 2 under its new name: not a change.
  text = edited(text, "{id: 4, isp: red, line: {port: access0, svlan: 30, cvlan: 5}, cpe_mac: \"02:00:00:01:00:04\",",
                "{id: 5, isp: red, line: {port: access0, svlan: 30, cvlan: 5}, cpe_mac: \"02:00:00:01:00:05\",");
  text = edited(text, "[100.64.0.1/32, ", "[100.64.0.1/32, 100.64.9.0/24, ");
  RouterConfig next = loaded(text);
  Installed before = installed(*headend_->rib);

  ConfigChanges changes;
  Status s = reconcile_config(next, headend_->port_ids, *headend_->rib, &changes);
  ASSERT_TRUE(s.ok()) << s.error;
  EXPECT_EQ(changes.describe(),
            "1 ISPs added, 1 ISPs renamed, 1 FTN entries changed, 1 local labels added, 1 local labels removed, "
            "1 subscribers added, 1 subscribers removed, 2 subscribers changed");
  Installed after = installed(*headend_->rib);
  EXPECT_EQ(after.isps[1].second, (std::vector<uint32_t>{1001, 1002}));
  EXPECT_EQ(after.isps[2].first, "emerald");
  EXPECT_EQ(after.isps[7].second, std::vector<uint32_t>{7007});
  EXPECT_EQ(after.isp_of[3], 7u);
  EXPECT_EQ(after.isp_of.count(4), 0u);
  EXPECT_EQ(after.isp_of[5], 1u);
  EXPECT_EQ(after.addresses[1].size(), 3u);
  EXPECT_EQ(after.label_100, IlmAction::kNone);
  EXPECT_EQ(after.label_200, IlmAction::kPopToSubscriber);

  // Nothing to do the second time; and the way back restores everything.
  ASSERT_TRUE(reconcile_config(next, headend_->port_ids, *headend_->rib, &changes).ok());
  EXPECT_TRUE(changes.empty());
  ASSERT_TRUE(reconcile_config(running_, headend_->port_ids, *headend_->rib, &changes).ok());
  EXPECT_EQ(changes.describe(),
            "1 ISPs removed, 1 ISPs renamed, 1 FTN entries changed, 1 local labels added, 1 local labels removed, "
            "1 subscribers added, 1 subscribers removed, 2 subscribers changed");
  EXPECT_EQ(installed(*headend_->rib), before);
}

TEST_F(ConfigDiffTest, AFailureHalfWayUndoesEveryStep) {
  // The harness's ISP table holds 16: the 15th new ISP fails, after the FTN
  // change, the rename and 14 new ISPs went in.
  std::string isps;
  for (unsigned i = 0; i < 15; ++i)
    isps += "  - {id: " + std::to_string(100 + i) + ", name: x" + std::to_string(i) +
            ", labels: [5000], next_hop: {port: core0, mac: \"02:00:00:00:ff:09\"}}\n";
  std::string text = edited(test::kPipelineTestConfig, "labels: [1001]", "labels: [1001, 1002]");
  text = edited(text, "{id: 2, name: green", "{id: 2, name: emerald");
  text = edited(text, "{id: 2, isp: green", "{id: 2, isp: emerald");
  text = edited(text, "{id: 3, isp: green", "{id: 3, isp: emerald");
  text = edited(text, "local_labels:", "  " + isps.substr(2) + "local_labels:");
  RouterConfig next = loaded(text);
  ASSERT_EQ(next.isps.size(), 17u);
  Installed before = installed(*headend_->rib);

  ConfigChanges changes;
  Status s = reconcile_config(next, headend_->port_ids, *headend_->rib, &changes);
  EXPECT_EQ(s.error, "isp x14: ISP table full (16)");
  EXPECT_TRUE(changes.empty());
  EXPECT_EQ(installed(*headend_->rib), before);
  EXPECT_EQ(headend_->rib->isps().size(), 2u);
}

TEST_F(ConfigDiffTest, AReloadKeepsTheApisEntriesButTheFileWinsWhatItNames) {
  Rib& rib = *headend_->rib;
  // The API adds subscriber 9, modifies the file's subscriber 4 and sets its
  // own FTN entry for red.
  SubscriberSpec nine = subscriber_spec(running_, running_.subscribers[3], headend_->port_ids);
  nine.id = 9;
  nine.svlan = 31;
  nine.addresses = {running_.subscribers[1].addresses[0]};
  nine.addresses[0].bytes[3] = 64;  // 100.64.0.64/29
  ASSERT_TRUE(rib.add_subscriber(nine, EntrySource::kApi).ok());
  SubscriberSpec four = *rib.subscriber(4);
  four.rate_bps[1] = 5'000'000;
  ASSERT_TRUE(rib.update_subscriber(four, EntrySource::kApi).ok());
  NhlfeSpec api_ftn = *rib.isp(1)->ftn;
  api_ftn.labels = {4242};
  ASSERT_TRUE(rib.set_ftn(1, api_ftn, EntrySource::kApi).ok());

  // A reload whose file changes red's labels.
  ConfigChanges changes;
  RouterConfig next = loaded(edited(test::kPipelineTestConfig, "labels: [1001]", "labels: [1009]"));
  ASSERT_TRUE(reconcile_config(next, headend_->port_ids, rib, &changes).ok());
  EXPECT_EQ(changes.describe(), "1 FTN entries changed, 1 subscribers changed");
  ASSERT_NE(rib.subscriber(9), nullptr);  // the API's own subscriber stays
  EXPECT_EQ(rib.subscribers().at(9).source, EntrySource::kApi);
  EXPECT_EQ(rib.subscriber(4)->rate_bps[1], 0u);  // the file names 4: its version is back
  EXPECT_EQ(rib.subscribers().at(4).source, EntrySource::kStatic);
  EXPECT_EQ(rib.isp(1)->ftn->labels, std::vector<uint32_t>{4242});  // the API's FTN entry stays in force
  EXPECT_EQ(rib.isp(1)->ftn_source, EntrySource::kApi);
  EXPECT_EQ(headend_->tables->nhlfes.at(headend_->tables->ftn.lookup(rib.isp(1)->index)).labels[0], 4242u);

  // Withdrawn, the API's entry uncovers the file's new one.
  ASSERT_TRUE(rib.clear_ftn(1, EntrySource::kApi).ok());
  EXPECT_EQ(rib.isp(1)->ftn->labels, std::vector<uint32_t>{1009});
  EXPECT_EQ(rib.isp(1)->ftn_source, EntrySource::kStatic);
  EXPECT_FALSE(rib.clear_ftn(1, EntrySource::kApi).ok());  // nothing left to withdraw

  // A file that takes the API subscriber's line is refused as a whole.
  std::string taken = edited(test::kPipelineTestConfig, "{id: 4, isp: red, line: {port: access0, svlan: 30, cvlan: 5}",
                             "{id: 4, isp: red, line: {port: access0, svlan: 31, cvlan: 5}");
  Installed before = installed(rib);
  Status refused = reconcile_config(loaded(taken), headend_->port_ids, rib, &changes);
  EXPECT_EQ(refused.error, "subscriber 4: line (access0, svlan 31, cvlan 5) already belongs to subscriber 9");
  EXPECT_EQ(installed(rib), before);
}

TEST_F(ConfigDiffTest, TheRibChecksASubscriberByTheFilesRules) {
  Rib& rib = *headend_->rib;
  SubscriberSpec s = *rib.subscriber(2);
  EXPECT_EQ(rib.subscriber_problems(s), std::vector<std::string>{}) << "replacing itself";
  s.id = 7;
  s.svlan = 10;
  s.cvlan = 1;
  s.addresses = rib.subscriber(1)->addresses;
  s.isp_id = 77;
  EXPECT_EQ(rib.subscriber_problems(s),
            (std::vector<std::string>{"subscriber 7: no ISP 77",
                                      "line (access0, svlan 10, cvlan 1) already belongs to subscriber 1",
                                      "address 100.64.0.1/32 overlaps 100.64.0.1/32 of subscriber 1",
                                      "address 2001:db8:1::/56 overlaps 2001:db8:1::/56 of subscriber 1"}));
  s = *rib.subscriber(2);
  s.id = 7;
  s.svlan = 0;
  s.cvlan = 9;
  s.addresses = {s.addresses[0], s.addresses[0]};
  s.addresses[1].length = 30;
  EXPECT_EQ(rib.subscriber_problems(s),
            (std::vector<std::string>{"subscriber 7: a cvlan needs an svlan",
                                      "address 100.64.0.8/29 overlaps 100.64.0.8/29 of subscriber 2",
                                      "address 100.64.0.8/30 overlaps 100.64.0.8/29 of subscriber 2",
                                      "address 100.64.0.8/30 overlaps 100.64.0.8/29 of subscriber 7"}));
  s.addresses.clear();
  s.port = 2;  // core0
  EXPECT_EQ(rib.subscriber_problems(s),
            (std::vector<std::string>{"subscriber 7: a cvlan needs an svlan", "subscriber 7 needs at least one address",
                                      "subscriber 7: port core0 is not an access port"}));
  // A subscriber's own addresses may move within what it owns.
  SubscriberSpec two = *rib.subscriber(2);
  two.addresses[0].length = 30;
  EXPECT_TRUE(rib.update_subscriber(two).ok());
  EXPECT_EQ(rib.subscriber_problems(s).size(), 3u);
  // The headend's advertised pools hold every address.
  IpPrefix pool;
  ASSERT_TRUE(parse_prefix("100.64.0.0/29", &pool).ok());
  rib.set_subscriber_pools({pool});
  two = *rib.subscriber(2);
  EXPECT_EQ(rib.subscriber_problems(two),
            (std::vector<std::string>{"subscriber 2: 100.64.0.8/30 is in none of the subscriber pools"}));
}

TEST(CommandQueue, RunsWorkOnTheOwningThreadAndAnswersWhenClosed) {
  CommandQueue queue;
  std::thread::id owner = std::this_thread::get_id();
  std::optional<bool> ran_on_owner;
  std::optional<int> failed;
  std::thread caller([&] {
    ran_on_owner = queue.call<bool>([owner] { return std::this_thread::get_id() == owner; });
    try {
      queue.call<int>([]() -> int { throw std::runtime_error("refused"); });
    } catch (const std::runtime_error& e) {
      failed = std::string(e.what()) == "refused" ? 1 : 0;
    }
  });
  while (!failed) {
    queue.wait(std::chrono::milliseconds(10));
    queue.run_pending();
  }
  caller.join();
  EXPECT_EQ(ran_on_owner, true);
  EXPECT_EQ(failed, 1);

  // A call pending when the queue closes returns nothing, at once.
  std::optional<int> late = 5;
  std::thread waiting([&] { late = queue.call<int>([] { return 1; }, std::chrono::seconds(30)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto closed_at = std::chrono::steady_clock::now();
  queue.close();
  waiting.join();
  EXPECT_FALSE(late.has_value());
  EXPECT_LT(std::chrono::steady_clock::now() - closed_at, std::chrono::seconds(5));
  EXPECT_FALSE(queue.call<int>([] { return 1; }).has_value());
}

}  // namespace
}  // namespace aggr
