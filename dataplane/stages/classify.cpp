// Upstream classification: which subscriber sent this packet.
//
// Line ports: the (port, S-VLAN, C-VLAN) key names the subscriber, and the
// source address must belong to that same subscriber (anti-spoofing).
// Source-prefix ports: the source address names the subscriber, whose line
// must be on this port.
#include "dataplane/stages/stages.h"

namespace aggr {

void classify_stage(Burst& burst, const StageEnv& env) {
  const Tables& tables = env.tables;
  const PortAttributes& port = tables.ports[burst.in_port];
  uint32_t line_handles[kBurstSize];

  if (port.classify == ClassifyMode::kLine) {
    uint64_t keys[kBurstSize];
    for (unsigned i = 0; i < burst.count; ++i)
      keys[i] = line_key(burst.in_port, burst.context[i].svlan, burst.context[i].cvlan);
    tables.subscribers.lookup_lines(keys, burst.count, line_handles);
  }
  uint32_t owners[kBurstSize];
  lookup_burst_addresses(tables, burst, AddressRole::kSource, owners);

  for (unsigned i = 0; i < burst.count; ++i) {
    PacketContext& ctx = burst.context[i];
    if (ctx.drop != DropReason::kNone) continue;
    uint32_t owner = owners[i];
    if (port.classify == ClassifyMode::kLine) {
      if (line_handles[i] == kInvalidHandle) {
        ctx.drop = DropReason::kUnknownLine;
        continue;
      }
      if (owner != line_handles[i]) {
        ctx.drop = DropReason::kSpoofedSource;
        continue;
      }
    } else if (owner == kInvalidHandle) {
      ctx.drop = DropReason::kUnknownSource;
      continue;
    }
    const SubscriberRecord* s = tables.subscribers.record(owner);
    if (s == nullptr) {  // removed between the two lookups
      ctx.drop = port.classify == ClassifyMode::kLine ? DropReason::kUnknownLine
                                                       : DropReason::kUnknownSource;
      continue;
    }
    if (s->port != burst.in_port || s->svlan != ctx.svlan || s->cvlan != ctx.cvlan) {
      ctx.drop = DropReason::kSpoofedSource;  // right prefix, wrong line
      continue;
    }
    ctx.handle = owner;
    ctx.subscriber = s;
  }
}

}  // namespace aggr
