// What the broker shows: contracts, lines, statements, balances, metrics.
#include <algorithm>
#include <chrono>
#include <sstream>

#include "controlplane/broker/broker.h"
#include "controlplane/broker/ledger.h"

namespace aggr::broker {
namespace {

using json = nlohmann::json;

Answer refused(int status, std::string error) { return {status, json{{"errors", {std::move(error)}}}}; }


// Reads in one transaction; a storage failure is a 503.
template <typename F>
Answer reading(Database& db, F f) {
  Answer a;
  try {
    db.transaction([&](Sql& sql) { a = f(sql); });
  } catch (const DatabaseError& e) {
    return refused(503, std::string("storage: ") + e.what());
  }
  return a;
}

}  // namespace

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

Answer Broker::contracts_view(const Caller& caller, const std::string& state) {
  std::optional<ContractState> filter;
  if (!state.empty() && !(filter = parse_state(state))) return refused(400, "no contract state '" + state + "'");
  return reading(*db_, [&](Sql& sql) {
    json out = json::array();
    const std::vector<Contract> all =
        caller.role == CallerRole::kDevice ? contracts::of_subscriber(sql, caller.subscriber) : contracts::list(sql, filter);
    for (const Contract& c : all) {
      if (filter && c.state != *filter) continue;
      if (caller.role == CallerRole::kRouter && c.terms.router != caller.router) continue;
      out.push_back(contract_json(c));
    }
    return Answer{200, out};
  });
}

Answer Broker::contract_view(const Caller& caller, const std::string& id) {
  return reading(*db_, [&](Sql& sql) {
    std::optional<Contract> c = contracts::find(sql, id);
    if (!c) return refused(404, "no contract " + id);
    const bool party = may_act_for(caller, c->terms.borrower) || may_act_for(caller, c->terms.donor);
    if (!party) return refused(403, "caller " + caller.name + " is no party to contract " + id);
    json out = contract_json(*c);
    const ContractUsage u = ledger::usage(sql, id);
    out["usage"] = {{"counted_down_bytes", u.counted_down}, {"counted_up_bytes", u.counted_up},
                    {"billed_down_bytes", u.billed_down},   {"billed_up_bytes", u.billed_up},
                    {"charged", u.charged},                 {"fee", u.fee}};
    json events = json::array();
    for (const ContractEvent& e : contracts::events(sql, id))
      events.push_back({{"seq", e.seq}, {"at_ms", e.at}, {"from", state_name(e.from)}, {"to", state_name(e.to)},
                        {"reason", e.reason}});
    out["events"] = events;
    return Answer{200, out};
  });
}

Answer Broker::line_view(const Caller& caller, const std::string& subscriber) {
  if (config_.line(subscriber) == nullptr) return refused(404, "subscriber " + subscriber + " has no line here");
  if (!may_act_for(caller, subscriber)) return refused(403, "caller " + caller.name + " does not act for " + subscriber);
  std::lock_guard lock(mutex_);
  const LineUse u = *capacity_.use(subscriber);
  json out = {{"subscriber", subscriber}, {"router", config_.line(subscriber)->router}};
  for (Direction d : {Direction::kDown, Direction::kUp}) {
    const DirectionUse& x = u.direction[size_t(d)];
    out[d == Direction::kDown ? "down" : "up"] = {
        {"capacity_bps", x.capacity_bps},
        {"recent_bps", uint64_t(x.recent_bps)},
        {"p95_bps", x.p95_bps},
        {"lendable_interruptible_bps", capacity_.lendable(subscriber, d, true)},
        {"lendable_non_interruptible_bps", capacity_.lendable(subscriber, d, false)},
        {"lend_cap_bps", x.lend_cap_bps ? json(*x.lend_cap_bps) : json(nullptr)}};
  }
  out["measured"] = u.last_sample_at >= 0;
  return {200, out};
}

Answer Broker::statement(const Caller& caller, const std::string& subscriber, int64_t from, int64_t to) {
  if (config_.line(subscriber) == nullptr) return refused(404, "subscriber " + subscriber + " has no line here");
  if (caller.role == CallerRole::kRouter || !may_act_for(caller, subscriber))
    return refused(403, "caller " + caller.name + " does not act for " + subscriber);
  return reading(*db_, [&](Sql& sql) {
    const std::string account = subscriber_account(subscriber);
    json entries = json::array();
    int64_t sum = 0;
    for (const Entry& e : ledger::statement(sql, account, from, to)) {
      entries.push_back({{"posting", e.posting}, {"contract", e.contract}, {"amount", e.amount}, {"at_ms", e.at}});
      sum += e.amount;
    }
    return Answer{200, json{{"subscriber", subscriber},
                            {"from_ms", from},
                            {"to_ms", to},
                            {"entries", entries},
                            {"period_total", sum},
                            {"balance", ledger::balance(sql, account)}}};
  });
}

Answer Broker::balances(const Caller& caller) {
  if (caller.role != CallerRole::kOperator) return refused(403, "balances are the operator's");
  return reading(*db_, [&](Sql& sql) {
    json accounts = json::object();
    for (const LineConfig& l : config_.lines) accounts[subscriber_account(l.subscriber)] = ledger::balance(sql, subscriber_account(l.subscriber));
    accounts[kProviderAccount] = ledger::balance(sql, kProviderAccount);
    return Answer{200, json{{"accounts", accounts},
                            {"ledger_total", ledger::total(sql)},
                            {"unbalanced_postings", ledger::unbalanced_postings(sql)}}};
  });
}

std::string Broker::metrics() {
  std::ostringstream out;
  int64_t lag_bytes = 0;
  std::map<std::string, int> by_state;
  try {
    db_->transaction([&](Sql& sql) {
      lag_bytes = 0;
      by_state.clear();
      for (const auto& [state, n] : contracts::count_by_state(sql)) by_state[std::string(state_name(state))] = int(n);
      for (const Contract& c : contracts::open(sql)) {  // the settled are billed in full
        const ContractUsage u = ledger::usage(sql, c.id);
        lag_bytes += (u.counted_up - u.billed_up) + (u.counted_down - u.billed_down);
      }
    });
  } catch (const DatabaseError&) {
  }
  out << "# HELP aggr_broker_contracts Contracts by state.\n# TYPE aggr_broker_contracts gauge\n";
  for (const auto& [state, n] : by_state) out << "aggr_broker_contracts{state=\"" << state << "\"} " << n << "\n";
  out << "# HELP aggr_broker_ledger_lag_bytes Bytes counted under contracts in force and not yet rated.\n"
         "# TYPE aggr_broker_ledger_lag_bytes gauge\naggr_broker_ledger_lag_bytes "
      << lag_bytes << "\n";
  std::lock_guard lock(mutex_);
  const BrokerCounters& c = counters_;
  out << "# HELP aggr_broker_readings_total Routers' contract readings, by what became of them.\n"
         "# TYPE aggr_broker_readings_total counter\n"
      << "aggr_broker_readings_total{result=\"accepted\"} " << c.readings_accepted << "\n"
      << "aggr_broker_readings_total{result=\"duplicate\"} " << c.readings_duplicate << "\n"
      << "aggr_broker_readings_total{result=\"stale\"} " << c.readings_stale << "\n"
      << "aggr_broker_readings_total{result=\"refused\"} " << c.readings_refused << "\n"
      << "# HELP aggr_broker_grants_total Grant requests, by outcome.\n# TYPE aggr_broker_grants_total counter\n"
      << "aggr_broker_grants_total{outcome=\"granted\"} " << c.grants << "\n"
      << "aggr_broker_grants_total{outcome=\"refused\"} " << c.refusals << "\n"
      << "# HELP aggr_broker_replays_total Changes repeated with the same idempotency key.\n"
         "# TYPE aggr_broker_replays_total counter\naggr_broker_replays_total "
      << c.replays << "\n"
      << "# HELP aggr_broker_postings_total Ledger postings.\n# TYPE aggr_broker_postings_total counter\n"
         "aggr_broker_postings_total "
      << c.postings << "\n"
      << "# HELP aggr_broker_billed_bytes_total Bytes rated and posted.\n# TYPE aggr_broker_billed_bytes_total counter\n"
         "aggr_broker_billed_bytes_total "
      << c.billed_bytes << "\n";
  std::vector<double> s = c.grant_seconds;
  out << "# HELP aggr_broker_grant_seconds From a grant's request to its router's confirmation, recent grants.\n"
         "# TYPE aggr_broker_grant_seconds summary\n";
  std::sort(s.begin(), s.end());
  for (double q : {0.5, 0.99})
    out << "aggr_broker_grant_seconds{quantile=\"" << q << "\"} "
        << (s.empty() ? 0.0 : s[std::min(s.size() - 1, size_t(q * double(s.size())))]) << "\n";
  double sum = 0;
  for (double x : s) sum += x;
  out << "aggr_broker_grant_seconds_sum " << sum << "\naggr_broker_grant_seconds_count " << s.size() << "\n";
  return out.str();
}

}  // namespace aggr::broker
