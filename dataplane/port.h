// Ethernet device bring-up. One RX queue per worker polling the port, one TX
// queue per worker (every worker may send on every port).
#pragma once

#include <cstdint>
#include <string>

#include <rte_ether.h>
#include <rte_mempool.h>

namespace aggr {

struct PortSetup {
  std::string name;    // operator's name, for messages
  std::string device;  // EAL device name: PCI address or vdev name
  uint16_t rx_queues = 1;
  uint16_t tx_queues = 1;
  uint16_t rx_descriptors = 1024;
  uint16_t tx_descriptors = 1024;
  uint16_t mtu = 1500;
};

struct OpenedPort {
  uint16_t port_id;
  rte_ether_addr mac;
};

// True for a PCI address (dddd:bb:dd.f or bb:dd.f), which EAL takes with -a;
// anything else is a vdev string for --vdev.
bool is_pci_address(const std::string& device);

// Throws std::runtime_error naming the port and the failing step.
OpenedPort open_port(const PortSetup& setup, rte_mempool* pool);
void close_port(uint16_t port_id);

}  // namespace aggr
