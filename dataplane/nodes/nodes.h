// The nodes of the forwarding graph, one file each. A node runs over a whole
// burst and skips packets that an earlier node dropped; what it learns names
// each packet's next node (dataplane/graph.h declares, per node, its next
// nodes and its drop reasons). Nodes read tables lock-free and never
// allocate, lock, log or make system calls.
#pragma once

#include <cstdint>

#include "dataplane/counters.h"
#include "dataplane/packet_context.h"
#include "dataplane/tables/tables.h"

namespace aggr {

// Why a packet longer than the NHLFE's max_ip_length is refused: it is too
// long, or the NHLFE has no next hop MAC yet and refuses every packet.
inline DropReason nhlfe_refusal(const Nhlfe& nhlfe) {
  return nhlfe.max_ip_length == 0 ? DropReason::kUnresolvedNextHop : DropReason::kMtuExceeded;
}

struct NodeEnv {
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

// The values (subscriber handles, FEC indices) of each packet's source or
// destination address in `table` (kInvalidHandle: none, or the packet is
// dropped or not in `only`), for the whole burst at once.
void lookup_burst_prefixes(const AddressTable& table, const Burst& burst, AddressRole role, uint32_t* values,
                           uint32_t only = ~0u);

// Access ports (upstream): parse Ethernet, tags and IP; then which subscriber sent it.
void access_input_node(Burst& burst, const NodeEnv& env);
// Access ports with a gateway: marks in burst.punt what is for the router
// (ARP, link-layer multicast, IP to the gateway), for answer_node.
void mark_for_the_router(Burst& burst, const PortAttributes& port);
// Answers subscribers' ARP, neighbour solicitations and echo requests for
// their gateway, back out of the port they came in on.
void answer_node(Burst& burst, const NodeEnv& env);
void classify_node(Burst& burst, const NodeEnv& env);
void ftn_push_node(Burst& burst, const NodeEnv& env);

// Core ports: the label stack against the ILM; sets burst.swap.
void mpls_input_node(Burst& burst, const NodeEnv& env);
// Label swap: packets whose ILM entry swaps (a transit router's traffic),
// or pops where the next hop asked for implicit null (label_count 0).
void label_swap_node(Burst& burst, const NodeEnv& env);
// ISP output: packets whose ILM entry pops to an ISP, to its handoff (tailend upstream).
void isp_output_node(Burst& burst, const NodeEnv& env);
// ISP ports (tailend downstream): parse; the port's ISP; destination -> prefix FEC -> NHLFE.
void isp_input_node(Burst& burst, const NodeEnv& env);
// Pushes the NHLFE ISP input found.
void label_push_node(Burst& burst, const NodeEnv& env);
// Frames for the router: policed by kind, into out.punt for the port's mirror.
void punt_node(Burst& burst, const NodeEnv& env, TxBatch& out);
// Downstream delivery of popped packets to subscribers' lines.
void subscriber_deliver_node(Burst& burst, const NodeEnv& env);
// Takes frames of metered subscribers owned by another worker out of the
// burst, into out.transfer.
void meter_transfer_node(Burst& burst, const NodeEnv& env, TxBatch& out);
// On the owner: restores the context of handed-off frames.
void meter_transfer_resume_node(Burst& burst, const NodeEnv& env);

// Both directions. Polices the packets in burst.metered.
void police_node(Burst& burst, const NodeEnv& env, Direction dir);
// Both directions, after police: link-sharing contracts (burst.excess
// downstream, burst.redirected upstream; see dataplane/nodes/redirect.cpp).
void redirect_node(Burst& burst, const NodeEnv& env, Direction dir);
// Counts forwarded packets (per ISP and subscriber) and queues them in `out`
// by out port; counts dropped ones by reason and frees them.
void account_node(Burst& burst, const NodeEnv& env, Direction dir, TxBatch& out);
// The same with the counters of ISPs only (ctx.isp): a tailend's traffic.
void isp_account_node(Burst& burst, const NodeEnv& env, Direction dir, TxBatch& out);
// The same without the counters of subscribers and ISPs (label swap).
void output_node(Burst& burst, const NodeEnv& env, TxBatch& out);

// Starts loading what the last nodes will update for a classified packet
// (its subscriber's counters and, if metered, meter state), so that at scale
// those misses overlap with the nodes in between. Made once a burst, holding
// the counter array's address (see SubscriberTable::Reader for why).
class SubscriberStatePrefetch {
 public:
  SubscriberStatePrefetch(const NodeEnv& env, Direction dir)
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
