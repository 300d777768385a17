// Punt: frames for the router itself go to the kernel mirror of the port
// they came in on (dataplane/mirror_rings.h), where the kernel, FRR or
// aggrd's own protocols answer them. Each kind is policed per port
// (tables/punt_table.h) so that a flood of one cannot starve the others;
// what is over the rate is dropped and counted by kind.
#include "dataplane/nodes/nodes.h"
#include "dataplane/nodes/output.h"
#include "dataplane/wire.h"

namespace aggr {
namespace {

constexpr uint16_t kLdpPort = 646;

// LDP runs over UDP (discovery) and TCP (sessions), on port 646 both.
bool is_ldp(uint8_t protocol, const uint8_t* l4, uint32_t available) {
  if (protocol != wire::kIpProtoTcp && protocol != wire::kIpProtoUdp) return false;
  return available >= 4 && (wire::load_be16(l4) == kLdpPort || wire::load_be16(l4 + 2) == kLdpPort);
}

// Which kind a frame for the router is, from its Ethertype and IP header.
PuntKind punt_kind(const uint8_t* frame, uint32_t length) {
  if (length < 14) return PuntKind::kOther;
  uint32_t offset = 12;
  uint16_t ethertype = wire::load_be16(frame + offset);
  while ((ethertype == 0x8100 || ethertype == 0x88A8) && length >= offset + 6) {
    offset += 4;
    ethertype = wire::load_be16(frame + offset);
  }
  offset += 2;
  const uint8_t* l3 = frame + offset;
  const uint32_t available = length - offset;
  if (ethertype == wire::kEtherTypeArp) return PuntKind::kArp;
  if (ethertype == wire::kEtherTypeIpv4 && available >= 20) {
    const uint32_t header = (l3[0] & 0x0F) * 4u;
    if (l3[9] == wire::kIpProtoIcmp) return PuntKind::kIcmp;
    if (available > header && is_ldp(l3[9], l3 + header, available - header)) return PuntKind::kLdp;
  }
  if (ethertype == wire::kEtherTypeIpv6 && available >= 40) {
    const uint8_t next = l3[6];
    if (next == wire::kIpProtoIcmpv6 && available >= 41)  // router and neighbour solicitation/advertisement, redirect
      return l3[40] >= 133 && l3[40] <= 137 ? PuntKind::kNd : PuntKind::kIcmp;
    if (is_ldp(next, l3 + 40, available - 40)) return PuntKind::kLdp;
  }
  return PuntKind::kOther;
}

}  // namespace

void punt_node(Burst& burst, const NodeEnv& env, TxBatch& out) {
  OutputQueue output(env.counters, out);
  out.punt_port = burst.in_port;
  for (unsigned i = 0; i < burst.count; ++i) {
    rte_mbuf* m = burst.packets[i];
    const PuntKind kind = punt_kind(frame_start(m), m->data_len);
    if (!env.tables.punt.admit(burst.in_port, kind, env.now_tsc)) {
      env.counters.punt_policed[unsigned(kind)].add(1);
      output.drop(m, DropReason::kPuntPoliced);
      continue;
    }
    env.counters.punted[unsigned(kind)].add(1);
    out.punt[out.punt_count++] = m;
  }
}

}  // namespace aggr
