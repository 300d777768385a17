// The LDP speaker (RFC 5036): discovery over the exception path's mirrors
// (link Hellos) and to configured peers (targeted Hellos), a TCP session
// per peer, the label information base, and the RIB feed that turns its
// bindings into forwarding entries. It runs on the control-plane thread:
// poll() does whatever its sockets and timers have for it without
// blocking, and the views read it between polls.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "controlplane/config/config.h"
#include "controlplane/ldp/binding_store.h"
#include "controlplane/ldp/discovery.h"
#include "controlplane/ldp/hello_socket.h"
#include "controlplane/ldp/label_base.h"
#include "controlplane/ldp/rib_feed.h"
#include "controlplane/ldp/session.h"

namespace aggr::ldp {

// A port LDP speaks on: its mirror's kernel interface and addresses.
struct SpeakerInterface {
  std::string name;  // the port's
  unsigned ifindex = 0;
  IpPrefix address;  // an IPv4 host prefix: the Hellos' source
  // Every address of the mirror (host prefixes, both families): the Address
  // messages tell peers which of their next hops this router is.
  std::vector<IpPrefix> addresses;
};

// A peer as discovery found it, and its session.
struct PeerRecord {
  LdpId id;
  IpPrefix transport_address;
  bool active = false;  // this router opens the connection
  std::unique_ptr<Session> session;
  bool operational = false;  // the label information base has it
  std::chrono::steady_clock::time_point up_since{};
  std::chrono::steady_clock::time_point retry_at{};
  unsigned failures = 0;  // attempts in a row that did not reach OPERATIONAL
  bool handshake_failed = false;  // the last attempt got as far as Initialization
  uint64_t flaps = 0;     // times an operational session ended
  std::string last_error;
  MessageCounts sent, received;  // over every session with the peer
};

// A connection accepted before the Hello that makes its source a passive
// peer's: the active side connects as soon as it has our Hello, and its
// own may be just behind. Held a few seconds, as FRR's ldpd holds them,
// instead of refused into the active side's backoff.
struct PendingConnection {
  int fd = -1;
  IpPrefix source;
  std::chrono::steady_clock::time_point until{};
};

struct SpeakerCounters {
  uint64_t hellos_sent = 0, hellos_received = 0, hellos_refused = 0;
  uint64_t connections_refused = 0;  // accepted from an address no Hello announced
};

class Speaker {
 public:
  using Clock = std::chrono::steady_clock;
  // Binds UDP and TCP port 646 (the transport address is put on the
  // loopback unless an interface has it) and starts originating the
  // policy's egress FECs. Throws std::runtime_error.
  Speaker(const LdpConfig& config, std::vector<SpeakerInterface> interfaces, Rib& rib, FecPolicy policy);
  // Every session is shut down with a notification; a transport address
  // the speaker put on the loopback is taken off.
  ~Speaker();
  Speaker(const Speaker&) = delete;
  Speaker& operator=(const Speaker&) = delete;

  void poll(Clock::time_point now);
  // The configuration's FECs changed (a reload): originations start and
  // stop, and FTN entries follow the ISPs' FECs as they are now; sessions
  // stay up.
  void set_policy(FecPolicy policy);
  // A reload: new timers, interfaces and neighbors (a new identity, label
  // range or graceful restart is a new speaker). Only the sessions of
  // neighbors whose key changed are reset; new timers apply to new
  // adjacencies and sessions.
  void reconfigure(const LdpConfig& config, std::vector<SpeakerInterface> interfaces);
  // Ends every session with a Shutdown notification; Hellos stop.
  void shutdown();
  // Takes the speaker's entries out of the RIB, before it is replaced by
  // one of another identity (the entries of other sources take over).
  void withdraw();

  // ---- views ----
  LdpId id() const { return local_; }
  const LdpConfig& config() const { return config_; }
  const std::vector<SpeakerInterface>& interfaces() const { return interfaces_; }
  const Discovery& discovery() const { return discovery_; }
  const LabelBase& label_base() const { return label_base_; }
  const std::map<uint32_t, PeerRecord>& peers() const { return peers_; }
  const SpeakerCounters& counters() const { return counters_; }
  const std::vector<std::string>& last_problems() const { return problems_; }
  const FecPolicy& policy() const { return feed_.policy(); }
  bool has_password(const LdpId& peer) const { return !password_for(peer).empty(); }
  // Graceful restart: peers whose labels are kept stale, until when.
  const std::map<uint32_t, Clock::time_point>& stale_peers() const { return stale_until_; }
  // Restarted with saved bindings, and still within the recovery time.
  bool recovering() const { return recovering_; }

 private:
  void open_listener();
  void send_hellos(Clock::time_point now);
  void receive_hello(const Datagram& datagram, Clock::time_point now);
  void track_peers(Clock::time_point now);
  void connect(PeerRecord& peer, Clock::time_point now);
  void accept_connections(Clock::time_point now);
  // A passive peer, at that transport address, that a connection may open
  // a session with; null if none.
  PeerRecord* passive_peer_at(const IpPrefix& source);
  // Pending connections: adopted once a Hello names their source, refused
  // when their time is up.
  void adopt_pending(Clock::time_point now);
  void refuse_connection(int fd, const IpPrefix& source, const char* why);
  void service_sessions(Clock::time_point now);
  void session_ended(PeerRecord& peer, Clock::time_point now);
  void went_operational(PeerRecord& peer, Clock::time_point now);
  void apply(const LabelBaseChanges& changes);
  void report(const std::vector<std::string>& problems);
  // Graceful restart: installs what was saved before a restart.
  void restore(Clock::time_point now);
  // The recovery time is over: what was restored and not bound again goes.
  void end_recovery();
  void save(Clock::time_point now);
  void expire_stale_peers(Clock::time_point now);
  SessionSettings session_settings(const PeerRecord& peer) const;
  // The TCP MD5 key for a peer, if configured ("" otherwise).
  const std::string& password_for(const LdpId& peer) const;
  void protect(int fd, const IpPrefix& peer_address, const std::string& password) const;
  // One Address message per family (section 3.5.5: a list is of one family).
  std::vector<Message> address_messages() const;

  LdpConfig config_;
  LdpId local_;
  std::vector<SpeakerInterface> interfaces_;
  RibFeed feed_;
  Discovery discovery_;
  LabelBase label_base_;
  HelloSocket hellos_;
  int listener_ = -1;
  std::map<uint32_t, PeerRecord> peers_;  // by LSR id
  std::vector<PendingConnection> pending_;
  Clock::time_point next_link_hello_{}, next_targeted_hello_{};
  uint64_t routes_version_ = ~0ull;
  SpeakerCounters counters_;
  std::vector<std::string> problems_;
  bool stopped_ = false;
  bool added_transport_address_ = false;  // to the loopback: removed when the speaker goes
  // Graceful restart.
  std::map<uint32_t, Clock::time_point> stale_until_;  // helper: by LSR id
  SavedBindings restored_;
  bool recovering_ = false;
  Clock::time_point recovery_until_{};
  bool dirty_ = false;
  Clock::time_point last_save_{};
};

}  // namespace aggr::ldp
