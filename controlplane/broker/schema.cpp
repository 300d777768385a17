#include "controlplane/broker/schema.h"

namespace aggr::broker {
namespace {

// Amounts are integers in micro-units of the currency; rates in bits per
// second; times in milliseconds since the epoch.
constexpr const char* kTables[] = {
    // A contract's terms and where its state machine is (contract.h).
    R"(CREATE TABLE IF NOT EXISTS contracts (
         id TEXT PRIMARY KEY,
         borrower TEXT NOT NULL,
         donor TEXT NOT NULL,
         router TEXT NOT NULL,
         up_bps BIGINT NOT NULL,
         down_bps BIGINT NOT NULL,
         interruptible BIGINT NOT NULL,
         price_per_gb BIGINT NOT NULL,
         fee_ppm BIGINT NOT NULL,
         state TEXT NOT NULL,
         starts_at BIGINT NOT NULL,
         expires_at BIGINT NOT NULL,
         epoch BIGINT NOT NULL,
         events BIGINT NOT NULL,
         reason TEXT NOT NULL))",
    // Every transition, written in the transaction that makes it.
    R"(CREATE TABLE IF NOT EXISTS contract_events (
         contract TEXT NOT NULL,
         seq BIGINT NOT NULL,
         at BIGINT NOT NULL,
         from_state TEXT NOT NULL,
         to_state TEXT NOT NULL,
         reason TEXT NOT NULL,
         PRIMARY KEY (contract, seq)))",
    // Each reading a router reported, once: cumulative bytes under a
    // contract within one counter epoch. Keyed in the order reports come
    // (a report's readings share its epoch and sequence), so that a report
    // appends to the key's index instead of touching a page of it for
    // every contract.
    R"(CREATE TABLE IF NOT EXISTS readings (
         router TEXT NOT NULL,
         contract TEXT NOT NULL,
         epoch BIGINT NOT NULL,
         sequence BIGINT NOT NULL,
         up_bytes BIGINT NOT NULL,
         down_bytes BIGINT NOT NULL,
         received_at BIGINT NOT NULL,
         PRIMARY KEY (router, epoch, sequence, contract)))",
    // The latest reading of each (router, contract, epoch): what that
    // counter has counted in all.
    R"(CREATE TABLE IF NOT EXISTS meters (
         router TEXT NOT NULL,
         contract TEXT NOT NULL,
         epoch BIGINT NOT NULL,
         sequence BIGINT NOT NULL,
         up_bytes BIGINT NOT NULL,
         down_bytes BIGINT NOT NULL,
         PRIMARY KEY (router, contract, epoch)))",
    // Rating sums a contract's meters over its routers and epochs.
    "CREATE INDEX IF NOT EXISTS meters_by_contract ON meters (contract)",
    // What of each contract has been rated and posted so far.
    R"(CREATE TABLE IF NOT EXISTS billed (
         contract TEXT PRIMARY KEY,
         up_bytes BIGINT NOT NULL,
         down_bytes BIGINT NOT NULL,
         charged BIGINT NOT NULL,
         fee BIGINT NOT NULL,
         postings BIGINT NOT NULL))",
    // The journal: a posting and its entries, which sum to zero.
    R"(CREATE TABLE IF NOT EXISTS postings (
         id TEXT PRIMARY KEY,
         contract TEXT NOT NULL,
         at BIGINT NOT NULL,
         up_bytes BIGINT NOT NULL,
         down_bytes BIGINT NOT NULL))",
    R"(CREATE TABLE IF NOT EXISTS entries (
         posting TEXT NOT NULL,
         account TEXT NOT NULL,
         amount BIGINT NOT NULL,
         at BIGINT NOT NULL,
         PRIMARY KEY (posting, account)))",
    "CREATE INDEX IF NOT EXISTS entries_by_account ON entries (account, at)",
    // The open contracts (not yet final) are looked up at every report and tick.
    "CREATE INDEX IF NOT EXISTS contracts_by_state ON contracts (state)",
    // Requests that changed something, by caller and idempotency key, with
    // the answer they got.
    R"(CREATE TABLE IF NOT EXISTS requests (
         caller TEXT NOT NULL,
         idempotency_key TEXT NOT NULL,
         request TEXT NOT NULL,
         status BIGINT NOT NULL,
         response TEXT NOT NULL,
         at BIGINT NOT NULL,
         PRIMARY KEY (caller, idempotency_key)))",
    // Sequences for identifiers, one row each.
    R"(CREATE TABLE IF NOT EXISTS sequences (
         name TEXT PRIMARY KEY,
         value BIGINT NOT NULL))",
};

}  // namespace

void create_schema(Database& db) {
  db.transaction([](Sql& sql) {
    for (const char* table : kTables) sql.execute(table);
  });
}

}  // namespace aggr::broker
