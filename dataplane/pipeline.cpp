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

// Moves the packets of `mask` out of `from` into `to`, keeping the order of
// both: a node's packets whose next nodes differ go on as separate bursts.
void split_burst(Burst& from, uint32_t mask, Burst& to) {
  unsigned kept = 0;
  to.in_port = from.in_port;
  for (unsigned i = 0; i < from.count; ++i) {
    if (mask >> i & 1) {
      to.packets[to.count] = from.packets[i];
      to.context[to.count++] = from.context[i];
    } else if (kept++ != i) {
      from.packets[kept - 1] = from.packets[i];
      from.context[kept - 1] = from.context[i];
    }
  }
  from.count = uint16_t(kept);
}

void run_core(Burst& burst, const StageEnv& env, TxBatch& out) {
  mpls_input_stage(burst, env);
  if (burst.swap != 0) {
    Burst swapped;
    split_burst(burst, burst.swap, swapped);
    label_swap_stage(swapped, env);
    output_stage(swapped, env, out);
  }
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
    case PortRole::kCore: run_core(burst, env, out); break;
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
