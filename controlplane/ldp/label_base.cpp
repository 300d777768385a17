#include "controlplane/ldp/label_base.h"

#include <algorithm>

namespace aggr::ldp {
namespace {

using PeerKey = std::pair<uint32_t, uint16_t>;

PeerKey key(const LdpId& id) { return {id.lsr_id, id.label_space}; }

Message label_message(MessageType type, const IpPrefix& fec, std::optional<uint32_t> label) {
  return {type, 0, LabelMessage{{FecElement{false, fec}}, label, std::nullopt, std::nullopt}};
}

}  // namespace

LabelBase::Fec& LabelBase::fec(const IpPrefix& prefix) {
  auto [it, added] = fecs_.try_emplace(prefix);
  if (added && route_) it->second.next_hop = route_(prefix);
  return it->second;
}

std::optional<PeerKey> LabelBase::next_hop_peer(const Fec& fec) const {
  if (!fec.next_hop) return std::nullopt;
  for (const auto& [k, peer] : peers_)
    if (peer.addresses.count(fec.next_hop->address)) return k;
  return std::nullopt;
}

void LabelBase::to_all(const Message& message, LabelBaseChanges& changes) {
  for (const auto& [k, peer] : peers_)
    if (peer.up) changes.send[k].push_back(message);
}

void LabelBase::decide(const IpPrefix& prefix, LabelBaseChanges& changes) {
  Fec& f = fecs_[prefix];
  const std::optional<PeerKey> downstream = next_hop_peer(f);
  std::optional<uint32_t> next_hop_label;
  if (downstream)
    if (auto it = f.received.find(*downstream); it != f.received.end()) next_hop_label = it->second;
  std::optional<NextHopLabel> report;
  if (next_hop_label) report = NextHopLabel{*next_hop_label, *f.next_hop};
  if (report != f.reported_next_hop_label) {
    changes.next_hop_labels[prefix] = report;
    f.reported_next_hop_label = report;
  }

  std::optional<Binding> want;
  if (f.egress_label) {
    want = Binding{*f.egress_label, true, std::nullopt, std::nullopt};
  } else if (next_hop_label) {  // ordered control: bound once the next hop has bound it
    const bool keep = f.bound && !f.bound->egress;
    const uint32_t label = keep ? f.bound->local_label : f.preserved_label ? *f.preserved_label : next_label_++;
    f.preserved_label.reset();  // used once: a FEC rebound later gets a new label
    want = Binding{label, false, next_hop_label, f.next_hop};
  }
  if (want == f.bound) return;
  if (f.bound && (!want || want->local_label != f.bound->local_label))
    to_all(label_message(MessageType::kLabelWithdraw, prefix, f.bound->local_label), changes);
  if (!want) {
    changes.remove.insert(prefix);
    changes.install.erase(prefix);
    f.bound.reset();
    return;
  }
  const bool advertise = !f.bound || f.bound->local_label != want->local_label;
  f.bound = want;
  changes.install[prefix] = *want;
  changes.remove.erase(prefix);
  if (advertise) to_all(label_message(MessageType::kLabelMapping, prefix, want->local_label), changes);
}

void LabelBase::decide_all(LabelBaseChanges& changes) {
  for (auto& [prefix, fec] : fecs_) decide(prefix, changes);
}

LabelBaseChanges LabelBase::set_egress(const IpPrefix& prefix, std::optional<uint32_t> label) {
  LabelBaseChanges changes;
  fec(prefix).egress_label = label;
  decide(prefix, changes);
  return changes;
}

LabelBaseChanges LabelBase::set_next_hop(const IpPrefix& prefix, std::optional<NextHop> next_hop) {
  LabelBaseChanges changes;
  fec(prefix).next_hop = next_hop;
  decide(prefix, changes);
  return changes;
}

LabelBaseChanges LabelBase::refresh_routes() {
  LabelBaseChanges changes;
  if (!route_) return changes;
  for (auto& [prefix, f] : fecs_) {
    std::optional<NextHop> next_hop = route_(prefix);
    if (next_hop == f.next_hop) continue;
    f.next_hop = next_hop;
    decide(prefix, changes);
  }
  return changes;
}

LabelBaseChanges LabelBase::peer_up(const LdpId& peer, const std::vector<IpPrefix>& addresses) {
  LabelBaseChanges changes;
  PeerState& state = peers_[key(peer)];
  state.id = peer;
  state.up = true;
  state.addresses.insert(addresses.begin(), addresses.end());
  // Downstream unsolicited: the new peer learns every label bound here.
  for (const auto& [prefix, fec] : fecs_)
    if (fec.bound) changes.send[key(peer)].push_back(label_message(MessageType::kLabelMapping, prefix, fec.bound->local_label));
  decide_all(changes);
  return changes;
}

LabelBaseChanges LabelBase::peer_addresses(const LdpId& peer, const std::vector<IpPrefix>& added,
                                           const std::vector<IpPrefix>& withdrawn) {
  LabelBaseChanges changes;
  auto it = peers_.find(key(peer));
  if (it == peers_.end()) return changes;
  for (const IpPrefix& a : withdrawn) it->second.addresses.erase(a);
  it->second.addresses.insert(added.begin(), added.end());
  decide_all(changes);
  return changes;
}

LabelBaseChanges LabelBase::peer_down(const LdpId& peer, bool keep_stale) {
  LabelBaseChanges changes;
  auto it = peers_.find(key(peer));
  if (it == peers_.end()) return changes;
  if (keep_stale) {  // forwarding stays as it is: nothing to decide
    it->second.up = false;
    for (auto& [prefix, fec] : fecs_)
      if (fec.received.count(key(peer))) fec.stale.insert(key(peer));
    return changes;
  }
  peers_.erase(it);
  for (auto& [prefix, fec] : fecs_) {
    fec.received.erase(key(peer));
    fec.stale.erase(key(peer));
  }
  decide_all(changes);
  return changes;
}

LabelBaseChanges LabelBase::expire_stale(const LdpId& peer) {
  LabelBaseChanges changes;
  for (auto& [prefix, fec] : fecs_)
    if (fec.stale.erase(key(peer))) {
      fec.received.erase(key(peer));
      decide(prefix, changes);
    }
  if (auto it = peers_.find(key(peer)); it != peers_.end() && !it->second.up) {
    peers_.erase(it);
    decide_all(changes);
  }
  return changes;
}

void LabelBase::preserve(const IpPrefix& prefix, uint32_t label) {
  fec(prefix).preserved_label = label;
  next_label_ = std::max(next_label_, label + 1);
}

uint32_t LabelBase::egress_label(const IpPrefix& prefix) {
  Fec& f = fec(prefix);
  if (!f.preserved_label) return next_label_++;
  const uint32_t label = *f.preserved_label;
  f.preserved_label.reset();
  return label;
}

LabelBaseChanges LabelBase::received(const LdpId& peer, const Message& message) {
  LabelBaseChanges changes;
  const PeerKey from = key(peer);
  if (!peers_.count(from)) return changes;
  if (message.type == MessageType::kAddress || message.type == MessageType::kAddressWithdraw) {
    const auto& list = std::get<AddressList>(message.body).addresses;
    return message.type == MessageType::kAddress ? peer_addresses(peer, list, {}) : peer_addresses(peer, {}, list);
  }
  if (!std::holds_alternative<LabelMessage>(message.body)) return changes;
  const LabelMessage& m = std::get<LabelMessage>(message.body);
  switch (message.type) {
    case MessageType::kLabelMapping:
      if (!m.label) break;  // the decoder refuses such a mapping
      for (const FecElement& e : m.fecs)
        if (!e.wildcard) {
          Fec& f = fec(e.prefix);
          f.received[from] = *m.label;  // liberal retention: kept whoever sent it
          f.stale.erase(from);          // refreshed after the peer's restart
          decide(e.prefix, changes);
        }
      break;
    case MessageType::kLabelWithdraw:
      // Each withdrawn label is released back (section 3.5.10), then forgotten.
      for (auto& [prefix, fec] : fecs_) {
        auto it = fec.received.find(from);
        if (it == fec.received.end()) continue;
        bool named = false;
        for (const FecElement& e : m.fecs) named |= e.wildcard || e.prefix == prefix;
        if (!named || (m.label && *m.label != it->second)) continue;
        changes.send[from].push_back(label_message(MessageType::kLabelRelease, prefix, it->second));
        fec.received.erase(it);
        decide(prefix, changes);
      }
      break;
    case MessageType::kLabelRequest:
      // Downstream unsolicited answers a request with what it has bound.
      for (const FecElement& e : m.fecs) {
        auto it = e.wildcard ? fecs_.end() : fecs_.find(e.prefix);
        if (it != fecs_.end() && it->second.bound)
          changes.send[from].push_back(label_message(MessageType::kLabelMapping, e.prefix, it->second.bound->local_label));
        else
          changes.send[from].push_back(
              {MessageType::kNotification, 0,
               Notification{status_word(StatusCode::kNoRoute), message.id, uint16_t(message.type)}});
      }
      break;
    default:  // a release of our label: never reused here, so nothing to do; an abort: no request is pending
      break;
  }
  return changes;
}

std::optional<uint32_t> LabelBase::local_label(const IpPrefix& fec) const {
  auto it = fecs_.find(fec);
  if (it == fecs_.end() || !it->second.bound) return std::nullopt;
  return it->second.bound->local_label;
}

std::optional<Binding> LabelBase::binding(const IpPrefix& prefix) const {
  auto it = fecs_.find(prefix);
  return it == fecs_.end() ? std::nullopt : it->second.bound;
}

std::optional<NextHop> LabelBase::next_hop(const IpPrefix& prefix) const {
  auto it = fecs_.find(prefix);
  return it == fecs_.end() ? std::nullopt : it->second.next_hop;
}

std::optional<NextHopLabel> LabelBase::next_hop_label(const IpPrefix& prefix) const {
  auto it = fecs_.find(prefix);
  return it == fecs_.end() ? std::nullopt : it->second.reported_next_hop_label;
}

std::vector<IpPrefix> LabelBase::fecs() const {
  std::vector<IpPrefix> all;
  all.reserve(fecs_.size());
  for (const auto& [prefix, f] : fecs_) all.push_back(prefix);
  return all;
}

std::map<std::pair<uint32_t, uint16_t>, uint32_t> LabelBase::mappings(const IpPrefix& fec) const {
  auto it = fecs_.find(fec);
  return it == fecs_.end() ? std::map<PeerKey, uint32_t>{} : it->second.received;
}

}  // namespace aggr::ldp
