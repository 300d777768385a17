// DPDK telemetry commands under /aggr/, so that the stock
// dpdk-telemetry.py shows the router's state beside DPDK's own:
//
//   /aggr/status                  generation, reloads, table sizes
//   /aggr/isps     /aggr/isp,<name>          ISP names; one ISP's labels and counters
//   /aggr/ports    /aggr/port,<name>         port names; one port's state and counters
//   /aggr/subscriber,<id>         one subscriber
//   /aggr/fec      /aggr/ilm      /aggr/drops      /aggr/workers
//
// Telemetry dicts are flat (at most 256 entries, arrays of scalars as the
// only containers), so nested documents appear with '/'-joined keys.
#pragma once

namespace aggr {

class ControlPlane;

// Registers the commands (once per process) and points them at `control`.
void register_telemetry(ControlPlane* control);
// Detaches them: from now on they answer with an error. Waits for a command
// that is running.
void unregister_telemetry();

}  // namespace aggr
