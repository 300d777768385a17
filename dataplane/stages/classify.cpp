// Upstream classification: which subscriber sent this packet.
//
// Line ports: the (port, S-VLAN, C-VLAN) key names the subscriber, and the
// source address must belong to that same subscriber (anti-spoofing). The
// record carries the subscriber's first IPv4 prefix, so an IPv4 source in it
// needs no address lookup; other sources are looked up, a burst at a time.
// Source-prefix ports: the source address names the subscriber, whose line
// must be on this port.
#include <rte_prefetch.h>

#include "dataplane/stages/stages.h"
#include "dataplane/wire.h"

namespace aggr {
namespace {

bool in_record_prefix(const SubscriberRecord& s, const uint8_t* l3) {
  if (s.ipv4_length == kNoIpv4Prefix) return false;
  uint32_t mask = s.ipv4_length == 0 ? 0 : ~uint32_t(0) << (32 - s.ipv4_length);
  return ((wire::load_be32(l3 + 12) ^ wire::load_be32(s.ipv4_prefix)) & mask) == 0;
}

// Line ports: owners[i] is the owner of the source, known without a lookup
// when it is in the line's subscriber's own IPv4 prefix; records[i] the
// line's subscriber. Packets on unknown lines are dropped here.
void classify_lines(Burst& burst, const Tables& tables, uint32_t* owners, const SubscriberRecord** records) {
  uint64_t keys[kBurstSize];
  uint32_t lines[kBurstSize];
  for (unsigned i = 0; i < burst.count; ++i)
    keys[i] = line_key(burst.in_port, burst.context[i].svlan, burst.context[i].cvlan);
  tables.subscribers.lookup_lines(keys, burst.count, lines);
  for (unsigned i = 0; i < burst.count; ++i)
    if (lines[i] != kInvalidHandle) tables.subscribers.prefetch_handle(lines[i]);
  for (unsigned i = 0; i < burst.count; ++i) {
    records[i] = lines[i] == kInvalidHandle ? nullptr : tables.subscribers.record(lines[i]);
    if (records[i] != nullptr) rte_prefetch0(records[i]);
  }
  uint32_t need_lookup = 0;
  for (unsigned i = 0; i < burst.count; ++i) {
    PacketContext& ctx = burst.context[i];
    owners[i] = kInvalidHandle;
    if (ctx.drop != DropReason::kNone) continue;
    if (records[i] == nullptr) {  // no line, or removed between the two loads
      ctx.drop = DropReason::kUnknownLine;
      continue;
    }
    const uint8_t* l3 = frame_start(burst.packets[i]) + ctx.l3_offset;
    if (ctx.ip_version == 4 && in_record_prefix(*records[i], l3))
      owners[i] = lines[i];
    else
      need_lookup |= 1u << i;
  }
  if (need_lookup == 0) return;
  uint32_t looked_up[kBurstSize];
  lookup_burst_addresses(tables, burst, AddressRole::kSource, looked_up, need_lookup);
  for (unsigned i = 0; i < burst.count; ++i)
    if (need_lookup >> i & 1) owners[i] = looked_up[i] == lines[i] ? lines[i] : kInvalidHandle;
}

}  // namespace

void classify_stage(Burst& burst, const StageEnv& env) {
  const Tables& tables = env.tables;
  const bool by_line = tables.ports[burst.in_port].classify == ClassifyMode::kLine;
  uint32_t owners[kBurstSize];
  const SubscriberRecord* records[kBurstSize];
  if (by_line)
    classify_lines(burst, tables, owners, records);
  else
    lookup_burst_addresses(tables, burst, AddressRole::kSource, owners);

  for (unsigned i = 0; i < burst.count; ++i) {
    PacketContext& ctx = burst.context[i];
    if (ctx.drop != DropReason::kNone) continue;
    uint32_t owner = owners[i];
    if (owner == kInvalidHandle) {
      ctx.drop = by_line ? DropReason::kSpoofedSource : DropReason::kUnknownSource;
      continue;
    }
    const SubscriberRecord* s = by_line ? records[i] : tables.subscribers.record(owner);
    if (s == nullptr) {  // removed between the two lookups
      ctx.drop = DropReason::kUnknownSource;
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
