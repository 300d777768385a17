#include "controlplane/broker/ledger.h"

namespace aggr::broker {
namespace {

std::string describe(const Reading& r) {
  return "reading (router " + r.router + ", contract " + r.contract + ", epoch " + std::to_string(r.epoch) +
         ", sequence " + std::to_string(r.sequence) + ")";
}

// floor(a * b / c) without overflow for a, b < 2^63.
int64_t scaled(int64_t a, int64_t b, int64_t c) {
  return int64_t(static_cast<__int128>(a) * b / c);
}

struct Billed {
  int64_t up = 0, down = 0, charged = 0, fee = 0, postings = 0;
};

Billed billed(Sql& sql, const std::string& contract) {
  const std::vector<Row> rows =
      sql.query("SELECT up_bytes, down_bytes, charged, fee, postings FROM billed WHERE contract = $1", {contract});
  if (rows.empty()) return {};
  const Row& r = rows[0];
  return {r[0].integer(), r[1].integer(), r[2].integer(), r[3].integer(), r[4].integer()};
}

std::pair<int64_t, int64_t> counted(Sql& sql, const std::string& contract) {
  const Row r = sql.query("SELECT COALESCE(SUM(up_bytes), 0), COALESCE(SUM(down_bytes), 0) FROM meters "
                          "WHERE contract = $1",
                          {contract})
                    .at(0);
  return {r[0].integer(), r[1].integer()};
}

}  // namespace

std::string subscriber_account(const std::string& subscriber) { return "subscriber:" + subscriber; }

namespace ledger {

IngestResult ingest(Sql& sql, const Reading& r, int64_t now) {
  if (r.epoch < 0 || r.sequence < 0 || r.up_bytes < 0 || r.down_bytes < 0)
    throw LedgerError(describe(r) + ": epoch, sequence and counts cannot be negative");
  // The contract's router and the epoch's meter in one statement (a
  // reading costs three: this, the reading and the meter's update). The
  // meter holds the epoch's latest reading: the same one again is a
  // duplicate; an older one is looked up among those accepted (a duplicate
  // or, never seen, stale: the latest counts it); only a newer one goes in.
  const std::vector<Row> found = sql.query(
      "SELECT c.router, m.sequence, m.up_bytes, m.down_bytes FROM contracts c LEFT JOIN meters m "
      "ON m.router = $2 AND m.contract = c.id AND m.epoch = $3 WHERE c.id = $1",
      {r.contract, r.router, r.epoch});
  if (found.empty()) throw LedgerError(describe(r) + ": no such contract");
  const Row& row = found[0];
  if (row[0].text() != r.router)
    throw LedgerError(describe(r) + ": the contract is served by router " + row[0].text());
  auto same_counts = [&](int64_t up, int64_t down) {
    if (up != r.up_bytes || down != r.down_bytes) throw LedgerError(describe(r) + ": reported before with other counts");
    return IngestResult::kDuplicate;
  };
  if (!row[1].null()) {
    const int64_t latest = row[1].integer(), latest_up = row[2].integer(), latest_down = row[3].integer();
    if (r.sequence == latest) return same_counts(latest_up, latest_down);
    if (r.sequence < latest) {
      const std::vector<Row> same = sql.query(
          "SELECT up_bytes, down_bytes FROM readings WHERE router = $1 AND contract = $2 AND epoch = $3 AND sequence = $4",
          {r.router, r.contract, r.epoch, r.sequence});
      return same.empty() ? IngestResult::kStale : same_counts(same[0][0].integer(), same[0][1].integer());
    }
    if (r.up_bytes < latest_up || r.down_bytes < latest_down)
      throw LedgerError(describe(r) + ": a counter went backwards within its epoch");
  }
  sql.execute("INSERT INTO readings (router, contract, epoch, sequence, up_bytes, down_bytes, received_at) "
              "VALUES ($1, $2, $3, $4, $5, $6, $7)",
              {r.router, r.contract, r.epoch, r.sequence, r.up_bytes, r.down_bytes, now});
  sql.execute("INSERT INTO meters (router, contract, epoch, sequence, up_bytes, down_bytes) "
              "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (router, contract, epoch) DO UPDATE SET "
              "sequence = excluded.sequence, up_bytes = excluded.up_bytes, down_bytes = excluded.down_bytes",
              {r.router, r.contract, r.epoch, r.sequence, r.up_bytes, r.down_bytes});
  return IngestResult::kAccepted;
}

std::optional<Posting> rate(Sql& sql, const std::string& contract, int64_t now) {
  const std::vector<Row> terms =
      sql.query("SELECT borrower, donor, price_per_gb, fee_ppm FROM contracts WHERE id = $1", {contract});
  if (terms.empty()) throw LedgerError("rating contract " + contract + ": no such contract");
  const std::string borrower = terms[0][0].text(), donor = terms[0][1].text();
  const int64_t price = terms[0][2].integer(), fee_ppm = terms[0][3].integer();

  const auto [up, down] = counted(sql, contract);
  const Billed before = billed(sql, contract);
  if (up == before.up && down == before.down) return std::nullopt;
  if (up < before.up || down < before.down)
    throw LedgerError("rating contract " + contract + ": less is counted than was billed");

  const int64_t charged = scaled(up + down, price, 1'000'000'000);
  const int64_t fee = scaled(charged, fee_ppm, 1'000'000);
  Posting p;
  p.id = contract + ":" + std::to_string(before.postings + 1);
  p.contract = contract;
  p.at = now;
  p.up_bytes = up - before.up;
  p.down_bytes = down - before.down;
  p.charged = charged - before.charged;
  p.fee = fee - before.fee;

  sql.execute("INSERT INTO postings (id, contract, at, up_bytes, down_bytes) VALUES ($1, $2, $3, $4, $5)",
              {p.id, contract, now, p.up_bytes, p.down_bytes});
  const std::pair<std::string, int64_t> entries[] = {
      {subscriber_account(borrower), -p.charged},
      {subscriber_account(donor), p.charged - p.fee},
      {kProviderAccount, p.fee},
  };
  for (const auto& [account, amount] : entries)
    sql.execute("INSERT INTO entries (posting, account, amount, at) VALUES ($1, $2, $3, $4)", {p.id, account, amount, now});
  sql.execute("INSERT INTO billed (contract, up_bytes, down_bytes, charged, fee, postings) VALUES ($1, $2, $3, $4, $5, $6) "
              "ON CONFLICT (contract) DO UPDATE SET up_bytes = excluded.up_bytes, down_bytes = excluded.down_bytes, "
              "charged = excluded.charged, fee = excluded.fee, postings = excluded.postings",
              {contract, up, down, charged, fee, before.postings + 1});
  return p;
}

ContractUsage usage(Sql& sql, const std::string& contract) {
  const auto [up, down] = counted(sql, contract);
  const Billed b = billed(sql, contract);
  return {up, down, b.up, b.down, b.charged, b.fee};
}

std::vector<Entry> statement(Sql& sql, const std::string& account, int64_t from, int64_t to) {
  std::vector<Entry> out;
  for (const Row& r : sql.query("SELECT e.posting, p.contract, e.account, e.amount, e.at FROM entries e "
                                "JOIN postings p ON p.id = e.posting "
                                "WHERE e.account = $1 AND e.at >= $2 AND e.at < $3 ORDER BY e.at, e.posting",
                                {account, from, to}))
    out.push_back({r[0].text(), r[1].text(), r[2].text(), r[3].integer(), r[4].integer()});
  return out;
}

int64_t balance(Sql& sql, const std::string& account) {
  return sql.query("SELECT COALESCE(SUM(amount), 0) FROM entries WHERE account = $1", {account}).at(0).at(0).integer();
}

int64_t total(Sql& sql) { return sql.query("SELECT COALESCE(SUM(amount), 0) FROM entries").at(0).at(0).integer(); }

std::vector<std::string> unbalanced_postings(Sql& sql) {
  std::vector<std::string> out;
  for (const Row& r : sql.query("SELECT posting FROM entries GROUP BY posting HAVING SUM(amount) <> 0 ORDER BY posting"))
    out.push_back(r[0].text());
  return out;
}

}  // namespace ledger
}  // namespace aggr::broker
