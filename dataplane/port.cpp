#include "dataplane/port.h"

#include <stdexcept>

#include <rte_ethdev.h>

namespace aggr {
namespace {

[[noreturn]] void fail(const PortSetup& s, const std::string& step, int rc) {
  throw std::runtime_error("port " + s.name + " (" + s.device + "): " + step + ": " +
                           rte_strerror(rc < 0 ? -rc : rc));
}

}  // namespace

bool is_pci_address(const std::string& device) {
  return device.find(':') != std::string::npos && device.find('.') != std::string::npos &&
         device.rfind("net_", 0) != 0 && device.rfind("eth_", 0) != 0;
}

OpenedPort open_port(const PortSetup& s, rte_mempool* pool) {
  uint16_t port_id;
  std::string device_name = s.device.substr(0, s.device.find(','));
  if (rte_eth_dev_get_port_by_name(device_name.c_str(), &port_id) != 0)
    throw std::runtime_error("port " + s.name + ": no DPDK device named '" + device_name + "'");

  rte_eth_dev_info info;
  if (int rc = rte_eth_dev_info_get(port_id, &info); rc != 0) fail(s, "device info", rc);
  if (s.rx_queues > info.max_rx_queues || s.tx_queues > info.max_tx_queues)
    throw std::runtime_error("port " + s.name + ": needs " + std::to_string(s.rx_queues) +
                             " rx and " + std::to_string(s.tx_queues) + " tx queues, device has " +
                             std::to_string(info.max_rx_queues) + " and " +
                             std::to_string(info.max_tx_queues));

  rte_eth_conf conf{};
  if (int rc = rte_eth_dev_configure(port_id, s.rx_queues, s.tx_queues, &conf); rc != 0)
    fail(s, "configure", rc);
  uint16_t rxd = s.rx_descriptors, txd = s.tx_descriptors;
  if (int rc = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &rxd, &txd); rc != 0)
    fail(s, "descriptor counts", rc);
  int socket = rte_eth_dev_socket_id(port_id);
  if (socket < 0) socket = 0;
  for (uint16_t q = 0; q < s.rx_queues; ++q)
    if (int rc = rte_eth_rx_queue_setup(port_id, q, rxd, socket, nullptr, pool); rc != 0)
      fail(s, "rx queue setup", rc);
  for (uint16_t q = 0; q < s.tx_queues; ++q)
    if (int rc = rte_eth_tx_queue_setup(port_id, q, txd, socket, nullptr); rc != 0)
      fail(s, "tx queue setup", rc);
  // Virtual devices may not support an MTU; the dataplane checks it anyway.
  rte_eth_dev_set_mtu(port_id, s.mtu);
  if (int rc = rte_eth_dev_start(port_id); rc != 0) fail(s, "start", rc);
  rte_eth_promiscuous_enable(port_id);

  OpenedPort opened{port_id, {}};
  rte_eth_macaddr_get(port_id, &opened.mac);
  return opened;
}

void close_port(uint16_t port_id) {
  rte_eth_dev_stop(port_id);
  rte_eth_dev_close(port_id);
}

}  // namespace aggr
