#include "controlplane/cpe/route_plan.h"

#include <algorithm>

namespace aggr::cpe {

using nlohmann::json;

namespace {

// A count read from JSON: text gives unsigned numbers, but a caller building
// the document in code may hold a non-negative signed one.
bool is_count(const json& j) { return j.is_number_unsigned() || (j.is_number_integer() && j.get<int64_t>() >= 0); }

}  // namespace

bool parse_device_instructions(const json& list, std::vector<DeviceContract>* out, std::vector<std::string>* errors) {
  const size_t before = errors->size();
  if (!list.is_array()) {
    errors->push_back("the instructions are not a list");
    return false;
  }
  std::vector<DeviceContract> parsed;
  for (const json& i : list) {
    DeviceContract c;
    const bool shaped = i.is_object() && i.value("contract", json()).is_string() && i.value("peer", json()).is_string() &&
                        i.value("role", json()).is_string() && is_count(i.value("epoch", json())) &&
                        is_count(i.value("down_bps", json())) && is_count(i.value("up_bps", json())) &&
                        i.value("interruptible", json()).is_boolean() && i.value("expires_at_ms", json()).is_number_integer() &&
                        i.value("lease_expires_at_ms", json()).is_number_integer();
    if (!shaped) {
      errors->push_back("an instruction lacks a field or has one of the wrong type: " + i.dump());
      continue;
    }
    const std::string role = i["role"];
    if (role != "borrower" && role != "donor") {
      errors->push_back("instruction " + i["contract"].get<std::string>() + ": no role '" + role + "'");
      continue;
    }
    c.id = i["contract"];
    c.epoch = i["epoch"];
    c.borrower = role == "borrower";
    c.peer = i["peer"];
    c.down_bps = i["down_bps"];
    c.up_bps = i["up_bps"];
    c.interruptible = i["interruptible"];
    c.expires_at_ms = i["expires_at_ms"];
    c.lease_expires_at_ms = i["lease_expires_at_ms"];
    parsed.push_back(std::move(c));
  }
  if (errors->size() != before) return false;
  *out = std::move(parsed);
  return true;
}

namespace {

// Linux takes weights from 1 to 256: the largest rate gets 256, the rest in proportion.
std::vector<unsigned> weights(const std::vector<uint64_t>& rates) {
  const uint64_t top = *std::max_element(rates.begin(), rates.end());
  std::vector<unsigned> out;
  for (uint64_t r : rates) out.push_back(top == 0 ? 1 : std::max<unsigned>(1, unsigned((r * 256 + top / 2) / top)));
  return out;
}

}  // namespace

RoutePlan plan_routes(const CpeConfig& config, const std::vector<DeviceContract>& contracts) {
  RoutePlan plan;
  std::vector<RouteNextHop> hops = {{config.wan_gateway, config.wan_interface, 1}};
  std::vector<uint64_t> rates = {config.up_bps};
  for (const DeviceContract& c : contracts) {
    const ThirdLinkConfig* link = config.third_link_to(c.peer);
    if (link == nullptr) {
      plan.problems.push_back("contract " + c.id + ": no third link to " + c.peer);
      continue;
    }
    if (link->address) plan.links_up.insert(link->interface);
    if (!c.borrower) {
      for (const IpPrefix& p : link->peer_prefixes) plan.carried[p] = {link->peer_address, link->interface, 1};
    } else if (c.up_bps > 0) {
      // A contract for downstream only leaves the upstream on the own line.
      hops.push_back({link->peer_address, link->interface, 1});
      rates.push_back(c.up_bps);
    }
  }
  const std::vector<unsigned> w = weights(rates);
  for (size_t i = 0; i < hops.size(); ++i) hops[i].weight = hops.size() == 1 ? 1 : w[i];
  plan.default_route = std::move(hops);
  return plan;
}

}  // namespace aggr::cpe
