// aggr-broker's speed where it scales with the network (benchmarks/README.md):
//  - ledger ingest: routers' reports through the broker's service (JSON
//    parsed, every reading keyed and counted once, each contract rated, the
//    answer stored for replays: one transaction a report), from one router
//    and from eight at once, on SQLite and, with --postgresql, on a
//    PostgreSQL server of its own;
//  - matching: grant requests matched against 100,000 reporting lines.
// Each figure is the median of --runs runs.
//
// usage: broker_bench [--postgresql] [--runs N] [--quick]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "controlplane/broker/broker.h"
#include "controlplane/broker/schema.h"
#include "tests/broker/postgres_server.h"

using namespace aggr::broker;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Readings a second through Broker::report: `routers` routers reporting at
// once, each from its own thread, each with `contracts` contracts and a
// reading of every one in each report.
double ledger_ingest(const std::string& database, int routers, int contracts, int reports) {
  BrokerConfig config;
  for (int r = 0; r < routers; ++r) {
    const std::string router = "r" + std::to_string(r);
    config.callers.push_back({router, CallerRole::kRouter, "router-token-0123456789-" + router, router, ""});
    for (int i = 0; i < 2 * contracts; ++i)
      config.lines.push_back({router + "s" + std::to_string(i), router, 100'000'000, 20'000'000});
  }
  config.sharing.price_per_gb = 1'000'000;
  std::unique_ptr<Database> db = open_database(database);
  create_schema(*db);
  std::vector<std::vector<std::string>> ids(static_cast<size_t>(routers));
  db->transaction([&](Sql& sql) {
    for (int r = 0; r < routers; ++r)
      for (int i = 0; i < contracts; ++i) {
        const std::string router = "r" + std::to_string(r);
        ContractTerms t{router + "s" + std::to_string(2 * i), router + "s" + std::to_string(2 * i + 1), router,
                        1'000'000, 5'000'000, true, 1'000'000, 100'000, 0, INT64_MAX / 2};
        ids[size_t(r)].push_back(contracts::create(sql, t, 0).id);
      }
  });
  Broker broker(config, std::move(db));
  std::vector<std::vector<json>> bodies(static_cast<size_t>(routers));
  for (int r = 0; r < routers; ++r)
    for (int n = 1; n <= reports; ++n) {
      json readings = json::array();
      for (const std::string& id : ids[size_t(r)])
        readings.push_back({{"contract", id}, {"epoch", 1}, {"sequence", n}, {"up_bytes", n * 1000}, {"down_bytes", n * 5000}});
      bodies[size_t(r)].push_back({{"router", "r" + std::to_string(r)}, {"at_ms", n * 2000}, {"contracts", readings}});
    }
  auto report_all = [&](int r) {
    const Caller& router = broker.config().callers[size_t(r)];
    for (int n = 0; n < reports; ++n) {
      // Every two seconds, as aggrd reports by default: a contract is rated
      // every fifth report (the rating interval's default, 10 s).
      Answer a = broker.report(router, "report-" + std::to_string(n), bodies[size_t(r)][size_t(n)], 2000 * (n + 1));
      if (a.status != 200 || a.body["accepted"] != contracts) {
        std::fprintf(stderr, "router %d, report %d: %d %s\n", r, n, a.status, a.body.dump().c_str());
        std::exit(1);
      }
    }
  };
  const Clock::time_point start = Clock::now();
  std::vector<std::thread> threads;
  for (int r = 0; r < routers; ++r) threads.emplace_back(report_all, r);
  for (std::thread& t : threads) t.join();
  return double(routers) * contracts * reports / seconds_since(start);
}

// Matches a second: `lines` lines measured twice, each device linked to its
// four neighbours, requests from random borrowers.
double matching(int lines, int requests) {
  BrokerConfig config;
  for (int i = 0; i < lines; ++i) config.lines.push_back({"s" + std::to_string(i), "r1", 100'000'000, 20'000'000});
  for (int i = 0; i < lines; ++i)
    for (int d : {1, 2}) config.third_links.emplace_back("s" + std::to_string(i), "s" + std::to_string((i + d) % lines));
  config.build_index();
  CapacityModel capacity(config);
  std::mt19937 random(7);
  for (int i = 0; i < lines; ++i) {
    const std::string s = "s" + std::to_string(i);
    const uint64_t down = random() % 50'000'000;
    capacity.observe(s, "r1", 1, 1000, 0, 0);
    capacity.observe(s, "r1", 1, 2000, down / 8, down / 80);
  }
  const Lent lent;
  int matched = 0;
  const Clock::time_point start = Clock::now();
  for (int r = 0; r < requests; ++r) {
    GrantRequest request{"s" + std::to_string(random() % lines), 1'000'000, 20'000'000, true, false, true, 600'000, -1};
    matched += std::holds_alternative<Match>(match_donor(config, capacity, request, lent));
  }
  const double rate = requests / seconds_since(start);
  if (matched == 0) {
    std::fprintf(stderr, "no request matched\n");
    std::exit(1);
  }
  return rate;
}

}  // namespace

int main(int argc, char** argv) {
  bool postgresql = false, quick = false;
  int runs = 3;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--postgresql") postgresql = true;
    else if (a == "--quick") quick = true;
    else if (a == "--runs" && i + 1 < argc) runs = std::max(1, std::atoi(argv[++i]));
    else {
      std::fprintf(stderr, "usage: broker_bench [--postgresql] [--runs N] [--quick]\n");
      return 2;
    }
  }
  const int contracts = 200, reports = quick ? 5 : 50, lines = quick ? 10'000 : 100'000;
  const std::string dir = std::filesystem::temp_directory_path() / ("broker-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  // One router, and eight reporting at once (the broker's transactions then
  // commit together).
  const int routers = 8;
  std::vector<double> sqlite, sqlite_routers, pg, pg_routers, matches;
  std::unique_ptr<aggr::test::PostgresServer> server;
  if (postgresql) server = std::make_unique<aggr::test::PostgresServer>();
  for (int run = 0; run < runs; ++run) {
    const std::string name = "run" + std::to_string(run);
    sqlite.push_back(ledger_ingest("sqlite:" + dir + "/" + name + ".db", 1, contracts, reports));
    sqlite_routers.push_back(ledger_ingest("sqlite:" + dir + "/" + name + "-routers.db", routers, contracts, reports));
    if (server) {
      pg.push_back(ledger_ingest(server->create_database("bench" + name), 1, contracts, reports));
      pg_routers.push_back(ledger_ingest(server->create_database("bench" + name + "routers"), routers, contracts, reports));
    }
    matches.push_back(matching(lines, quick ? 2000 : 20000));
  }
  std::filesystem::remove_all(dir);
  std::printf("ledger ingest, SQLite: %.0f readings/s (%d reports of %d readings; median of %d)\n", median(sqlite),
              reports, contracts, runs);
  std::printf("ledger ingest, SQLite, %d routers at once: %.0f readings/s (%d reports each; median of %d)\n", routers,
              median(sqlite_routers), reports, runs);
  if (!pg.empty()) {
    std::printf("ledger ingest, PostgreSQL: %.0f readings/s (%d reports of %d readings; median of %d)\n", median(pg),
                reports, contracts, runs);
    std::printf("ledger ingest, PostgreSQL, %d routers at once: %.0f readings/s (%d reports each; median of %d)\n",
                routers, median(pg_routers), reports, runs);
  }
  std::printf("matching: %.0f requests/s with %d lines reporting (median of %d)\n", median(matches), lines, runs);
  return 0;
}
