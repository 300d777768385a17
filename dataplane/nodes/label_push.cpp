// Label push (a tailend's downstream): imposes the NHLFE that ISP input
// found for each packet's destination (push_labels, label_push.h).
#include "dataplane/nodes/label_push.h"

namespace aggr {

void label_push_node(Burst& burst, const NodeEnv& env) {
  const unsigned count = burst.count;
  const bool uniform_ttl = env.tables.ttl_model == TtlModel::kUniform;
  const Nhlfe* const nhlfes = env.tables.nhlfes.entries();
  for (unsigned i = 0; i < count; ++i) {
    PacketContext& ctx = burst.context[i];
    if (ctx.drop != DropReason::kNone) continue;
    const Nhlfe& nhlfe = nhlfes[ctx.nhlfe];
    ctx.drop = push_labels(burst.packets[i], ctx, nhlfe, uniform_ttl);
    ctx.out_port = nhlfe.out_port;
  }
}

}  // namespace aggr
