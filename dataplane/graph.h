// The forwarding graph: which nodes a received burst goes through, chosen
// by the kind of port it arrived on (never by the router's role), and each
// node's next nodes and drop reasons. The worker hands in a burst and gets
// frames grouped by out port, without any ethdev call.
//
//   access port:  access_input -> classify -> police(up) -> ftn_push -> account
//                            \-> answer -> output      (ARP, ND, echo for the subscribers' gateway)
//   core port:    mpls_input -> subscriber_deliver -> meter_transfer -> police(down) -> account
//                           \-> label_swap -> output                 (ILM entries that swap)
//                           \-> isp_output -> isp_account(up)        (ILM entries that pop to an ISP)
//   isp port:     isp_input -> label_push -> isp_account(down)
//                          \-> punt -> (the port's kernel mirror)   (frames for the router)
//   core port:    mpls_input -> punt -> (the port's kernel mirror)    (not MPLS: for the router)
//   transferred:  meter_transfer_resume -> police(down) -> account   (on the meter's owner)
//
// Dropped packets are counted by reason and freed by the last node; frames
// for another worker's meter are left in out.transfer
// (dataplane/meter_transfer_rings.h).
#pragma once

#include "dataplane/nodes/nodes.h"

#include <span>
#include <string_view>

namespace aggr {

enum class NodeId : uint8_t {
  kAccessInput,
  kClassify,
  kPolice,
  kRedirect,
  kFtnPush,
  kMplsInput,
  kLabelSwap,
  kIspOutput,
  kIspInput,
  kLabelPush,
  kSubscriberDeliver,
  kMeterTransfer,
  kMeterTransferResume,
  kAccount,
  kIspAccount,
  kPunt,
  kAnswer,
  kOutput,
  kCount
};

// What a node declares, as VPP's nodes do: where its packets can go next and
// under which reasons it drops them. Shown by tools and held to the code by
// tests (every drop reason is some node's; the graph has no cycle).
struct NodeDescriptor {
  NodeId id;
  std::string_view name;
  std::span<const NodeId> next;
  std::span<const DropReason> drops;
};

// Every node, in NodeId order.
std::span<const NodeDescriptor> graph_nodes();
// The node where packets received on a port of this kind enter.
NodeId entry_node(PortRole kind);


void process_burst(Burst& burst, const NodeEnv& env, TxBatch& out);
// Frames another worker handed to this one (burst.in_port is not used).
void process_transferred_burst(Burst& burst, const NodeEnv& env, TxBatch& out);

}  // namespace aggr
