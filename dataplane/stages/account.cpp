// Per-ISP and per-subscriber accounting of forwarded packets (IP bytes).
#include "dataplane/stages/stages.h"

namespace aggr {

void account_stage(Burst& burst, const StageEnv& env, Direction dir) {
  for (unsigned i = 0; i < burst.count; ++i) {
    const PacketContext& ctx = burst.context[i];
    if (ctx.drop != DropReason::kNone) continue;
    env.counters.isp(ctx.subscriber->isp, dir).add(ctx.l3_length);
    env.counters.subscriber(ctx.handle).traffic[unsigned(dir)].add(ctx.l3_length);
  }
}

}  // namespace aggr
