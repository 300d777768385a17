// Downstream delivery: destination address -> subscriber -> its line.
// Sets the IP TTL per the TTL model and writes the line's Ethernet header
// (CPE MAC, S/C tags) for the subscriber's access port.
#include <algorithm>

#include "dataplane/frame_ops.h"
#include "dataplane/nodes/nodes.h"

namespace aggr {

void subscriber_deliver_node(Burst& burst, const NodeEnv& env) {
  const Tables& tables = env.tables;
  const unsigned count = burst.count;
  const SubscriberTable::Reader records = tables.subscribers.reader();
  const SubscriberStatePrefetch prefetch_state(env, Direction::kDownstream);
  uint32_t handles[kBurstSize];
  lookup_burst_addresses(tables, burst, AddressRole::kDestination, handles);
  uint32_t metered = 0;
  for (unsigned i = 0; i < count; ++i) {
    PacketContext& ctx = burst.context[i];
    if (ctx.drop != DropReason::kNone) continue;
    rte_mbuf* m = burst.packets[i];
    uint8_t* l3 = frame_start(m) + ctx.l3_offset;
    const SubscriberRecord* s = records.record(handles[i]);
    if (s == nullptr) {
      ctx.drop = DropReason::kUnknownDestination;
      continue;
    }
    metered |= uint32_t(prefetch_state(handles[i], *s)) << i;
    const uint8_t ip_ttl_in = ip_ttl(l3, ctx.ip_version);
    uint8_t ttl = ip_ttl_in;
    // As pop_ip_ttl (frame_ops.h), whose write waits for the checks below.
    if (tables.ttl_model == TtlModel::kUniform) ttl = std::min(ttl, ctx.mpls_ttl);
    if (ttl <= 1) {
      ctx.drop = DropReason::kTtlExpired;
      continue;
    }
    const PortAttributes& port = tables.ports[s->port];
    if (ctx.l3_length > port.mtu) {
      ctx.drop = DropReason::kMtuExceeded;
      continue;
    }
    unsigned header_len = access_header_length(*s);
    if (rte_pktmbuf_headroom(m) + ctx.l3_offset < header_len) {
      ctx.drop = DropReason::kNoHeadroom;
      continue;
    }
    if (ttl == ip_ttl_in)  // the IP TTL is the lower (always, in pipe mode): a plain decrement
      decrement_ip_ttl(l3, ctx.ip_version);
    else
      set_ip_ttl(l3, ctx.ip_version, uint8_t(ttl - 1));
    uint8_t* start = write_access_encapsulation(l3, *s, port, ctx.ip_version);
    set_frame(m, start, header_len + ctx.l3_length);
    ctx.handle = handles[i];
    ctx.subscriber = s;
    ctx.out_port = s->port;
  }
  burst.metered = metered;
}

}  // namespace aggr
