// From a validated configuration to what the dataplane and the RIB take:
// port attributes, worker assignment, subscriber specs. Installing the
// entries themselves is reconcile_config's (config_diff.h).
#pragma once

#include <string>
#include <vector>

#include "controlplane/config/config.h"
#include "controlplane/rib/rib.h"

namespace aggr {

// The dataplane's view of a configured port; device_mac is used when the
// configuration sets no MAC. owner_worker: index of the worker polling it.
// The tables' settings from the configuration: the TTL model and the punt
// rates (which access ports' answers obey too).
void configure_tables(const RouterConfig& c, Tables& tables);

PortAttributes port_attributes(const PortConfig& port, const rte_ether_addr& device_mac, unsigned owner_worker);

// Index (into worker_lcores) of the worker polling each port.
std::vector<unsigned> port_owner_workers(const RouterConfig& config);

// The RIB's form of a configured subscriber.
SubscriberSpec subscriber_spec(const SubscriberConfig& s, uint32_t isp_id, uint16_t port_id);
SubscriberSpec subscriber_spec(const RouterConfig& config, const SubscriberConfig& s,
                               const std::vector<uint16_t>& port_ids);

}  // namespace aggr
