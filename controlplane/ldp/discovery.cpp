#include "controlplane/ldp/discovery.h"

#include <algorithm>
#include <cstring>

namespace aggr::ldp {
namespace {

constexpr uint16_t kInfinite = 0xFFFF;

bool same_source(const Adjacency& a, const LdpId& peer, const HelloSource& source, bool targeted) {
  return a.peer == peer && a.targeted == targeted && a.source.interface == source.interface &&
         a.source.address == source.address;
}

// Section 2.5.2: compared as unsigned integers, the higher address is active.
bool higher(const IpPrefix& a, const IpPrefix& b) { return std::memcmp(a.bytes, b.bytes, 16) > 0; }

}  // namespace

uint16_t negotiated_hold_time(uint16_t ours, uint16_t theirs, bool targeted) {
  const uint16_t fallback = targeted ? 45 : 15;
  if (ours == 0) ours = fallback;
  if (theirs == 0) theirs = fallback;
  return std::min(ours, theirs);
}

Hello Discovery::hello(bool targeted) const {
  Hello h;
  h.targeted = targeted;
  h.hold_time = targeted ? settings_.targeted_hold_time : settings_.link_hold_time;
  if (settings_.transport_address.family == 4)
    h.ipv4_transport_address = settings_.transport_address;
  else
    h.ipv6_transport_address = settings_.transport_address;
  return h;
}

std::optional<std::string> Discovery::received(const LdpId& sender, const Hello& hello, const HelloSource& source,
                                               Clock::time_point now) {
  if (sender.lsr_id == settings_.local.lsr_id) return "a Hello of our own";
  if (sender.label_space != 0) return "label space " + std::to_string(sender.label_space) + " (only 0 is spoken)";
  // The transport address: the TLV's for the source's family, or the source itself.
  const std::optional<IpPrefix>& tlv =
      source.address.family == 4 ? hello.ipv4_transport_address : hello.ipv6_transport_address;
  const IpPrefix transport = tlv ? *tlv : source.address;
  const uint16_t hold = negotiated_hold_time(hello.targeted ? settings_.targeted_hold_time : settings_.link_hold_time,
                                             hello.hold_time, hello.targeted);
  const auto expires = hold == kInfinite ? Clock::time_point::max() : now + std::chrono::seconds(hold);
  auto it = std::find_if(adjacencies_.begin(), adjacencies_.end(),
                         [&](const Adjacency& a) { return same_source(a, sender, source, hello.targeted); });
  if (it != adjacencies_.end()) {
    if (!(it->transport_address == transport)) return "its transport address changed";
    it->hold_time = hold;
    it->expires = expires;
    return std::nullopt;
  }
  // A peer's adjacencies all lead to the one session: they must agree on where it is.
  for (const Adjacency& a : adjacencies_)
    if (a.peer == sender && !(a.transport_address == transport))
      return "its transport address differs from its other adjacencies'";
  adjacencies_.push_back({sender, source, hello.targeted, hold, transport, expires});
  return std::nullopt;
}

std::vector<LdpId> Discovery::expire(Clock::time_point now) {
  std::vector<LdpId> expired;
  for (auto it = adjacencies_.begin(); it != adjacencies_.end();) {
    if (it->expires > now) {
      ++it;
      continue;
    }
    const LdpId peer = it->peer;
    it = adjacencies_.erase(it);
    const bool left = std::any_of(adjacencies_.begin(), adjacencies_.end(), [&](const Adjacency& a) { return a.peer == peer; });
    if (!left && std::find(expired.begin(), expired.end(), peer) == expired.end()) expired.push_back(peer);
  }
  return expired;
}

std::vector<Peer> Discovery::peers() const {
  std::map<std::pair<uint32_t, uint16_t>, Peer> by_id;
  for (const Adjacency& a : adjacencies_) {
    Peer& p = by_id[{a.peer.lsr_id, a.peer.label_space}];
    p.id = a.peer;
    p.transport_address = a.transport_address;
    p.active = higher(settings_.transport_address, a.transport_address);
    ++p.adjacencies;
  }
  std::vector<Peer> peers;
  for (auto& [id, peer] : by_id) peers.push_back(peer);
  return peers;
}

}  // namespace aggr::ldp
