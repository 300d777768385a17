// Billing: routers' readings in, balanced postings out, each exactly once.
//
// A router reports, per contract, the bytes it has counted in each
// direction since its counter epoch began (a restart begins a new epoch),
// with a sequence number that grows within the epoch. A reading is kept
// once, keyed (router, contract, epoch, sequence): a replay or a duplicate
// adds nothing, an older reading than the latest is stale, and a counter
// that goes backwards within an epoch is refused. What a contract has
// counted in all is the sum, over its routers' epochs, of each epoch's
// latest reading.
//
// Rating posts the difference between what is counted and what was billed,
// as one posting whose entries sum to zero: the borrower charged, the donor
// credited, the provider's fee; the billed totals move in the same
// transaction. Amounts are computed on the running totals (floor of bytes
// times price, then of the charge times the fee), so that postings never
// drift from the totals by rounding.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "controlplane/broker/database.h"

namespace aggr::broker {

struct Reading {
  std::string router, contract;
  int64_t epoch = 0, sequence = 0;
  int64_t up_bytes = 0, down_bytes = 0;  // cumulative within the epoch
};

enum class IngestResult { kAccepted, kDuplicate, kStale };

struct LedgerError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Posting {
  std::string id, contract;
  int64_t at = 0;
  int64_t up_bytes = 0, down_bytes = 0;  // what this posting bills
  int64_t charged = 0, fee = 0;          // the borrower's charge, the provider's part of it
};

struct Entry {
  std::string posting, contract, account;
  int64_t amount = 0, at = 0;
};

// What a contract has counted and what of it was billed.
struct ContractUsage {
  int64_t counted_up = 0, counted_down = 0;
  int64_t billed_up = 0, billed_down = 0;
  int64_t charged = 0, fee = 0;
};

// Accounts: "subscriber:<id>" and "provider".
std::string subscriber_account(const std::string& subscriber);
inline constexpr const char* kProviderAccount = "provider";

namespace ledger {

// Throws LedgerError for a reading that cannot be right: no such contract,
// a router that does not serve it, negative or backwards counters, or the
// same key with other values.
IngestResult ingest(Sql& sql, const Reading& reading, int64_t now);
// Posts what is counted and not yet billed; nothing if there is none.
std::optional<Posting> rate(Sql& sql, const std::string& contract, int64_t now);
ContractUsage usage(Sql& sql, const std::string& contract);
// An account's entries in [from, to), oldest first.
std::vector<Entry> statement(Sql& sql, const std::string& account, int64_t from, int64_t to);
int64_t balance(Sql& sql, const std::string& account);
// The sum of every entry: zero in a ledger that balances.
int64_t total(Sql& sql);
// Postings whose entries do not sum to zero (none in a sound ledger).
std::vector<std::string> unbalanced_postings(Sql& sql);

}  // namespace ledger
}  // namespace aggr::broker
