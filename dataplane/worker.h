// A worker lcore's poll loop: the only place that calls rx/tx burst.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "dataplane/counters.h"
#include "dataplane/meter_transfer_rings.h"
#include "dataplane/mirror_rings.h"
#include "dataplane/tables/tables.h"

namespace aggr {

struct RxQueue {
  uint16_t port;
  uint16_t queue;
};

struct WorkerSetup {
  unsigned index = 0;           // RCU reader id, counter set, TX queue id
  std::vector<RxQueue> rx;
  unsigned idle_polls = 256;    // empty polls before sleeping
  unsigned idle_sleep_us = 0;   // 0: never sleep (production busy polling)
  MeterTransferRings* transfer_rings = nullptr;  // with several workers: rings to the meter owners
  const MirrorRings* mirrors = nullptr;          // with kernel mirrors: the exception path's rings
};

class Worker {
 public:
  Worker(WorkerSetup setup, Tables& tables, WorkerCounters& counters,
         const std::atomic<bool>& stop);

  // rte_eal_remote_launch entry point; `arg` is a Worker*.
  static int launch(void* arg);
  void run();

 private:
  void transmit(struct TxBatch& batch);
  void hand_off(struct TxBatch& batch);
  // Counts frames [sent, count) under `reason` and frees them.
  void drop_unsent(struct rte_mbuf** frames, unsigned sent, unsigned count, DropReason reason);
  bool receive_transfers(struct Burst& burst, struct TxBatch& batch, const struct NodeEnv& env);
  void punt(struct TxBatch& batch);
  // Sends what the kernel sent on the port's mirror; true if there was any.
  bool send_from_kernel(uint16_t port, struct Burst& burst);

  WorkerSetup setup_;
  Tables& tables_;
  WorkerCounters& counters_;
  const std::atomic<bool>& stop_;
};

}  // namespace aggr
