// The end of the paths, in one pass: forwarded packets counted per ISP and
// per subscriber (IP bytes; a tailend's per ISP only, none for a swap), and
// per link-sharing contract for those that crossed a donor's line, and
// queued by out port; dropped ones counted by reason and freed.
#include "dataplane/nodes/output.h"
#include "dataplane/nodes/nodes.h"

namespace aggr {

void account_node(Burst& burst, const NodeEnv& env, Direction dir, TxBatch& out) {
  // In locals, so that the counter stores do not make the compiler reload
  // them packet by packet.
  const unsigned count = burst.count;
  TrafficCounter* const isp_traffic = env.counters.isp_traffic_array(dir);
  TrafficCounter* const subscriber_traffic = env.counters.subscriber_traffic_array(dir);
  for (uint32_t redirected = burst.redirected; redirected; redirected &= redirected - 1) {
    unsigned i = unsigned(__builtin_ctz(redirected));
    const PacketContext& ctx = burst.context[i];
    if (ctx.drop == DropReason::kNone) env.counters.contract_traffic(burst.contract[i], dir).add(ctx.l3_length);
  }
  OutputQueue output(env.counters, out);
  for (unsigned i = 0; i < count; ++i) {
    const PacketContext& ctx = burst.context[i];
    rte_mbuf* m = burst.packets[i];
    if (ctx.drop != DropReason::kNone) {
      output.drop(m, ctx.drop);
      continue;
    }
    isp_traffic[ctx.subscriber->isp].add(ctx.l3_length);
    subscriber_traffic[ctx.handle].add(ctx.l3_length);
    output.send(m, ctx.out_port);
  }
}

void isp_account_node(Burst& burst, const NodeEnv& env, Direction dir, TxBatch& out) {
  const unsigned count = burst.count;
  TrafficCounter* const isp_traffic = env.counters.isp_traffic_array(dir);
  OutputQueue output(env.counters, out);
  for (unsigned i = 0; i < count; ++i) {
    const PacketContext& ctx = burst.context[i];
    rte_mbuf* m = burst.packets[i];
    if (ctx.drop != DropReason::kNone) {
      output.drop(m, ctx.drop);
      continue;
    }
    isp_traffic[ctx.isp].add(ctx.l3_length);
    output.send(m, ctx.out_port);
  }
}

void output_node(Burst& burst, const NodeEnv& env, TxBatch& out) {
  const unsigned count = burst.count;
  OutputQueue output(env.counters, out);
  for (unsigned i = 0; i < count; ++i) {
    const PacketContext& ctx = burst.context[i];
    if (ctx.drop != DropReason::kNone)
      output.drop(burst.packets[i], ctx.drop);
    else
      output.send(burst.packets[i], ctx.out_port);
  }
}

}  // namespace aggr
