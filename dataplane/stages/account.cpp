// The end of every pipeline, in one pass: forwarded packets counted per ISP
// and per subscriber (IP bytes) and queued by out port; dropped ones counted
// by reason and freed.
#include "dataplane/stages/stages.h"

namespace aggr {

void account_and_output_stage(Burst& burst, const StageEnv& env, Direction dir, TxBatch& out) {
  // In locals, so that the counter stores do not make the compiler reload
  // them packet by packet.
  const unsigned count = burst.count;
  TrafficCounter* const isp_traffic = env.counters.isp_traffic_array(dir);
  TrafficCounter* const subscriber_traffic = env.counters.subscriber_traffic_array(dir);
  uint64_t used_ports = 0;
  rte_mbuf* dropped[kBurstSize];
  unsigned dropped_count = 0;
  for (unsigned i = 0; i < count; ++i) {
    const PacketContext& ctx = burst.context[i];
    rte_mbuf* m = burst.packets[i];
    if (ctx.drop != DropReason::kNone) {
      env.counters.drop(ctx.drop).add(1);
      dropped[dropped_count++] = m;
      continue;
    }
    isp_traffic[ctx.subscriber->isp].add(ctx.l3_length);
    subscriber_traffic[ctx.handle].add(ctx.l3_length);
    out.packets[ctx.out_port][out.count[ctx.out_port]++] = m;
    out.bytes[ctx.out_port] += m->pkt_len;
    used_ports |= uint64_t(1) << ctx.out_port;
  }
  out.used_ports |= used_ports;
  if (dropped_count) rte_pktmbuf_free_bulk(dropped, dropped_count);
}

}  // namespace aggr
