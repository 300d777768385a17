// The last step of every path through the graph: a forwarded frame queued
// for its out port, a dropped one counted under its reason and freed with
// the burst's others. Inline, so that the account node can fuse it into its
// own pass over the burst.
#pragma once

#include "dataplane/counters.h"
#include "dataplane/packet_context.h"

namespace aggr {

class OutputQueue {
 public:
  OutputQueue(WorkerCounters& counters, TxBatch& out) : counters_(counters), out_(out) {}
  ~OutputQueue() {
    out_.used_ports |= used_ports_;
    if (dropped_count_) rte_pktmbuf_free_bulk(dropped_, dropped_count_);
  }
  OutputQueue(const OutputQueue&) = delete;
  OutputQueue& operator=(const OutputQueue&) = delete;

  void send(rte_mbuf* m, uint16_t port) {
    out_.packets[port][out_.count[port]++] = m;
    out_.bytes[port] += m->pkt_len;
    used_ports_ |= uint64_t(1) << port;
  }
  void drop(rte_mbuf* m, DropReason reason) {
    counters_.drop(reason).add(1);
    dropped_[dropped_count_++] = m;
  }

 private:
  WorkerCounters& counters_;
  TxBatch& out_;
  uint64_t used_ports_ = 0;
  rte_mbuf* dropped_[kBurstSize];
  unsigned dropped_count_ = 0;
};

}  // namespace aggr
