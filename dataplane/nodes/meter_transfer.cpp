// Downstream frames of metered subscribers owned by another worker leave the
// burst here, and resume on the owner (see dataplane/meter_transfer_rings.h for why).
#include "dataplane/meter_transfer_rings.h"
#include "dataplane/nodes/nodes.h"

namespace aggr {

void meter_transfer_node(Burst& burst, const NodeEnv& env, TxBatch& out) {
  if (burst.metered == 0) return;  // only metered frames move
  unsigned kept = 0;
  uint32_t kept_metered = 0;
  for (unsigned i = 0; i < burst.count; ++i) {
    rte_mbuf* m = burst.packets[i];
    const PacketContext& ctx = burst.context[i];
    bool metered = burst.metered >> i & 1;
    if (metered && ctx.drop == DropReason::kNone) {
      uint16_t owner = env.tables.ports[ctx.out_port].owner_worker;
      if (owner != env.worker) {
        transfer_meta(m) = {ctx.handle, ctx.subscriber->id, ctx.l3_length, ctx.out_port};
        out.transfer[owner][out.transfer_count[owner]++] = m;
        out.transfer_workers |= 1u << owner;
        continue;
      }
    }
    if (kept != i) {
      burst.packets[kept] = m;
      burst.context[kept] = ctx;
    }
    kept_metered |= uint32_t(metered) << kept;
    ++kept;
  }
  burst.count = uint16_t(kept);
  burst.metered = kept_metered;
}

void meter_transfer_resume_node(Burst& burst, const NodeEnv& env) {
  burst.metered = 0;
  for (unsigned i = 0; i < burst.count; ++i) {
    const TransferMeta& meta = transfer_meta(burst.packets[i]);
    PacketContext& ctx = burst.context[i];
    ctx.reset();
    ctx.handle = meta.handle;
    ctx.l3_length = meta.l3_length;
    ctx.out_port = meta.out_port;
    // The handle is checked, not trusted: the subscriber may have been removed
    // (and its handle reused) or moved to another line while the frame waited.
    const SubscriberRecord* s = env.tables.subscribers.record(meta.handle);
    if (s == nullptr || s->id != meta.subscriber_id || s->port != meta.out_port) {
      ctx.drop = DropReason::kSubscriberGone;
      continue;
    }
    ctx.subscriber = s;
    burst.metered |= 1u << i;  // handed off because metered
  }
}

}  // namespace aggr
