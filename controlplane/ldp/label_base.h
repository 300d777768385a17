// The label information base and its decisions (RFC 5036 sections 2.6 and
// A.1; FRR's lde.c): downstream unsolicited advertisement, liberal label
// retention and ordered control. It keeps every peer's mapping for every
// FEC, the FECs this router is the egress for, and each FEC's next hop;
// from them it decides the labels it binds and advertises and the
// forwarding entries they need, and says what changed. Pure logic: the
// sessions feed it and send what it asks; the RIB takes its entries.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "controlplane/ldp/pdu.h"

namespace aggr::ldp {

// Where routing sends a FEC: the next hop's address and the router's port
// it is on (as FRR's lde keeps a nexthop with its interface).
struct NextHop {
  IpPrefix address;  // a host prefix
  uint16_t port = 0;
  bool operator==(const NextHop&) const = default;
};

// The label the next hop towards a FEC gives it, and that next hop.
struct NextHopLabel {
  uint32_t label = 0;
  NextHop next_hop;
  bool operator==(const NextHopLabel&) const = default;
};

// How this router forwards a FEC it binds a label to.
struct Binding {
  uint32_t local_label = 0;
  // Egress (the FEC ends here: an ISP's handoff, a headend's pool): popped,
  // as the RIB's static entry for the label says. Otherwise swapped for
  // the next hop's label towards its address.
  bool egress = false;
  std::optional<uint32_t> out_label;      // transit: the next hop's label
  std::optional<NextHop> next_hop;        // transit: where the swapped packets go
  bool operator==(const Binding&) const = default;
};

// What a change asks of the sessions and of the RIB.
struct LabelBaseChanges {
  // Per peer, the messages to send, in order (their ids are the session's to give).
  std::map<std::pair<uint32_t, uint16_t>, std::vector<Message>> send;
  // Bindings to install (or replace) and to remove, by FEC.
  std::map<IpPrefix, Binding> install;
  std::set<IpPrefix> remove;
  // The label the next hop gives each FEC, with that next hop (none: it
  // withdrew it, or the next hop changed to one without): a headend's FTN
  // entries, and a tailend's by prefix, follow it.
  std::map<IpPrefix, std::optional<NextHopLabel>> next_hop_labels;
  bool empty() const { return send.empty() && install.empty() && remove.empty() && next_hop_labels.empty(); }
};

class LabelBase {
 public:
  // Where routing sends a prefix (none: no route, or it is on a link of
  // this router's): asked of every FEC when it is first heard of.
  using RouteLookup = std::function<std::optional<NextHop>(const IpPrefix&)>;

  // Labels are allocated from `first` upward (16: the first unreserved).
  explicit LabelBase(RouteLookup route = {}, uint32_t first = 16) : route_(std::move(route)), next_label_(first) {}

  // A FEC this router is the egress for, with the label it advertises
  // (non-null: the label tells the ISP); none: no longer.
  LabelBaseChanges set_egress(const IpPrefix& fec, std::optional<uint32_t> label);
  // The FEC's next hop (as routing says; none: no route).
  LabelBaseChanges set_next_hop(const IpPrefix& fec, std::optional<NextHop> next_hop);
  // Routing changed: every FEC's next hop is looked up again.
  LabelBaseChanges refresh_routes();

  // A session became operational, with the peer's addresses (its Address
  // messages): it gets a mapping for every FEC this router advertises.
  LabelBaseChanges peer_up(const LdpId& peer, const std::vector<IpPrefix>& addresses);
  LabelBaseChanges peer_addresses(const LdpId& peer, const std::vector<IpPrefix>& added,
                                  const std::vector<IpPrefix>& withdrawn);
  // Its session ended: its mappings are gone, or, where it restarts
  // gracefully (RFC 3478), kept as they are, stale, and nothing sent to it,
  // until it maps them again or expire_stale() says their time is up.
  LabelBaseChanges peer_down(const LdpId& peer, bool keep_stale = false);
  // The peer's mappings it has not refreshed since its session ended go.
  LabelBaseChanges expire_stale(const LdpId& peer);
  // A label this router bound to the FEC before it restarted: bound to it
  // again (and never allocated to another).
  void preserve(const IpPrefix& fec, uint32_t label);
  // The FEC's label for this router to be its egress: the one it had
  // before a restart, or a new one.
  uint32_t egress_label(const IpPrefix& fec);
  // Label messages from a peer's session.
  LabelBaseChanges received(const LdpId& peer, const Message& message);

  std::optional<uint32_t> local_label(const IpPrefix& fec) const;
  std::optional<Binding> binding(const IpPrefix& fec) const;
  std::optional<NextHop> next_hop(const IpPrefix& fec) const;
  // The label its next hop gives the FEC, as last reported.
  std::optional<NextHopLabel> next_hop_label(const IpPrefix& fec) const;
  // Every FEC heard of: bound here, or mapped by some peer.
  std::vector<IpPrefix> fecs() const;
  // Every peer's mapping for a FEC (liberal retention).
  std::map<std::pair<uint32_t, uint16_t>, uint32_t> mappings(const IpPrefix& fec) const;

 private:
  struct Fec {
    std::optional<uint32_t> egress_label;  // set: this router is the egress
    std::optional<NextHop> next_hop;
    std::map<std::pair<uint32_t, uint16_t>, uint32_t> received;  // by peer
    std::optional<Binding> bound;           // installed and advertised
    std::optional<NextHopLabel> reported_next_hop_label;
    std::set<std::pair<uint32_t, uint16_t>> stale;  // peers whose mapping is kept over their restart
    std::optional<uint32_t> preserved_label;       // bound before this router restarted
  };
  struct PeerState {
    LdpId id;
    std::set<IpPrefix> addresses;
    bool up = true;  // false: restarting, its stale mappings kept
  };
  using PeerKey = std::pair<uint32_t, uint16_t>;

  // The FEC's entry, created (with its route) when first heard of.
  Fec& fec(const IpPrefix& prefix);
  // The peer whose addresses include the FEC's next hop.
  std::optional<PeerKey> next_hop_peer(const Fec& fec) const;
  // Decides the FEC again: binds, rebinds or unbinds it, and advertises or
  // withdraws accordingly (ordered control: a transit binding needs the
  // next hop's mapping first).
  void decide(const IpPrefix& prefix, LabelBaseChanges& changes);
  void decide_all(LabelBaseChanges& changes);
  // To every peer whose session is up.
  void to_all(const Message& message, LabelBaseChanges& changes);

  RouteLookup route_;
  std::map<IpPrefix, Fec> fecs_;
  std::map<PeerKey, PeerState> peers_;
  // Never reused while this runs: a label withdrawn may still be in a
  // peer's tables until it releases it.
  uint32_t next_label_;
};

}  // namespace aggr::ldp
