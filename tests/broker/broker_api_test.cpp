// aggr-broker's API over HTTP, on each storage: who may do what, every
// reason for a refusal, idempotent changes, and a contract's whole life
// from a device's request to the ledger's statements.
#include <httplib.h>

#include <chrono>

#include "controlplane/broker/api_server.h"
#include "controlplane/broker/broker.h"
#include "controlplane/broker/schema.h"
#include "tests/broker/storage_fixture.h"

namespace aggr::test {
namespace {

using namespace aggr::broker;
using json = nlohmann::json;

constexpr const char* kRouterToken = "router-r1-token-0123456789";
constexpr const char* kBorrowerToken = "device-b-token-0123456789";
constexpr const char* kDonorToken = "device-d1-token-0123456789";
constexpr const char* kOperatorToken = "operator-token-0123456789";
constexpr const char* kOtherRouterToken = "router-r2-token-0123456789";

BrokerConfig config() {
  BrokerConfig c;
  c.callers = {{"r1", CallerRole::kRouter, kRouterToken, "r1", ""},
               {"r2", CallerRole::kRouter, kOtherRouterToken, "r2", ""},
               {"cpe-b", CallerRole::kDevice, kBorrowerToken, "", "b"},
               {"cpe-d1", CallerRole::kDevice, kDonorToken, "", "d1"},
               {"noc", CallerRole::kOperator, kOperatorToken, "", ""}};
  c.lines = {{"b", "r1", 20'000'000, 10'000'000}, {"d1", "r1", 100'000'000, 20'000'000}};
  c.third_links = {{"b", "d1"}};
  c.sharing.price_per_gb = 2'000'000;
  c.sharing.fee_ppm = 100'000;
  c.sharing.lease_ms = 2'000;  // short, for the long poll's renewals
  return c;
}

struct Reply {
  int status = 0;
  json body;
};

class BrokerApiTest : public StorageTest {
 protected:
  void SetUp() override {
    StorageTest::SetUp();
    broker_ = std::make_unique<Broker>(config(), std::move(db_));
    api_ = std::make_unique<ApiServer>(*broker_, "127.0.0.1", 0);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", api_->port());
    client_->set_read_timeout(10, 0);
  }
  void TearDown() override {
    api_.reset();
    broker_.reset();
  }

  Reply post(const std::string& path, const std::string& token, const json& body, const std::string& key) {
    httplib::Headers headers = {{"Authorization", std::string("Bearer ") + token}};
    if (!key.empty()) headers.emplace("Idempotency-Key", key);
    auto r = client_->Post(path, headers, body.dump(), "application/json");
    if (!r) return {};
    return {r->status, json::parse(r->body, nullptr, false)};
  }
  Reply get(const std::string& path, const std::string& token) {
    auto r = client_->Get(path, {{"Authorization", std::string("Bearer ") + token}});
    if (!r) return {};
    return {r->status, json::parse(r->body, nullptr, false)};
  }

  // A router report: the donor's line at `down_bps` for a second, after a first reading.
  json usage(int64_t at_ms, int64_t d1_down_bytes, json contracts = json::array(), json installed = json::array()) {
    return {{"router", "r1"},
            {"at_ms", at_ms},
            {"lines", {{{"subscriber", "d1"}, {"epoch", 1}, {"down_bytes", d1_down_bytes}, {"up_bytes", 0}},
                       {{"subscriber", "b"}, {"epoch", 1}, {"down_bytes", 0}, {"up_bytes", 0}}}},
            {"contracts", contracts},
            {"installed", installed}};
  }

  json grant_request() {
    return {{"subscriber", "b"}, {"min_bps", 5'000'000}, {"desired_bps", 30'000'000}, {"direction", "down"},
            {"duration_s", 600}};
  }

  std::unique_ptr<Broker> broker_;
  std::unique_ptr<ApiServer> api_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_P(BrokerApiTest, WithoutAValidTokenNothingIsShownOrChanged) {
  EXPECT_EQ(get("/v1/contracts", "").status, 401);
  EXPECT_EQ(get("/v1/contracts", "not-a-token-of-anyone").status, 401);
  EXPECT_EQ(post("/v1/grants", "nope", grant_request(), "k1").status, 401);
  EXPECT_EQ(get("/v1/contracts", kOperatorToken).body.size(), 0u);
}

TEST_P(BrokerApiTest, CallersActOnlyForWhatIsTheirs) {
  // A device for another subscriber.
  json other = grant_request();
  other["subscriber"] = "d1";
  Reply r = post("/v1/grants", kBorrowerToken, other, "k1");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body["errors"][0], "caller cpe-b does not act for d1");
  // A router for lines it does not serve, and in another router's name.
  r = post("/v1/reports", kOtherRouterToken, usage(1000, 0), "k2");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body["errors"].size(), 3u) << r.body;  // r1 named, and two lines of r1
  // Devices do not report counters; operators take no instructions.
  EXPECT_EQ(post("/v1/reports", kBorrowerToken, usage(1000, 0), "k3").status, 403);
  EXPECT_EQ(get("/v1/instructions", kOperatorToken).status, 403);
  // Balances are the operator's.
  EXPECT_EQ(get("/v1/balances", kDonorToken).status, 403);
  EXPECT_EQ(get("/v1/balances", kOperatorToken).status, 200);
  EXPECT_EQ(get("/v1/contracts", kOperatorToken).body.size(), 0u);
}

TEST_P(BrokerApiTest, ABadRequestGetsEveryReasonAndChangesNothing) {
  Reply r = post("/v1/grants", kBorrowerToken,
                 {{"subscriber", "b"}, {"min_bps", "lots"}, {"desired_bps", 1}, {"direction", "sideways"}}, "k1");
  EXPECT_EQ(r.status, 400);
  const std::vector<std::string> errors = r.body["errors"];
  EXPECT_EQ(errors, (std::vector<std::string>{"min_bps must be an integer from 1 to 9223372036854775807",
                                              "direction must be one of: down, up, both", "duration_s is required"}));
  EXPECT_EQ(post("/v1/grants", kBorrowerToken, grant_request(), "").status, 400);  // no idempotency key
  EXPECT_EQ(post("/v1/grants", kBorrowerToken, json::array({1, 2}), "k2").status, 400);
  r = post("/v1/reports", kRouterToken, {{"router", "r1"}, {"at_ms", -5}, {"contracts", {{{"contract", 7}}}}}, "k3");
  EXPECT_EQ(r.status, 400);
  EXPECT_GE(r.body["errors"].size(), 5u) << r.body;
  EXPECT_EQ(get("/v1/contracts", kOperatorToken).body.size(), 0u);
}

TEST_P(BrokerApiTest, ADeviceAnnouncesForItsOwnLineTheMostItLendsAndABadAnnouncementChangesNothing) {
  auto caps = [&] {
    const json line = get("/v1/lines/d1", kDonorToken).body;
    return std::make_pair(line["down"]["lend_cap_bps"], line["up"]["lend_cap_bps"]);
  };
  const json announcement = {{"down_sync_bps", 0}, {"up_sync_bps", 0}, {"lend_down_bps", 3'000'000}};
  EXPECT_EQ(post("/v1/lines/d1/announce", kBorrowerToken, announcement, "a1").status, 403);  // not its line
  EXPECT_EQ(caps(), std::make_pair(json(nullptr), json(nullptr)));
  Reply bad = post("/v1/lines/d1/announce", kDonorToken, {{"down_sync_bps", 0}, {"up_sync_bps", 0}, {"lend_up_bps", -1}},
                   "a2");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body["errors"], json::array({"lend_up_bps must be an integer from 0 to 9223372036854775807"}));
  EXPECT_EQ(caps(), std::make_pair(json(nullptr), json(nullptr)));
  ASSERT_EQ(post("/v1/lines/d1/announce", kDonorToken, announcement, "a3").status, 200);
  EXPECT_EQ(caps(), std::make_pair(json(3'000'000), json(nullptr)));
  // Measured, the line lends no more than its device said, however idle.
  ASSERT_EQ(post("/v1/reports", kRouterToken, usage(1000, 0), "report-1").status, 200);
  ASSERT_EQ(post("/v1/reports", kRouterToken, usage(2000, 0), "report-2").status, 200);
  EXPECT_EQ(get("/v1/lines/d1", kDonorToken).body["down"]["lendable_interruptible_bps"], 3'000'000);
}

TEST_P(BrokerApiTest, ALineNeverMeasuredLendsNothingSoTheRequestIsRefusedAndRecorded) {
  Reply r = post("/v1/grants", kBorrowerToken, grant_request(), "k1");
  EXPECT_EQ(r.status, 409);
  const std::string id = r.body["contract"];
  Reply c = get("/v1/contracts/" + id, kBorrowerToken);
  EXPECT_EQ(c.body["state"], "rejected");
  EXPECT_EQ(c.body["events"].size(), 2u);
}

TEST_P(BrokerApiTest, AContractsWholeLifeIsBilledExactlyOnce) {
  // The donor's line measured: 20 Mbit/s down of its 100.
  ASSERT_EQ(post("/v1/reports", kRouterToken, usage(1000, 0), "report-1").status, 200);
  ASSERT_EQ(post("/v1/reports", kRouterToken, usage(2000, 2'500'000), "report-2").status, 200);
  Reply line = get("/v1/lines/d1", kDonorToken);
  EXPECT_EQ(line.body["down"]["lendable_interruptible_bps"], 70'000'000);

  // The borrower's device asks; the same request again gets the same answer.
  Reply granted = post("/v1/grants", kBorrowerToken, grant_request(), "grant-1");
  ASSERT_EQ(granted.status, 201) << granted.body;
  EXPECT_EQ(granted.body["donor"], "d1");
  EXPECT_EQ(granted.body["down_bps"], 30'000'000);
  EXPECT_EQ(granted.body["state"], "instructed");
  const std::string id = granted.body["id"];
  Reply again = post("/v1/grants", kBorrowerToken, grant_request(), "grant-1");
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.body, granted.body);
  json changed = grant_request();
  changed["desired_bps"] = 20'000'000;
  EXPECT_EQ(post("/v1/grants", kBorrowerToken, changed, "grant-1").status, 422);
  EXPECT_EQ(get("/v1/contracts", kOperatorToken).body.size(), 1u);
  // The donor sees it too; another device would not.
  EXPECT_EQ(get("/v1/contracts/" + id, kDonorToken).status, 200);

  // The router's long poll has it.
  Reply instructions = get("/v1/instructions?since=0&wait_ms=5000", kRouterToken);
  ASSERT_EQ(instructions.body["instructions"].size(), 1u);
  const json& instruction = instructions.body["instructions"][0];
  EXPECT_EQ(instruction["contract"], id);
  EXPECT_EQ(instruction["borrower"], "b");
  EXPECT_EQ(instruction["donor"], "d1");
  EXPECT_EQ(instruction["epoch"], 1);
  // And each device its own side of it, as a lease; another device nothing.
  const json borrower_side = get("/v1/instructions?since=0", kBorrowerToken).body["instructions"];
  ASSERT_EQ(borrower_side.size(), 1u);
  EXPECT_EQ(borrower_side[0]["contract"], id);
  EXPECT_EQ(borrower_side[0]["role"], "borrower");
  EXPECT_EQ(borrower_side[0]["peer"], "d1");
  EXPECT_EQ(borrower_side[0]["down_bps"], 30'000'000);
  EXPECT_EQ(borrower_side[0]["up_bps"], 0);
  EXPECT_LE(borrower_side[0]["lease_expires_at_ms"].get<int64_t>(), now_ms() + config().sharing.lease_ms);
  const json donor_side = get("/v1/instructions", kDonorToken).body["instructions"];
  ASSERT_EQ(donor_side.size(), 1u);
  EXPECT_EQ(donor_side[0]["role"], "donor");
  EXPECT_EQ(donor_side[0]["peer"], "b");
  // With nothing new, a long poll still answers within half a lease, the
  // lease renewed: a device that waits as long as it may never lapses.
  const auto asked = std::chrono::steady_clock::now();
  const Reply renewed = get("/v1/instructions?since=" + std::to_string(instructions.body["version"].get<uint64_t>()) +
                                "&wait_ms=30000",
                            kBorrowerToken);
  EXPECT_LT(std::chrono::steady_clock::now() - asked, std::chrono::milliseconds(config().sharing.lease_ms));
  ASSERT_EQ(renewed.body["instructions"].size(), 1u);
  EXPECT_GT(renewed.body["instructions"][0]["lease_expires_at_ms"], borrower_side[0]["lease_expires_at_ms"]);

  // Installed, and counted: readings with a replay and a restart between.
  const json installed = json::array({{{"contract", id}, {"epoch", 1}}});
  auto reading = [&](int64_t epoch, int64_t sequence, int64_t down) {
    return json::array({{{"contract", id}, {"epoch", epoch}, {"sequence", sequence}, {"down_bytes", down}, {"up_bytes", 1000}}});
  };
  Reply first = post("/v1/reports", kRouterToken, usage(3000, 5'000'000, reading(1, 1, 400'000'000), installed), "report-3");
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(get("/v1/contracts/" + id, kOperatorToken).body["state"], "active");
  Reply replay = post("/v1/reports", kRouterToken, usage(3000, 5'000'000, reading(1, 1, 400'000'000), installed), "report-3");
  EXPECT_EQ(replay.body["accepted"], 1);  // the first answer, nothing added
  // The same reading under a new key is a duplicate; then the router restarts (epoch 2).
  EXPECT_EQ(post("/v1/reports", kRouterToken, usage(3500, 5'500'000, reading(1, 1, 400'000'000), installed), "report-4")
                .body["duplicate"],
            1);
  ASSERT_EQ(post("/v1/reports", kRouterToken, usage(4000, 6'000'000, reading(1, 2, 600'000'000), installed), "report-5").status, 200);
  // Rated at the first reading; the 200 MB since wait for the rating interval.
  auto lagging = client_->Get("/metrics");
  ASSERT_TRUE(lagging);
  EXPECT_NE(lagging->body.find("aggr_broker_ledger_lag_bytes 200000000\n"), std::string::npos) << lagging->body;
  ASSERT_EQ(post("/v1/reports", kRouterToken, usage(5000, 6'500'000, reading(2, 1, 400'000'000), installed), "report-6").status, 200);

  // The borrower cancels; the router removes it and sends its last reading.
  EXPECT_EQ(post("/v1/contracts/" + id + "/cancel", kBorrowerToken, json::object(), "cancel-1").body["state"], "expiring");
  EXPECT_EQ(get("/v1/instructions", kRouterToken).body["instructions"].size(), 0u);
  EXPECT_EQ(get("/v1/instructions", kBorrowerToken).body["instructions"].size(), 0u);
  EXPECT_EQ(get("/v1/instructions", kDonorToken).body["instructions"].size(), 0u);
  ASSERT_EQ(post("/v1/reports", kRouterToken, usage(6000, 7'000'000, reading(2, 2, 500'000'000)), "report-7").status, 200);
  Reply closed = get("/v1/contracts/" + id, kOperatorToken);
  EXPECT_EQ(closed.body["state"], "closed");
  // 600 MB in epoch 1, 500 MB in epoch 2, 2 x 1000 up.
  const int64_t bytes = 600'000'000 + 500'000'000 + 2000;
  EXPECT_EQ(closed.body["usage"]["billed_down_bytes"], 1'100'000'000);
  EXPECT_EQ(closed.body["usage"]["billed_up_bytes"], 2000);
  const int64_t charge = bytes * 2'000'000 / 1'000'000'000, fee = charge / 10;
  Reply borrower = get("/v1/statements/b", kBorrowerToken);
  EXPECT_EQ(borrower.body["balance"], -charge);
  EXPECT_EQ(get("/v1/statements/d1", kDonorToken).body["balance"], charge - fee);
  EXPECT_EQ(get("/v1/statements/d1", kBorrowerToken).status, 403);
  Reply balances = get("/v1/balances", kOperatorToken);
  EXPECT_EQ(balances.body["accounts"]["provider"], fee);
  EXPECT_EQ(balances.body["ledger_total"], 0);
  EXPECT_TRUE(balances.body["unbalanced_postings"].empty());

  auto metrics = client_->Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("aggr_broker_contracts{state=\"closed\"} 1"), std::string::npos) << metrics->body;
  EXPECT_NE(metrics->body.find("aggr_broker_readings_total{result=\"duplicate\"} 1"), std::string::npos);
  EXPECT_NE(metrics->body.find("aggr_broker_ledger_lag_bytes 0\n"), std::string::npos);  // all settled
}

TEST_P(BrokerApiTest, TheBrokerOffersASaturatedLineAGrantOnceEachSaturationTime) {
  // The donor is busy: nothing to lend, so the offer is rejected, and not
  // made again every tick. (The donor, near its own plan, is offered a grant
  // too, which the saturated borrower cannot fill: only b's are looked at.)
  auto report = [&](int64_t at, int64_t b_down, int64_t d1_down, const std::string& key) {
    json body = {{"router", "r1"},
                 {"at_ms", at},
                 {"lines", {{{"subscriber", "d1"}, {"epoch", 1}, {"down_bytes", d1_down}, {"up_bytes", 0}},
                            {{"subscriber", "b"}, {"epoch", 1}, {"down_bytes", b_down}, {"up_bytes", 0}}}},
                 {"contracts", json::array()},
                 {"installed", json::array()}};
    ASSERT_EQ(post("/v1/reports", kRouterToken, body, key).status, 200);
  };
  const int64_t second_b = 19'500'000 / 8, second_d1_busy = 99'000'000 / 8, second_d1_idle = 10'000'000 / 8;
  report(0, 0, 0, "r0");
  report(1000, second_b, second_d1_busy, "r1");
  report(2000, 2 * second_b, 2 * second_d1_busy, "r2");
  auto offers_to_b = [&] {
    json mine = json::array();
    for (const json& c : get("/v1/contracts", kOperatorToken).body)
      if (c["borrower"] == "b") mine.push_back(c);
    return mine;
  };
  const int64_t saturated_for = config().sharing.saturated_for_ms;
  broker_->tick(1000 + saturated_for - 1);
  EXPECT_EQ(offers_to_b().size(), 0u);  // not yet long enough
  broker_->tick(1000 + saturated_for);
  json all = offers_to_b();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0]["state"], "rejected");
  broker_->tick(1000 + saturated_for + 200);
  broker_->tick(1000 + 2 * saturated_for - 1);
  EXPECT_EQ(offers_to_b().size(), 1u);
  // The donor's line goes quiet; the next offer finds its spare.
  report(3000, 3 * second_b, 2 * second_d1_busy + second_d1_idle, "r3");
  for (int i = 4; i < 10; ++i) report(i * 1000, i * second_b, 2 * second_d1_busy + (i - 2) * second_d1_idle, "r" + std::to_string(i));
  broker_->tick(1000 + 2 * saturated_for);
  all = offers_to_b();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1]["state"], "instructed");
  EXPECT_EQ(all[1]["borrower"], "b");
  EXPECT_EQ(all[1]["donor"], "d1");
  EXPECT_EQ(all[1]["down_bps"], 20'000'000);  // the borrower's plan, which the donor can spare
  EXPECT_EQ(all[1]["up_bps"], 0);
  // Both devices are told.
  EXPECT_EQ(get("/v1/instructions", kBorrowerToken).body["instructions"][0]["role"], "borrower");
  EXPECT_EQ(get("/v1/instructions", kDonorToken).body["instructions"][0]["role"], "donor");
  // While it borrows, no other offer.
  broker_->tick(1000 + 4 * saturated_for);
  EXPECT_EQ(offers_to_b().size(), 2u);
}

TEST_P(BrokerApiTest, AContractNeverConfirmedFailsAndOneThatEndsIsRemovedFromTheRouter) {
  ASSERT_EQ(post("/v1/reports", kRouterToken, usage(1000, 0), "report-1").status, 200);
  ASSERT_EQ(post("/v1/reports", kRouterToken, usage(2000, 0), "report-2").status, 200);
  Reply granted = post("/v1/grants", kBorrowerToken, grant_request(), "grant-1");
  ASSERT_EQ(granted.status, 201);
  const std::string id = granted.body["id"];
  const int64_t now = now_ms();
  broker_->tick(now + config().sharing.lease_ms + 1);
  EXPECT_EQ(get("/v1/contracts/" + id, kOperatorToken).body["state"], "failed");
  EXPECT_EQ(get("/v1/instructions", kRouterToken).body["instructions"].size(), 0u);

  granted = post("/v1/grants", kBorrowerToken, grant_request(), "grant-2");
  ASSERT_EQ(granted.status, 201);
  const std::string second = granted.body["id"];
  ASSERT_EQ(post("/v1/reports", kRouterToken, usage(3000, 0, json::array(), {{{"contract", second}, {"epoch", 1}}}), "report-3")
                .status,
            200);
  EXPECT_EQ(get("/v1/contracts/" + second, kOperatorToken).body["state"], "active");
  broker_->tick(now + 601'000);  // past its 600 s
  EXPECT_EQ(get("/v1/contracts/" + second, kOperatorToken).body["state"], "expiring");
  EXPECT_EQ(get("/v1/instructions", kRouterToken).body["instructions"].size(), 0u);
  ASSERT_EQ(post("/v1/reports", kRouterToken, usage(4000, 0), "report-4").status, 200);
  EXPECT_EQ(get("/v1/contracts/" + second, kOperatorToken).body["state"], "closed");
}

AGGR_ON_EVERY_STORAGE(BrokerApiTest);

}  // namespace
}  // namespace aggr::test
