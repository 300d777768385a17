// Handing downstream frames to the worker that owns the subscriber's meter.
//
// A subscriber's meter state has a single writer: the worker that polls the
// subscriber's access port (its upstream frames arrive there, and it owns the
// downstream state too). Downstream frames arrive on core ports, at whichever
// worker polls them. A worker that delivers a frame for a metered subscriber
// it does not own passes the finished frame, with what the owner needs in an
// mbuf dynamic field, over a single-producer single-consumer ring to the
// owner, which polices, counts and sends it. Each pair of workers has its own
// ring, so frames of one flow stay in order and no ring has two writers.
// Unmetered subscribers' frames are never handed off.
#pragma once

#include <cstdint>
#include <vector>

#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_ring.h>

namespace aggr {

struct TransferMeta {
  uint32_t handle;         // subscriber handle at delivery
  uint32_t subscriber_id;  // to detect a handle reused while in flight
  uint16_t l3_length;      // IP bytes, for the counters
  uint16_t out_port;       // the line's access port the frame was built for
};

// Registers the mbuf dynamic field (idempotent). Call after EAL init, before
// any worker runs. Throws std::runtime_error on failure.
void register_transfer_field();

namespace detail {
extern int transfer_field_offset;
}

inline TransferMeta& transfer_meta(rte_mbuf* m) {
  return *RTE_MBUF_DYNFIELD(m, detail::transfer_field_offset, TransferMeta*);
}

// One SP/SC ring per ordered pair of workers.
class MeterTransferRings {
 public:
  // Throws std::runtime_error when a ring cannot be created.
  MeterTransferRings(unsigned workers, unsigned ring_size);
  ~MeterTransferRings();
  MeterTransferRings(const MeterTransferRings&) = delete;
  MeterTransferRings& operator=(const MeterTransferRings&) = delete;

  unsigned workers() const { return workers_; }
  rte_ring* ring(unsigned from, unsigned to) const { return rings_[from * workers_ + to]; }

 private:
  void release();  // frees queued frames and the rings

  unsigned workers_;
  std::vector<rte_ring*> rings_;  // [from * workers + to]; null on the diagonal
};

}  // namespace aggr
