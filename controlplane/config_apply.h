// Installs a validated configuration's ISPs, FTN entries, local labels and
// subscribers through the table rib.
#pragma once

#include <string>
#include <vector>

#include "controlplane/config/config.h"
#include "controlplane/rib/rib.h"

namespace aggr {

// port_ids[i] is the DPDK port id of config.ports[i]. All or nothing: returns
// the failure (empty on success), naming the element that failed.
std::vector<std::string> apply_config(const RouterConfig& config, const std::vector<uint16_t>& port_ids,
                                      Rib& rib);

// The dataplane's view of a configured port; device_mac is used when the
// configuration sets no MAC. owner_worker: index of the worker polling it.
PortAttributes port_attributes(const PortConfig& port, const rte_ether_addr& device_mac, unsigned owner_worker);

// Index (into worker_lcores) of the worker polling each port.
std::vector<unsigned> port_owner_workers(const RouterConfig& config);

// The RIB's form of a configured subscriber.
SubscriberSpec subscriber_spec(const SubscriberConfig& s, uint32_t isp_id, uint16_t port_id);
SubscriberSpec subscriber_spec(const RouterConfig& config, const SubscriberConfig& s,
                               const std::vector<uint16_t>& port_ids);

}  // namespace aggr
