#include "dataplane/mirror_rings.h"

#include <atomic>
#include <stdexcept>
#include <string>

#include <rte_errno.h>
#include <rte_mbuf.h>

namespace aggr {
namespace {

rte_ring* create_ring(const std::string& name, unsigned size) {
  rte_ring* r = rte_ring_create(name.c_str(), size, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
  if (r == nullptr) throw std::runtime_error("cannot create mirror ring " + name + ": " + rte_strerror(rte_errno));
  return r;
}

void drain_and_free(rte_ring* r) {
  if (r == nullptr) return;
  void* frame;
  while (rte_ring_dequeue(r, &frame) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(frame));
  rte_ring_free(r);
}

}  // namespace

void MirrorRings::add_port(uint16_t port) {
  static std::atomic<unsigned> instance{0};
  const std::string id = std::to_string(instance++);
  to_kernel_[port] = create_ring("aggr_mk" + id, ring_size_);
  from_kernel_[port] = create_ring("aggr_mf" + id, ring_size_);
}

MirrorRings::~MirrorRings() {
  for (rte_ring* r : to_kernel_) drain_and_free(r);
  for (rte_ring* r : from_kernel_) drain_and_free(r);
}

}  // namespace aggr
