// aggr-brokerctl: contracts, lines, grants, statements and balances of a
// running aggr-broker, through its HTTP API.
//
//   aggr-brokerctl [--api HOST:PORT] [--token-file FILE] [--json] COMMAND
//
// Every request carries the token from --token-file (or
// $AGGR_BROKER_TOKEN_FILE): the broker answers each caller as its role
// allows. Changes carry an idempotency key (key=..., or a fresh one, printed
// so that the same change can be sent again safely).
#include <sys/random.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "controlplane/config/values.h"
#include "tools/aggrctl/api_client.h"
#include "tools/aggrctl/command_line.h"
#include "tools/aggrctl/table.h"

namespace {

using aggr::ctl::Table;
using aggr::ctl::text;
using nlohmann::json;

const char* const kUsage = R"(usage: aggr-brokerctl [--api HOST:PORT] [--token-file FILE] [--json] COMMAND

commands:
  contracts [STATE]              (requested, admitted, instructed, active, renewed, preempting, expiring,
                                  settling, closed, rejected, failed, cancelled)
  contract ID                    terms, usage, billing and every state it went through
  line SUBSCRIBER                capacity, recent use, p95 and what it may lend
  grant SUBSCRIBER min=RATE desired=RATE [direction=down|up|both] [interruptible=yes|no]
        [duration=SECONDS] [max-price=N] [key=KEY]
  renew ID duration=SECONDS [key=KEY]
  cancel ID [key=KEY]
  statement SUBSCRIBER [from=MS] [to=MS]
  balances                       every account, the ledger's total and any unbalanced posting

--api defaults to $AGGR_BROKER_API or 127.0.0.1:9470; --token-file to $AGGR_BROKER_TOKEN_FILE.
)";

[[noreturn]] void usage_error(const std::string& message) {
  aggr::ctl::exit_with_usage("aggr-brokerctl", kUsage, message);
}

uint64_t number(const std::string& value, const std::string& what) {
  if (value.empty() || value.size() > 18 || value.find_first_not_of("0123456789") != std::string::npos)
    usage_error(what + " must be a whole number");
  return std::stoull(value);
}

uint64_t rate(const std::string& value, const std::string& what) {
  uint64_t bps = 0;
  if (aggr::Status s = aggr::parse_rate(value, &bps); !s.ok()) usage_error(what + ": " + s.error);
  return bps;
}

bool yes_no(const std::string& value, const std::string& what) {
  if (value != "yes" && value != "no") usage_error(what + " must be yes or no");
  return value == "yes";
}

// A key for a change the operator did not name: 128 random bits.
std::string fresh_key() {
  unsigned char bytes[16];
  if (getrandom(bytes, sizeof bytes, 0) != ssize_t(sizeof bytes)) {
    std::cerr << "aggr-brokerctl: no randomness for an idempotency key; give key=...\n";
    std::exit(2);
  }
  char hex[33];
  for (size_t i = 0; i < sizeof bytes; ++i) std::snprintf(hex + 2 * i, 3, "%02x", bytes[i]);
  return hex;
}

std::string bps(const json& v) { return v.is_number() ? text(v) + " bit/s" : text(v); }

void print_contracts(const json& list) {
  Table t({"Contract", "State", "Borrower", "Donor", "Router", "Down", "Up", "Kind", "Expires (ms)", "Epoch"});
  for (const json& c : list)
    t.add({text(c["id"]), text(c["state"]), text(c["borrower"]), text(c["donor"]), text(c["router"]),
           bps(c["down_bps"]), bps(c["up_bps"]), c["interruptible"].get<bool>() ? "interruptible" : "reserved",
           text(c["expires_at_ms"]), text(c["epoch"])});
  t.print(std::cout);
}

void print_one_contract(const json& c) { print_contracts(json::array({c})); }

void print_contract(const json& c) {
  print_contracts(json::array({c}));
  const json& u = c["usage"];
  std::cout << "\ncounted " << text(u["counted_down_bytes"]) << " B down, " << text(u["counted_up_bytes"])
            << " B up; billed " << text(u["billed_down_bytes"]) << " B down, " << text(u["billed_up_bytes"])
            << " B up; charged " << text(u["charged"]) << ", fee " << text(u["fee"]) << " (price "
            << text(c["price_per_gb"]) << " a GB, fee " << text(c["fee_ppm"]) << " ppm)\n\n";
  Table events({"#", "At (ms)", "From", "To", "Why"});
  for (const json& e : c["events"])
    events.add({text(e["seq"]), text(e["at_ms"]), text(e["from"]), text(e["to"]), text(e["reason"])});
  events.print(std::cout);
}

void print_line(const json& l) {
  std::cout << "subscriber " << text(l["subscriber"]) << " on router " << text(l["router"])
            << (l["measured"].get<bool>() ? "" : " (not measured yet: lends nothing)") << "\n";
  Table t({"Direction", "Capacity", "Recent", "p95", "Lendable (interruptible)", "Lendable (reserved)"});
  for (const char* d : {"down", "up"})
    t.add({d, bps(l[d]["capacity_bps"]), bps(l[d]["recent_bps"]), bps(l[d]["p95_bps"]),
           bps(l[d]["lendable_interruptible_bps"]), bps(l[d]["lendable_non_interruptible_bps"])});
  t.print(std::cout);
}

void print_statement(const json& s) {
  Table t({"At (ms)", "Posting", "Contract", "Amount"});
  for (const json& e : s["entries"]) t.add({text(e["at_ms"]), text(e["posting"]), text(e["contract"]), text(e["amount"])});
  t.print(std::cout);
  std::cout << "\nperiod total " << text(s["period_total"]) << ", balance " << text(s["balance"]) << "\n";
}

void print_balances(const json& b) {
  Table t({"Account", "Balance"});
  for (const auto& [account, balance] : b["accounts"].items()) t.add({account, text(balance)});
  t.print(std::cout);
  std::cout << "\nledger total " << text(b["ledger_total"]) << " (0: every posting balances); unbalanced postings: "
            << text(b["unbalanced_postings"]) << "\n";
}

int run(const aggr::ctl::CommandLine& o) {
  const std::vector<std::string>& w = o.words;
  if (w.empty()) usage_error("no command");
  aggr::ctl::ApiClient client({"aggr-brokerctl", "aggr-broker", o.api, o.token_file, true, o.json});
  auto show = [&](const json& doc, void (*print)(const json&)) { return o.show(doc, print); };
  if (w[0] == "contracts" && w.size() <= 2)
    return show(client.request("GET", "/v1/contracts" + (w.size() == 2 ? "?state=" + w[1] : "")), print_contracts);
  if (w[0] == "contract" && w.size() == 2) return show(client.request("GET", "/v1/contracts/" + w[1]), print_contract);
  if (w[0] == "line" && w.size() == 2) return show(client.request("GET", "/v1/lines/" + w[1]), print_line);
  if (w[0] == "balances" && w.size() == 1) return show(client.request("GET", "/v1/balances"), print_balances);
  if (w[0] == "statement" && w.size() >= 2) {
    auto kv = o.key_values(2, {"from", "to"});
    std::string query = "?from_ms=" + std::to_string(kv.count("from") ? number(kv["from"], "from") : 0);
    if (kv.count("to")) query += "&to_ms=" + std::to_string(number(kv["to"], "to"));
    return show(client.request("GET", "/v1/statements/" + w[1] + query), print_statement);
  }
  // Changes: the key sent, printed with the answer.
  auto change = [&](const std::string& path, const json& body, std::map<std::string, std::string>& kv) {
    const std::string key = kv.count("key") ? kv["key"] : fresh_key();
    const json answer = client.request("POST", path, body, key);
    std::cerr << "idempotency key " << key << " (send the same change again with key=" << key << ")\n";
    return show(answer, print_one_contract);
  };
  if (w[0] == "grant" && w.size() >= 3) {
    auto kv = o.key_values(2, {"min", "desired", "direction", "interruptible", "duration", "max-price", "key"});
    if (!kv.count("min") || !kv.count("desired")) usage_error("grant needs min=RATE and desired=RATE");
    json body = {{"subscriber", w[1]}, {"min_bps", rate(kv["min"], "min")}, {"desired_bps", rate(kv["desired"], "desired")}};
    if (kv.count("direction")) body["direction"] = kv["direction"];
    if (kv.count("interruptible")) body["interruptible"] = yes_no(kv["interruptible"], "interruptible");
    body["duration_s"] = kv.count("duration") ? number(kv["duration"], "duration") : 600;
    if (kv.count("max-price")) body["max_price_per_gb"] = number(kv["max-price"], "max-price");
    return change("/v1/grants", body, kv);
  }
  if (w[0] == "renew" && w.size() >= 3) {
    auto kv = o.key_values(2, {"duration", "key"});
    if (!kv.count("duration")) usage_error("renew needs duration=SECONDS");
    return change("/v1/contracts/" + w[1] + "/renew", {{"duration_s", number(kv["duration"], "duration")}}, kv);
  }
  if (w[0] == "cancel" && w.size() >= 2) {
    auto kv = o.key_values(2, {"key"});
    return change("/v1/contracts/" + w[1] + "/cancel", json::object(), kv);
  }
  usage_error("unknown command");
}

}  // namespace

int main(int argc, char** argv) {
  return run(aggr::ctl::CommandLine("aggr-brokerctl", kUsage, "127.0.0.1:9470", "AGGR_BROKER_API",
                                    "AGGR_BROKER_TOKEN_FILE", argc, argv));
}
