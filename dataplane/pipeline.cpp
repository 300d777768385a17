#include "dataplane/pipeline.h"

namespace aggr {
namespace {

void run_upstream(Burst& burst, const StageEnv& env) {
  parse_access_stage(burst);
  classify_stage(burst, env);
  police_stage(burst, env, Direction::kUpstream);
  mpls_push_stage(burst, env);
  account_stage(burst, env, Direction::kUpstream);
}

void run_downstream(Burst& burst, const StageEnv& env) {
  mpls_pop_stage(burst, env);
  deliver_stage(burst, env);
  police_stage(burst, env, Direction::kDownstream);
  account_stage(burst, env, Direction::kDownstream);
}

void drop_all(Burst& burst, DropReason reason) {
  for (unsigned i = 0; i < burst.count; ++i) burst.context[i].drop = reason;
}

}  // namespace

void process_burst(Burst& burst, const StageEnv& env, TxBatch& out) {
  PortCounters& rx = env.counters.port(burst.in_port);
  for (unsigned i = 0; i < burst.count; ++i) rx.rx.add(burst.packets[i]->pkt_len);

  switch (env.tables.ports[burst.in_port].role) {
    case PortRole::kAccess: run_upstream(burst, env); break;
    case PortRole::kCore: run_downstream(burst, env); break;
    case PortRole::kUnused: drop_all(burst, DropReason::kNotIp); break;
  }

  rte_mbuf* dropped[kBurstSize];
  unsigned dropped_count = 0;
  for (unsigned i = 0; i < burst.count; ++i) {
    const PacketContext& ctx = burst.context[i];
    if (ctx.drop != DropReason::kNone) {
      env.counters.drop(ctx.drop).add(1);
      dropped[dropped_count++] = burst.packets[i];
      continue;
    }
    out.packets[ctx.out_port][out.count[ctx.out_port]++] = burst.packets[i];
    out.used_ports |= 1u << ctx.out_port;
  }
  if (dropped_count) rte_pktmbuf_free_bulk(dropped, dropped_count);
}

}  // namespace aggr
