// The exception path (DESIGN.md: "Exception path and next hops"; VPP's
// linux-cp is the model): each mirrored port has a kernel mirror, a DPDK
// net_tap whose interface carries the router's addresses on the port's link
// and the port's MAC. Frames the workers punt for the router go out on the
// tap into the kernel (and to FRR, aggrd's LDP, ping); what the kernel sends
// on the tap goes to the port's poller, which sends it out of the port. One
// thread of its own moves them, between the taps and the rings of
// dataplane/mirror_rings.h; it is never a worker and never blocks one.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include <rte_ether.h>
#include <rte_mempool.h>

#include "controlplane/config/config.h"
#include "dataplane/mirror_rings.h"

namespace aggr {

class ExceptionPath {
 public:
  ExceptionPath(MirrorRings& rings, rte_mempool* pool) : rings_(rings), pool_(pool) {}
  ~ExceptionPath();  // stops the thread, closes the taps
  ExceptionPath(const ExceptionPath&) = delete;
  ExceptionPath& operator=(const ExceptionPath&) = delete;

  // Creates the port's mirror with the port's MAC and MTU, its addresses
  // and its link up; the port's rings must exist. Throws std::runtime_error.
  void add_mirror(uint16_t port, const std::string& port_name, const MirrorConfig& mirror, const rte_ether_addr& mac,
                  uint16_t mtu);
  void start();
  void stop();

 private:
  struct Mirror {
    uint16_t port;
    uint16_t tap;
    std::string interface;
  };
  void run();
  // One pass over every mirror; true if a frame moved.
  bool move_frames();

  MirrorRings& rings_;
  rte_mempool* pool_;
  std::vector<Mirror> mirrors_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
};

}  // namespace aggr
