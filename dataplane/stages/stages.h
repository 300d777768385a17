// Pipeline stages. Each stage runs over a whole burst and skips packets that
// an earlier stage dropped. Stages read tables lock-free and never allocate,
// lock, log or make system calls.
#pragma once

#include <cstdint>

#include "dataplane/counters.h"
#include "dataplane/packet_context.h"
#include "dataplane/tables/tables.h"

namespace aggr {

struct StageEnv {
  const Tables& tables;
  MeterTable& meters;  // the worker owns the state of the meters it updates
  WorkerCounters& counters;
  uint64_t now_tsc;
  uint16_t worker = 0;  // this worker's index
};

// Which address of each packet lookup_burst_addresses resolves.
enum class AddressRole : uint8_t { kSource, kDestination };
// The subscriber owning each packet's source or destination address
// (kInvalidHandle: none, or the packet is dropped or not in `only`), for the
// whole burst at once; each owner's record is requested, for the caller to
// read with SubscriberTable::record once the burst's are all on their way.
void lookup_burst_addresses(const Tables& tables, const Burst& burst, AddressRole role, uint32_t* handles,
                            uint32_t only = ~0u);

// Upstream (access port -> core).
void parse_access_stage(Burst& burst);
void classify_stage(Burst& burst, const StageEnv& env);
void mpls_push_stage(Burst& burst, const StageEnv& env);

// Core ports: the label stack against the ILM; sets burst.swap.
void mpls_input_stage(Burst& burst, const StageEnv& env);
// Label swap: packets whose ILM entry swaps (a transit router's traffic).
void label_swap_stage(Burst& burst, const StageEnv& env);
// Downstream delivery of popped packets to subscribers' lines.
void deliver_stage(Burst& burst, const StageEnv& env);
// Takes frames of metered subscribers owned by another worker out of the
// burst, into out.handoff.
void handoff_stage(Burst& burst, const StageEnv& env, TxBatch& out);
// On the owner: restores the context of handed-off frames.
void resume_handoff_stage(Burst& burst, const StageEnv& env);

// Both directions. Polices the packets in burst.metered.
void police_stage(Burst& burst, const StageEnv& env, Direction dir);
// Counts forwarded packets (per ISP and subscriber) and queues them in `out`
// by out port; counts dropped ones by reason and frees them.
void account_and_output_stage(Burst& burst, const StageEnv& env, Direction dir, TxBatch& out);
// The same without the counters of subscribers and ISPs (label swap).
void output_stage(Burst& burst, const StageEnv& env, TxBatch& out);

// Starts loading what the last stages will update for a classified packet
// (its subscriber's counters and, if metered, meter state), so that at scale
// those misses overlap with the stages in between. Made once a burst, holding
// the counter array's address (see SubscriberTable::Reader for why).
class SubscriberStatePrefetch {
 public:
  SubscriberStatePrefetch(const StageEnv& env, Direction dir)
      : meters_(env.meters), traffic_(env.counters.subscriber_traffic_array(dir)), dir_(dir) {}
  // Returns whether the subscriber is metered in the direction: bit i of Burst::metered.
  bool operator()(uint32_t handle, const SubscriberRecord& s) const {
    rte_prefetch0(traffic_ + handle);
    if (s.meter_profile[unsigned(dir_)] == kNoMeter) return false;
    meters_.prefetch(handle, dir_);
    return true;
  }

 private:
  const MeterTable& meters_;
  const TrafficCounter* traffic_;
  Direction dir_;
};

// Where the frame an mbuf holds starts.
inline uint8_t* frame_start(rte_mbuf* m) { return rte_pktmbuf_mtod(m, uint8_t*); }

// Makes the mbuf hold exactly the frame [new_start, new_start + length).
inline void set_frame(rte_mbuf* m, uint8_t* new_start, uint32_t length) {
  m->data_off = uint16_t(new_start - static_cast<uint8_t*>(m->buf_addr));
  m->data_len = uint16_t(length);
  m->pkt_len = length;
}

}  // namespace aggr
