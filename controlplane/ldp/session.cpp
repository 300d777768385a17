#include "controlplane/ldp/session.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace aggr::ldp {
namespace {

// Section 2.5.3: a peer that never completes the handshake is given up on.
constexpr std::chrono::seconds kConnectTimeout{15};

void put16(std::vector<uint8_t>& out, size_t at, uint16_t v) {
  out[at] = uint8_t(v >> 8);
  out[at + 1] = uint8_t(v);
}

}  // namespace

std::string message_type_name(MessageType type) {
  switch (type) {
    case MessageType::kNotification: return "notification";
    case MessageType::kHello: return "hello";
    case MessageType::kInitialization: return "initialization";
    case MessageType::kKeepAlive: return "keepalive";
    case MessageType::kAddress: return "address";
    case MessageType::kAddressWithdraw: return "address_withdraw";
    case MessageType::kLabelMapping: return "label_mapping";
    case MessageType::kLabelRequest: return "label_request";
    case MessageType::kLabelWithdraw: return "label_withdraw";
    case MessageType::kLabelRelease: return "label_release";
    case MessageType::kLabelAbortRequest: return "label_abort_request";
  }
  return "unknown";
}

Session::Session(SessionSettings settings, int fd, bool connecting, Clock::time_point now)
    : fsm_(settings), fd_(fd), connecting_(connecting), last_state_(SessionState::kNonExistent), since_(now) {
  if (!connecting_) carry_out(fsm_.connected(now), now);
}

Session::~Session() {
  if (fd_ >= 0) close(fd_);
}

short Session::events() const { return short(POLLIN | (connecting_ || !out_.empty() ? POLLOUT : 0)); }

std::vector<Message> Session::ready(short revents, Clock::time_point now) {
  std::vector<Message> deliver;
  if (closed()) return deliver;
  if (connecting_) {
    if (!(revents & (POLLOUT | POLLERR | POLLHUP))) return deliver;
    int error = 0;
    socklen_t length = sizeof error;
    getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0) {
      close_now(std::string("connecting: ") + std::strerror(error));
      return deliver;
    }
    connecting_ = false;
    carry_out(fsm_.connected(now), now);
  }
  if (!closed() && (revents & (POLLIN | POLLHUP | POLLERR))) read(now, deliver);
  if (!closed() && !out_.empty()) flush();
  return deliver;
}

void Session::read(Clock::time_point now, std::vector<Message>& deliver) {
  uint8_t chunk[65536];
  bool end_of_stream = false;
  for (;;) {
    const ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
    if (n == 0) {  // what came before the end (a notification, say) is read first
      end_of_stream = true;
      break;
    }
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      return close_now(std::string("receiving: ") + std::strerror(errno));
    }
    in_.insert(in_.end(), chunk, chunk + n);
  }
  size_t at = 0;
  while (!closed()) {
    const std::span<const uint8_t> rest(in_.data() + at, in_.size() - at);
    const size_t length = pdu_length(rest);
    if (length == 0) break;
    // A length past the maximum is refused before waiting for its bytes.
    if (length > fsm_.max_pdu_length() || length < kPduHeaderLength) {
      carry_out(fsm_.undecodable({StatusCode::kBadPduLength, 0, 0, "PDU length " + std::to_string(length)}, now), now);
      break;
    }
    if (rest.size() < length) break;
    Pdu pdu;
    const DecodeError error = decode_pdu(rest.first(length), &pdu, fsm_.max_pdu_length());
    for (const Message& m : pdu.messages) ++received_[m.type];
    // The messages before a failing one count (section 3.5.1.2); a PDU
    // whose header failed has none, and no sender to check.
    if (error.ok() || !pdu.messages.empty()) {
      SessionActions actions = fsm_.received(pdu, now);
      deliver.insert(deliver.end(), actions.deliver.begin(), actions.deliver.end());
      carry_out(std::move(actions), now);
    }
    if (!error.ok() && !closed()) carry_out(fsm_.undecodable(error, now), now);
    at += length;
  }
  if (closed()) return;
  if (end_of_stream) return close_now("closed by the peer");
  in_.erase(in_.begin(), in_.begin() + long(at));
}

void Session::carry_out(SessionActions actions, Clock::time_point now) {
  queue(actions.send);
  if (fsm_.state() != last_state_) {
    last_state_ = fsm_.state();
    since_ = now;
  }
  if (actions.close) {
    flush();  // the notification, as far as the socket takes it now
    close_now(actions.closed_because ? status_name(*actions.closed_because) : "closed");
  } else if (!out_.empty() && !connecting_) {
    flush();
  }
}

void Session::send(std::vector<Message> messages) {
  if (closed()) return;
  for (Message& m : messages) m.id = fsm_.next_message_id();
  queue(messages);
  flush();
}

void Session::queue(const std::vector<Message>& messages) {
  if (messages.empty()) return;
  const LdpId local = fsm_.settings().local;
  const size_t max = fsm_.max_pdu_length();
  size_t pdu_at = out_.size();  // where the open PDU's header is
  bool open = false;
  for (const Message& m : messages) {
    ++sent_[m.type];
    std::vector<uint8_t> one = encode_pdu(Pdu{local, {m}});
    const size_t message_length = one.size() - kPduHeaderLength;
    if (open && out_.size() - pdu_at + message_length > max) {
      put16(out_, pdu_at + 2, uint16_t(out_.size() - pdu_at - 4));
      open = false;
    }
    if (!open) {
      pdu_at = out_.size();
      out_.insert(out_.end(), one.begin(), one.begin() + long(kPduHeaderLength));
      open = true;
    }
    out_.insert(out_.end(), one.begin() + long(kPduHeaderLength), one.end());
  }
  put16(out_, pdu_at + 2, uint16_t(out_.size() - pdu_at - 4));
}

void Session::flush() {
  size_t done = 0;
  while (done < out_.size()) {
    const ssize_t n = ::send(fd_, out_.data() + done, out_.size() - done, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      out_.clear();
      return close_now(std::string("sending: ") + std::strerror(errno));
    }
    done += size_t(n);
  }
  out_.erase(out_.begin(), out_.begin() + long(done));
}

void Session::tick(Clock::time_point now) {
  if (closed()) return;
  if (connecting_) {
    if (now - since_ >= kConnectTimeout) close_now("connecting: timed out");
    return;
  }
  carry_out(fsm_.tick(now), now);
}

void Session::shutdown(StatusCode why) {
  if (closed()) return;
  if (connecting_ || fsm_.state() == SessionState::kNonExistent) return close_now(status_name(why));
  carry_out(fsm_.shutdown(why), Clock::now());
}

void Session::close_now(const std::string& reason) {
  if (fd_ < 0) return;
  close(fd_);
  fd_ = -1;
  close_reason_ = reason;
  last_state_ = SessionState::kNonExistent;
}

}  // namespace aggr::ldp
