// Plan-rate policing with each subscriber's srTCM meter (see MeterTable for
// why the state has a single writer). Frame bytes are metered: as received
// upstream, as sent on the access line downstream.
#include "dataplane/nodes/nodes.h"

namespace aggr {

void police_node(Burst& burst, const NodeEnv& env, Direction dir) {
  DropReason reason = dir == Direction::kUpstream ? DropReason::kMeterUpstream
                                                  : DropReason::kMeterDownstream;
  for (uint32_t metered = burst.metered; metered; metered &= metered - 1) {
    unsigned i = unsigned(__builtin_ctz(metered));
    PacketContext& ctx = burst.context[i];
    if (ctx.drop != DropReason::kNone) continue;
    uint16_t profile = ctx.subscriber->meter_profile[unsigned(dir)];
    if (profile == kNoMeter) continue;
    if (!env.meters.conforms(ctx.handle, dir, profile, env.now_tsc, burst.packets[i]->pkt_len)) {
      ctx.drop = reason;
      env.counters.subscriber_meter_drops(ctx.handle, dir).add(1);
    }
  }
}

}  // namespace aggr
