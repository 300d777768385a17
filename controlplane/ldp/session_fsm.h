// One LDP session's state machine (RFC 5036 section 2.5.4), with the
// parameter negotiation of section 3.5.3 and the keepalive timers of
// section 2.5.6. It owns no socket and no clock: the session's transport
// hands it events (connected, PDUs received or undecodable, time passing)
// and carries out what each returns (messages to send, the connection to
// close, messages for the label information base). So every transition is
// tested without a network.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "controlplane/ldp/pdu.h"

namespace aggr::ldp {

enum class SessionState : uint8_t { kNonExistent, kInitialized, kOpenSent, kOpenRec, kOperational };
std::string session_state_name(SessionState state);

struct SessionSettings {
  LdpId local;                    // this router's label space
  LdpId peer;                     // the label space its Hellos announced
  bool active = false;            // ours is the higher transport address (section 2.5.2): we send Init first
  uint16_t keepalive_time = 180;  // seconds we propose
  uint16_t max_pdu_length = kDefaultMaxPduLength;
  std::optional<FtSession> ft_session;  // graceful restart: what we offer
};

// What an event asks of the session's transport.
struct SessionActions {
  std::vector<Message> send;                // in order, in one or more PDUs
  std::vector<Message> deliver;             // Address and label messages for the LIB (operational only)
  bool close = false;                       // close the TCP connection after sending
  std::optional<StatusCode> closed_because;  // why, when it closes
};

class SessionFsm {
 public:
  using Clock = std::chrono::steady_clock;
  explicit SessionFsm(SessionSettings settings);

  // The TCP connection is up: the active side sends its Initialization.
  SessionActions connected(Clock::time_point now);
  // A PDU decoded from the connection.
  SessionActions received(const Pdu& pdu, Clock::time_point now);
  // A PDU that did not decode: its status is sent back, and a fatal one
  // ends the session (section 3.5.1.2).
  SessionActions undecodable(const DecodeError& error, Clock::time_point now);
  // Time passing: a KeepAlive when one is due, the session's end when the
  // peer has been silent past the keepalive time.
  SessionActions tick(Clock::time_point now);
  // This router ends the session: a Shutdown notification, or the status
  // that says why (Hold Timer Expired when its last adjacency went).
  SessionActions shutdown(StatusCode why = StatusCode::kShutdown);

  SessionState state() const { return state_; }
  // Negotiated once the peer's Initialization is accepted.
  uint16_t keepalive_time() const { return keepalive_time_; }
  uint16_t max_pdu_length() const { return max_pdu_length_; }
  // The peer's graceful restart parameters, if its Initialization had them.
  const std::optional<FtSession>& peer_ft_session() const { return peer_ft_session_; }
  const SessionSettings& settings() const { return settings_; }
  // Message ids for what the LIB sends on this session.
  uint32_t next_message_id() { return next_id_++; }

 private:
  Message initialization();
  Message keepalive() { return {MessageType::kKeepAlive, next_message_id(), KeepAlive{}}; }
  Message notification(StatusCode code, uint32_t message_id = 0, uint16_t message_type = 0);
  // Checks the peer's Initialization and takes its parameters; the status
  // that refuses it, or kSuccess.
  StatusCode accept(const Initialization& init);
  // Sends `code` and closes.
  SessionActions end(StatusCode code, uint32_t message_id = 0, uint16_t message_type = 0);
  void on_message(const Message& message, SessionActions& actions);

  SessionSettings settings_;
  SessionState state_ = SessionState::kNonExistent;
  uint16_t keepalive_time_;
  uint16_t max_pdu_length_;
  std::optional<FtSession> peer_ft_session_;
  uint32_t next_id_ = 1;
  Clock::time_point last_received_{};
  Clock::time_point last_sent_{};
};

}  // namespace aggr::ldp
