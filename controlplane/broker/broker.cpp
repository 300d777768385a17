#include "controlplane/broker/broker.h"

#include <algorithm>
#include <chrono>
#include <set>

#include "controlplane/broker/ledger.h"
#include "controlplane/broker/request_fields.h"

namespace aggr::broker {
namespace {

using json = nlohmann::json;
using S = ContractState;

Answer refused(int status, std::vector<std::string> errors) { return {status, json{{"errors", std::move(errors)}}}; }

// A change found wrong halfway: its transaction rolls back, and its answer
// is not kept (the same request would be found wrong again).
struct Refusal {
  Answer answer;
};


// What each donor lends now, by direction: contracts whose redirect is or
// may be in place.
Lent lent_now(Sql& sql) {
  Lent lent;
  for (const Contract& c : contracts::open(sql))
    if (redirect_wanted(c.state)) {
      auto& by_direction = lent[c.terms.donor];
      by_direction[size_t(Direction::kDown)] += uint64_t(c.terms.down_bps);
      by_direction[size_t(Direction::kUp)] += uint64_t(c.terms.up_bps);
    }
  return lent;
}

BrokerConfig indexed(BrokerConfig config) {
  config.build_index();
  return config;
}

}  // namespace

json contract_json(const Contract& c) {
  return {{"id", c.id},
          {"state", state_name(c.state)},
          {"borrower", c.terms.borrower},
          {"donor", c.terms.donor},
          {"router", c.terms.router},
          {"down_bps", c.terms.down_bps},
          {"up_bps", c.terms.up_bps},
          {"interruptible", c.terms.interruptible},
          {"price_per_gb", c.terms.price_per_gb},
          {"fee_ppm", c.terms.fee_ppm},
          {"starts_at_ms", c.terms.starts_at},
          {"expires_at_ms", c.terms.expires_at},
          {"epoch", c.epoch},
          {"reason", c.reason}};
}

Broker::Broker(BrokerConfig config, std::unique_ptr<Database> db)
    : config_(indexed(std::move(config))), db_(std::move(db)), capacity_(config_) {}

bool Broker::may_act_for(const Caller& caller, const std::string& subscriber) const {
  switch (caller.role) {
    case CallerRole::kOperator: return true;
    case CallerRole::kDevice: return caller.subscriber == subscriber;
    case CallerRole::kRouter: {
      const LineConfig* line = config_.line(subscriber);
      return line != nullptr && line->router == caller.router;
    }
  }
  return false;
}

void Broker::instructions_changed() {
  {
    std::lock_guard lock(mutex_);
    ++version_;
  }
  changed_.notify_all();
}

Answer Broker::idempotent(const Caller& caller, const std::string& key, const json& request,
                          const std::function<Answer(Sql&)>& change, int64_t now) {
  if (key.empty() || key.size() > 200)
    return refused(400, {"every change needs an Idempotency-Key header of 1 to 200 characters"});
  const std::string text = request.dump();
  Answer answer;
  try {
    db_->transaction([&](Sql& sql) {
      const std::vector<Row> seen = sql.query(
          "SELECT request, status, response FROM requests WHERE caller = $1 AND idempotency_key = $2", {caller.name, key});
      if (!seen.empty()) {
        answer = seen[0][0].text() == text
                     ? Answer{int(seen[0][1].integer()), json::parse(seen[0][2].text()), true}
                     : refused(422, {"the Idempotency-Key '" + key + "' was used before for another request"});
        return;
      }
      answer = change(sql);
      sql.execute("INSERT INTO requests (caller, idempotency_key, request, status, response, at) "
                  "VALUES ($1, $2, $3, $4, $5, $6)",
                  {caller.name, key, text, answer.status, answer.body.dump(), now});
    });
  } catch (const Refusal& r) {
    return r.answer;
  } catch (const DatabaseError& e) {
    return refused(503, {std::string("storage: ") + e.what()});
  }
  if (answer.replayed) {
    std::lock_guard lock(mutex_);
    ++counters_.replays;
  }
  return answer;
}

// ------------------------------------------------------------------ reports

Answer Broker::report(const Caller& caller, const std::string& key, const json& body, int64_t now) {
  if (caller.role != CallerRole::kRouter) return refused(403, {"only a router reports counters"});
  RequestFields f(body);
  const std::string router = f.text("router");
  const int64_t at_ms = f.integer("at_ms", 0, INT64_MAX);
  struct LineReading {
    std::string subscriber;
    int64_t epoch, down, up;
  };
  std::vector<LineReading> lines;
  std::vector<Reading> readings;
  std::vector<std::pair<std::string, int64_t>> installed;
  for (const json& l : f.list("lines")) {
    RequestFields x(l, "lines[]");
    lines.push_back({x.text("subscriber"), x.integer("epoch", 0, INT64_MAX), x.integer("down_bytes", 0, INT64_MAX),
                     x.integer("up_bytes", 0, INT64_MAX)});
    f.take(x);
  }
  for (const json& c : f.list("contracts")) {
    RequestFields x(c, "contracts[]");
    readings.push_back({router, x.text("contract"), x.integer("epoch", 0, INT64_MAX), x.integer("sequence", 0, INT64_MAX),
                        x.integer("up_bytes", 0, INT64_MAX), x.integer("down_bytes", 0, INT64_MAX)});
    f.take(x);
  }
  for (const json& r : f.list("installed")) {
    RequestFields x(r, "installed[]");
    installed.emplace_back(x.text("contract"), x.integer("epoch", 0, INT64_MAX));
    f.take(x);
  }
  if (!f.ok()) return refused(400, f.errors());
  std::vector<std::string> forbidden;
  if (router != caller.router) forbidden.push_back("caller " + caller.name + " is router " + caller.router + ", not " + router);
  // A router reports all its lines; those outside the sharing scheme (no
  // line here) are left out, those of another router are refused.
  const size_t reported_lines = lines.size();
  std::erase_if(lines, [&](const LineReading& l) { return config_.line(l.subscriber) == nullptr; });
  const size_t ignored_lines = reported_lines - lines.size();
  for (const LineReading& l : lines)
    if (!may_act_for(caller, l.subscriber)) forbidden.push_back("router " + caller.router + " does not serve " + l.subscriber);
  if (!forbidden.empty()) return refused(403, forbidden);

  int accepted = 0, duplicate = 0, stale = 0, postings = 0;
  int64_t billed = 0;
  std::vector<double> confirmed;
  std::vector<std::string> rated, unrated;
  bool changed = false;
  Answer answer = idempotent(caller, key, body, [&](Sql& sql) {
    std::vector<std::string> errors;
    std::vector<std::string> counted;
    for (const Reading& r : readings) {
      try {
        switch (ledger::ingest(sql, r, now)) {
          case IngestResult::kAccepted:
            ++accepted;
            counted.push_back(r.contract);
            break;
          case IngestResult::kDuplicate: ++duplicate; break;
          case IngestResult::kStale: ++stale; break;
        }
      } catch (const LedgerError& e) {
        errors.push_back(e.what());
      }
    }
    if (!errors.empty()) throw Refusal{refused(422, errors)};
    std::sort(counted.begin(), counted.end());
    counted.erase(std::unique(counted.begin(), counted.end()), counted.end());
    // Rated once an interval is over; the others wait for a later report,
    // the tick, or their settlement.
    rated.clear();
    for (const std::string& id : counted) {
      if (!rating_due(id, now)) continue;
      rated.push_back(id);
      if (std::optional<Posting> p = ledger::rate(sql, id, now)) {
        ++postings;
        billed += p->up_bytes + p->down_bytes;
      }
    }
    unrated = counted;
    // What the router has installed confirms instructions; what it no
    // longer has lets ended contracts settle.
    for (const auto& [id, epoch] : installed) {
      std::optional<Contract> c = contracts::find(sql, id);
      if (!c || c->terms.router != router || c->epoch != epoch) continue;
      if (c->state == S::kInstructed || c->state == S::kRenewed) {
        contracts::transition(sql, id, S::kActive, "router " + router + " installed epoch " + std::to_string(epoch), now);
        confirmed.push_back(double(now - contracts::events(sql, id).front().at) / 1000.0);
        changed = true;
      }
    }
    // Only the ending ones (by the index on state), not every open contract:
    // a report's cost stays with its own contracts however many there are.
    std::vector<Contract> ending = contracts::list(sql, S::kExpiring);
    for (Contract& c : contracts::list(sql, S::kPreempting)) ending.push_back(std::move(c));
    for (const Contract& c : ending) {
      if (c.terms.router != router) continue;
      const bool still = std::any_of(installed.begin(), installed.end(), [&](const auto& i) { return i.first == c.id; });
      const bool revoked = c.state == S::kExpiring || now - contracts::last_event_at(sql, c.id) >= config_.sharing.notice_ms;
      if (!still && revoked) {
        settle(sql, c, now);
        changed = true;
      }
    }
    // Instructions come by the long poll only: a report's answer is stored
    // for replays, where leases would be stale.
    return Answer{200, json{{"accepted", accepted}, {"duplicate", duplicate}, {"stale", stale},
                            {"ignored_lines", ignored_lines}}};
  }, now);
  if (answer.status == 200 && !answer.replayed) {
    std::lock_guard lock(mutex_);
    for (const LineReading& l : lines)
      capacity_.observe(l.subscriber, router, l.epoch, at_ms, uint64_t(l.down), uint64_t(l.up));
    counters_.readings_accepted += accepted;
    counters_.readings_duplicate += duplicate;
    counters_.readings_stale += stale;
    counters_.postings += postings;
    counters_.billed_bytes += billed;
    for (double s : confirmed) counters_.grant_seconds.push_back(s);
    for (const std::string& id : unrated) unrated_.insert(id);
    for (const std::string& id : rated) {
      last_rated_[id] = now;
      unrated_.erase(id);
    }
    if (counters_.grant_seconds.size() > 1000)
      counters_.grant_seconds.erase(counters_.grant_seconds.begin(), counters_.grant_seconds.end() - 1000);
  } else if (answer.status == 422) {
    std::lock_guard lock(mutex_);
    counters_.readings_refused += readings.size();
  }
  if (changed) instructions_changed();
  return answer;
}

void Broker::settle(Sql& sql, const Contract& c, int64_t now) {
  contracts::transition(sql, c.id, S::kSettling, "router " + c.terms.router + " removed the redirect", now);
  ledger::rate(sql, c.id, now);
  contracts::transition(sql, c.id, S::kClosed, "settled", now);
}

bool Broker::in_force(Sql& sql, const Contract& c, int64_t now) {
  if (!redirect_wanted(c.state) || c.state == S::kExpiring) return false;
  // A preempted contract is revoked once its notice is over.
  return c.state != S::kPreempting || now - contracts::last_event_at(sql, c.id) < config_.sharing.notice_ms;
}

json Broker::instructions_for(Sql& sql, const std::string& router, int64_t now) {
  json out = json::array();
  for (const Contract& c : contracts::open(sql)) {
    if (c.terms.router != router || !in_force(sql, c, now)) continue;
    out.push_back({{"contract", c.id},
                   {"epoch", c.epoch},
                   {"borrower", c.terms.borrower},
                   {"donor", c.terms.donor},
                   {"down_bps", c.terms.down_bps},
                   {"up_bps", c.terms.up_bps},
                   {"interruptible", c.terms.interruptible},
                   {"lease_expires_at_ms", std::min(now + config_.sharing.lease_ms, c.terms.expires_at)}});
  }
  return out;
}

json Broker::device_instructions_for(Sql& sql, const std::string& subscriber, int64_t now) {
  json out = json::array();
  for (const Contract& c : contracts::of_subscriber(sql, subscriber)) {
    if (!in_force(sql, c, now)) continue;
    const bool borrower = c.terms.borrower == subscriber;
    out.push_back({{"contract", c.id},
                   {"epoch", c.epoch},
                   {"role", borrower ? "borrower" : "donor"},
                   {"peer", borrower ? c.terms.donor : c.terms.borrower},
                   {"down_bps", c.terms.down_bps},
                   {"up_bps", c.terms.up_bps},
                   {"interruptible", c.terms.interruptible},
                   {"expires_at_ms", c.terms.expires_at},
                   {"lease_expires_at_ms", std::min(now + config_.sharing.lease_ms, c.terms.expires_at)}});
  }
  return out;
}

Answer Broker::instructions(const Caller& caller, uint64_t since, int64_t wait_ms) {
  if (caller.role == CallerRole::kOperator) return refused(403, {"only routers and devices take instructions"});
  {
    // A long poll answers within half a lease even when nothing changed:
    // each answer renews the caller's leases, which must never run out
    // while the contract is in force.
    std::unique_lock lock(mutex_);
    const int64_t longest = std::min<int64_t>(30'000, config_.sharing.lease_ms / 2);
    changed_.wait_for(lock, std::chrono::milliseconds(std::clamp<int64_t>(wait_ms, 0, longest)),
                      [&] { return version_ > since; });
  }
  // The leases run from now, after the wait.
  const int64_t at = now_ms();
  json list;
  uint64_t version = 0;
  try {
    db_->transaction([&](Sql& sql) {
      {
        std::lock_guard lock(mutex_);
        version = version_;
      }
      list = caller.role == CallerRole::kRouter ? instructions_for(sql, caller.router, at)
                                                : device_instructions_for(sql, caller.subscriber, at);
    });
  } catch (const DatabaseError& e) {
    return refused(503, {std::string("storage: ") + e.what()});
  }
  return {200, json{{"version", version}, {"instructions", list}}};
}

// ------------------------------------------------------------------- grants

Answer Broker::request_grant(const Caller& caller, const std::string& key, const json& body, int64_t now) {
  RequestFields f(body);
  GrantRequest r;
  r.borrower = f.text("subscriber");
  r.min_bps = uint64_t(f.integer("min_bps", 1, INT64_MAX));
  r.desired_bps = uint64_t(f.integer("desired_bps", 1, INT64_MAX));
  const std::string direction = f.choice("direction", {"down", "up", "both"}, "down");
  r.down = direction != "up";
  r.up = direction != "down";
  r.interruptible = f.boolean("interruptible", true);
  r.duration_ms = f.integer("duration_s", 1, config_.sharing.max_duration_ms / 1000) * 1000;
  r.max_price_per_gb = f.integer("max_price_per_gb", 0, INT64_MAX, -1);
  if (f.ok() && r.min_bps > r.desired_bps) f.error("min_bps is more than desired_bps");
  if (f.ok() && config_.line(r.borrower) == nullptr) f.error("subscriber " + r.borrower + " has no line here");
  if (!f.ok()) return refused(400, f.errors());
  if (!may_act_for(caller, r.borrower) || caller.role == CallerRole::kRouter)
    return refused(403, {"caller " + caller.name + " does not act for " + r.borrower});
  Answer answer = idempotent(caller, key, body, [&](Sql& sql) { return grant(sql, r, now); }, now);
  if (answer.status == 201 && !answer.replayed) instructions_changed();
  return answer;
}

Answer Broker::grant(Sql& sql, const GrantRequest& r, int64_t now) {
  ContractTerms t;
  t.borrower = r.borrower;
  t.router = config_.line(r.borrower)->router;
  t.interruptible = r.interruptible;
  t.price_per_gb = config_.sharing.price_per_gb;
  t.fee_ppm = config_.sharing.fee_ppm;
  t.starts_at = now;
  t.expires_at = now + r.duration_ms;
  // Requested is written before anything is decided.
  Contract c = contracts::create(sql, t, now);
  std::variant<Match, std::string> m;
  {
    std::lock_guard lock(mutex_);
    m = match_donor(config_, capacity_, r, lent_now(sql));
  }
  if (const std::string* why = std::get_if<std::string>(&m)) {
    contracts::transition(sql, c.id, S::kRejected, *why, now);
    std::lock_guard lock(mutex_);
    ++counters_.refusals;
    return Answer{409, json{{"contract", c.id}, {"errors", {*why}}}};
  }
  const Match& match = std::get<Match>(m);
  contracts::admit(sql, c.id, match.donor, int64_t(match.up_bps), int64_t(match.down_bps),
                   "donor " + match.donor + " has the spare", now);
  contracts::next_epoch(sql, c.id);
  c = contracts::transition(sql, c.id, S::kInstructed, "instruction to router " + t.router, now);
  {
    std::lock_guard lock(mutex_);
    ++counters_.grants;
  }
  return Answer{201, contract_json(c)};
}

Answer Broker::renew(const Caller& caller, const std::string& key, const std::string& id, const json& body, int64_t now) {
  RequestFields f(body);
  const int64_t duration_ms = f.integer("duration_s", 1, config_.sharing.max_duration_ms / 1000) * 1000;
  if (!f.ok()) return refused(400, f.errors());
  Answer answer = idempotent(caller, key, json{{"renew", id}, {"body", body}}, [&](Sql& sql) {
    std::optional<Contract> c = contracts::find(sql, id);
    if (!c) return refused(404, {"no contract " + id});
    if (!may_act_for(caller, c->terms.borrower) || caller.role == CallerRole::kRouter)
      return refused(403, {"caller " + caller.name + " does not act for " + c->terms.borrower});
    if (c->state != S::kActive) return refused(409, {"contract " + id + " is " + std::string(state_name(c->state)) + ", not active"});
    contracts::amend(sql, id, now + duration_ms, c->terms.up_bps, c->terms.down_bps, "renewed", now);
    contracts::next_epoch(sql, id);
    return Answer{200, contract_json(contracts::transition(sql, id, S::kRenewed, "renewal sent to router " + c->terms.router, now))};
  }, now);
  if (answer.status == 200 && !answer.replayed) instructions_changed();
  return answer;
}

Answer Broker::cancel(const Caller& caller, const std::string& key, const std::string& id, int64_t now) {
  Answer answer = idempotent(caller, key, json{{"cancel", id}}, [&](Sql& sql) {
    std::optional<Contract> c = contracts::find(sql, id);
    if (!c) return refused(404, {"no contract " + id});
    if (caller.role == CallerRole::kRouter || !may_act_for(caller, c->terms.borrower))
      return refused(403, {"caller " + caller.name + " does not act for " + c->terms.borrower});
    const std::string why = "cancelled by " + caller.name;
    if (c->state == S::kRequested || c->state == S::kAdmitted)
      return Answer{200, contract_json(contracts::transition(sql, id, S::kCancelled, why, now))};
    // An instruction may be out: it ends like an expiry, settling what was counted.
    if (c->state == S::kInstructed) return Answer{200, contract_json(contracts::transition(sql, id, S::kFailed, why, now))};
    if (c->state == S::kActive || c->state == S::kRenewed)
      return Answer{200, contract_json(contracts::transition(sql, id, S::kExpiring, why, now))};
    return refused(409, {"contract " + id + " is " + std::string(state_name(c->state))});
  }, now);
  if (answer.status == 200 && !answer.replayed) instructions_changed();
  return answer;
}

Answer Broker::announce(const Caller& caller, const std::string& key, const std::string& subscriber, const json& body,
                        int64_t now) {
  RequestFields f(body);
  const int64_t down = f.integer("down_sync_bps", 0, INT64_MAX), up = f.integer("up_sync_bps", 0, INT64_MAX);
  // The most the device will lend each way; -1: left out (as the line can spare).
  const int64_t lend_down = f.integer("lend_down_bps", 0, INT64_MAX, -1), lend_up = f.integer("lend_up_bps", 0, INT64_MAX, -1);
  if (!f.ok()) return refused(400, f.errors());
  auto cap = [](int64_t v) { return v < 0 ? std::nullopt : std::optional<uint64_t>(uint64_t(v)); };
  if (config_.line(subscriber) == nullptr) return refused(404, {"subscriber " + subscriber + " has no line here"});
  if (caller.role == CallerRole::kRouter || !may_act_for(caller, subscriber))
    return refused(403, {"caller " + caller.name + " does not act for " + subscriber});
  Answer answer = idempotent(caller, key, json{{"announce", subscriber}, {"body", body}},
                             [&](Sql&) { return Answer{200, json{{"subscriber", subscriber}}}; }, now);
  if (answer.status == 200 && !answer.replayed) {
    std::lock_guard lock(mutex_);
    capacity_.announce(subscriber, uint64_t(down), uint64_t(up), {cap(lend_down), cap(lend_up)});
  }
  return answer;
}

// ---------------------------------------------------------------- lifecycle

bool Broker::rating_due(const std::string& contract, int64_t now) {
  std::lock_guard lock(mutex_);
  auto it = last_rated_.find(contract);
  return it == last_rated_.end() || now - it->second >= config_.sharing.rating_interval_ms;
}

void Broker::rate_due(int64_t now) {
  std::vector<std::string> due;
  {
    std::lock_guard lock(mutex_);
    for (const std::string& id : unrated_) {
      auto it = last_rated_.find(id);
      if (it == last_rated_.end() || now - it->second >= config_.sharing.rating_interval_ms) due.push_back(id);
    }
  }
  if (due.empty()) return;
  int postings = 0;
  int64_t billed = 0;
  try {
    db_->transaction([&](Sql& sql) {
      postings = 0;
      billed = 0;
      for (const std::string& id : due)
        if (std::optional<Posting> p = ledger::rate(sql, id, now)) {
          ++postings;
          billed += p->up_bytes + p->down_bytes;
        }
    });
  } catch (const DatabaseError&) {
    return;  // the next tick tries again
  }
  std::lock_guard lock(mutex_);
  counters_.postings += postings;
  counters_.billed_bytes += billed;
  for (const std::string& id : due) {
    last_rated_[id] = now;
    unrated_.erase(id);
  }
}

namespace {

// Whether what is spare falls short of a contract's rate by enough to
// shrink it: by a twentieth, so that the donor's use wavering by a few
// bits does not amend the contract (a new epoch) at every report.
bool shortfall(int64_t spare, int64_t rate) { return spare < rate - rate / 20; }

}  // namespace

void Broker::tick(int64_t now) {
  rate_due(now);
  bool changed = false;
  std::vector<GrantRequest> offers;
  try {
    db_->transaction([&](Sql& sql) {
      offers.clear();
      std::set<std::string> borrowing;
      for (const Contract& c : contracts::open(sql)) {
        if (!is_final(c.state)) borrowing.insert(c.terms.borrower);
        if (c.state == S::kInstructed && now - contracts::last_event_at(sql, c.id) > config_.sharing.lease_ms) {
          // Never confirmed within a lease: the router reverts by itself.
          contracts::transition(sql, c.id, S::kFailed, "router " + c.terms.router + " did not confirm", now);
          changed = true;
        } else if ((c.state == S::kActive || c.state == S::kRenewed) && now >= c.terms.expires_at) {
          contracts::transition(sql, c.id, S::kExpiring, "expired", now);
          changed = true;
        } else if (c.state == S::kActive && c.terms.interruptible) {
          // The donor's own traffic wins: the contract shrinks to what is
          // spare now, and is preempted when nothing is. A use not known
          // (since a restart) is not taken for a need.
          std::lock_guard lock(mutex_);
          if (!capacity_.measured(c.terms.donor)) continue;
          const auto spare = [&](Direction d) { return int64_t(capacity_.lendable(c.terms.donor, d, true)); };
          const int64_t down = std::min(c.terms.down_bps, spare(Direction::kDown));
          const int64_t up = std::min(c.terms.up_bps, spare(Direction::kUp));
          if ((c.terms.down_bps > 0 && down == 0) || (c.terms.up_bps > 0 && up == 0)) {
            contracts::transition(sql, c.id, S::kPreempting, "the donor needs its line", now);
            changed = true;
          } else if (shortfall(down, c.terms.down_bps) || shortfall(up, c.terms.up_bps)) {
            contracts::amend(sql, c.id, c.terms.expires_at, up, down, "shrunk to the donor's spare", now);
            contracts::next_epoch(sql, c.id);
            changed = true;
          }
        }
      }
      // Saturated lines with no contract as borrower get an offer.
      std::lock_guard lock(mutex_);
      for (const LineConfig& line : config_.lines) {
        if (borrowing.count(line.subscriber)) continue;
        // Once a saturation time at most: an offer no donor could fill
        // is not made again (and recorded as rejected) every tick.
        auto last = last_offer_at_.find(line.subscriber);
        if (last != last_offer_at_.end() && now - last->second < config_.sharing.saturated_for_ms) continue;
        for (Direction d : {Direction::kDown, Direction::kUp})
          if (capacity_.saturated(line.subscriber, d, now)) {
            GrantRequest r;
            r.borrower = line.subscriber;
            const uint64_t plan = d == Direction::kDown ? line.down_bps : line.up_bps;
            r.desired_bps = plan;
            r.min_bps = std::max<uint64_t>(plan / 10, 1);
            r.down = d == Direction::kDown;
            r.up = d == Direction::kUp;
            r.duration_ms = std::min<int64_t>(config_.sharing.max_duration_ms, 600'000);
            offers.push_back(r);
            last_offer_at_[line.subscriber] = now;
            break;
          }
      }
    });
  } catch (const DatabaseError&) {
    return;  // the next tick tries again
  }
  for (const GrantRequest& r : offers) {
    try {
      db_->transaction([&](Sql& sql) {
        if (grant(sql, r, now).status == 201) changed = true;
      });
    } catch (const DatabaseError&) {
    }
  }
  if (changed) instructions_changed();
}

}  // namespace aggr::broker
