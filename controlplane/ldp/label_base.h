// The label information base and its decisions (RFC 5036 sections 2.6 and
// A.1; FRR's lde.c): downstream unsolicited advertisement, liberal label
// retention and ordered control. It keeps every peer's mapping for every
// FEC, the FECs this router is the egress for, and each FEC's next hop;
// from them it decides the labels it binds and advertises and the
// forwarding entries they need, and says what changed. Pure logic: the
// sessions feed it and send what it asks; the RIB takes its entries.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "controlplane/ldp/pdu.h"

namespace aggr::ldp {

// How this router forwards a FEC it binds a label to.
struct Binding {
  uint32_t local_label = 0;
  // Egress (the FEC ends here: an ISP's handoff, a headend's pool): popped,
  // as the RIB's static entry for the label says. Otherwise swapped for
  // the next hop's label towards its address.
  bool egress = false;
  std::optional<uint32_t> out_label;      // transit: the next hop's label
  std::optional<IpPrefix> next_hop;       // transit: the next hop's address
  bool operator==(const Binding&) const = default;
};

// What a change asks of the sessions and of the RIB.
struct LabelBaseChanges {
  // Per peer, the messages to send, in order (their ids are the session's to give).
  std::map<std::pair<uint32_t, uint16_t>, std::vector<Message>> send;
  // Bindings to install (or replace) and to remove, by FEC.
  std::map<IpPrefix, Binding> install;
  std::set<IpPrefix> remove;
  // The label the next hop gives each FEC (none: it withdrew it, or the
  // next hop changed to one without): a headend's FTN entries follow it.
  std::map<IpPrefix, std::optional<uint32_t>> next_hop_labels;
};

class LabelBase {
 public:
  // Labels are allocated from `first` upward (16: the first unreserved).
  explicit LabelBase(uint32_t first = 16) : next_label_(first) {}

  // A FEC this router is the egress for, with the label it advertises
  // (non-null: the label tells the ISP); none: no longer.
  LabelBaseChanges set_egress(const IpPrefix& fec, std::optional<uint32_t> label);
  // The FEC's next hop by address (as routing says; none: no route).
  LabelBaseChanges set_next_hop(const IpPrefix& fec, std::optional<IpPrefix> next_hop);

  // A session became operational, with the peer's addresses (its Address
  // messages): it gets a mapping for every FEC this router advertises.
  LabelBaseChanges peer_up(const LdpId& peer, const std::vector<IpPrefix>& addresses);
  LabelBaseChanges peer_addresses(const LdpId& peer, const std::vector<IpPrefix>& added,
                                  const std::vector<IpPrefix>& withdrawn);
  // Its session ended: its mappings are gone.
  LabelBaseChanges peer_down(const LdpId& peer);
  // Label messages from a peer's session.
  LabelBaseChanges received(const LdpId& peer, const Message& message);

  std::optional<uint32_t> local_label(const IpPrefix& fec) const;
  // Every peer's mapping for a FEC (liberal retention).
  std::map<std::pair<uint32_t, uint16_t>, uint32_t> mappings(const IpPrefix& fec) const;

 private:
  struct Fec {
    std::optional<uint32_t> egress_label;  // set: this router is the egress
    std::optional<IpPrefix> next_hop;
    std::map<std::pair<uint32_t, uint16_t>, uint32_t> received;  // by peer
    std::optional<Binding> bound;           // installed and advertised
    std::optional<uint32_t> reported_next_hop_label;
  };
  struct PeerState {
    LdpId id;
    std::set<IpPrefix> addresses;
  };
  using PeerKey = std::pair<uint32_t, uint16_t>;

  // The peer whose addresses include the FEC's next hop.
  std::optional<PeerKey> next_hop_peer(const Fec& fec) const;
  // Decides the FEC again: binds, rebinds or unbinds it, and advertises or
  // withdraws accordingly (ordered control: a transit binding needs the
  // next hop's mapping first).
  void decide(const IpPrefix& prefix, LabelBaseChanges& changes);
  void decide_all(LabelBaseChanges& changes);
  // To every peer whose session is up.
  void to_all(const Message& message, LabelBaseChanges& changes);

  std::map<IpPrefix, Fec> fecs_;
  std::map<PeerKey, PeerState> peers_;
  // Never reused while this runs: a label withdrawn may still be in a
  // peer's tables until it releases it.
  uint32_t next_label_;
};

}  // namespace aggr::ldp
