// The broker's service: what each API call does, in one transaction each,
// and the contracts' lifecycle as time passes. The HTTP layer
// (api_server.h) authenticates and parses; everything here takes the
// caller and the parsed body and answers with a status and a JSON body.
//
// Every change is idempotent: it carries the caller's key, and its answer
// is stored with it in the transaction that makes the change, so that a
// repeated request gets the first answer and changes nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "controlplane/broker/broker_config.h"
#include "controlplane/broker/capacity.h"
#include "controlplane/broker/contract.h"
#include "controlplane/broker/database.h"
#include "controlplane/broker/matching.h"

namespace aggr::broker {

struct Answer {
  int status = 200;
  nlohmann::json body;
  bool replayed = false;  // the stored answer to a repeated request
};

struct BrokerCounters {
  uint64_t readings_accepted = 0, readings_duplicate = 0, readings_stale = 0, readings_refused = 0;
  uint64_t grants = 0, refusals = 0, replays = 0;
  uint64_t postings = 0;
  int64_t billed_bytes = 0;
  std::vector<double> grant_seconds;  // from request to the router's confirmation, recent
};

// A contract as every answer and view shows it.
nlohmann::json contract_json(const Contract& c);

// Milliseconds since the epoch, by the system clock: the time every
// contract and ledger entry is written with.
int64_t now_ms();

class Broker {
 public:
  Broker(BrokerConfig config, std::unique_ptr<Database> db);

  // ---- changes (POST), each with the caller's idempotency key ----
  // A router's periodic report: its lines' and contracts' counters and the
  // redirects it has installed. The answer carries the redirects it is to
  // have: the instructions, as desired state.
  Answer report(const Caller& caller, const std::string& key, const nlohmann::json& body, int64_t now);
  // A borrower's device (or an operator) asks for bandwidth.
  Answer request_grant(const Caller& caller, const std::string& key, const nlohmann::json& body, int64_t now);
  Answer renew(const Caller& caller, const std::string& key, const std::string& contract, const nlohmann::json& body,
               int64_t now);
  Answer cancel(const Caller& caller, const std::string& key, const std::string& contract, int64_t now);
  // A device announces its line's sync rates.
  Answer announce(const Caller& caller, const std::string& key, const std::string& subscriber,
                  const nlohmann::json& body, int64_t now);

  // ---- views (GET) ----
  Answer contracts_view(const Caller& caller, const std::string& state);
  Answer contract_view(const Caller& caller, const std::string& contract);
  Answer line_view(const Caller& caller, const std::string& subscriber);
  Answer statement(const Caller& caller, const std::string& subscriber, int64_t from, int64_t to);
  Answer balances(const Caller& caller);
  std::string metrics();
  // The redirects a router is to have, or the contracts a device is to
  // carry (as borrower or donor), as a version and a list; waits up to
  // `wait_ms` for a version after `since` (a long poll, so that a grant
  // reaches routers and devices at once). Each entry is a lease.
  Answer instructions(const Caller& caller, uint64_t since, int64_t wait_ms);

  // Time passes: leases, expiries, preemption and settling; broker-made
  // offers to saturated lines. Call every second or so.
  void tick(int64_t now);

  const BrokerConfig& config() const { return config_; }
  Database& database() { return *db_; }

 private:
  // Runs change once per (caller, key): a replay gets the stored answer.
  Answer idempotent(const Caller& caller, const std::string& key, const nlohmann::json& request,
                    const std::function<Answer(Sql&)>& change, int64_t now);
  // Whether a contract is to be carried now: instructed and not ended.
  bool in_force(Sql& sql, const Contract& c, int64_t now);
  nlohmann::json instructions_for(Sql& sql, const std::string& router, int64_t now);
  nlohmann::json device_instructions_for(Sql& sql, const std::string& subscriber, int64_t now);
  Answer grant(Sql& sql, const GrantRequest& request, int64_t now);
  bool may_act_for(const Caller& caller, const std::string& subscriber) const;
  void settle(Sql& sql, const Contract& c, int64_t now);
  void offer_to_saturated_lines(int64_t now);
  // Whether the contract's last rating is an interval old (or none yet).
  bool rating_due(const std::string& contract, int64_t now);
  // Rates the contracts with bytes counted and not rated whose interval is over.
  void rate_due(int64_t now);

  // A router's redirects changed: long polls wake.
  void instructions_changed();

  BrokerConfig config_;
  std::unique_ptr<Database> db_;
  std::mutex mutex_;  // the capacity model, the counters and the version
  std::condition_variable changed_;
  uint64_t version_ = 1;
  CapacityModel capacity_;
  BrokerCounters counters_;
  std::map<std::string, int64_t> last_rated_;  // by contract: when it was last rated
  std::set<std::string> unrated_;              // contracts with readings not yet rated
  std::map<std::string, int64_t> last_offer_at_;  // by subscriber: the broker's last offer to it
};

}  // namespace aggr::broker
