// Upstream label imposition at a headend: subscriber's ISP -> FTN -> NHLFE
// (by index), pushed by push_labels (label_push.h).
#include "dataplane/nodes/label_push.h"

namespace aggr {

void ftn_push_node(Burst& burst, const NodeEnv& env) {
  const Tables& tables = env.tables;
  // Read once: the frame writes below go through uint8_t pointers, which may
  // alias anything, so the compiler would reload these for every packet.
  const unsigned count = burst.count;
  const bool uniform_ttl = tables.ttl_model == TtlModel::kUniform;
  const Nhlfe* const nhlfes = tables.nhlfes.entries();
  for (unsigned i = 0; i < count; ++i) {
    PacketContext& ctx = burst.context[i];
    if (ctx.drop != DropReason::kNone) continue;
    const uint32_t index = tables.ftn.lookup(ctx.subscriber->isp);
    if (index == kNoNhlfe) {
      ctx.drop = DropReason::kNoFtnEntry;
      continue;
    }
    const Nhlfe& nhlfe = nhlfes[index];
    rte_mbuf* m = burst.packets[i];
    DropReason drop = push_labels(m, ctx, nhlfe, uniform_ttl);
    if (drop != DropReason::kNone) {
      ctx.drop = drop;
      continue;
    }
    ctx.out_port = nhlfe.out_port;
  }
}

}  // namespace aggr
