// The billing ledger on each storage: readings counted once, postings that
// balance and add up to exactly what the routers counted.
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

#include "controlplane/broker/contract.h"
#include "controlplane/broker/ledger.h"
#include "tests/broker/storage_fixture.h"

namespace aggr::test {
namespace {

using namespace aggr::broker;

class LedgerTest : public StorageTest {
 protected:
  // A contract on router r1: sub-b borrows from sub-d at 2,000,000 micro-units
  // a GB, 10% to the provider.
  std::string contract(int64_t price_per_gb = 2'000'000, int64_t fee_ppm = 100'000) {
    ContractTerms t;
    t.borrower = "sub-b";
    t.donor = "sub-d";
    t.router = "r1";
    t.up_bps = 5'000'000;
    t.down_bps = 10'000'000;
    t.price_per_gb = price_per_gb;
    t.fee_ppm = fee_ppm;
    t.expires_at = 60'000;
    std::string id;
    db_->transaction([&](Sql& sql) { id = contracts::create(sql, t, 0).id; });
    return id;
  }

  IngestResult ingest(const Reading& r) {
    IngestResult result{};
    db_->transaction([&](Sql& sql) { result = ledger::ingest(sql, r, 1); });
    return result;
  }

  std::optional<Posting> rate(const std::string& id, int64_t now = 1000) {
    std::optional<Posting> p;
    db_->transaction([&](Sql& sql) { p = ledger::rate(sql, id, now); });
    return p;
  }

  template <typename T, typename F>
  T read(F f) {
    T value{};
    db_->transaction([&](Sql& sql) { value = f(sql); });
    return value;
  }
};

TEST_P(LedgerTest, AReplayedOrDuplicatedReadingAddsNothing) {
  const std::string c = contract();
  EXPECT_EQ(ingest({"r1", c, 1, 1, 1000, 5000}), IngestResult::kAccepted);
  EXPECT_EQ(ingest({"r1", c, 1, 1, 1000, 5000}), IngestResult::kDuplicate);
  EXPECT_EQ(ingest({"r1", c, 1, 2, 1500, 9000}), IngestResult::kAccepted);
  EXPECT_EQ(ingest({"r1", c, 1, 1, 1000, 5000}), IngestResult::kDuplicate);
  const ContractUsage u = read<ContractUsage>([&](Sql& sql) { return ledger::usage(sql, c); });
  EXPECT_EQ(u.counted_up, 1500);
  EXPECT_EQ(u.counted_down, 9000);
}

TEST_P(LedgerTest, AnOlderReadingArrivingLateIsStale) {
  const std::string c = contract();
  EXPECT_EQ(ingest({"r1", c, 1, 5, 500, 500}), IngestResult::kAccepted);
  EXPECT_EQ(ingest({"r1", c, 1, 4, 400, 400}), IngestResult::kStale);
  EXPECT_EQ(read<ContractUsage>([&](Sql& sql) { return ledger::usage(sql, c); }).counted_up, 500);
}

TEST_P(LedgerTest, ACounterResetIsANewEpochNeverANegativeDelta) {
  const std::string c = contract();
  ingest({"r1", c, 1, 1, 1000, 2000});
  ingest({"r1", c, 1, 2, 3000, 4000});
  // The router restarted: its counters begin again in epoch 2.
  ingest({"r1", c, 2, 1, 100, 200});
  ingest({"r1", c, 2, 2, 600, 700});
  const ContractUsage u = read<ContractUsage>([&](Sql& sql) { return ledger::usage(sql, c); });
  EXPECT_EQ(u.counted_up, 3000 + 600);
  EXPECT_EQ(u.counted_down, 4000 + 700);
}

TEST_P(LedgerTest, ReadingsThatCannotBeRightAreRefusedAndChangeNothing) {
  const std::string c = contract();
  ingest({"r1", c, 1, 2, 1000, 1000});
  auto refused = [&](const Reading& r, const std::string& why) {
    try {
      ingest(r);
      ADD_FAILURE() << "accepted: " << why;
    } catch (const LedgerError& e) {
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
    }
  };
  refused({"r1", c, 1, 3, 999, 1000}, "went backwards");
  refused({"r1", c, 1, 2, 1001, 1000}, "with other counts");
  refused({"r2", c, 1, 9, 5000, 5000}, "served by router r1");
  refused({"r1", "c999", 1, 1, 1, 1}, "no such contract");
  refused({"r1", c, 1, 4, -1, 0}, "cannot be negative");
  const ContractUsage u = read<ContractUsage>([&](Sql& sql) { return ledger::usage(sql, c); });
  EXPECT_EQ(u.counted_up, 1000);
  EXPECT_EQ(u.counted_down, 1000);
}

TEST_P(LedgerTest, APostingChargesTheBorrowerCreditsTheDonorAndPaysTheProviderAndBalances) {
  const std::string c = contract(2'000'000, 100'000);
  ingest({"r1", c, 1, 1, 1'000'000'000, 2'000'000'000});
  const std::optional<Posting> p = rate(c);
  ASSERT_TRUE(p);
  // 3 GB at 2,000,000 a GB; 10% of it is the provider's.
  EXPECT_EQ(p->charged, 6'000'000);
  EXPECT_EQ(p->fee, 600'000);
  EXPECT_EQ(read<int64_t>([](Sql& sql) { return ledger::balance(sql, "subscriber:sub-b"); }), -6'000'000);
  EXPECT_EQ(read<int64_t>([](Sql& sql) { return ledger::balance(sql, "subscriber:sub-d"); }), 5'400'000);
  EXPECT_EQ(read<int64_t>([](Sql& sql) { return ledger::balance(sql, "provider"); }), 600'000);
  EXPECT_EQ(read<int64_t>([](Sql& sql) { return ledger::total(sql); }), 0);
  // Nothing new counted: nothing to post.
  EXPECT_FALSE(rate(c));
}

TEST_P(LedgerTest, PostingsOfManySmallReadingsAddUpToTheTotalsWithoutRoundingDrift) {
  // 7 micro-units a GB: every small posting rounds, the sum must not.
  const std::string c = contract(7, 333'333);
  std::mt19937_64 random(42);
  int64_t up = 0, down = 0;
  for (int sequence = 1; sequence <= 200; ++sequence) {
    up += int64_t(random() % 90'000'000);
    down += int64_t(random() % 180'000'000);
    ingest({"r1", c, 1, sequence, up, down});
    rate(c, sequence);
  }
  const ContractUsage u = read<ContractUsage>([&](Sql& sql) { return ledger::usage(sql, c); });
  EXPECT_EQ(u.billed_up, up);
  EXPECT_EQ(u.billed_down, down);
  const int64_t charge = int64_t(static_cast<__int128>(up + down) * 7 / 1'000'000'000);
  EXPECT_EQ(read<int64_t>([](Sql& sql) { return ledger::balance(sql, "subscriber:sub-b"); }), -charge);
  EXPECT_EQ(read<int64_t>([](Sql& sql) { return ledger::balance(sql, "provider"); }), charge * 333'333 / 1'000'000);
  EXPECT_TRUE(read<std::vector<std::string>>([](Sql& sql) { return ledger::unbalanced_postings(sql); }).empty());
  EXPECT_EQ(read<int64_t>([](Sql& sql) { return ledger::total(sql); }), 0);
}

TEST_P(LedgerTest, ShuffledRepeatedReadingsOfSeveralEpochsAndRoutersCountEachEpochsLatestOnce) {
  // Two contracts on two routers; each router restarts twice. Every
  // reading is sent three times, in a shuffled order.
  const std::string a = contract(), b = [&] {
    ContractTerms t;
    t.borrower = "sub-x";
    t.donor = "sub-y";
    t.router = "r2";
    t.price_per_gb = 1'000'000;
    std::string id;
    db_->transaction([&](Sql& sql) { id = contracts::create(sql, t, 0).id; });
    return id;
  }();
  std::mt19937_64 random(7);
  std::vector<Reading> sent;
  std::map<std::string, std::pair<int64_t, int64_t>> expected;
  for (const auto& [router, id] : {std::pair{"r1", a}, std::pair{"r2", b}}) {
    for (int64_t epoch = 1; epoch <= 3; ++epoch) {
      int64_t up = 0, down = 0;
      for (int64_t sequence = 1; sequence <= 20; ++sequence) {
        up += int64_t(random() % 100'000);
        down += int64_t(random() % 300'000);
        for (int copy = 0; copy < 3; ++copy) sent.push_back({router, id, epoch, sequence, up, down});
      }
      expected[id].first += up;
      expected[id].second += down;
    }
  }
  std::shuffle(sent.begin(), sent.end(), random);
  // A batch a transaction, as a router's report comes.
  for (size_t i = 0; i < sent.size(); i += 25)
    db_->transaction([&](Sql& sql) {
      for (size_t j = i; j < std::min(sent.size(), i + 25); ++j) ledger::ingest(sql, sent[j], 1);
    });
  for (const std::string& id : {a, b}) {
    rate(id);
    const ContractUsage u = read<ContractUsage>([&](Sql& sql) { return ledger::usage(sql, id); });
    EXPECT_EQ(std::pair(u.counted_up, u.counted_down), expected[id]) << id;
    EXPECT_EQ(std::pair(u.billed_up, u.billed_down), expected[id]) << id;
  }
}

TEST_P(LedgerTest, ATransactionThatFailsLeavesNothingBehind) {
  const std::string c = contract();
  EXPECT_THROW(db_->transaction([&](Sql& sql) {
    ledger::ingest(sql, {"r1", c, 1, 1, 5000, 5000}, 1);
    ledger::rate(sql, c, 1);
    throw std::runtime_error("the broker died here");
  }),
               std::runtime_error);
  const ContractUsage u = read<ContractUsage>([&](Sql& sql) { return ledger::usage(sql, c); });
  EXPECT_EQ(u.counted_up, 0);
  EXPECT_EQ(u.billed_up, 0);
  EXPECT_EQ(read<int64_t>([](Sql& sql) { return ledger::balance(sql, "subscriber:sub-b"); }), 0);
  // The same reading, sent again, is taken.
  EXPECT_EQ(ingest({"r1", c, 1, 1, 5000, 5000}), IngestResult::kAccepted);
}

// Routers report at once: on SQLite their transactions commit together
// (group commit). Each must still commit or leave nothing, alone: a body
// that throws takes none of the others with it.
TEST_P(LedgerTest, TransactionsAtOnceEachCommitOrLeaveNothingAlone) {
  constexpr int kThreads = 8, kEach = 25;
  std::vector<std::string> ids;
  for (int t = 0; t < kThreads; ++t) ids.push_back(contract());
  std::vector<std::thread> threads;
  std::vector<int64_t> committed_up(kThreads, 0);
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 1; i <= kEach; ++i) {
        const bool fails = i % 3 == 0;
        try {
          db_->transaction([&](Sql& sql) {
            ledger::ingest(sql, {"r1", ids[size_t(t)], 1, i, int64_t(i) * 1000, 0}, 1);
            if (fails) throw std::runtime_error("refused after the reading was written");
          });
          if (!fails) committed_up[size_t(t)] = int64_t(i) * 1000;
        } catch (const std::runtime_error& e) {
          EXPECT_TRUE(fails) << e.what();
        }
      }
    });
  for (std::thread& t : threads) t.join();
  for (int t = 0; t < kThreads; ++t) {
    // kEach is not a multiple of 3: the last reading committed.
    EXPECT_EQ(committed_up[size_t(t)], int64_t(kEach) * 1000);
    const ContractUsage u = read<ContractUsage>([&](Sql& sql) { return ledger::usage(sql, ids[size_t(t)]); });
    EXPECT_EQ(u.counted_up, int64_t(kEach) * 1000);
    // Every third reading's transaction threw: only the others are there.
    const int64_t stored = read<int64_t>([&](Sql& sql) {
      return sql.query("SELECT COUNT(*) FROM readings WHERE contract = $1", {ids[size_t(t)]}).at(0).at(0).integer();
    });
    EXPECT_EQ(stored, kEach - kEach / 3);
  }
}

TEST_P(LedgerTest, WhatWasCommittedIsThereAfterAReconnect) {
  const std::string c = contract();
  ingest({"r1", c, 1, 1, 1'000'000'000, 0});
  rate(c);
  db_.reset();
  std::unique_ptr<Database> again = reopen();
  int64_t borrower = 0;
  std::vector<Entry> entries;
  again->transaction([&](Sql& sql) {
    borrower = ledger::balance(sql, "subscriber:sub-b");
    entries = ledger::statement(sql, "subscriber:sub-d", 0, 2000);
  });
  EXPECT_EQ(borrower, -2'000'000);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].amount, 1'800'000);
  EXPECT_EQ(entries[0].contract, c);
}

AGGR_ON_EVERY_STORAGE(LedgerTest);

}  // namespace
}  // namespace aggr::test
