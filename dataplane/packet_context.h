// What the nodes of the graph learn about each packet of a burst.
// Nodes run one after the other over the whole burst (VPP style); a packet
// whose `drop` is set is skipped by later nodes and freed at the end.
#pragma once

#include <cstdint>

#include <rte_mbuf.h>

#include "dataplane/drop_reason.h"
#include "dataplane/tables/nhlfe_table.h"
#include "dataplane/tables/records.h"

namespace aggr {

constexpr unsigned kBurstSize = 32;

struct PacketContext {
  uint16_t l3_offset;   // IP header offset from the frame start (label swap: what follows the label)
  uint16_t l3_length;   // IP packet length from its header (frame padding excluded; label swap: the rest)
  uint16_t svlan;       // outer tag VLAN id, 0 if absent
  uint16_t cvlan;       // inner tag VLAN id, 0 if absent
  uint8_t ip_version;   // 4 or 6
  uint8_t mpls_ttl;     // MPLS input: TTL of the outermost entry
  DropReason drop;
  uint16_t out_port;
  uint16_t isp;         // ISP index, where a node learns it other than from the subscriber
  uint32_t handle;      // subscriber handle, kInvalidHandle until classified
  uint32_t nhlfe;       // label swap, label push: the NHLFE the lookup found
  const SubscriberRecord* subscriber;

  // The state of a packet no node has looked at. The entry nodes write it
  // once every frame byte they need is read: a store into the burst, which
  // reads through uint8_t pointers may alias, would make the compiler read
  // the frame again.
  void reset() {
    l3_offset = l3_length = svlan = cvlan = 0;
    ip_version = mpls_ttl = 0;
    drop = DropReason::kNone;
    out_port = isp = 0;
    handle = kInvalidHandle;
    nhlfe = kNoNhlfe;
    subscriber = nullptr;
  }
};
static_assert(sizeof(PacketContext) <= 32, "a burst's contexts are read in order; keep two to a cache line");

static_assert(kBurstSize <= 32, "Burst::metered is a 32-bit mask");
struct Burst {
  rte_mbuf* packets[kBurstSize];
  PacketContext context[kBurstSize];
  uint16_t count = 0;
  uint16_t in_port = 0;
  // Frame bytes as received, for the port counter: summed by the graph's
  // entry node, which reads each mbuf's header anyway (a pass of its own
  // over the burst's mbufs cost 5% of the upstream rate).
  uint32_t rx_bytes = 0;
  // Bit i: packet i's subscriber has a meter in the path's direction.
  // Set where the subscriber becomes known (classify, deliver, resumed
  // transfer), so that policing and meter transfer skip unmetered bursts at once.
  uint32_t metered = 0;
  // Bit i: MPLS input found an ILM entry that swaps packet i's label; its
  // next node is label swap, not subscriber delivery.
  uint32_t swap = 0;
  // Bit i: MPLS input found a pop-to-ISP entry for packet i (a tailend's
  // upstream traffic); its next node is ISP output.
  uint32_t to_isp = 0;
  // Bit i: packet i is for the router itself (ARP, ND, ICMP, LDP, ...);
  // its next node is punt, towards the port's kernel mirror.
  uint32_t punt = 0;
  // Bit i: police found packet i over its subscriber's downstream plan, and
  // the subscriber borrows: redirect may send it over a donor's line.
  uint32_t excess = 0;
  // Bit i: packet i travels under link-sharing contract contract[i] (over
  // the donor's line, either way); set by classify upstream, redirect downstream.
  uint32_t redirected = 0;
  uint32_t contract[kBurstSize];
};

// What a burst leaves behind: frames ready to send, grouped by out port, and
// frames to hand to other workers (see dataplane/meter_transfer_rings.h), by worker.
static_assert(kMaxPorts <= 64, "TxBatch::used_ports is a 64-bit mask");
struct TxBatch {
  rte_mbuf* packets[kMaxPorts][kBurstSize];
  uint16_t count[kMaxPorts] = {};
  uint32_t bytes[kMaxPorts] = {};  // frame bytes queued, summed as they are queued
  uint64_t used_ports = 0;  // bit i: port i has frames
  rte_mbuf* transfer[kMaxWorkers][kBurstSize];
  uint16_t transfer_count[kMaxWorkers] = {};
  uint32_t transfer_workers = 0;  // bit w: worker w has frames
  // Frames for the kernel mirror of punt_port (a burst comes in on one port).
  rte_mbuf* punt[kBurstSize];
  uint16_t punt_count = 0;
  uint16_t punt_port = 0;
};

}  // namespace aggr
