// A link-sharing contract: its terms and its state machine.
//
//   requested -> admitted -> instructed -> active -> renewed -> active ...
//                                           active | renewed -> preempting | expiring -> settling -> closed
//   exits: rejected (not admitted), failed (never confirmed), cancelled (before it was active)
//
// Each state is written, with its event, before the side effect it stands
// for (an instruction sent, a redirect removed), so that a broker restarted
// at any point knows what it may have done and repairs the difference.
// Billing does not follow the states: whatever a router counted under a
// contract, in any state, is rated (ledger.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "controlplane/broker/database.h"

namespace aggr::broker {

enum class ContractState {
  kRequested,
  kAdmitted,
  kInstructed,
  kActive,
  kRenewed,
  kPreempting,
  kExpiring,
  kSettling,
  kClosed,
  kRejected,
  kFailed,
  kCancelled,
};

std::string_view state_name(ContractState state);
std::optional<ContractState> parse_state(std::string_view name);
bool is_final(ContractState state);
// Whether the state machine has the edge from -> to.
bool transition_allowed(ContractState from, ContractState to);
// States in which the router carries the borrower's traffic (a redirect is
// installed, or may be: the instruction is out).
bool redirect_wanted(ContractState state);

struct ContractTerms {
  std::string borrower, donor;  // subscriber identifiers
  std::string router;           // the router that serves both lines
  int64_t up_bps = 0, down_bps = 0;
  bool interruptible = true;
  int64_t price_per_gb = 0;  // micro-units per 10^9 bytes, charged to the borrower
  int64_t fee_ppm = 0;       // the provider's share of it, parts per million
  int64_t starts_at = 0, expires_at = 0;  // ms since the epoch
};

struct Contract {
  std::string id;
  ContractTerms terms;
  ContractState state = ContractState::kRequested;
  int64_t epoch = 0;   // raised with each instruction to the router
  int64_t events = 0;  // transitions so far
  std::string reason;  // why the last transition
};

struct ContractEvent {
  int64_t seq = 0, at = 0;
  ContractState from{}, to{};
  std::string reason;
};

struct ContractError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Persisting contracts; each call runs inside the caller's transaction.
namespace contracts {

// A new contract, requested; its identifier ("c<n>").
Contract create(Sql& sql, const ContractTerms& terms, int64_t now);
std::optional<Contract> find(Sql& sql, std::string_view id);
// Every contract, or those in one state.
std::vector<Contract> list(Sql& sql, std::optional<ContractState> state = std::nullopt);
// The contracts not yet in a final state, by id: what instructions, leases,
// settlement and admission look at, however long the history.
std::vector<Contract> open(Sql& sql);
// How many contracts are in each state (those with none left out).
std::vector<std::pair<ContractState, int64_t>> count_by_state(Sql& sql);
// Contracts of a subscriber, as borrower or donor.
std::vector<Contract> of_subscriber(Sql& sql, std::string_view subscriber);
// Moves a contract along an edge of the state machine and records the
// event; throws ContractError for an edge it does not have.
Contract transition(Sql& sql, std::string_view id, ContractState to, std::string_view reason, int64_t now);
// Admission: the donor and the rates granted, and the state admitted.
Contract admit(Sql& sql, std::string_view id, const std::string& donor, int64_t up_bps, int64_t down_bps,
               std::string_view reason, int64_t now);
// When the contract last changed state or terms (ms).
int64_t last_event_at(Sql& sql, std::string_view id);
// A renewal's new expiry, or a shrunk rate: written with its event.
Contract amend(Sql& sql, std::string_view id, int64_t expires_at, int64_t up_bps, int64_t down_bps,
               std::string_view reason, int64_t now);
// The next instruction epoch for the router.
int64_t next_epoch(Sql& sql, std::string_view id);
std::vector<ContractEvent> events(Sql& sql, std::string_view id);

}  // namespace contracts
}  // namespace aggr::broker
