#include "dataplane/graph.h"

namespace aggr {
namespace {

using N = NodeId;
using D = DropReason;

constexpr N kAccessInputNext[] = {N::kClassify, N::kAnswer};
constexpr D kAccessInputDrops[] = {D::kMultiSegment, D::kTruncated, D::kTooManyVlanTags, D::kNotIp, D::kBadIpHeader};
constexpr N kClassifyNext[] = {N::kPolice};
constexpr D kClassifyDrops[] = {D::kUnknownLine, D::kUnknownSource, D::kSpoofedSource};
constexpr N kPoliceNext[] = {N::kRedirect};
constexpr D kPoliceDrops[] = {D::kMeterUpstream, D::kMeterDownstream};
constexpr N kRedirectNext[] = {N::kFtnPush, N::kAccount};
constexpr D kRedirectDrops[] = {D::kMeterDownstream, D::kContractOverRate, D::kMtuExceeded, D::kNoHeadroom};
constexpr N kFtnPushNext[] = {N::kAccount};
constexpr D kFtnPushDrops[] = {D::kNoFtnEntry, D::kTtlExpired, D::kMtuExceeded, D::kUnresolvedNextHop, D::kNoHeadroom};
constexpr N kMplsInputNext[] = {N::kSubscriberDeliver, N::kLabelSwap, N::kIspOutput, N::kPunt};
constexpr D kMplsInputDrops[] = {D::kMultiSegment, D::kTruncated, D::kNotMpls,        D::kTtlExpired,
                                 D::kReservedLabel, D::kUnknownLabel, D::kLabelStackTooDeep, D::kBadIpHeader};
constexpr N kLabelSwapNext[] = {N::kOutput};
constexpr D kLabelSwapDrops[] = {D::kMtuExceeded, D::kUnresolvedNextHop, D::kNoHeadroom, D::kTtlExpired, D::kBadIpHeader, D::kTruncated};
constexpr N kIspOutputNext[] = {N::kIspAccount};
constexpr D kIspOutputDrops[] = {D::kNoHandoff, D::kMtuExceeded, D::kUnresolvedNextHop, D::kNoHeadroom, D::kTtlExpired};
constexpr N kIspInputNext[] = {N::kLabelPush, N::kPunt};
constexpr D kIspInputDrops[] = {D::kMultiSegment,   D::kTruncated,          D::kTooManyVlanTags,
                                D::kNotIp,          D::kBadIpHeader,        D::kUnknownHandoff,
                                D::kUnknownDestination, D::kNoFtnEntry};
constexpr N kLabelPushNext[] = {N::kIspAccount};
constexpr D kLabelPushDrops[] = {D::kTtlExpired, D::kMtuExceeded, D::kUnresolvedNextHop, D::kNoHeadroom};
constexpr N kSubscriberDeliverNext[] = {N::kMeterTransfer};
constexpr D kSubscriberDeliverDrops[] = {D::kUnknownDestination, D::kTtlExpired, D::kMtuExceeded, D::kNoHeadroom};
constexpr N kMeterTransferNext[] = {N::kPolice, N::kMeterTransferResume};
constexpr D kMeterTransferDrops[] = {D::kMeterTransferFull};
constexpr N kMeterTransferResumeNext[] = {N::kPolice};
constexpr D kMeterTransferResumeDrops[] = {D::kSubscriberGone};
constexpr N kAccountNext[] = {N::kOutput};
constexpr N kIspAccountNext[] = {N::kOutput};
constexpr N kPuntNext[] = {N::kOutput};
constexpr N kAnswerNext[] = {N::kOutput};
constexpr D kAnswerDrops[] = {D::kMultiSegment, D::kTruncated,     D::kTooManyVlanTags, D::kBadIpHeader, D::kPuntPoliced,
                              D::kUnknownLine,  D::kUnknownSource, D::kSpoofedSource,   D::kUnanswered,  D::kNoHeadroom,
                              D::kMtuExceeded};
constexpr D kPuntDrops[] = {D::kPuntPoliced, D::kMirrorFull};
constexpr D kOutputDrops[] = {D::kTxFailed};

constexpr NodeDescriptor kNodes[] = {
    {N::kAccessInput, "access-input", kAccessInputNext, kAccessInputDrops},
    {N::kClassify, "classify", kClassifyNext, kClassifyDrops},
    {N::kPolice, "police", kPoliceNext, kPoliceDrops},
    {N::kRedirect, "redirect", kRedirectNext, kRedirectDrops},
    {N::kFtnPush, "ftn-push", kFtnPushNext, kFtnPushDrops},
    {N::kMplsInput, "mpls-input", kMplsInputNext, kMplsInputDrops},
    {N::kLabelSwap, "label-swap", kLabelSwapNext, kLabelSwapDrops},
    {N::kIspOutput, "isp-output", kIspOutputNext, kIspOutputDrops},
    {N::kIspInput, "isp-input", kIspInputNext, kIspInputDrops},
    {N::kLabelPush, "label-push", kLabelPushNext, kLabelPushDrops},
    {N::kSubscriberDeliver, "subscriber-deliver", kSubscriberDeliverNext, kSubscriberDeliverDrops},
    {N::kMeterTransfer, "meter-transfer", kMeterTransferNext, kMeterTransferDrops},
    {N::kMeterTransferResume, "meter-transfer-resume", kMeterTransferResumeNext, kMeterTransferResumeDrops},
    {N::kAccount, "account", kAccountNext, {}},
    {N::kIspAccount, "isp-account", kIspAccountNext, {}},
    {N::kPunt, "punt", kPuntNext, kPuntDrops},
    {N::kAnswer, "answer", kAnswerNext, kAnswerDrops},
    {N::kOutput, "output", {}, kOutputDrops},
};
static_assert(std::size(kNodes) == size_t(NodeId::kCount));

// Moves the packets of `mask` out of `from` into `to`, keeping the order of
// both: a node's packets whose next nodes differ go on as separate bursts.
// The next-node masks of the packets kept move down with them.
void split_burst(Burst& from, uint32_t mask, Burst& to) {
  unsigned kept = 0;
  uint32_t swap = 0, to_isp = 0, punt = 0;
  to.in_port = from.in_port;
  for (unsigned i = 0; i < from.count; ++i) {
    if (mask >> i & 1) {
      to.packets[to.count] = from.packets[i];
      to.context[to.count++] = from.context[i];
      continue;
    }
    swap |= (from.swap >> i & 1) << kept;
    to_isp |= (from.to_isp >> i & 1) << kept;
    punt |= (from.punt >> i & 1) << kept;
    if (kept != i) {
      from.packets[kept] = from.packets[i];
      from.context[kept] = from.context[i];
    }
    ++kept;
  }
  from.count = uint16_t(kept);
  from.swap = swap;
  from.to_isp = to_isp;
  from.punt = punt;
}

// Frames for the router leave the burst for punt first.
void punt_marked(Burst& burst, const NodeEnv& env, TxBatch& out) {
  Burst punted;
  split_burst(burst, burst.punt, punted);
  punt_node(punted, env, out);
}

void run_upstream(Burst& burst, const NodeEnv& env, TxBatch& out) {
  access_input_node(burst, env);
  if (burst.punt != 0) {
    Burst asked;
    split_burst(burst, burst.punt, asked);
    answer_node(asked, env);
    output_node(asked, env, out);
  }
  classify_node(burst, env);
  police_node(burst, env, Direction::kUpstream);
  redirect_node(burst, env, Direction::kUpstream);
  ftn_push_node(burst, env);
  account_node(burst, env, Direction::kUpstream, out);
}

void run_core(Burst& burst, const NodeEnv& env, TxBatch& out) {
  mpls_input_node(burst, env);
  if (burst.punt != 0) punt_marked(burst, env, out);
  // A transit's or a tailend's bursts go one way whole: no split.
  const uint32_t all = burst.count == kBurstSize ? ~0u : (1u << burst.count) - 1;
  if (burst.swap == all) {
    label_swap_node(burst, env);
    output_node(burst, env, out);
    return;
  }
  if (burst.to_isp == all) {
    isp_output_node(burst, env);
    isp_account_node(burst, env, Direction::kUpstream, out);
    return;
  }
  if (burst.swap != 0) {
    Burst swapped;
    split_burst(burst, burst.swap, swapped);
    label_swap_node(swapped, env);
    output_node(swapped, env, out);
  }
  if (burst.to_isp != 0) {
    Burst popped;
    split_burst(burst, burst.to_isp, popped);
    isp_output_node(popped, env);
    isp_account_node(popped, env, Direction::kUpstream, out);
  }
  subscriber_deliver_node(burst, env);
  meter_transfer_node(burst, env, out);
  police_node(burst, env, Direction::kDownstream);
  redirect_node(burst, env, Direction::kDownstream);
  account_node(burst, env, Direction::kDownstream, out);
}

void run_isp(Burst& burst, const NodeEnv& env, TxBatch& out) {
  isp_input_node(burst, env);
  if (burst.punt != 0) punt_marked(burst, env, out);
  label_push_node(burst, env);
  isp_account_node(burst, env, Direction::kDownstream, out);
}

void drop_all(Burst& burst, const NodeEnv& env, DropReason reason, TxBatch& out) {
  burst.rx_bytes = 0;
  for (unsigned i = 0; i < burst.count; ++i) {
    burst.context[i].drop = reason;
    burst.rx_bytes += burst.packets[i]->pkt_len;
  }
  output_node(burst, env, out);
}

}  // namespace

std::span<const NodeDescriptor> graph_nodes() { return kNodes; }

NodeId entry_node(PortRole kind) {
  switch (kind) {
    case PortRole::kAccess: return NodeId::kAccessInput;
    case PortRole::kIsp: return NodeId::kIspInput;
    case PortRole::kCore:
    case PortRole::kUnused: break;  // an unused port's frames are dropped before any node (process_burst)
  }
  return NodeId::kMplsInput;
}

void process_burst(Burst& burst, const NodeEnv& env, TxBatch& out) {
  // Counted after the graph, whose entry node sums the bytes; the burst's
  // count is kept now, as nodes may take frames out of it.
  uint16_t received = burst.count;
  burst.excess = burst.redirected = 0;
  switch (env.tables.ports[burst.in_port].role) {
    case PortRole::kAccess: run_upstream(burst, env, out); break;
    case PortRole::kCore: run_core(burst, env, out); break;
    case PortRole::kIsp: run_isp(burst, env, out); break;
    case PortRole::kUnused: drop_all(burst, env, DropReason::kNotIp, out); break;
  }
  env.counters.port(burst.in_port).rx.add(received, burst.rx_bytes);
}

void process_transferred_burst(Burst& burst, const NodeEnv& env, TxBatch& out) {
  burst.excess = burst.redirected = 0;
  meter_transfer_resume_node(burst, env);
  police_node(burst, env, Direction::kDownstream);
  redirect_node(burst, env, Direction::kDownstream);
  account_node(burst, env, Direction::kDownstream, out);
}

}  // namespace aggr
