// An LDP session's transport (session.h) over a real stream socket pair:
// two sessions reach OPERATIONAL through the bytes on the wire; label
// messages arrive whole however they are cut into PDUs; a malformed PDU
// ends that session with the notification RFC 5036 names, which the peer
// reads as the reason its session ended; and a peer that closes is seen.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "controlplane/ldp/session.h"
#include "tests/unit/ldp_session_peers.h"

namespace aggr::ldp {
namespace {

using Clock = Session::Clock;

using test::kActive;
using test::kPassive;
using test::session_settings;

Message mapping(uint32_t label, uint8_t third_octet) {
  IpPrefix fec;
  fec.family = 4;
  fec.length = 24;
  fec.bytes[0] = 10;
  fec.bytes[1] = 1;
  fec.bytes[2] = third_octet;
  return {MessageType::kLabelMapping, 0, LabelMessage{{FecElement{false, fec}}, label, std::nullopt, std::nullopt}};
}

class LdpTransport : public ::testing::Test {
 protected:
  void SetUp() override {
    int fds[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
    raw_ = dup(fds[0]);  // bytes written here arrive in the passive side's stream
    passive_ = std::make_unique<Session>(session_settings(kPassive, kActive, false), fds[1], false, Clock::now());
    active_ = std::make_unique<Session>(session_settings(kActive, kPassive, true), fds[0], false, Clock::now());
  }
  void TearDown() override { close(raw_); }

  // Lets both sides read what is waiting, a few rounds; what each
  // delivers to its label information base is kept.
  void exchange() {
    for (int round = 0; round < 8; ++round) {
      for (auto [session, delivered] : {std::pair{active_.get(), &to_active_}, std::pair{passive_.get(), &to_passive_}}) {
        if (session->closed()) continue;
        pollfd p{session->fd(), session->events(), 0};
        ::poll(&p, 1, 0);
        if (p.revents == 0) continue;
        std::vector<Message> got = session->ready(p.revents, Clock::now());
        delivered->insert(delivered->end(), got.begin(), got.end());
      }
    }
  }

  std::unique_ptr<Session> active_, passive_;
  std::vector<Message> to_active_, to_passive_;
  int raw_ = -1;
};

TEST_F(LdpTransport, TwoSessionsReachOperationalThroughTheBytesOnTheWire) {
  exchange();
  EXPECT_EQ(active_->state(), SessionState::kOperational);
  EXPECT_EQ(passive_->state(), SessionState::kOperational);
  EXPECT_EQ(active_->sent().at(MessageType::kInitialization), 1u);
  EXPECT_EQ(passive_->received().at(MessageType::kInitialization), 1u);
  EXPECT_EQ(passive_->sent().at(MessageType::kKeepAlive), 1u);
}

TEST_F(LdpTransport, ManyMessagesArriveWholeAcrossPdusNoLongerThanTheMaximum) {
  exchange();
  ASSERT_EQ(passive_->state(), SessionState::kOperational);
  // More than one 4096-byte PDU holds: the transport cuts them into several.
  std::vector<Message> batch;
  for (uint32_t i = 0; i < 600; ++i) batch.push_back(mapping(1000 + i, uint8_t(i % 256)));
  active_->send(batch);
  exchange();
  ASSERT_EQ(to_passive_.size(), 600u);
  for (uint32_t i = 0; i < 600; ++i) {
    const auto& m = std::get<LabelMessage>(to_passive_[i].body);
    EXPECT_EQ(m.label, 1000 + i);
    EXPECT_NE(to_passive_[i].id, 0u);  // ids given by the session
  }
  EXPECT_EQ(active_->sent().at(MessageType::kLabelMapping), 600u);
}

TEST_F(LdpTransport, AMalformedPduEndsTheSessionWithItsNotificationWhichThePeerReads) {
  exchange();
  ASSERT_EQ(passive_->state(), SessionState::kOperational);
  // Version 7: Bad Protocol Version, a fatal error (section 3.5.1.2).
  const uint8_t bad[] = {0, 7, 0, 6, 10, 255, 0, 22, 0, 0};
  ASSERT_EQ(write(raw_, bad, sizeof bad), ssize_t(sizeof bad));
  close(raw_);
  raw_ = -1;
  exchange();
  EXPECT_TRUE(passive_->closed());
  EXPECT_EQ(passive_->close_reason(), status_name(StatusCode::kBadProtocolVersion));
  EXPECT_TRUE(active_->closed());
  EXPECT_EQ(active_->close_reason(), status_name(StatusCode::kBadProtocolVersion));
  EXPECT_EQ(active_->received().at(MessageType::kNotification), 1u);
}

TEST_F(LdpTransport, ALengthPastTheMaximumIsRefusedBeforeItsBytesArrive) {
  exchange();
  const uint8_t huge[] = {0, 1, 0xFF, 0xF0, 10, 255, 0, 22, 0, 0};
  ASSERT_EQ(write(raw_, huge, sizeof huge), ssize_t(sizeof huge));
  close(raw_);
  raw_ = -1;
  exchange();
  EXPECT_TRUE(passive_->closed());
  EXPECT_EQ(passive_->close_reason(), status_name(StatusCode::kBadPduLength));
}

TEST_F(LdpTransport, APeerThatClosesIsSeenAndAShutdownIsNotified) {
  exchange();
  passive_->shutdown(StatusCode::kShutdown);
  EXPECT_TRUE(passive_->closed());
  close(raw_);
  raw_ = -1;
  exchange();
  EXPECT_TRUE(active_->closed());
  EXPECT_EQ(active_->close_reason(), status_name(StatusCode::kShutdown));
}

}  // namespace
}  // namespace aggr::ldp
