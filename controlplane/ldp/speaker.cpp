#include "controlplane/ldp/speaker.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "controlplane/log.h"
#include "controlplane/netlink/interface_setup.h"

namespace aggr::ldp {
namespace {

using namespace std::chrono_literals;

sockaddr_in socket_address(const IpPrefix& address, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  std::memcpy(&a.sin_addr.s_addr, address.bytes, 4);
  return a;
}

IpPrefix host_of(const sockaddr_in& a) {
  IpPrefix p;
  p.family = 4;
  p.length = 32;
  std::memcpy(p.bytes, &a.sin_addr.s_addr, 4);
  return p;
}

IpPrefix lsr_address(uint32_t lsr_id) {
  IpPrefix p;
  p.family = 4;
  p.length = 32;
  p.bytes[0] = uint8_t(lsr_id >> 24);
  p.bytes[1] = uint8_t(lsr_id >> 16);
  p.bytes[2] = uint8_t(lsr_id >> 8);
  p.bytes[3] = uint8_t(lsr_id);
  return p;
}

// True when some interface of this host has the address (binding to it works).
bool is_local(const IpPrefix& address) {
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in a = socket_address(address, 0);
  const bool local = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return local;
}

// Section 2.5.3's backoff after a session that failed to come up: 15 s,
// doubling to 2 minutes. A connection that never got as far as the
// handshake (refused, reset) is tried again sooner.
std::chrono::seconds retry_delay(unsigned failures, bool handshake_failed) {
  if (!handshake_failed) return std::min<std::chrono::seconds>(1s * (1u << std::min(failures, 4u)), 15s);
  return std::min<std::chrono::seconds>(15s * (1u << std::min(failures - 1, 3u)), 120s);
}

}  // namespace

Speaker::Speaker(const LdpConfig& config, std::vector<SpeakerInterface> interfaces, Rib& rib, FecPolicy policy)
    : config_(config),
      local_{config.router_id.ipv4_host_order(), 0},
      interfaces_(std::move(interfaces)),
      feed_(rib, std::move(policy)),
      discovery_(DiscoverySettings{local_, config.transport_address, config.hello_hold_time,
                                   config.targeted_hello_hold_time}),
      label_base_([this](const IpPrefix& fec) { return feed_.route(fec); }, config.first_label) {
  for (const SpeakerInterface& i : interfaces_)
    if (Status s = hellos_.join(i.ifindex); !s.ok())
      throw std::runtime_error("LDP interface " + i.name + ": " + s.error);
  if (!is_local(config_.transport_address)) {
    // A router's transport address is its loopback's, reachable over any link.
    Status s = add_interface_address("lo", config_.transport_address);
    if (s.ok()) s = set_interface_up("lo");
    if (!s.ok())
      throw std::runtime_error("LDP transport address " + format_address(config_.transport_address) + ": " + s.error);
    added_transport_address_ = true;
  }
  open_listener();
  if (config_.graceful_restart.enabled) restore(Clock::now());
  for (const IpPrefix& fec : feed_.policy().egress()) apply(label_base_.set_egress(fec, label_base_.egress_label(fec)));
  log_info("LDP: " + format_ldp_id(local_) + " on " + std::to_string(interfaces_.size()) + " interface(s), transport " +
           format_address(config_.transport_address));
}

Speaker::~Speaker() {
  shutdown();
  if (listener_ >= 0) close(listener_);
  if (added_transport_address_)
    if (Status s = remove_interface_address("lo", config_.transport_address); !s.ok()) log_warning("LDP: " + s.error);
}

void Speaker::withdraw() { report(feed_.withdraw_all()); }

void Speaker::reconfigure(const LdpConfig& config, std::vector<SpeakerInterface> interfaces) {
  for (const SpeakerInterface& i : interfaces)
    if (Status s = hellos_.join(i.ifindex); !s.ok()) log_error("LDP interface " + i.name + ": " + s.error);
  interfaces_ = std::move(interfaces);  // Hellos stop on the others, whose adjacencies then expire
  const std::vector<LdpNeighborConfig> before = config_.neighbors;
  config_.interfaces = config.interfaces;
  config_.hello_interval = config.hello_interval;
  config_.hello_hold_time = config.hello_hold_time;
  config_.targeted_hello_interval = config.targeted_hello_interval;
  config_.targeted_hello_hold_time = config.targeted_hello_hold_time;
  config_.keepalive_time = config.keepalive_time;
  config_.subscriber_fecs = config.subscriber_fecs;
  config_.neighbors = config.neighbors;
  discovery_.set_hold_times(config.hello_hold_time, config.targeted_hello_hold_time);
  next_link_hello_ = next_targeted_hello_ = {};  // the new Hellos go out now
  // A changed key: the listener takes the new one and that peer's session
  // starts again under it. A removed key is replaced by an empty one.
  auto key_of = [](const std::vector<LdpNeighborConfig>& list, uint32_t lsr) -> std::string {
    for (const LdpNeighborConfig& n : list)
      if (n.lsr_id.ipv4_host_order() == lsr) return n.password;
    return "";
  };
  for (auto& [lsr, peer] : peers_) {
    const std::string old_key = key_of(before, lsr), new_key = key_of(config_.neighbors, lsr);
    if (old_key == new_key) continue;
    protect(listener_, peer.transport_address, new_key);
    log_info("LDP: " + format_ldp_id(peer.id) + "'s TCP MD5 key changed: its session starts again");
    const auto now = Clock::now();
    if (peer.session) {
      peer.session->shutdown(StatusCode::kShutdown);
      session_ended(peer, now);
    }
    peer.failures = 0;  // a new key is a new start, without the backoff of the old one's failures
    peer.retry_at = now;
  }
  for (const LdpNeighborConfig& n : config_.neighbors)
    if (key_of(before, n.lsr_id.ipv4_host_order()) != n.password) protect(listener_, n.lsr_id, n.password);
}

void Speaker::shutdown() {
  if (stopped_) return;
  // What a restart is to find: the bindings as they are now.
  if (config_.graceful_restart.enabled && !recovering_) save(Clock::now());
  for (auto& [id, peer] : peers_)
    if (peer.session) peer.session->shutdown(StatusCode::kShutdown);
  peers_.clear();
  for (const PendingConnection& c : pending_) close(c.fd);
  pending_.clear();
  stopped_ = true;
}

void Speaker::open_listener() {
  listener_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listener_ < 0) throw std::runtime_error(std::string("LDP: TCP socket: ") + std::strerror(errno));
  const int one = 1;
  setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  // Keys for the peers configured with one, by their LSR id; peers whose
  // transport address differs get theirs once a Hello announces it.
  for (const LdpNeighborConfig& n : config_.neighbors)
    if (!n.password.empty()) protect(listener_, n.lsr_id, n.password);
  sockaddr_in a = socket_address(config_.transport_address, kPort);
  if (bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(listener_, 16) != 0)
    throw std::runtime_error("LDP: cannot listen on " + format_address(config_.transport_address) +
                             ":646: " + std::strerror(errno));
}

const std::string& Speaker::password_for(const LdpId& peer) const {
  static const std::string kNone;
  for (const LdpNeighborConfig& n : config_.neighbors)
    if (n.lsr_id.ipv4_host_order() == peer.lsr_id) return n.password;
  return kNone;
}

// RFC 5036 section 2.9: the TCP MD5 signature option (RFC 2385), which the
// kernel adds to and checks on every segment to and from that address.
void Speaker::protect(int fd, const IpPrefix& peer_address, const std::string& password) const {
  tcp_md5sig key{};
  sockaddr_in a = socket_address(peer_address, 0);
  std::memcpy(&key.tcpm_addr, &a, sizeof a);
  key.tcpm_keylen = uint16_t(std::min<size_t>(password.size(), TCP_MD5SIG_MAXKEYLEN));
  std::memcpy(key.tcpm_key, password.data(), key.tcpm_keylen);
  // An empty key removes the address's key; there may have been none.
  if (setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &key, sizeof key) != 0 && !(password.empty() && errno == ENOENT))
    log_error("LDP: TCP MD5 key for " + format_address(peer_address) + ": " + std::strerror(errno));
}

void Speaker::poll(Clock::time_point now) {
  if (stopped_) return;
  hellos_.receive([&](const Datagram& d) { receive_hello(d, now); });
  send_hellos(now);
  track_peers(now);
  accept_connections(now);
  service_sessions(now);
  if (config_.graceful_restart.enabled) {
    expire_stale_peers(now);
    if (recovering_ && now >= recovery_until_) end_recovery();
    if (dirty_ && !recovering_ && now - last_save_ >= 1s) save(now);
  }
}

void Speaker::restore(Clock::time_point now) {
  const std::string& file = config_.graceful_restart.state_file;
  if (Status s = load_bindings(file, &restored_); !s.ok()) log_warning("LDP graceful restart: " + s.error);
  if (restored_.empty()) return;
  // The labels bound before are bound again, and forwarding resumes as it
  // was until LDP has learned it all again.
  LabelBaseChanges changes;
  for (const auto& [fec, binding] : restored_.bindings) {
    label_base_.preserve(fec, binding.local_label);
    changes.install[fec] = binding;
  }
  for (const auto& [fec, label] : restored_.next_hop_labels) changes.next_hop_labels[fec] = label;
  report(feed_.apply(changes));
  recovering_ = true;
  recovery_until_ = now + std::chrono::seconds(config_.graceful_restart.recovery_time);
  log_info("LDP graceful restart: " + std::to_string(restored_.bindings.size()) + " bindings and " +
           std::to_string(restored_.next_hop_labels.size()) + " FTN labels restored from " + file);
}

void Speaker::end_recovery() {
  recovering_ = false;
  LabelBaseChanges changes;
  for (const auto& [fec, binding] : restored_.bindings) {
    if (auto now = label_base_.binding(fec))
      changes.install[fec] = *now;
    else
      changes.remove.insert(fec);
  }
  for (const auto& [fec, label] : restored_.next_hop_labels) changes.next_hop_labels[fec] = label_base_.next_hop_label(fec);
  report(feed_.apply(changes));
  log_info("LDP graceful restart: recovery over");
  restored_ = {};
  dirty_ = true;
}

void Speaker::save(Clock::time_point now) {
  SavedBindings saved;
  for (const IpPrefix& fec : label_base_.fecs()) {
    if (auto binding = label_base_.binding(fec)) saved.bindings[fec] = *binding;
    if (auto label = label_base_.next_hop_label(fec)) saved.next_hop_labels[fec] = *label;
  }
  if (Status s = save_bindings(config_.graceful_restart.state_file, saved); !s.ok())
    log_warning("LDP graceful restart: " + s.error);
  dirty_ = false;
  last_save_ = now;
}

void Speaker::expire_stale_peers(Clock::time_point now) {
  for (auto it = stale_until_.begin(); it != stale_until_.end();) {
    if (now < it->second) {
      ++it;
      continue;
    }
    log_info("LDP graceful restart: " + format_ldp_id({it->first, 0}) + "'s stale labels expire");
    apply(label_base_.expire_stale({it->first, 0}));
    it = stale_until_.erase(it);
  }
}

void Speaker::send_hellos(Clock::time_point now) {
  if (now >= next_link_hello_) {
    const std::vector<uint8_t> pdu =
        encode_pdu(Pdu{local_, {Message{MessageType::kHello, 0, discovery_.hello(false)}}});
    for (const SpeakerInterface& i : interfaces_)
      if (Status s = hellos_.send_link(i.ifindex, i.address, pdu); s.ok())
        ++counters_.hellos_sent;
      else
        log_debug("LDP: Hello on " + i.name + ": " + s.error);
    next_link_hello_ = now + std::chrono::seconds(config_.hello_interval);
  }
  if (now >= next_targeted_hello_) {
    Hello hello = discovery_.hello(true);
    const std::vector<uint8_t> pdu = encode_pdu(Pdu{local_, {Message{MessageType::kHello, 0, hello}}});
    for (const LdpNeighborConfig& n : config_.neighbors)
      if (n.targeted) {
        if (Status s = hellos_.send_targeted(*n.targeted, config_.transport_address, pdu); s.ok()) ++counters_.hellos_sent;
      }
    next_targeted_hello_ = now + std::chrono::seconds(config_.targeted_hello_interval);
  }
}

void Speaker::receive_hello(const Datagram& d, Clock::time_point now) {
  Pdu pdu;
  const DecodeError error = decode_pdu(d.bytes, &pdu);
  auto refuse = [&](const std::string& why) {
    ++counters_.hellos_refused;
    log_debug("LDP: a Hello from " + format_address(d.source) + " refused: " + why);
  };
  if (!error.ok()) return refuse(status_name(error.code) + " (" + error.detail + ")");
  for (const Message& m : pdu.messages) {
    const Hello* hello = std::get_if<Hello>(&m.body);
    if (hello == nullptr) continue;
    HelloSource source{"", d.source};
    if (!hello->targeted) {
      auto it = std::find_if(interfaces_.begin(), interfaces_.end(),
                             [&](const SpeakerInterface& i) { return i.ifindex == d.ifindex; });
      if (it == interfaces_.end() || !d.to_group) {
        refuse("a link Hello not on an LDP interface");
        continue;
      }
      source.interface = it->name;
    } else {
      // Targeted Hellos are taken from configured neighbors only.
      const bool known = std::any_of(config_.neighbors.begin(), config_.neighbors.end(), [&](const LdpNeighborConfig& n) {
        return n.targeted && (*n.targeted == d.source || n.lsr_id.ipv4_host_order() == pdu.sender.lsr_id);
      });
      if (!known) {
        refuse("a targeted Hello from no configured neighbor");
        continue;
      }
    }
    const size_t adjacencies = discovery_.adjacencies().size();
    if (auto why = discovery_.received(pdu.sender, *hello, source, now)) {
      refuse(*why);
      continue;
    }
    ++counters_.hellos_received;
    // A new neighbour hears from us now, not up to an interval later: it
    // needs our Hello too before a session can open.
    if (discovery_.adjacencies().size() > adjacencies) (hello->targeted ? next_targeted_hello_ : next_link_hello_) = now;
  }
}

void Speaker::track_peers(Clock::time_point now) {
  for (const LdpId& gone : discovery_.expire(now)) {
    auto it = peers_.find(gone.lsr_id);
    if (it == peers_.end()) continue;
    log_info("LDP: peer " + format_ldp_id(gone) + ": its last Hello adjacency expired");
    if (it->second.session) it->second.session->shutdown(StatusCode::kHoldTimerExpired);
    session_ended(it->second, now);
    peers_.erase(it);
  }
  for (const Peer& p : discovery_.peers()) {
    auto [it, added] = peers_.try_emplace(p.id.lsr_id);
    PeerRecord& peer = it->second;
    if (added) {
      peer.id = p.id;
      peer.retry_at = now;
      log_info("LDP: peer " + format_ldp_id(p.id) + " discovered, transport " + format_address(p.transport_address) +
               (p.active ? " (we connect)" : " (it connects)"));
      if (const std::string& password = password_for(p.id); !password.empty() && !(p.transport_address == lsr_address(p.id.lsr_id)))
        protect(listener_, p.transport_address, password);
    }
    peer.transport_address = p.transport_address;
    peer.active = p.active;
    if (peer.active && !peer.session && now >= peer.retry_at) connect(peer, now);
  }
}

SessionSettings Speaker::session_settings(const PeerRecord& peer) const {
  SessionSettings s;
  s.local = local_;
  s.peer = peer.id;
  s.active = peer.active;
  s.keepalive_time = config_.keepalive_time;
  const LdpGracefulRestartConfig& gr = config_.graceful_restart;
  // A recovery time only while what was saved before a restart is in use.
  if (gr.enabled) s.ft_session = FtSession{kFtLearnFromNetwork, gr.reconnect_time * 1000, recovering_ ? gr.recovery_time * 1000 : 0};
  return s;
}

void Speaker::connect(PeerRecord& peer, Clock::time_point now) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    peer.last_error = std::string("socket: ") + std::strerror(errno);
    peer.retry_at = now + 1s;
    return;
  }
  if (const std::string& password = password_for(peer.id); !password.empty()) protect(fd, peer.transport_address, password);
  // From our transport address: the one our Hellos announced.
  sockaddr_in local = socket_address(config_.transport_address, 0);
  sockaddr_in remote = socket_address(peer.transport_address, kPort);
  if (bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
      (::connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0 && errno != EINPROGRESS)) {
    peer.last_error = std::string("connecting: ") + std::strerror(errno);
    peer.handshake_failed = false;
    close(fd);
    peer.retry_at = now + retry_delay(++peer.failures, false);
    return;
  }
  peer.session = std::make_unique<Session>(session_settings(peer), fd, true, now);
}

PeerRecord* Speaker::passive_peer_at(const IpPrefix& source) {
  auto it = std::find_if(peers_.begin(), peers_.end(), [&](const auto& entry) {
    return !entry.second.active && entry.second.transport_address == source;
  });
  if (it == peers_.end() || (it->second.session && it->second.operational)) return nullptr;
  return &it->second;
}

void Speaker::refuse_connection(int fd, const IpPrefix& source, const char* why) {
  ++counters_.connections_refused;
  log_debug("LDP: connection from " + format_address(source) + " refused: " + why);
  close(fd);
}

void Speaker::accept_connections(Clock::time_point now) {
  constexpr size_t kMaxPending = 16;
  constexpr auto kPendingTime = 5s;
  for (;;) {
    sockaddr_in from{};
    socklen_t length = sizeof from;
    const int fd = accept4(listener_, reinterpret_cast<sockaddr*>(&from), &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) break;
    const IpPrefix source = host_of(from);
    // Section 2.5.2: the passive side takes a connection from a peer whose
    // Hellos it has, at the transport address they announced.
    if (PeerRecord* peer = passive_peer_at(source)) {
      peer->session = std::make_unique<Session>(session_settings(*peer), fd, false, now);
      continue;
    }
    const bool known = std::any_of(peers_.begin(), peers_.end(),
                                   [&](const auto& entry) { return entry.second.transport_address == source; });
    if (known || pending_.size() >= kMaxPending) {
      refuse_connection(fd, source, "no Hello adjacency makes it a passive peer's");
      continue;
    }
    pending_.push_back({fd, source, now + kPendingTime});
  }
  adopt_pending(now);
}

void Speaker::adopt_pending(Clock::time_point now) {
  std::erase_if(pending_, [&](const PendingConnection& c) {
    PeerRecord* peer = passive_peer_at(c.source);
    if (peer != nullptr && !password_for(peer->id).empty()) {
      // Accepted before the peer's key was on the listener: unsigned. The
      // peer connects again, signed.
      refuse_connection(c.fd, c.source, "accepted before its TCP MD5 key was set");
    } else if (peer != nullptr) {
      peer->session = std::make_unique<Session>(session_settings(*peer), c.fd, false, now);
    } else if (now >= c.until) {
      refuse_connection(c.fd, c.source, "no Hello adjacency made it a passive peer's in time");
    } else {
      return false;
    }
    return true;
  });
}

void Speaker::service_sessions(Clock::time_point now) {
  std::vector<pollfd> fds;
  std::vector<PeerRecord*> owners;
  for (auto& [id, peer] : peers_)
    if (peer.session && !peer.session->closed()) {
      fds.push_back({peer.session->fd(), peer.session->events(), 0});
      owners.push_back(&peer);
    }
  if (!fds.empty()) ::poll(fds.data(), fds.size(), 0);
  for (size_t i = 0; i < fds.size(); ++i) {
    PeerRecord& peer = *owners[i];
    Session& session = *peer.session;
    std::vector<Message> deliver = fds[i].revents ? session.ready(fds[i].revents, now) : std::vector<Message>{};
    session.tick(now);
    if (!peer.operational && session.state() == SessionState::kOperational) went_operational(peer, now);
    for (const Message& m : deliver)
      if (peer.operational) apply(label_base_.received(peer.id, m));
    if (session.closed()) session_ended(peer, now);
  }
  // Routing moved: every FEC's next hop is looked up again, and a peer we
  // could not reach may be reachable now (a refused handshake waits out
  // its backoff all the same).
  if (routes_version_ != feed_.routes_version()) {
    routes_version_ = feed_.routes_version();
    apply(label_base_.refresh_routes());
    for (auto& [id, peer] : peers_)
      if (peer.active && !peer.session && !peer.handshake_failed) peer.retry_at = std::min(peer.retry_at, now);
  }
}

std::vector<Message> Speaker::address_messages() const {
  AddressList ipv4, ipv6;
  ipv4.addresses.push_back(config_.transport_address);
  for (const SpeakerInterface& i : interfaces_)
    for (const IpPrefix& a : i.addresses) {
      AddressList& list = a.family == 4 ? ipv4 : ipv6;
      if (std::find(list.addresses.begin(), list.addresses.end(), a) == list.addresses.end()) list.addresses.push_back(a);
    }
  std::vector<Message> messages{{MessageType::kAddress, 0, ipv4}};
  if (!ipv6.addresses.empty()) messages.push_back({MessageType::kAddress, 0, ipv6});
  return messages;
}

void Speaker::went_operational(PeerRecord& peer, Clock::time_point now) {
  peer.operational = true;
  peer.failures = 0;
  peer.up_since = now;
  peer.last_error.clear();
  log_info("LDP: session with " + format_ldp_id(peer.id) + " OPERATIONAL");
  // Our addresses first, so that the peer can tell which of our mappings
  // come from its next hop (section 2.7); then every label bound here.
  peer.session->send(address_messages());
  apply(label_base_.peer_up(peer.id, {}));
  // A peer back from a graceful restart: its stale labels last its recovery
  // time (none: it kept no forwarding state, they go now).
  if (auto stale = stale_until_.find(peer.id.lsr_id); stale != stale_until_.end()) {
    const std::optional<FtSession>& ft = peer.session->fsm().peer_ft_session();
    const uint32_t recovery_ms = ft ? std::min(ft->recovery_time_ms, config_.graceful_restart.recovery_time * 1000) : 0;
    stale->second = now + std::chrono::milliseconds(recovery_ms);
    log_info("LDP graceful restart: " + format_ldp_id(peer.id) + " is back; its stale labels last " +
             std::to_string(recovery_ms) + " ms more");
  }
}

void Speaker::session_ended(PeerRecord& peer, Clock::time_point now) {
  if (!peer.session) return;
  for (const auto& [type, n] : peer.session->sent()) peer.sent[type] += n;
  for (const auto& [type, n] : peer.session->received()) peer.received[type] += n;
  const bool handshake = peer.session->fsm().state() != SessionState::kOperational && !peer.operational &&
                         peer.session->received().count(MessageType::kInitialization);
  peer.last_error = peer.session->close_reason();
  if (peer.operational) {
    ++peer.flaps;
    peer.operational = false;
    log_warning("LDP: session with " + format_ldp_id(peer.id) + " ended: " + peer.last_error);
    // A peer that restarts gracefully keeps its labels in use, stale, for
    // the smaller of its reconnect timeout and ours (RFC 3478 section 3).
    const std::optional<FtSession>& ft = peer.session->fsm().peer_ft_session();
    const uint32_t reconnect_ms =
        config_.graceful_restart.enabled && ft ? std::min(ft->reconnect_timeout_ms, config_.graceful_restart.reconnect_time * 1000) : 0;
    apply(label_base_.peer_down(peer.id, reconnect_ms > 0));
    if (reconnect_ms > 0) {
      stale_until_[peer.id.lsr_id] = now + std::chrono::milliseconds(reconnect_ms);
      log_info("LDP graceful restart: " + format_ldp_id(peer.id) + "'s labels kept " + std::to_string(reconnect_ms) +
               " ms for it to come back");
    }
    peer.retry_at = now + 1s;
  } else {
    log_debug("LDP: session with " + format_ldp_id(peer.id) + " did not come up: " + peer.last_error);
    peer.handshake_failed = handshake;
    peer.retry_at = now + retry_delay(++peer.failures, handshake);
  }
  peer.session.reset();
}

void Speaker::apply(const LabelBaseChanges& changes) {
  dirty_ |= !changes.install.empty() || !changes.remove.empty() || !changes.next_hop_labels.empty();
  for (const auto& [key, messages] : changes.send) {
    auto it = peers_.find(key.first);
    if (it != peers_.end() && it->second.operational && it->second.session) it->second.session->send(messages);
  }
  report(feed_.apply(changes));
}

void Speaker::report(const std::vector<std::string>& problems) {
  for (const std::string& problem : problems) {
    log_warning("LDP: " + problem);
    problems_.push_back(problem);
    if (problems_.size() > 32) problems_.erase(problems_.begin());
  }
}

void Speaker::set_policy(FecPolicy policy) {
  if (policy == feed_.policy()) return;
  const FecPolicy old = feed_.policy();
  // An origination that stops, or now pops to another ISP, is unbound
  // first; the new ones are bound under labels of their own below.
  // What a FEC's label pops to: an ISP (its id, 1 or more), the
  // subscribers (0), or none when it is not originated.
  auto pops_to = [](const FecPolicy& p, const IpPrefix& fec) -> std::optional<uint32_t> {
    if (auto isp = p.isp_egress.find(fec); isp != p.isp_egress.end()) return isp->second;
    if (std::count(p.pool_egress.begin(), p.pool_egress.end(), fec)) return 0;
    return std::nullopt;
  };
  for (const IpPrefix& fec : old.egress())
    if (pops_to(old, fec) != pops_to(policy, fec)) apply(label_base_.set_egress(fec, std::nullopt));
  std::map<IpPrefix, std::optional<NextHopLabel>> labels;
  for (const IpPrefix& fec : label_base_.fecs()) labels[fec] = label_base_.next_hop_label(fec);
  report(feed_.set_policy(policy, labels));
  for (const IpPrefix& fec : policy.egress())
    if (auto bound = label_base_.binding(fec); !bound || !bound->egress)
      apply(label_base_.set_egress(fec, label_base_.egress_label(fec)));
}

}  // namespace aggr::ldp
