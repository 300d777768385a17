// The control plane's state as JSON documents: one function per `aggrctl show`
// view, shared by the management API and DPDK telemetry. Control-plane
// thread only (they read the RIB).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include <nlohmann/json.hpp>

namespace aggr {

class ControlPlane;

nlohmann::json status_view(ControlPlane& control);
nlohmann::json ports_view(ControlPlane& control);
nlohmann::json isps_view(ControlPlane& control);
// Subscribers in configuration order, `limit` of them from `offset`.
nlohmann::json subscribers_view(ControlPlane& control, size_t offset, size_t limit);
std::optional<nlohmann::json> subscriber_view(ControlPlane& control, uint32_t id);
nlohmann::json fec_view(ControlPlane& control);
nlohmann::json ilm_view(ControlPlane& control);
// Every next hop (port and neighbour) some entry goes through, installed or
// waiting behind another source's, with the entries and how many of them
// are installed (each such entry is one NHLFE through the neighbour).
nlohmann::json adjacencies_view(ControlPlane& control);
nlohmann::json counters_view(ControlPlane& control);
nlohmann::json drops_view(ControlPlane& control);
// Link-sharing contracts in force: borrower, donor, rates, lease, and what
// each carried over the donor's line.
nlohmann::json redirects_view(ControlPlane& control);
nlohmann::json workers_view(ControlPlane& control);

}  // namespace aggr
