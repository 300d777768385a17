#include "dataplane/pipeline.h"

namespace aggr {
namespace {

void run_upstream(Burst& burst, const StageEnv& env, TxBatch& out) {
  parse_access_stage(burst);
  classify_stage(burst, env);
  police_stage(burst, env, Direction::kUpstream);
  mpls_push_stage(burst, env);
  account_and_output_stage(burst, env, Direction::kUpstream, out);
}

void run_downstream(Burst& burst, const StageEnv& env, TxBatch& out) {
  mpls_pop_stage(burst, env);
  deliver_stage(burst, env);
  handoff_stage(burst, env, out);
  police_stage(burst, env, Direction::kDownstream);
  account_and_output_stage(burst, env, Direction::kDownstream, out);
}

void drop_all(Burst& burst, const StageEnv& env, DropReason reason, TxBatch& out) {
  burst.rx_bytes = 0;
  for (unsigned i = 0; i < burst.count; ++i) {
    burst.context[i].drop = reason;
    burst.rx_bytes += burst.packets[i]->pkt_len;
  }
  account_and_output_stage(burst, env, Direction::kUpstream, out);
}

}  // namespace

void process_burst(Burst& burst, const StageEnv& env, TxBatch& out) {
  // Counted after the pipeline, whose first stage sums the bytes; the
  // burst's count is kept now, as stages may take frames out of it.
  uint16_t received = burst.count;
  switch (env.tables.ports[burst.in_port].role) {
    case PortRole::kAccess: run_upstream(burst, env, out); break;
    case PortRole::kCore: run_downstream(burst, env, out); break;
    case PortRole::kUnused: drop_all(burst, env, DropReason::kNotIp, out); break;
  }
  env.counters.port(burst.in_port).rx.add(received, burst.rx_bytes);
}

void process_handoff_burst(Burst& burst, const StageEnv& env, TxBatch& out) {
  resume_handoff_stage(burst, env);
  police_stage(burst, env, Direction::kDownstream);
  account_and_output_stage(burst, env, Direction::kDownstream, out);
}

}  // namespace aggr
