// Installing and reloading the configuration file: the RIB's static
// entries become the file's by changing only what differs, all or nothing.
#pragma once

#include <string>
#include <vector>

#include "controlplane/config/config.h"
#include "controlplane/rib/rib.h"

namespace aggr {

// What a reload changed, for the log and the API.
struct ConfigChanges {
  unsigned isps_added = 0, isps_removed = 0, isps_renamed = 0, ftns_changed = 0, handoffs_changed = 0;
  unsigned labels_added = 0, labels_removed = 0, labels_changed = 0, prefix_fecs_changed = 0;
  unsigned subscribers_added = 0, subscribers_removed = 0, subscribers_changed = 0;
  bool empty() const { return *this == ConfigChanges{}; }
  bool operator==(const ConfigChanges&) const = default;
  std::string describe() const;  // "3 subscribers changed, 1 FTN changed" or "no changes"
};

// Differences that only a restart can apply (EAL, ports, workers, limits,
// listening addresses), one message each; empty when a reload can go ahead.
std::vector<std::string> restart_required(const RouterConfig& running, const RouterConfig& next);

// True when the LDP speaker keeps its identity (enabled or not, router id,
// transport address, label range, graceful restart): a reload that changes
// it starts a new speaker, resetting every session.
bool same_ldp_identity(const LdpConfig& a, const LdpConfig& b);

// Makes the RIB's static entries those of `next` (validated; port_ids[i] is
// the DPDK port of next.ports[i]): ISPs with their FTN entries and
// handoffs first, then local labels, then prefix FECs, then subscribers
// (removed, changed, added), then ISPs that are gone. Entries of other sources (API, LDP, broker) stay, except that a
// subscriber the file names is the file's, whoever changed it last. Each
// step is hitless on its own (the RIB's guarantee). If any step fails, the
// steps done so far are undone in reverse order and the failure is
// returned: the RIB is as it was.
Status reconcile_config(const RouterConfig& next, const std::vector<uint16_t>& port_ids, Rib& rib,
                        ConfigChanges* changes = nullptr);

}  // namespace aggr
