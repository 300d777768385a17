// libFuzzer target: aggr-broker's requests, through the service itself on a
// SQLite file of its own. The first byte picks the call (a router's report,
// a device's grant request, renewal, cancellation or announcement); the
// rest is its JSON body. Any bytes must get an answer of 2xx or 4xx, never
// a crash or a 5xx, and leave the ledger balanced.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "controlplane/broker/broker.h"
#include "controlplane/broker/schema.h"

using namespace aggr::broker;
using nlohmann::json;

namespace {

BrokerConfig fuzz_config() {
  BrokerConfig c;
  c.callers = {{"r1", CallerRole::kRouter, "router-token-0123456789", "r1", ""},
               {"cpe-b", CallerRole::kDevice, "device-token-0123456789", "", "b"},
               {"noc", CallerRole::kOperator, "operator-token-0123456789", "", ""}};
  c.lines = {{"b", "r1", 20'000'000, 10'000'000}, {"d", "r1", 100'000'000, 20'000'000}};
  c.third_links = {{"b", "d"}};
  c.sharing.price_per_gb = 2'000'000;
  c.sharing.fee_ppm = 100'000;
  return c;
}

Broker& broker() {
  static std::unique_ptr<Broker> b = [] {
    const std::string path = std::filesystem::temp_directory_path() / ("broker-fuzz-" + std::to_string(getpid()) + ".db");
    std::filesystem::remove(path);
    std::unique_ptr<Database> db = open_database("sqlite:" + path);
    create_schema(*db);
    return std::make_unique<Broker>(fuzz_config(), std::move(db));
  }();
  return *b;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static uint64_t calls = 0;
  Broker& b = broker();
  const Caller& router = b.config().callers[0];
  const Caller& device = b.config().callers[1];
  const Caller& noc = b.config().callers[2];
  const json body = json::parse(data + 1, data + size, nullptr, false);
  const std::string key = "k" + std::to_string(++calls);
  const int64_t now = 1'000'000 + int64_t(calls) * 1000;
  Answer a;
  switch (data[0] % 5) {
    case 0: a = b.report(router, key, body, now); break;
    case 1: a = b.request_grant(device, key, body, now); break;
    case 2: a = b.renew(device, key, "c1", body, now); break;
    case 3: a = b.cancel(device, key, body.is_string() ? body.get<std::string>() : "c1", now); break;
    default: a = b.announce(device, key, "b", body, now); break;
  }
  if (a.status < 200 || a.status >= 500) std::abort();
  b.tick(now);
  const Answer balances = b.balances(noc);
  if (balances.status != 200 || balances.body["ledger_total"] != 0 || !balances.body["unbalanced_postings"].empty())
    std::abort();
  return 0;
}
