// Answer: the router's own replies to the IPoE hosts on access ports, whose
// gateway it is. ARP requests and IPv6 neighbour solicitations for the
// port's gateway address, and echo requests to it, are answered in place,
// back onto the line they came from; only from the line's subscriber's own
// addresses, so that no host learns the gateway, or probes it, in another's
// name. Policed per port and kind as punted frames are. Anything else for
// the router on an access port (other ICMPv6, multicast, traffic to the
// gateway) is dropped as unanswered: there is no kernel behind access ports.
#include <rte_ip.h>

#include <algorithm>
#include <cstring>

#include "dataplane/frame_ops.h"
#include "dataplane/nodes/nodes.h"
#include "dataplane/wire.h"

namespace aggr {
namespace {

constexpr uint8_t kEchoRequest = 8, kEchoReply = 0;
constexpr uint8_t kEcho6Request = 128, kEcho6Reply = 129;
constexpr uint8_t kNeighbourSolicitation = 135, kNeighbourAdvertisement = 136;
constexpr uint8_t kTargetLinkLayerOption = 2;
constexpr uint16_t kArpRequest = 1, kArpReply = 2;
constexpr unsigned kArpLength = 28, kIpv6HeaderLength = 40, kNeighbourAdvertisementLength = 32;
constexpr uint32_t kMinimumFrame = 60;  // without the FCS

// A frame for the router, as far as answering it needs.
struct Request {
  uint8_t* l3 = nullptr;
  uint32_t available = 0;  // bytes from l3 to the frame's end
  EthernetInfo eth;
  PuntKind kind = PuntKind::kOther;
  uint8_t family = 0;  // of the sender's address: 4 (ARP, IPv4) or 6
  const uint8_t* sender = nullptr;
  uint32_t l4_offset = 0;  // IP: from l3
};

DropReason read_request(rte_mbuf* m, Request* r) {
  if (m->nb_segs != 1) return DropReason::kMultiSegment;
  uint8_t* frame = rte_pktmbuf_mtod(m, uint8_t*);
  if (DropReason bad = parse_ethernet(frame, m->data_len, &r->eth); bad != DropReason::kNone) return bad;
  r->l3 = frame + r->eth.l3_offset;
  r->available = m->data_len - r->eth.l3_offset;
  if (r->eth.ethertype == wire::kEtherTypeArp) {
    if (r->available < kArpLength) return DropReason::kTruncated;
    const uint8_t* arp = r->l3;
    // Ethernet and IPv4 only.
    if (wire::load_be16(arp) != 1 || wire::load_be16(arp + 2) != wire::kEtherTypeIpv4 || arp[4] != 6 || arp[5] != 4)
      return DropReason::kUnanswered;
    r->kind = PuntKind::kArp;
    r->family = 4;
    r->sender = arp + 14;
    return DropReason::kNone;
  }
  if (r->eth.ethertype != wire::kEtherTypeIpv4 && r->eth.ethertype != wire::kEtherTypeIpv6) return DropReason::kUnanswered;
  IpInfo ip;
  if (DropReason bad = parse_ip(r->l3, r->available, &ip); bad != DropReason::kNone) return bad;
  if (ip.version != (r->eth.ethertype == wire::kEtherTypeIpv4 ? 4 : 6)) return DropReason::kBadIpHeader;
  r->available = ip.length;  // Ethernet padding is not the packet's
  if (ip.version == 4) {
    r->family = 4;
    r->sender = r->l3 + 12;
    r->l4_offset = (r->l3[0] & 0x0F) * 4u;
    r->kind = r->l3[9] == wire::kIpProtoIcmp ? PuntKind::kIcmp : PuntKind::kOther;
  } else {
    r->family = 6;
    r->sender = r->l3 + 8;
    r->l4_offset = kIpv6HeaderLength;
    const bool icmp = r->l3[6] == wire::kIpProtoIcmpv6 && r->available > kIpv6HeaderLength;
    const uint8_t type = icmp ? r->l3[kIpv6HeaderLength] : 0;
    r->kind = !icmp ? PuntKind::kOther : type >= 133 && type <= 137 ? PuntKind::kNd : PuntKind::kIcmp;
  }
  return DropReason::kNone;
}

// The sender's address must be the line's subscriber's (source-prefix
// ports: its owner's line must be this one).
DropReason check_sender(const Request& r, uint16_t port, const Tables& tables) {
  uint32_t owner;
  if (r.family == 4)
    owner = tables.addresses.lookup_ipv4(wire::load_be32(r.sender));
  else
    tables.addresses.lookup_ipv6_bulk(&r.sender, 1, &owner);
  const SubscriberTable& subscribers = tables.subscribers;
  if (tables.ports[port].classify == ClassifyMode::kSourcePrefix) {
    const SubscriberRecord* s = subscribers.record(owner);
    if (s == nullptr) return DropReason::kUnknownSource;
    return s->port == port && s->svlan == r.eth.svlan && s->cvlan == r.eth.cvlan ? DropReason::kNone
                                                                                 : DropReason::kSpoofedSource;
  }
  const uint32_t line = LineTable::handle_in(subscribers.find_line(port, r.eth.svlan, r.eth.cvlan));
  const SubscriberRecord* s = subscribers.record(line);
  if (s == nullptr || s->port != port || s->svlan != r.eth.svlan || s->cvlan != r.eth.cvlan)
    return DropReason::kUnknownLine;
  return owner == line ? DropReason::kNone : DropReason::kSpoofedSource;
}

void store_checksum(uint8_t* at, uint16_t checksum) { std::memcpy(at, &checksum, sizeof checksum); }

// Shortens a one-segment frame (never lengthens it).
void trim(rte_mbuf* m, uint32_t length) {
  if (length < m->data_len) m->data_len = m->pkt_len = uint16_t(length);
}

// What the router answers, of a request: none (kUnanswered) or one of these.
enum class Question : uint8_t { kNone, kArp, kEcho, kEcho6, kSolicitation };

Question question(const Request& r, const PortAttributes& port) {
  const uint8_t* l3 = r.l3;
  if (r.eth.ethertype == wire::kEtherTypeArp)
    return wire::load_be16(l3 + 6) == kArpRequest && port.gateway_ipv4_set &&
                   std::memcmp(l3 + 24, port.gateway_ipv4, 4) == 0
               ? Question::kArp
               : Question::kNone;
  const uint8_t* l4 = l3 + r.l4_offset;
  const uint32_t l4_length = r.available - r.l4_offset;
  if (r.family == 4)
    return port.gateway_ipv4_set && std::memcmp(l3 + 16, port.gateway_ipv4, 4) == 0 && r.kind == PuntKind::kIcmp &&
                   l4_length >= 8 && l4[0] == kEchoRequest
               ? Question::kEcho
               : Question::kNone;
  if (!port.gateway_ipv6_set || l3[6] != wire::kIpProtoIcmpv6 || l4_length < 8) return Question::kNone;
  if (l4[0] == kEcho6Request && std::memcmp(l3 + 24, port.gateway_ipv6, 16) == 0) return Question::kEcho6;
  // RFC 4861 section 7.1.1: hop limit 255, code 0, 24 bytes at least.
  if (l4[0] == kNeighbourSolicitation && l3[7] == 255 && l4[1] == 0 && l4_length >= 24 &&
      std::memcmp(l4 + 8, port.gateway_ipv6, 16) == 0)
    return Question::kSolicitation;
  return Question::kNone;
}

void answer_arp(const Request& r, const PortAttributes& port) {
  uint8_t* arp = r.l3;
  wire::store_be16(arp + 6, kArpReply);
  std::memmove(arp + 18, arp + 8, 10);  // the requester's MAC and address become the target's
  std::memcpy(arp + 8, port.mac.addr_bytes, 6);
  std::memcpy(arp + 14, port.gateway_ipv4, 4);
}

void answer_ipv4_echo(const Request& r, const PortAttributes& port) {
  uint8_t* ip = r.l3;
  uint8_t* icmp = ip + r.l4_offset;
  const uint32_t icmp_length = r.available - r.l4_offset;
  std::memcpy(ip + 16, ip + 12, 4);
  std::memcpy(ip + 12, port.gateway_ipv4, 4);
  ip[8] = 64;
  store_checksum(ip + 10, 0);
  store_checksum(ip + 10, rte_ipv4_cksum(reinterpret_cast<const rte_ipv4_hdr*>(ip)));
  icmp[0] = kEchoReply;
  store_checksum(icmp + 2, 0);
  store_checksum(icmp + 2, uint16_t(~rte_raw_cksum(icmp, icmp_length)));
}

void set_icmpv6_checksum(uint8_t* ip) {
  uint8_t* icmp = ip + kIpv6HeaderLength;
  store_checksum(icmp + 2, 0);
  store_checksum(icmp + 2, rte_ipv6_udptcp_cksum(reinterpret_cast<const rte_ipv6_hdr*>(ip), icmp));
}

void answer_ipv6_echo(const Request& r, const PortAttributes& port) {
  uint8_t* ip = r.l3;
  std::memcpy(ip + 24, ip + 8, 16);
  std::memcpy(ip + 8, port.gateway_ipv6, 16);
  ip[7] = 64;
  ip[kIpv6HeaderLength] = kEcho6Reply;
  set_icmpv6_checksum(ip);
}

// The advertisement: solicited, from a router, overriding, with the port's MAC.
DropReason advertise(const Request& r, const PortAttributes& port, rte_mbuf* m) {
  uint8_t* ip = r.l3;
  uint8_t* icmp = ip + kIpv6HeaderLength;
  const uint32_t frame_length = uint32_t(ip - rte_pktmbuf_mtod(m, uint8_t*)) + kIpv6HeaderLength +
                                kNeighbourAdvertisementLength;
  if (frame_length > m->data_len && rte_pktmbuf_tailroom(m) < frame_length - m->data_len) return DropReason::kNoHeadroom;
  m->data_len = m->pkt_len = uint16_t(frame_length);
  std::memcpy(ip + 24, ip + 8, 16);
  std::memcpy(ip + 8, port.gateway_ipv6, 16);
  wire::store_be16(ip + 4, kNeighbourAdvertisementLength);
  ip[7] = 255;
  icmp[0] = kNeighbourAdvertisement;
  icmp[1] = 0;
  wire::store_be32(icmp + 4, 0xE0000000);  // router, solicited, override
  std::memcpy(icmp + 8, port.gateway_ipv6, 16);
  icmp[24] = kTargetLinkLayerOption;
  icmp[25] = 1;  // in units of 8 bytes
  std::memcpy(icmp + 26, port.mac.addr_bytes, 6);
  set_icmpv6_checksum(ip);
  return DropReason::kNone;
}

DropReason answer(rte_mbuf* m, uint16_t in_port, const NodeEnv& env) {
  Request r;
  if (DropReason bad = read_request(m, &r); bad != DropReason::kNone) return bad;
  if (!env.tables.punt.admit(in_port, r.kind, env.now_tsc)) {
    env.counters.punt_policed[unsigned(r.kind)].add(1);
    return DropReason::kPuntPoliced;
  }
  env.counters.punted[unsigned(r.kind)].add(1);
  const PortAttributes& port = env.tables.ports[in_port];
  const Question asked = question(r, port);
  if (asked == Question::kNone) return DropReason::kUnanswered;
  if (DropReason bad = check_sender(r, in_port, env.tables); bad != DropReason::kNone) return bad;
  // An answer is as long as what it answers, without what trailed the
  // request (padding, or bytes past a frame the port should not have taken).
  const uint32_t l3_offset = uint32_t(r.l3 - rte_pktmbuf_mtod(m, uint8_t*));
  switch (asked) {
    case Question::kArp:
      answer_arp(r, port);
      trim(m, std::max<uint32_t>(kMinimumFrame, l3_offset + kArpLength));
      break;
    case Question::kEcho:
    case Question::kEcho6:
      if (r.available > port.mtu) return DropReason::kMtuExceeded;
      asked == Question::kEcho ? answer_ipv4_echo(r, port) : answer_ipv6_echo(r, port);
      trim(m, l3_offset + r.available);
      break;
    case Question::kSolicitation:
      if (DropReason bad = advertise(r, port, m); bad != DropReason::kNone) return bad;
      break;
    case Question::kNone: break;
  }
  uint8_t* frame = rte_pktmbuf_mtod(m, uint8_t*);
  std::memcpy(frame, frame + 6, 6);  // back to the host that asked
  std::memcpy(frame + 6, port.mac.addr_bytes, 6);
  return DropReason::kNone;
}

}  // namespace

void answer_node(Burst& burst, const NodeEnv& env) {
  for (unsigned i = 0; i < burst.count; ++i) {
    PacketContext& ctx = burst.context[i];
    ctx.drop = answer(burst.packets[i], burst.in_port, env);
    ctx.out_port = burst.in_port;
  }
}

// What the access input marks for answer_node: ARP, link-layer multicast
// and broadcast, and IP to the gateway. Only on ports with a gateway.
void mark_for_the_router(Burst& burst, const PortAttributes& port) {
  uint32_t marked = 0;
  for (unsigned i = 0; i < burst.count; ++i) {
    PacketContext& ctx = burst.context[i];
    const uint8_t* frame = frame_start(burst.packets[i]);
    if (ctx.drop == DropReason::kNotIp || (ctx.drop == DropReason::kNone && (frame[0] & 1))) {
      marked |= 1u << i;
      continue;
    }
    if (ctx.drop != DropReason::kNone) continue;
    const uint8_t* l3 = frame + ctx.l3_offset;
    const bool to_gateway = ctx.ip_version == 4 ? port.gateway_ipv4_set && std::memcmp(l3 + 16, port.gateway_ipv4, 4) == 0
                                                : port.gateway_ipv6_set && std::memcmp(l3 + 24, port.gateway_ipv6, 16) == 0;
    marked |= uint32_t(to_gateway) << i;
  }
  burst.punt = marked;
}

}  // namespace aggr
