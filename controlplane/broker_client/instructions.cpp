#include "controlplane/broker_client/instructions.h"

#include <algorithm>

namespace aggr::broker_client {
namespace {

using nlohmann::json;

// The subscriber id a broker's line name holds: the router's own id in decimal.
std::optional<uint32_t> subscriber_number(const json& value) {
  if (!value.is_string()) return std::nullopt;
  const std::string text = value.get<std::string>();
  if (text.empty() || text.size() > 10 || text.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  uint64_t n = std::stoull(text);
  if (n == 0 || n > UINT32_MAX) return std::nullopt;
  return uint32_t(n);
}

std::optional<uint64_t> whole_number(const json& value) {
  if (value.is_number_unsigned()) return value.get<uint64_t>();
  if (value.is_number_integer() && value.get<int64_t>() >= 0) return uint64_t(value.get<int64_t>());
  return std::nullopt;
}

}  // namespace

std::optional<uint64_t> contract_number(const std::string& id) {
  if (id.size() < 2 || id.size() > 20 || id[0] != 'c' || id.find_first_not_of("0123456789", 1) != std::string::npos)
    return std::nullopt;
  return std::stoull(id.substr(1));
}

std::string contract_name(uint64_t number) { return "c" + std::to_string(number); }

ParsedInstruction parse_instruction(const json& in, uint64_t system_now_ms, uint64_t steady_now_ms) {
  ParsedInstruction out;
  auto& errors = out.errors;
  if (!in.is_object()) {
    errors.push_back("an instruction must be a JSON object");
    return out;
  }
  RedirectSpec spec;
  auto field = [&](const char* name) -> const json* {
    if (!in.contains(name)) {
      errors.push_back(std::string("no ") + name);
      return nullptr;
    }
    return &in[name];
  };
  if (const json* v = field("contract")) {
    std::optional<uint64_t> n = v->is_string() ? contract_number(v->get<std::string>()) : std::nullopt;
    if (n)
      spec.contract = *n;
    else
      errors.push_back("contract must be \"c<number>\"");
  }
  for (auto [name, out_id] : {std::pair{"borrower", &spec.borrower}, std::pair{"donor", &spec.donor}}) {
    if (const json* v = field(name)) {
      if (std::optional<uint32_t> id = subscriber_number(*v))
        *out_id = *id;
      else
        errors.push_back(std::string(name) + " must be a subscriber id of this router (\"1\" .. \"4294967295\")");
    }
  }
  for (auto [name, out_rate] : {std::pair{"up_bps", &spec.rate_bps[0]}, std::pair{"down_bps", &spec.rate_bps[1]}}) {
    if (const json* v = field(name)) {
      if (std::optional<uint64_t> n = whole_number(*v))
        *out_rate = *n;
      else
        errors.push_back(std::string(name) + " must be a whole number of bits a second");
    }
  }
  if (const json* v = field("epoch")) {
    if (std::optional<uint64_t> n = whole_number(*v))
      spec.epoch = *n;
    else
      errors.push_back("epoch must be a whole number");
  }
  if (const json* v = field("interruptible")) {
    if (v->is_boolean())
      spec.interruptible = v->get<bool>();
    else
      errors.push_back("interruptible must be true or false");
  }
  if (const json* v = field("lease_expires_at_ms")) {
    if (std::optional<uint64_t> at = whole_number(*v)) {
      // Lent as a span from now, so that the two machines' clocks need not agree.
      const uint64_t left = *at > system_now_ms ? std::min<uint64_t>(*at - system_now_ms, 86'400'000) : 0;
      spec.lease_end_ms = steady_now_ms + std::max<uint64_t>(left, 1);
    } else {
      errors.push_back("lease_expires_at_ms must be a whole number");
    }
  }
  if (errors.empty()) out.spec = spec;
  return out;
}

json build_report(const Rib& rib, const CounterSet& counters, const std::string& router, uint64_t line_epoch,
                  uint64_t sequence, uint64_t at_ms) {
  json lines = json::array(), contracts = json::array(), installed = json::array();
  for (const auto& [id, state] : rib.subscribers())
    lines.push_back({{"subscriber", std::to_string(id)},
                     {"epoch", line_epoch},
                     {"down_bytes", counters.subscriber(state.handle, Direction::kDownstream).bytes},
                     {"up_bytes", counters.subscriber(state.handle, Direction::kUpstream).bytes}});
  auto reading = [&](uint64_t contract, const RedirectState& r) {
    contracts.push_back({{"contract", contract_name(contract)},
                         {"epoch", r.counter_epoch},
                         {"sequence", sequence},
                         {"up_bytes", counters.contract(r.slot, Direction::kUpstream).bytes},
                         {"down_bytes", counters.contract(r.slot, Direction::kDownstream).bytes}});
  };
  // The broker's contracts only: an operator's redirect (the API's) is
  // none of its business, nor billed.
  for (const auto& [contract, r] : rib.redirects()) {
    if (r.source != EntrySource::kBroker) continue;
    reading(contract, r);
    installed.push_back({{"contract", contract_name(contract)}, {"epoch", r.spec.epoch}});
  }
  for (const auto& [key, ended] : rib.ended_redirects())
    if (ended.state.source == EntrySource::kBroker) reading(key.first, ended.state);
  return {{"router", router}, {"at_ms", at_ms}, {"lines", lines}, {"contracts", contracts}, {"installed", installed}};
}

}  // namespace aggr::broker_client
