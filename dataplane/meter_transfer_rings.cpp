#include "dataplane/meter_transfer_rings.h"

#include <atomic>
#include <cstdio>
#include <stdexcept>
#include <string>

#include <rte_errno.h>

namespace aggr {

namespace detail {
int transfer_field_offset = -1;
}

void register_transfer_field() {
  if (detail::transfer_field_offset >= 0) return;
  rte_mbuf_dynfield field{};
  std::snprintf(field.name, sizeof field.name, "aggr_transfer_meta");
  field.size = sizeof(TransferMeta);
  field.align = alignof(TransferMeta);
  int offset = rte_mbuf_dynfield_register(&field);
  if (offset < 0)
    throw std::runtime_error("cannot register the meter transfer mbuf field: " + std::string(rte_strerror(rte_errno)));
  detail::transfer_field_offset = offset;
}

MeterTransferRings::MeterTransferRings(unsigned workers, unsigned ring_size) : workers_(workers), rings_(workers * workers) {
  static std::atomic<unsigned> instance{0};
  unsigned id = instance++;
  for (unsigned from = 0; from < workers; ++from)
    for (unsigned to = 0; to < workers; ++to) {
      if (from == to) continue;
      std::string name = "aggr_ho" + std::to_string(id) + "_" + std::to_string(from) + "_" + std::to_string(to);
      rte_ring* r = rte_ring_create(name.c_str(), ring_size, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
      if (r == nullptr) {
        release();
        throw std::runtime_error("cannot create meter transfer ring " + name + ": " + rte_strerror(rte_errno));
      }
      rings_[from * workers + to] = r;
    }
}

MeterTransferRings::~MeterTransferRings() { release(); }

void MeterTransferRings::release() {
  for (rte_ring*& r : rings_) {
    if (r == nullptr) continue;
    rte_mbuf* m;
    while (rte_ring_dequeue(r, reinterpret_cast<void**>(&m)) == 0) rte_pktmbuf_free(m);
    rte_ring_free(r);
    r = nullptr;
  }
}

}  // namespace aggr
