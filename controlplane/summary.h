// Counter reports read from the per-worker counters: a table for people and
// JSON for scripts and tests.
#pragma once

#include <iosfwd>

#include <vector>

#include "dataplane/counters.h"
#include "controlplane/rib/rib.h"

namespace aggr {

// The ISPs, subscribers and port names come from the RIB; port_ids lists
// the ports to report, in order.
void print_summary(std::ostream& out, const std::vector<uint16_t>& port_ids, const Rib& rib,
                   const CounterSet& counters);
void write_summary_json(std::ostream& out, const std::vector<uint16_t>& port_ids, const Rib& rib,
                        const CounterSet& counters);

}  // namespace aggr
