// The LDP speaker's state as JSON documents, for `aggrctl show ldp ...`
// and the management API, as informative as FRR's `show mpls ldp ...`.
// None when the configuration has no ldp section. Control-plane thread.
#pragma once

#include <optional>

#include <nlohmann/json.hpp>

namespace aggr {

class ControlPlane;

// Each peer: its session's state, role, uptime, negotiated timers, flaps,
// last error and messages sent and received by type.
std::optional<nlohmann::json> ldp_neighbors_view(ControlPlane& control);
// This router's LDP identity and interfaces, its Hello adjacencies (link
// and targeted, with their hold times) and discovery's counters.
std::optional<nlohmann::json> ldp_discovery_view(ControlPlane& control);
// Each FEC's local label and every peer's label for it (liberal retention),
// with the one in use: its next hop's.
std::optional<nlohmann::json> ldp_bindings_view(ControlPlane& control);
// Each FEC's next hop by routing and what its labels became in the RIB.
std::optional<nlohmann::json> ldp_fec_view(ControlPlane& control);

}  // namespace aggr
