// The exception path's queues between the workers and the kernel mirrors
// of their ports: per mirrored port, one ring of frames for the kernel (the
// port's poller enqueues what punt admitted; the exception thread sends it
// to the mirror) and one of frames from it (the exception thread enqueues
// what the kernel sent on the mirror; the poller sends it on its own TX
// queue). Each ring has one producer and one consumer; no lock anywhere.
#pragma once

#include <array>
#include <cstdint>

#include <rte_ring.h>

#include "dataplane/tables/records.h"

namespace aggr {

class MirrorRings {
 public:
  explicit MirrorRings(unsigned ring_size = 1024) : ring_size_(ring_size) {}
  ~MirrorRings();  // frees frames still queued
  MirrorRings(const MirrorRings&) = delete;
  MirrorRings& operator=(const MirrorRings&) = delete;

  // Creates the port's two rings. Throws std::runtime_error.
  void add_port(uint16_t port);
  // nullptr: the port has no mirror.
  rte_ring* to_kernel(uint16_t port) const { return to_kernel_[port]; }
  rte_ring* from_kernel(uint16_t port) const { return from_kernel_[port]; }

 private:
  unsigned ring_size_;
  std::array<rte_ring*, kMaxPorts> to_kernel_{};
  std::array<rte_ring*, kMaxPorts> from_kernel_{};
};

}  // namespace aggr
