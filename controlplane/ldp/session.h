// One LDP session's TCP connection (RFC 5036 section 2.5): the socket,
// opened (the active side) or accepted (the passive side), its byte
// streams cut into PDUs and fed to the session's state machine, and what
// that machine and the label information base send, packed into PDUs no
// longer than the negotiated maximum. Non-blocking: the speaker polls its
// descriptor and calls ready(); nothing here waits.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "controlplane/ldp/session_fsm.h"

namespace aggr::ldp {

// Messages by type, sent or received on a session.
using MessageCounts = std::map<MessageType, uint64_t>;
std::string message_type_name(MessageType type);

class Session {
 public:
  using Clock = std::chrono::steady_clock;
  // `fd`: a non-blocking TCP socket, connecting (`connecting`) or connected.
  Session(SessionSettings settings, int fd, bool connecting, Clock::time_point now);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  int fd() const { return fd_; }
  // The poll() events it waits for.
  short events() const;
  // The socket is ready (poll()'s revents): connects, reads and writes.
  // Returns the Address and label messages for the label information base.
  std::vector<Message> ready(short revents, Clock::time_point now);
  // Timers: KeepAlives, and the end of a silent peer's session.
  void tick(Clock::time_point now);
  // Messages of the label information base (ids are given here).
  void send(std::vector<Message> messages);
  // Ends the session with a notification saying why.
  void shutdown(StatusCode why);

  bool closed() const { return fd_ < 0; }
  // Why it closed: the status sent or received, or the transport's reason.
  const std::string& close_reason() const { return close_reason_; }
  SessionState state() const { return fsm_.state(); }
  const SessionFsm& fsm() const { return fsm_; }
  Clock::time_point since() const { return since_; }  // of the present state
  const MessageCounts& sent() const { return sent_; }
  const MessageCounts& received() const { return received_; }

 private:
  void carry_out(SessionActions actions, Clock::time_point now);
  void queue(const std::vector<Message>& messages);
  void flush();
  void close_now(const std::string& reason);
  void read(Clock::time_point now, std::vector<Message>& deliver);

  SessionFsm fsm_;
  int fd_;
  bool connecting_;
  std::vector<uint8_t> in_, out_;
  std::string close_reason_;
  SessionState last_state_;
  Clock::time_point since_;
  MessageCounts sent_, received_;
};

}  // namespace aggr::ldp
