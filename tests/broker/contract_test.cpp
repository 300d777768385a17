// Contracts' state machine, and its record on each storage.
#include "controlplane/broker/contract.h"
#include "tests/broker/storage_fixture.h"

namespace aggr::test {
namespace {

using namespace aggr::broker;
using S = ContractState;

TEST(ContractStates, TheLifecycleHasItsEdgesAndNoOthers) {
  const std::vector<std::pair<S, S>> path = {{S::kRequested, S::kAdmitted}, {S::kAdmitted, S::kInstructed},
                                             {S::kInstructed, S::kActive},  {S::kActive, S::kRenewed},
                                             {S::kRenewed, S::kActive},     {S::kActive, S::kExpiring},
                                             {S::kExpiring, S::kSettling},  {S::kSettling, S::kClosed}};
  for (const auto& [from, to] : path) EXPECT_TRUE(transition_allowed(from, to)) << state_name(from) << state_name(to);
  EXPECT_TRUE(transition_allowed(S::kActive, S::kPreempting));
  EXPECT_TRUE(transition_allowed(S::kPreempting, S::kSettling));
  EXPECT_TRUE(transition_allowed(S::kRequested, S::kRejected));
  EXPECT_TRUE(transition_allowed(S::kInstructed, S::kFailed));
  // No skipping ahead, no way back, nothing out of a final state.
  EXPECT_FALSE(transition_allowed(S::kRequested, S::kActive));
  EXPECT_FALSE(transition_allowed(S::kActive, S::kInstructed));
  EXPECT_FALSE(transition_allowed(S::kActive, S::kClosed));
  EXPECT_FALSE(transition_allowed(S::kActive, S::kCancelled));
  for (S final : {S::kClosed, S::kRejected, S::kFailed, S::kCancelled}) {
    EXPECT_TRUE(is_final(final));
    for (int to = 0; to <= int(S::kCancelled); ++to) EXPECT_FALSE(transition_allowed(final, S(to)));
  }
  for (int s = 0; s <= int(S::kCancelled); ++s) EXPECT_EQ(parse_state(state_name(S(s))), S(s));
}

class ContractStoreTest : public StorageTest {};

TEST_P(ContractStoreTest, EachTransitionIsRecordedAndAForbiddenOneChangesNothing) {
  ContractTerms t;
  t.borrower = "b";
  t.donor = "d";
  t.router = "r1";
  t.up_bps = 1'000'000;
  t.down_bps = 4'000'000;
  t.interruptible = false;
  t.expires_at = 90'000;
  std::string id;
  db_->transaction([&](Sql& sql) {
    id = contracts::create(sql, t, 10).id;
    contracts::transition(sql, id, S::kAdmitted, "spare 6 Mbit/s", 11);
    contracts::transition(sql, id, S::kInstructed, "router r1, epoch 1", 12);
  });
  EXPECT_THROW(db_->transaction([&](Sql& sql) { contracts::transition(sql, id, S::kClosed, "no", 13); }), ContractError);
  db_->transaction([&](Sql& sql) {
    contracts::transition(sql, id, S::kActive, "router r1 confirmed", 14);
    contracts::amend(sql, id, 180'000, 1'000'000, 2'000'000, "renewed", 15);
  });
  std::unique_ptr<Database> again = reopen();
  again->transaction([&](Sql& sql) {
    const std::optional<Contract> c = contracts::find(sql, id);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->state, S::kActive);
    EXPECT_EQ(c->terms.expires_at, 180'000);
    EXPECT_EQ(c->terms.down_bps, 2'000'000);
    EXPECT_FALSE(c->terms.interruptible);
    const std::vector<ContractEvent> events = contracts::events(sql, id);
    ASSERT_EQ(events.size(), 5u);
    EXPECT_EQ(events[0].to, S::kRequested);
    EXPECT_EQ(events[1].reason, "spare 6 Mbit/s");
    EXPECT_EQ(events[3].from, S::kInstructed);
    EXPECT_EQ(events[3].at, 14);
    EXPECT_EQ(events[4].reason, "renewed");
    EXPECT_EQ(contracts::list(sql, S::kActive).size(), 1u);
    EXPECT_EQ(contracts::of_subscriber(sql, "d").size(), 1u);
    EXPECT_TRUE(contracts::of_subscriber(sql, "x").empty());
  });
}

TEST_P(ContractStoreTest, ACreationRolledBackLeavesNoContract) {
  ContractTerms t;
  t.borrower = "b";
  t.donor = "d";
  t.router = "r1";
  std::string first, second;
  db_->transaction([&](Sql& sql) { first = contracts::create(sql, t, 0).id; });
  EXPECT_THROW(db_->transaction([&](Sql& sql) {
    contracts::create(sql, t, 0);
    throw std::runtime_error("rolled back");
  }),
               std::runtime_error);
  db_->transaction([&](Sql& sql) { second = contracts::create(sql, t, 0).id; });
  EXPECT_NE(first, second);
  db_->transaction([&](Sql& sql) { EXPECT_EQ(contracts::list(sql).size(), 2u); });
}

AGGR_ON_EVERY_STORAGE(ContractStoreTest);

}  // namespace
}  // namespace aggr::test
