// The end of every pipeline, in one pass: forwarded packets counted per ISP
// and per subscriber (IP bytes) and queued by out port; dropped ones counted
// by reason and freed.
#include "dataplane/stages/stages.h"

namespace aggr {

void account_and_output_stage(Burst& burst, const StageEnv& env, Direction dir, TxBatch& out) {
  rte_mbuf* dropped[kBurstSize];
  unsigned dropped_count = 0;
  for (unsigned i = 0; i < burst.count; ++i) {
    const PacketContext& ctx = burst.context[i];
    if (ctx.drop != DropReason::kNone) {
      env.counters.drop(ctx.drop).add(1);
      dropped[dropped_count++] = burst.packets[i];
      continue;
    }
    env.counters.isp(ctx.subscriber->isp, dir).add(ctx.l3_length);
    env.counters.subscriber_traffic(ctx.handle, dir).add(ctx.l3_length);
    out.packets[ctx.out_port][out.count[ctx.out_port]++] = burst.packets[i];
    out.bytes[ctx.out_port] += burst.packets[i]->pkt_len;
    out.used_ports |= uint64_t(1) << ctx.out_port;
  }
  if (dropped_count) rte_pktmbuf_free_bulk(dropped, dropped_count);
}

}  // namespace aggr
