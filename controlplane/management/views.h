// The router's state as JSON documents: one function per `aggrctl show`
// view, shared by the management API and DPDK telemetry. Control-plane
// thread only (they read the table writer's bookkeeping).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include <nlohmann/json.hpp>

namespace aggr {

class Router;

nlohmann::json status_view(Router& router);
nlohmann::json ports_view(Router& router);
nlohmann::json isps_view(Router& router);
// Subscribers in configuration order, `limit` of them from `offset`.
nlohmann::json subscribers_view(Router& router, size_t offset, size_t limit);
std::optional<nlohmann::json> subscriber_view(Router& router, uint32_t id);
nlohmann::json fec_view(Router& router);
nlohmann::json ilm_view(Router& router);
nlohmann::json counters_view(Router& router);
nlohmann::json drops_view(Router& router);
nlohmann::json workers_view(Router& router);

}  // namespace aggr
