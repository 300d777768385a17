#include "dataplane/worker.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "dataplane/graph.h"

namespace aggr {
namespace {

constexpr unsigned kTxRetries = 8;

// Pops the lowest set bit of a mask.
template <typename Mask>
unsigned take_lowest(Mask& mask) {
  unsigned bit = unsigned(__builtin_ctzll(mask));
  mask &= mask - 1;
  return bit;
}

}  // namespace

Worker::Worker(WorkerSetup setup, Tables& tables, WorkerCounters& counters,
               const std::atomic<bool>& stop)
    : setup_(std::move(setup)), tables_(tables), counters_(counters), stop_(stop) {}

int Worker::launch(void* arg) {
  static_cast<Worker*>(arg)->run();
  return 0;
}

void Worker::drop_unsent(rte_mbuf** frames, unsigned sent, unsigned count, DropReason reason) {
  if (sent == count) return;
  counters_.drop(reason).add(count - sent);
  rte_pktmbuf_free_bulk(frames + sent, count - sent);
}

void Worker::transmit(TxBatch& batch) {
  uint16_t queue = uint16_t(setup_.index);
  while (batch.used_ports) {
    uint16_t port = uint16_t(take_lowest(batch.used_ports));
    rte_mbuf** frames = batch.packets[port];
    uint16_t count = batch.count[port];
    uint64_t bytes = batch.bytes[port];
    batch.count[port] = 0;
    batch.bytes[port] = 0;
    uint16_t sent = 0;
    for (unsigned attempt = 0; attempt < kTxRetries && sent < count; ++attempt)
      sent += rte_eth_tx_burst(port, queue, frames + sent, count - sent);
    for (uint16_t i = sent; i < count; ++i) bytes -= frames[i]->pkt_len;  // unsent: still ours
    counters_.port(port).tx.add(sent, bytes);
    drop_unsent(frames, sent, count, DropReason::kTxFailed);
  }
  if (batch.transfer_workers) hand_off(batch);
  if (batch.punt_count) punt(batch);
}

void Worker::punt(TxBatch& batch) {
  unsigned count = batch.punt_count;
  batch.punt_count = 0;
  rte_ring* ring = setup_.mirrors != nullptr ? setup_.mirrors->to_kernel(batch.punt_port) : nullptr;
  unsigned queued = 0;
  if (ring != nullptr)
    queued = rte_ring_sp_enqueue_burst(ring, reinterpret_cast<void**>(batch.punt), count, nullptr);
  drop_unsent(batch.punt, queued, count, DropReason::kMirrorFull);
}

bool Worker::send_from_kernel(uint16_t port, Burst& burst) {
  rte_ring* ring = setup_.mirrors->from_kernel(port);
  if (ring == nullptr) return false;
  unsigned count = rte_ring_sc_dequeue_burst(ring, reinterpret_cast<void**>(burst.packets), kBurstSize, nullptr);
  if (count == 0) return false;
  uint64_t bytes = 0;
  for (unsigned i = 0; i < count; ++i) bytes += burst.packets[i]->pkt_len;
  uint16_t sent = 0;
  for (unsigned attempt = 0; attempt < kTxRetries && sent < count; ++attempt)
    sent += rte_eth_tx_burst(port, uint16_t(setup_.index), burst.packets + sent, uint16_t(count - sent));
  for (unsigned i = sent; i < count; ++i) bytes -= burst.packets[i]->pkt_len;
  counters_.port(port).tx.add(sent, bytes);
  drop_unsent(burst.packets, sent, count, DropReason::kTxFailed);
  return true;
}

void Worker::hand_off(TxBatch& batch) {
  uint16_t self = uint16_t(setup_.index);
  while (batch.transfer_workers) {
    unsigned to = take_lowest(batch.transfer_workers);
    rte_mbuf** frames = batch.transfer[to];
    unsigned count = batch.transfer_count[to];
    batch.transfer_count[to] = 0;
    unsigned queued = 0;
    if (setup_.transfer_rings != nullptr)
      queued = rte_ring_sp_enqueue_burst(setup_.transfer_rings->ring(self, to), reinterpret_cast<void**>(frames), count,
                                         nullptr);
    drop_unsent(frames, queued, count, DropReason::kMeterTransferFull);
  }
}

bool Worker::receive_transfers(Burst& burst, TxBatch& batch, const NodeEnv& env) {
  bool busy = false;
  for (unsigned from = 0; from < setup_.transfer_rings->workers(); ++from) {
    if (from == setup_.index) continue;
    burst.count = uint16_t(rte_ring_sc_dequeue_burst(setup_.transfer_rings->ring(from, setup_.index),
                                                     reinterpret_cast<void**>(burst.packets), kBurstSize, nullptr));
    if (burst.count == 0) continue;
    busy = true;
    process_transferred_burst(burst, env, batch);
    transmit(batch);
  }
  return busy;
}

void Worker::run() {
  Rcu& rcu = tables_.rcu;
  rcu.register_reader(setup_.index);
  Burst burst;
  TxBatch batch;
  unsigned idle = 0;
  // Each loop's TSC doubles as the end of the previous loop, whose cycles go
  // to busy_cycles when it moved packets: one rdtsc per loop, not per packet.
  uint64_t loop_start = rte_rdtsc();
  bool last_busy = false;
  while (!stop_.load(std::memory_order_relaxed)) {
    uint64_t now = rte_rdtsc();
    counters_.cycles.add(now - loop_start);
    if (last_busy) counters_.busy_cycles.add(now - loop_start);
    loop_start = now;
    NodeEnv env{tables_, tables_.meters, counters_, now, uint16_t(setup_.index)};
    bool busy = setup_.transfer_rings != nullptr && receive_transfers(burst, batch, env);
    for (const RxQueue& rxq : setup_.rx) {
      if (setup_.mirrors != nullptr) busy |= send_from_kernel(rxq.port, burst);
      burst.count = rte_eth_rx_burst(rxq.port, rxq.queue, burst.packets, kBurstSize);
      if (burst.count == 0) continue;
      busy = true;
      burst.in_port = rxq.port;
      process_burst(burst, env, batch);
      transmit(batch);
    }
    counters_.loops.add(1);
    last_busy = busy;
    // No table pointer is held past this point.
    rcu.reader_quiescent(setup_.index);
    if (busy) {
      counters_.busy_loops.add(1);
      idle = 0;
    } else if (setup_.idle_sleep_us && ++idle >= setup_.idle_polls) {
      rcu.reader_offline(setup_.index);  // sleeping must not hold up reclamation
      rte_delay_us_sleep(setup_.idle_sleep_us);
      rcu.reader_online(setup_.index);
    }
  }
  rcu.unregister_reader(setup_.index);
}

}  // namespace aggr
