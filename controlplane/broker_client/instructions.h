// The broker's messages as the router reads and writes them: instructions
// (the redirects this router is to have) in, usage reports out. Pure
// functions over JSON and the RIB's records, so that they are tested and
// fuzzed without a broker.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "controlplane/rib/rib.h"
#include "dataplane/counters.h"

namespace aggr::broker_client {

// The broker names contracts "c<number>"; the router keys them by the number.
std::optional<uint64_t> contract_number(const std::string& id);
std::string contract_name(uint64_t number);

// One instruction ({contract, epoch, borrower, donor, up_bps, down_bps,
// interruptible, lease_expires_at_ms}) as a redirect, its lease moved onto
// the steady clock; or every reason it is not one.
struct ParsedInstruction {
  std::optional<RedirectSpec> spec;
  std::vector<std::string> errors;
};
ParsedInstruction parse_instruction(const nlohmann::json& instruction, uint64_t system_now_ms,
                                    uint64_t steady_now_ms);

// What a report says: every subscriber's IP bytes (one counter epoch: the
// router's start), each contract's carried bytes (in force or ended and not
// yet reported) under its own counter epoch, and the contracts installed
// with their instruction epochs.
nlohmann::json build_report(const Rib& rib, const CounterSet& counters, const std::string& router,
                            uint64_t line_epoch, uint64_t sequence, uint64_t at_ms);

}  // namespace aggr::broker_client
