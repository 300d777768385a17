#include "controlplane/config_apply.h"

#include <algorithm>


namespace aggr {
namespace {

uint16_t port_id_of(const RouterConfig& c, const std::string& name, const std::vector<uint16_t>& port_ids) {
  return port_ids[size_t(c.port(name) - c.ports.data())];
}

}  // namespace

void configure_tables(const RouterConfig& c, Tables& tables) {
  tables.ttl_model = c.ttl_model;
  for (unsigned k = 0; k < kPuntKinds; ++k) tables.punt.set_rate(PuntKind(k), c.punt_rates[k], rte_get_tsc_hz());
}

PortAttributes port_attributes(const PortConfig& p, const rte_ether_addr& device_mac, unsigned owner_worker) {
  PortAttributes a;
  a.owner_worker = uint16_t(owner_worker);
  a.role = p.role;
  a.classify = p.classify;
  a.mtu = p.mtu;
  a.outer_tpid = p.outer_tpid;
  a.mac = p.mac ? *p.mac : device_mac;
  for (const IpPrefix& gateway : p.gateways) {
    if (gateway.family == 4) {
      a.gateway_ipv4_set = true;
      std::copy(gateway.bytes, gateway.bytes + 4, a.gateway_ipv4);
    } else {
      a.gateway_ipv6_set = true;
      std::copy(gateway.bytes, gateway.bytes + 16, a.gateway_ipv6);
    }
  }
  return a;
}

std::vector<unsigned> port_owner_workers(const RouterConfig& c) {
  std::vector<unsigned> owners;
  for (unsigned lcore : c.port_workers()) {
    auto it = std::find(c.worker_lcores.begin(), c.worker_lcores.end(), lcore);
    owners.push_back(it == c.worker_lcores.end() ? 0 : unsigned(it - c.worker_lcores.begin()));
  }
  return owners;
}

SubscriberSpec subscriber_spec(const SubscriberConfig& s, uint32_t isp_id, uint16_t port_id) {
  SubscriberSpec spec;
  spec.id = s.id;
  spec.isp_id = isp_id;
  spec.port = port_id;
  spec.svlan = s.svlan;
  spec.cvlan = s.cvlan;
  spec.cpe_mac = s.cpe_mac;
  spec.addresses = s.addresses;
  spec.rate_bps[0] = s.rate_bps[0];
  spec.rate_bps[1] = s.rate_bps[1];
  return spec;
}

SubscriberSpec subscriber_spec(const RouterConfig& c, const SubscriberConfig& s,
                               const std::vector<uint16_t>& port_ids) {
  return subscriber_spec(s, c.isp(s.isp)->id, port_id_of(c, s.port, port_ids));
}

}  // namespace aggr
