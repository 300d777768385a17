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

void run_downstream(Burst& burst, const StageEnv& env, TxBatch& out) {
  mpls_pop_stage(burst, env);
  deliver_stage(burst, env);
  handoff_stage(burst, env, out);
  police_stage(burst, env, Direction::kDownstream);
  account_stage(burst, env, Direction::kDownstream);
}

void drop_all(Burst& burst, DropReason reason) {
  for (unsigned i = 0; i < burst.count; ++i) burst.context[i].drop = reason;
}

// Counts and frees the dropped packets, queues the others by out port.
void finish(Burst& burst, const StageEnv& env, TxBatch& out) {
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
    out.used_ports |= uint64_t(1) << ctx.out_port;
  }
  if (dropped_count) rte_pktmbuf_free_bulk(dropped, dropped_count);
}

}  // namespace

void process_burst(Burst& burst, const StageEnv& env, TxBatch& out) {
  uint64_t bytes = 0;
  for (unsigned i = 0; i < burst.count; ++i) bytes += burst.packets[i]->pkt_len;
  env.counters.port(burst.in_port).rx.add(burst.count, bytes);

  switch (env.tables.ports[burst.in_port].role) {
    case PortRole::kAccess: run_upstream(burst, env); break;
    case PortRole::kCore: run_downstream(burst, env, out); break;
    case PortRole::kUnused: drop_all(burst, DropReason::kNotIp); break;
  }
  finish(burst, env, out);
}

void process_handoff_burst(Burst& burst, const StageEnv& env, TxBatch& out) {
  resume_handoff_stage(burst, env);
  police_stage(burst, env, Direction::kDownstream);
  account_stage(burst, env, Direction::kDownstream);
  finish(burst, env, out);
}

}  // namespace aggr
