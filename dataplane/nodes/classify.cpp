// Upstream classification: which subscriber sent this packet.
//
// Line ports: the (port, S-VLAN, C-VLAN) key names the subscriber, and the
// source address must belong to that same subscriber (anti-spoofing). The
// record carries the subscriber's first IPv4 prefix, so an IPv4 source in it
// needs no address lookup; other sources are looked up, a burst at a time.
// Source-prefix ports: the source address names the subscriber, whose line
// must be on this port.
//
// A borrower's packets on a donor's line, under a contract in force, are the
// one exception: accepted as the borrower's, marked redirected (see
// dataplane/tables/redirect_table.h).
//
// Each table read is split over the burst: first every packet's address is
// computed and its cache line requested, then the loads, so that the misses
// of a burst overlap instead of following each other (line entry -> record:
// two dependent loads a packet).
#include <cstddef>
#include <cstring>

#include <rte_prefetch.h>

#include "dataplane/nodes/nodes.h"
#include "dataplane/wire.h"

namespace aggr {
namespace {

bool in_record_prefix(const SubscriberRecord& s, const uint8_t* l3) {
  if (s.ipv4_length == kNoIpv4Prefix) return false;
  // The differing bits shifted out past the prefix length, in 64 bits so
  // that a /0 (a shift by 32) leaves none: no mask to build.
  uint64_t differing = wire::load_be32(l3 + 12) ^ wire::load_be32(s.ipv4_prefix);
  return (differing >> (32 - s.ipv4_length)) == 0;
}

// The S- and C-VLAN ids as one word; the record and the context both keep
// them side by side, so that the line check is two compares, not three.
template <typename T>
uint32_t vlan_pair(const T& holder) {
  static_assert(offsetof(T, cvlan) == offsetof(T, svlan) + sizeof(uint16_t));
  uint32_t pair;
  std::memcpy(&pair, reinterpret_cast<const uint8_t*>(&holder) + offsetof(T, svlan), sizeof pair);
  return pair;
}

bool on_line(const SubscriberRecord& s, uint16_t port, const PacketContext& ctx) {
  return s.port == port && vlan_pair(s) == vlan_pair(ctx);
}

// Packet i, from `owner`'s address on `line_holder`'s line: the owner's
// packet if the line carries a contract of the owner's; else spoofed.
void accept_borrower(Burst& burst, unsigned i, const NodeEnv& env, const SubscriberTable::Reader& records,
                     uint32_t line_holder, uint32_t owner) {
  PacketContext& ctx = burst.context[i];
  const RedirectSet* hosted = env.tables.redirects.of(line_holder);
  const ContractLink* contract = hosted == nullptr ? nullptr : hosted->hosted_for(owner);
  const SubscriberRecord* borrower = contract == nullptr ? nullptr : records.record(owner);
  if (borrower == nullptr) {
    ctx.drop = DropReason::kSpoofedSource;
    return;
  }
  ctx.handle = owner;
  ctx.subscriber = borrower;
  burst.metered &= ~(1u << i);  // the contract's rate applies here, not the borrower's plan
  burst.redirected |= 1u << i;
  burst.contract[i] = contract->slot;
}

void classify_by_line(Burst& burst, const NodeEnv& env) {
  // Burst fields and table addresses in locals: see SubscriberTable::Reader.
  const unsigned count = burst.count;
  const uint16_t port = burst.in_port;
  const SubscriberTable& subscribers = env.tables.subscribers;
  const SubscriberTable::Reader records = subscribers.reader();
  const SubscriberStatePrefetch prefetch_state(env, Direction::kUpstream);

  const std::atomic<uint32_t>* entries[kBurstSize];
  for (unsigned i = 0; i < count; ++i) {
    const PacketContext& ctx = burst.context[i];
    entries[i] = ctx.drop != DropReason::kNone ? nullptr : subscribers.find_line(port, ctx.svlan, ctx.cvlan);
  }
  uint32_t lines[kBurstSize];
  for (unsigned i = 0; i < count; ++i) {
    lines[i] = LineTable::handle_in(entries[i]);
    records.prefetch_record(lines[i]);
  }

  uint32_t metered = 0, need_lookup = 0;
  for (unsigned i = 0; i < count; ++i) {
    PacketContext& ctx = burst.context[i];
    if (ctx.drop != DropReason::kNone) continue;
    const SubscriberRecord* s = records.record(lines[i]);
    // No line, or the line's subscriber removed or moved since the lookup.
    if (s == nullptr || !on_line(*s, port, ctx)) {
      ctx.drop = DropReason::kUnknownLine;
      continue;
    }
    ctx.handle = lines[i];
    ctx.subscriber = s;
    metered |= uint32_t(prefetch_state(lines[i], *s)) << i;
    if (ctx.ip_version != 4 || !in_record_prefix(*s, frame_start(burst.packets[i]) + ctx.l3_offset))
      need_lookup |= 1u << i;
  }
  burst.metered = metered;
  if (need_lookup == 0) return;

  // Sources outside the record's first prefix: whoever owns them must be
  // this line's subscriber, or borrow it.
  uint32_t owners[kBurstSize];
  lookup_burst_addresses(env.tables, burst, AddressRole::kSource, owners, need_lookup);
  const bool any_contracts = !env.tables.redirects.empty();
  for (; need_lookup; need_lookup &= need_lookup - 1) {
    unsigned i = unsigned(__builtin_ctz(need_lookup));
    const uint32_t line_holder = burst.context[i].handle;
    if (owners[i] == line_holder) continue;
    if (any_contracts && owners[i] != kInvalidHandle)
      accept_borrower(burst, i, env, records, line_holder, owners[i]);
    else
      burst.context[i].drop = DropReason::kSpoofedSource;
  }
}

void classify_by_source(Burst& burst, const NodeEnv& env) {
  const unsigned count = burst.count;
  const uint16_t port = burst.in_port;
  const SubscriberTable::Reader records = env.tables.subscribers.reader();
  const SubscriberStatePrefetch prefetch_state(env, Direction::kUpstream);
  uint32_t owners[kBurstSize];
  lookup_burst_addresses(env.tables, burst, AddressRole::kSource, owners);
  uint32_t metered = 0;
  for (unsigned i = 0; i < count; ++i) {
    PacketContext& ctx = burst.context[i];
    if (ctx.drop != DropReason::kNone) continue;
    const SubscriberRecord* s = records.record(owners[i]);
    if (s == nullptr) {  // no owner, or removed since the lookup
      ctx.drop = DropReason::kUnknownSource;
      continue;
    }
    if (!on_line(*s, port, ctx)) {
      // Right prefix, wrong line: spoofed, unless the line is a donor's.
      const uint32_t line_holder =
          env.tables.redirects.empty() ? kInvalidHandle
                                       : LineTable::handle_in(env.tables.subscribers.find_line(port, ctx.svlan, ctx.cvlan));
      if (line_holder == kInvalidHandle)
        ctx.drop = DropReason::kSpoofedSource;
      else
        accept_borrower(burst, i, env, records, line_holder, owners[i]);
      continue;
    }
    ctx.handle = owners[i];
    ctx.subscriber = s;
    metered |= uint32_t(prefetch_state(owners[i], *s)) << i;
  }
  burst.metered = metered;
}

}  // namespace

void classify_node(Burst& burst, const NodeEnv& env) {
  if (env.tables.ports[burst.in_port].classify == ClassifyMode::kLine)
    classify_by_line(burst, env);
  else
    classify_by_source(burst, env);
}

}  // namespace aggr
