#include "controlplane/broker/contract.h"

#include <array>
#include <utility>

namespace aggr::broker {
namespace {

using S = ContractState;

constexpr std::array<std::pair<S, std::string_view>, 12> kNames{{
    {S::kRequested, "requested"},
    {S::kAdmitted, "admitted"},
    {S::kInstructed, "instructed"},
    {S::kActive, "active"},
    {S::kRenewed, "renewed"},
    {S::kPreempting, "preempting"},
    {S::kExpiring, "expiring"},
    {S::kSettling, "settling"},
    {S::kClosed, "closed"},
    {S::kRejected, "rejected"},
    {S::kFailed, "failed"},
    {S::kCancelled, "cancelled"},
}};

constexpr std::array<std::pair<S, S>, 17> kEdges{{
    {S::kRequested, S::kAdmitted},
    {S::kRequested, S::kRejected},
    {S::kRequested, S::kCancelled},
    {S::kAdmitted, S::kInstructed},
    {S::kAdmitted, S::kCancelled},
    {S::kAdmitted, S::kFailed},
    {S::kInstructed, S::kActive},
    {S::kInstructed, S::kFailed},
    {S::kActive, S::kRenewed},
    {S::kActive, S::kPreempting},
    {S::kActive, S::kExpiring},
    {S::kRenewed, S::kActive},
    {S::kRenewed, S::kPreempting},
    {S::kRenewed, S::kExpiring},
    {S::kPreempting, S::kSettling},
    {S::kExpiring, S::kSettling},
    {S::kSettling, S::kClosed},
}};

constexpr const char* kColumns =
    "id, borrower, donor, router, up_bps, down_bps, interruptible, price_per_gb, fee_ppm, state, starts_at, "
    "expires_at, epoch, events, reason";

Contract from_row(const Row& r) {
  Contract c;
  c.id = r[0].text();
  c.terms.borrower = r[1].text();
  c.terms.donor = r[2].text();
  c.terms.router = r[3].text();
  c.terms.up_bps = r[4].integer();
  c.terms.down_bps = r[5].integer();
  c.terms.interruptible = r[6].integer() != 0;
  c.terms.price_per_gb = r[7].integer();
  c.terms.fee_ppm = r[8].integer();
  const std::optional<ContractState> state = parse_state(r[9].text());
  if (!state) throw DatabaseError("contract " + c.id + ": unknown state '" + r[9].text() + "'");
  c.state = *state;
  c.terms.starts_at = r[10].integer();
  c.terms.expires_at = r[11].integer();
  c.epoch = r[12].integer();
  c.events = r[13].integer();
  c.reason = r[14].text();
  return c;
}

void record_event(Sql& sql, const Contract& c, ContractState from, std::string_view reason, int64_t now) {
  sql.execute("INSERT INTO contract_events (contract, seq, at, from_state, to_state, reason) VALUES ($1, $2, $3, $4, $5, $6)",
              {c.id, c.events, now, std::string(state_name(from)), std::string(state_name(c.state)), std::string(reason)});
}

int64_t next_in_sequence(Sql& sql, const char* name) {
  sql.execute("INSERT INTO sequences (name, value) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING", {name});
  sql.execute("UPDATE sequences SET value = value + 1 WHERE name = $1", {name});
  return sql.query("SELECT value FROM sequences WHERE name = $1", {name}).at(0).at(0).integer();
}

Contract require(Sql& sql, std::string_view id) {
  std::optional<Contract> c = contracts::find(sql, id);
  if (!c) throw ContractError("no contract " + std::string(id));
  return *c;
}

}  // namespace

std::string_view state_name(ContractState state) {
  for (const auto& [s, name] : kNames)
    if (s == state) return name;
  return "unknown";
}

std::optional<ContractState> parse_state(std::string_view name) {
  for (const auto& [s, n] : kNames)
    if (n == name) return s;
  return std::nullopt;
}

bool is_final(ContractState state) {
  return state == S::kClosed || state == S::kRejected || state == S::kFailed || state == S::kCancelled;
}

bool transition_allowed(ContractState from, ContractState to) {
  for (const auto& [a, b] : kEdges)
    if (a == from && b == to) return true;
  return false;
}

bool redirect_wanted(ContractState state) {
  return state == S::kInstructed || state == S::kActive || state == S::kRenewed || state == S::kPreempting ||
         state == S::kExpiring;
}

namespace contracts {

Contract create(Sql& sql, const ContractTerms& t, int64_t now) {
  Contract c;
  c.id = "c" + std::to_string(next_in_sequence(sql, "contract"));
  c.terms = t;
  c.state = S::kRequested;
  c.events = 1;
  c.reason = "requested";
  sql.execute(std::string("INSERT INTO contracts (") + kColumns +
                  ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
              {c.id, t.borrower, t.donor, t.router, t.up_bps, t.down_bps, t.interruptible, t.price_per_gb, t.fee_ppm,
               std::string(state_name(c.state)), t.starts_at, t.expires_at, c.epoch, c.events, c.reason});
  record_event(sql, c, c.state, c.reason, now);
  return c;
}

std::optional<Contract> find(Sql& sql, std::string_view id) {
  const std::vector<Row> rows =
      sql.query(std::string("SELECT ") + kColumns + " FROM contracts WHERE id = $1", {std::string(id)});
  if (rows.empty()) return std::nullopt;
  return from_row(rows[0]);
}

std::vector<Contract> list(Sql& sql, std::optional<ContractState> state) {
  const std::vector<Row> rows =
      state ? sql.query(std::string("SELECT ") + kColumns + " FROM contracts WHERE state = $1 ORDER BY id",
                        {std::string(state_name(*state))})
            : sql.query(std::string("SELECT ") + kColumns + " FROM contracts ORDER BY id");
  std::vector<Contract> out;
  for (const Row& r : rows) out.push_back(from_row(r));
  return out;
}

std::vector<Contract> open(Sql& sql) {
  // The states spelled out (not "NOT IN" the final ones): the index on
  // state serves the lookup.
  static const std::string query = [] {
    std::string in;
    for (int s = 0; s <= int(S::kCancelled); ++s)
      if (!is_final(ContractState(s))) in += std::string(in.empty() ? "'" : ", '") + std::string(state_name(ContractState(s))) + "'";
    return std::string("SELECT ") + kColumns + " FROM contracts WHERE state IN (" + in + ") ORDER BY id";
  }();
  std::vector<Contract> out;
  for (const Row& r : sql.query(query)) out.push_back(from_row(r));
  return out;
}

std::vector<std::pair<ContractState, int64_t>> count_by_state(Sql& sql) {
  std::vector<std::pair<ContractState, int64_t>> out;
  for (const Row& r : sql.query("SELECT state, COUNT(*) FROM contracts GROUP BY state ORDER BY state"))
    if (std::optional<ContractState> s = parse_state(r[0].text())) out.emplace_back(*s, r[1].integer());
  return out;
}

std::vector<Contract> of_subscriber(Sql& sql, std::string_view subscriber) {
  std::vector<Contract> out;
  for (const Row& r : sql.query(std::string("SELECT ") + kColumns +
                                    " FROM contracts WHERE borrower = $1 OR donor = $1 ORDER BY id",
                                {std::string(subscriber)}))
    out.push_back(from_row(r));
  return out;
}

Contract transition(Sql& sql, std::string_view id, ContractState to, std::string_view reason, int64_t now) {
  Contract c = require(sql, id);
  const ContractState from = c.state;
  if (!transition_allowed(from, to))
    throw ContractError("contract " + c.id + ": no transition from " + std::string(state_name(from)) + " to " +
                        std::string(state_name(to)));
  c.state = to;
  c.reason = std::string(reason);
  ++c.events;
  sql.execute("UPDATE contracts SET state = $2, events = $3, reason = $4 WHERE id = $1",
              {c.id, std::string(state_name(to)), c.events, c.reason});
  record_event(sql, c, from, reason, now);
  return c;
}

Contract amend(Sql& sql, std::string_view id, int64_t expires_at, int64_t up_bps, int64_t down_bps,
               std::string_view reason, int64_t now) {
  Contract c = require(sql, id);
  if (is_final(c.state)) throw ContractError("contract " + c.id + " is " + std::string(state_name(c.state)));
  c.terms.expires_at = expires_at;
  c.terms.up_bps = up_bps;
  c.terms.down_bps = down_bps;
  c.reason = std::string(reason);
  ++c.events;
  sql.execute("UPDATE contracts SET expires_at = $2, up_bps = $3, down_bps = $4, events = $5, reason = $6 WHERE id = $1",
              {c.id, expires_at, up_bps, down_bps, c.events, c.reason});
  record_event(sql, c, c.state, reason, now);
  return c;
}

Contract admit(Sql& sql, std::string_view id, const std::string& donor, int64_t up_bps, int64_t down_bps,
               std::string_view reason, int64_t now) {
  sql.execute("UPDATE contracts SET donor = $2, up_bps = $3, down_bps = $4 WHERE id = $1 AND state = 'requested'",
              {std::string(id), donor, up_bps, down_bps});
  return transition(sql, id, S::kAdmitted, reason, now);
}

int64_t last_event_at(Sql& sql, std::string_view id) {
  return sql.query("SELECT COALESCE(MAX(at), 0) FROM contract_events WHERE contract = $1", {std::string(id)})
      .at(0)
      .at(0)
      .integer();
}

int64_t next_epoch(Sql& sql, std::string_view id) {
  Contract c = require(sql, id);
  sql.execute("UPDATE contracts SET epoch = $2 WHERE id = $1", {c.id, c.epoch + 1});
  return c.epoch + 1;
}

std::vector<ContractEvent> events(Sql& sql, std::string_view id) {
  std::vector<ContractEvent> out;
  for (const Row& r : sql.query("SELECT seq, at, from_state, to_state, reason FROM contract_events WHERE contract = $1 "
                                "ORDER BY seq",
                                {std::string(id)}))
    out.push_back({r[0].integer(), r[1].integer(), *parse_state(r[2].text()), *parse_state(r[3].text()), r[4].text()});
  return out;
}

}  // namespace contracts
}  // namespace aggr::broker
