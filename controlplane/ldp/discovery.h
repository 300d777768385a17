// LDP discovery (RFC 5036 sections 2.4 and 3.5.2): the Hello adjacencies
// this router has, link ones per interface and targeted ones per peer
// address, each with its negotiated hold time; the peers they lead to, one
// per LDP identifier, with the transport address a session connects to and
// which side opens it (section 2.5.2). Pure bookkeeping: the sockets that
// send and receive Hellos feed it, and the sessions ask it whom to talk to.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "controlplane/ldp/pdu.h"

namespace aggr::ldp {

struct DiscoverySettings {
  LdpId local;
  IpPrefix transport_address;        // this router's (a host prefix), in its Hellos
  uint16_t link_hold_time = 15;      // seconds proposed in link Hellos
  uint16_t targeted_hold_time = 45;  // and in targeted ones
};

// Where a Hello came from.
struct HelloSource {
  std::string interface;  // link Hellos: the interface (mirror); targeted: empty
  IpPrefix address;       // the packet's source address
};

struct Adjacency {
  LdpId peer;
  HelloSource source;
  bool targeted = false;
  uint16_t hold_time = 0;  // negotiated, seconds; 0xFFFF: infinite
  IpPrefix transport_address;
  std::chrono::steady_clock::time_point expires{};
};

// A peer, as sessions need it: whom to connect to, and whether we open.
struct Peer {
  LdpId id;
  IpPrefix transport_address;
  bool active = false;  // our transport address is the higher: we connect
  unsigned adjacencies = 0;
};

class Discovery {
 public:
  using Clock = std::chrono::steady_clock;
  explicit Discovery(DiscoverySettings settings) : settings_(settings) {}

  // New hold times (a reload), proposed in the Hellos from now on.
  void set_hold_times(uint16_t link, uint16_t targeted) {
    settings_.link_hold_time = link;
    settings_.targeted_hold_time = targeted;
  }
  // The Hello this router sends: link (on every LDP interface) or targeted.
  Hello hello(bool targeted) const;
  // A received Hello: creates or refreshes its adjacency. A Hello from
  // ourselves, for another label space than 0 (per-interface spaces are
  // not spoken here), or whose transport address changed under an
  // adjacency is refused with the reason.
  std::optional<std::string> received(const LdpId& sender, const Hello& hello, const HelloSource& source,
                                      Clock::time_point now);
  // Adjacencies whose hold time ran out are removed; the peers left with
  // none (their sessions end) are returned.
  std::vector<LdpId> expire(Clock::time_point now);

  const std::vector<Adjacency>& adjacencies() const { return adjacencies_; }
  // Every peer with at least one adjacency, by LDP identifier.
  std::vector<Peer> peers() const;

 private:
  DiscoverySettings settings_;
  std::vector<Adjacency> adjacencies_;
};

// Section 3.5.2: the hold time is the smaller of the two proposals, where
// 0 proposes the default (15 s link, 45 s targeted) and 0xFFFF infinite.
uint16_t negotiated_hold_time(uint16_t ours, uint16_t theirs, bool targeted);

}  // namespace aggr::ldp
