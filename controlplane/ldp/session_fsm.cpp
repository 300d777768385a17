#include "controlplane/ldp/session_fsm.h"

#include <algorithm>

namespace aggr::ldp {
namespace {

// Section 3.5.3: a proposed maximum of 255 or less means the default.
uint16_t effective_max_pdu(uint16_t proposed) { return proposed <= 255 ? kDefaultMaxPduLength : proposed; }

}  // namespace

std::string session_state_name(SessionState state) {
  switch (state) {
    case SessionState::kNonExistent: return "non-existent";
    case SessionState::kInitialized: return "initialized";
    case SessionState::kOpenSent: return "opensent";
    case SessionState::kOpenRec: return "openrec";
    case SessionState::kOperational: return "operational";
  }
  return "unknown";
}

SessionFsm::SessionFsm(SessionSettings settings)
    : settings_(settings),
      keepalive_time_(settings.keepalive_time),
      max_pdu_length_(effective_max_pdu(settings.max_pdu_length)) {}

Message SessionFsm::initialization() {
  Initialization init;
  init.keepalive_time = settings_.keepalive_time;
  init.max_pdu_length = settings_.max_pdu_length;
  init.receiver = settings_.peer;
  init.ft_session = settings_.ft_session;
  return {MessageType::kInitialization, next_message_id(), init};
}

Message SessionFsm::notification(StatusCode code, uint32_t message_id, uint16_t message_type) {
  return {MessageType::kNotification, next_message_id(), Notification{status_word(code), message_id, message_type}};
}

SessionActions SessionFsm::end(StatusCode code, uint32_t message_id, uint16_t message_type) {
  SessionActions actions;
  actions.send.push_back(notification(code, message_id, message_type));
  actions.close = true;
  actions.closed_because = code;
  state_ = SessionState::kNonExistent;
  return actions;
}

SessionActions SessionFsm::connected(Clock::time_point now) {
  SessionActions actions;
  state_ = SessionState::kInitialized;
  last_received_ = last_sent_ = now;
  if (settings_.active) {
    actions.send.push_back(initialization());
    state_ = SessionState::kOpenSent;
  }
  return actions;
}

StatusCode SessionFsm::accept(const Initialization& init) {
  if (init.protocol_version != kProtocolVersion) return StatusCode::kBadProtocolVersion;
  // Its Initialization names the label space it wants a session with: ours.
  if (!(init.receiver == settings_.local)) return StatusCode::kSessionRejectedNoHello;
  if (init.keepalive_time == 0) return StatusCode::kSessionRejectedBadKeepAliveTime;
  // Downstream on demand against our downstream unsolicited resolves to
  // unsolicited on a non-ATM link (section 3.5.3): nothing to refuse.
  keepalive_time_ = std::min(settings_.keepalive_time, init.keepalive_time);
  max_pdu_length_ = std::min(effective_max_pdu(settings_.max_pdu_length), effective_max_pdu(init.max_pdu_length));
  peer_ft_session_ = init.ft_session;
  return StatusCode::kSuccess;
}

void SessionFsm::on_message(const Message& m, SessionActions& actions) {
  if (actions.close) return;
  if (m.type == MessageType::kNotification) {
    const Notification& n = std::get<Notification>(m.body);
    if (n.fatal()) {  // the peer ends the session: no answer
      actions.close = true;
      actions.closed_because = n.code();
      state_ = SessionState::kNonExistent;
      return;
    }
    if (state_ == SessionState::kOperational) actions.deliver.push_back(m);
    return;
  }
  switch (state_) {
    case SessionState::kInitialized:
    case SessionState::kOpenSent: {
      if (m.type != MessageType::kInitialization) {
        actions = end(StatusCode::kShutdown, m.id, uint16_t(m.type));
        return;
      }
      if (StatusCode refused = accept(std::get<Initialization>(m.body)); refused != StatusCode::kSuccess) {
        actions = end(refused, m.id, uint16_t(m.type));
        return;
      }
      if (state_ == SessionState::kInitialized) actions.send.push_back(initialization());  // the passive side answers
      actions.send.push_back(keepalive());
      state_ = SessionState::kOpenRec;
      return;
    }
    case SessionState::kOpenRec:
      if (m.type != MessageType::kKeepAlive) {
        actions = end(StatusCode::kShutdown, m.id, uint16_t(m.type));
        return;
      }
      state_ = SessionState::kOperational;
      return;
    case SessionState::kOperational:
      if (m.type == MessageType::kKeepAlive) return;
      if (m.type == MessageType::kInitialization) {
        actions = end(StatusCode::kShutdown, m.id, uint16_t(m.type));
        return;
      }
      if (m.type != MessageType::kHello) actions.deliver.push_back(m);  // Hellos come over UDP, not here
      return;
    case SessionState::kNonExistent: return;
  }
}

SessionActions SessionFsm::received(const Pdu& pdu, Clock::time_point now) {
  if (state_ == SessionState::kNonExistent) return {};
  if (!(pdu.sender == settings_.peer)) return end(StatusCode::kBadLdpIdentifier);
  last_received_ = now;
  SessionActions actions;
  for (const Message& m : pdu.messages) on_message(m, actions);
  if (!actions.send.empty()) last_sent_ = now;
  return actions;
}

SessionActions SessionFsm::undecodable(const DecodeError& error, Clock::time_point now) {
  if (state_ == SessionState::kNonExistent) return {};
  if (is_fatal(error.code)) return end(error.code, error.message_id, error.message_type);
  last_received_ = now;
  last_sent_ = now;
  return {{notification(error.code, error.message_id, error.message_type)}, {}, false, std::nullopt};
}

SessionActions SessionFsm::tick(Clock::time_point now) {
  if (state_ == SessionState::kNonExistent) return {};
  // Before the peer's parameters are known, ours time the handshake out.
  if (now - last_received_ >= std::chrono::seconds(keepalive_time_)) return end(StatusCode::kKeepAliveTimerExpired);
  SessionActions actions;
  // A KeepAlive a third of the keepalive time after the last message sent.
  const bool open = state_ == SessionState::kOpenRec || state_ == SessionState::kOperational;
  if (open && now - last_sent_ >= std::chrono::seconds(keepalive_time_) / 3) {
    actions.send.push_back(keepalive());
    last_sent_ = now;
  }
  return actions;
}

SessionActions SessionFsm::shutdown(StatusCode why) {
  if (state_ == SessionState::kNonExistent) return {};
  return end(why);
}

}  // namespace aggr::ldp
