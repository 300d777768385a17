#include "controlplane/exception_path.h"

#include <chrono>
#include <stdexcept>

#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "dataplane/net/mac.h"
#include "controlplane/log.h"
#include "controlplane/netlink/interface_setup.h"
#include "dataplane/port.h"

namespace aggr {
namespace {

constexpr unsigned kBurst = 32;
// With nothing to move the thread sleeps this long: the control plane's
// latency (LDP, ARP), not a worker's.
constexpr auto kIdleSleep = std::chrono::microseconds(200);

// Sends the frames, freeing what the queue did not take; returns how many went.
unsigned send_or_free(uint16_t port, rte_mbuf** frames, unsigned count) {
  unsigned sent = rte_eth_tx_burst(port, 0, frames, uint16_t(count));
  if (sent < count) rte_pktmbuf_free_bulk(frames + sent, count - sent);
  return sent;
}

}  // namespace

void ExceptionPath::add_mirror(uint16_t port, const std::string& port_name, const MirrorConfig& mirror,
                               const rte_ether_addr& mac, uint16_t mtu) {
  const std::string device = "net_tap_mirror" + std::to_string(port);
  const std::string devargs = device + ",iface=" + mirror.interface + ",mac=" + format_mac(mac);
  if (rte_dev_probe(devargs.c_str()) != 0)
    throw std::runtime_error("port " + port_name + ": cannot create its mirror " + mirror.interface +
                             " (net_tap; needs /dev/net/tun and CAP_NET_ADMIN)");
  PortSetup setup{port_name + " mirror", device, 1, 1, 512, 512, mtu};
  OpenedPort tap = open_port(setup, pool_);
  mirrors_.push_back({port, tap.port_id, mirror.interface});
  for (const IpPrefix& address : mirror.addresses)
    if (Status s = add_interface_address(mirror.interface, address); !s.ok())
      throw std::runtime_error("port " + port_name + ": " + s.error);
  if (Status s = set_interface_up(mirror.interface); !s.ok()) throw std::runtime_error("port " + port_name + ": " + s.error);
  log_info("port " + port_name + ": kernel mirror " + mirror.interface + " (DPDK port " + std::to_string(tap.port_id) +
           ")");
}

void ExceptionPath::start() {
  if (mirrors_.empty()) return;
  thread_ = std::thread([this] { run(); });
}

void ExceptionPath::stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

ExceptionPath::~ExceptionPath() {
  stop();
  // Closing a tap's port deletes its kernel interface.
  for (const Mirror& m : mirrors_) close_port(m.tap);
}

bool ExceptionPath::move_frames() {
  bool moved = false;
  rte_mbuf* frames[kBurst];
  for (const Mirror& m : mirrors_) {
    // Punted frames into the kernel.
    unsigned count = rte_ring_sc_dequeue_burst(rings_.to_kernel(m.port), reinterpret_cast<void**>(frames), kBurst,
                                               nullptr);
    if (count > 0) {
      send_or_free(m.tap, frames, count);
      moved = true;
    }
    // The kernel's frames to the port's poller, which sends them out.
    count = rte_eth_rx_burst(m.tap, 0, frames, kBurst);
    if (count > 0) {
      unsigned queued = rte_ring_sp_enqueue_burst(rings_.from_kernel(m.port), reinterpret_cast<void**>(frames),
                                                  count, nullptr);
      if (queued < count) rte_pktmbuf_free_bulk(frames + queued, count - queued);
      moved = true;
    }
  }
  return moved;
}

void ExceptionPath::run() {
  while (!stop_.load(std::memory_order_relaxed))
    if (!move_frames()) std::this_thread::sleep_for(kIdleSleep);
}

}  // namespace aggr
