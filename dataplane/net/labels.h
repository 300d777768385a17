// MPLS label values (RFC 3032 section 2.1) and the rules for which of them
// a router may push or bind, kept once for the configuration, the
// management API and the RIB.
#pragma once

#include <cstdint>
#include <vector>

#include "dataplane/net/status.h"

namespace aggr {

namespace label {
constexpr uint32_t kIpv4ExplicitNull = 0;
constexpr uint32_t kRouterAlert = 1;
constexpr uint32_t kIpv6ExplicitNull = 2;
constexpr uint32_t kImplicitNull = 3;  // signalled only (LDP), never on the wire
constexpr uint32_t kFirstUnreserved = 16;
constexpr uint32_t kMax = (1u << 20) - 1;
}  // namespace label

// Label stacks pushed by one NHLFE: 1..kMaxLabelDepth entries.
constexpr unsigned kMaxLabelDepth = 3;

// A stack an NHLFE may push: 1..3 labels, each unreserved or explicit null.
Status check_pushed_labels(const std::vector<uint32_t>& labels);
// What a swap puts in place of a label: a stack it may push, or implicit
// null alone (the next hop asked for penultimate-hop popping), which the
// RIB installs as an NHLFE of no labels.
Status check_swap_labels(const std::vector<uint32_t>& labels);
// The NHLFE labels of a swap's out labels: implicit null is none.
std::vector<uint32_t> swap_nhlfe_labels(const std::vector<uint32_t>& out_labels);
// A label this router may bind in its ILM: unreserved and inside its label
// space (16 .. label_space - 1).
Status check_local_label(uint32_t label, uint32_t label_space);

}  // namespace aggr
