// Plan-rate policing with each subscriber's srTCM meter (see MeterTable for
// why the state has a single writer). Frame bytes are metered: as received
// upstream, as sent on the access line downstream. A borrower's downstream
// packets over its plan are left to redirect (burst.excess), which sends
// them over a donor's line or drops them.
#include "dataplane/nodes/nodes.h"

namespace aggr {

void police_node(Burst& burst, const NodeEnv& env, Direction dir) {
  const bool downstream = dir == Direction::kDownstream;
  const DropReason reason = downstream ? DropReason::kMeterDownstream : DropReason::kMeterUpstream;
  const RedirectTable* borrowing = downstream && !env.tables.redirects.empty() ? &env.tables.redirects : nullptr;
  for (uint32_t metered = burst.metered; metered; metered &= metered - 1) {
    unsigned i = unsigned(__builtin_ctz(metered));
    PacketContext& ctx = burst.context[i];
    if (ctx.drop != DropReason::kNone) continue;
    uint16_t profile = ctx.subscriber->meter_profile[unsigned(dir)];
    if (profile == kNoMeter) continue;
    if (env.meters.conforms(ctx.handle, dir, profile, env.now_tsc, burst.packets[i]->pkt_len)) continue;
    const RedirectSet* contracts = borrowing == nullptr ? nullptr : borrowing->of(ctx.handle);
    if (contracts != nullptr && contracts->borrowed_count != 0) {
      burst.excess |= 1u << i;
      continue;
    }
    ctx.drop = reason;
    env.counters.subscriber_meter_drops(ctx.handle, dir).add(1);
  }
}

}  // namespace aggr
