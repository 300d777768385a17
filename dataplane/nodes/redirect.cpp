// Redirect: the dataplane's side of link-sharing contracts
// (dataplane/tables/redirect_table.h), after police, in both directions.
//
// Downstream, a borrower's packets over its own plan (burst.excess) go out
// over the first donor's line whose contract bucket holds them, with the
// donor's line header (tags, device MAC); the rest are dropped as over the
// plan, as they would be with no contract. Upstream, the borrower's packets
// that classify accepted on a donor's line pass if the contract's bucket
// holds them. Either way, the donor's own traffic drains the buckets of the
// interruptible contracts its line carries, so that those yield to it.
#include "dataplane/frame_ops.h"
#include "dataplane/nodes/nodes.h"

namespace aggr {
namespace {

// Rewrites packet i's line header (the borrower's, written by subscriber
// deliver) for the donor's line. False, with the drop set, when it cannot go.
bool onto_donor_line(Burst& burst, unsigned i, const NodeEnv& env, const SubscriberRecord& donor) {
  PacketContext& ctx = burst.context[i];
  rte_mbuf* m = burst.packets[i];
  const PortAttributes& port = env.tables.ports[donor.port];
  if (ctx.l3_length > port.mtu) {
    ctx.drop = DropReason::kMtuExceeded;
    return false;
  }
  const unsigned old_header = access_header_length(*ctx.subscriber);
  const unsigned new_header = access_header_length(donor);
  if (rte_pktmbuf_headroom(m) + old_header < new_header) {
    ctx.drop = DropReason::kNoHeadroom;
    return false;
  }
  uint8_t* l3 = frame_start(m) + old_header;
  uint8_t* start = write_access_encapsulation(l3, donor, port, ctx.ip_version);
  set_frame(m, start, new_header + ctx.l3_length);
  ctx.out_port = donor.port;
  return true;
}

// Packet i, over its subscriber's downstream plan: over the first donor's
// line whose contract holds it, else dropped as over the plan.
void redirect_excess(Burst& burst, unsigned i, const NodeEnv& env, const SubscriberTable::Reader& records) {
  const RedirectTable& redirects = env.tables.redirects;
  PacketContext& ctx = burst.context[i];
  const RedirectSet* contracts = redirects.of(ctx.handle);
  for (unsigned c = 0; contracts != nullptr && c < contracts->borrowed_count; ++c) {
    const ContractLink& link = contracts->borrowed[c];
    const SubscriberRecord* donor = records.record(link.peer);
    if (donor == nullptr) continue;
    // Metered as the donor's line will carry it, as the plan's meter does.
    const uint32_t bytes = ctx.l3_length + access_header_length(*donor);
    if (!redirects.bucket(link.slot, Direction::kDownstream)
             .take(link.rate[unsigned(Direction::kDownstream)], env.now_tsc, bytes))
      continue;
    if (onto_donor_line(burst, i, env, *donor)) {
      burst.redirected |= 1u << i;
      burst.contract[i] = link.slot;
    }
    return;
  }
  ctx.drop = DropReason::kMeterDownstream;
  env.counters.subscriber_meter_drops(ctx.handle, Direction::kDownstream).add(1);
}

// Packet i, the borrower's, which classify accepted on a donor's line.
void admit_borrower_upstream(Burst& burst, unsigned i, const NodeEnv& env) {
  const RedirectTable& redirects = env.tables.redirects;
  PacketContext& ctx = burst.context[i];
  // The borrower's view of the contract classify found on the donor's line.
  const RedirectSet* contracts = redirects.of(ctx.handle);
  const ContractLink* link = nullptr;
  for (unsigned c = 0; contracts != nullptr && c < contracts->borrowed_count; ++c)
    if (contracts->borrowed[c].slot == burst.contract[i]) link = &contracts->borrowed[c];
  if (link == nullptr || !redirects.bucket(link->slot, Direction::kUpstream)
                             .take(link->rate[unsigned(Direction::kUpstream)], env.now_tsc,
                                   burst.packets[i]->pkt_len))
    ctx.drop = DropReason::kContractOverRate;
}

// Packet i, a donor's own on its line, which carries interruptible
// contracts: it drains their buckets, so that they yield to it.
void yield_to_donor(const Burst& burst, unsigned i, const NodeEnv& env, Direction dir) {
  const RedirectTable& redirects = env.tables.redirects;
  const RedirectSet* contracts = redirects.of(burst.context[i].handle);
  if (contracts == nullptr) return;
  for (unsigned c = 0; c < contracts->hosted_count; ++c) {
    const ContractLink& link = contracts->hosted[c];
    if (link.interruptible)
      redirects.bucket(link.slot, dir).drain(link.rate[unsigned(dir)], env.now_tsc, burst.packets[i]->pkt_len);
  }
}

}  // namespace

void redirect_node(Burst& burst, const NodeEnv& env, Direction dir) {
  if (env.tables.redirects.empty()) {
    // A contract removed since police looked: its excess is over the plan.
    for (uint32_t excess = burst.excess; excess; excess &= excess - 1) {
      unsigned i = unsigned(__builtin_ctz(excess));
      burst.context[i].drop = DropReason::kMeterDownstream;
      env.counters.subscriber_meter_drops(burst.context[i].handle, Direction::kDownstream).add(1);
    }
    // A contract removed since classify looked: nothing admits its packets.
    for (uint32_t redirected = burst.redirected; redirected; redirected &= redirected - 1) {
      PacketContext& ctx = burst.context[__builtin_ctz(redirected)];
      if (ctx.drop == DropReason::kNone) ctx.drop = DropReason::kContractOverRate;
    }
    burst.redirected = 0;
    return;
  }
  // In packet order, so that a donor's packet drains the bucket before a
  // borrower's later packet of the same burst would take from it.
  const SubscriberTable::Reader records = env.tables.subscribers.reader();
  const uint32_t redirected_before = burst.redirected;
  for (unsigned i = 0; i < burst.count; ++i) {
    if (burst.excess >> i & 1)
      redirect_excess(burst, i, env, records);
    else if (burst.context[i].drop != DropReason::kNone || burst.context[i].handle == kInvalidHandle)
      continue;
    else if (redirected_before >> i & 1)
      admit_borrower_upstream(burst, i, env);
    else if (burst.context[i].subscriber->flags & kSubscriberHostsInterruptible)
      yield_to_donor(burst, i, env, dir);
  }
}

}  // namespace aggr
