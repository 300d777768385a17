// An LDP session's state machine (RFC 5036 section 2.5.4): two of them
// wired back to back through the wire format (encode, decode) reach
// OPERATIONAL and agree on their parameters; every refusal the RFC names
// ends the session with its notification; keepalives are sent and missed
// ones end it.
#include <gtest/gtest.h>

#include "controlplane/ldp/session_fsm.h"
#include "tests/unit/ldp_session_peers.h"

namespace aggr::ldp {
namespace {

using namespace std::chrono_literals;
using Clock = SessionFsm::Clock;

using test::kActive;
using test::kPassive;
using test::session_settings;

// What `from` sends, as `to` receives it: through the bytes of one PDU.
SessionActions carry(const SessionFsm& from, const SessionActions& sent, SessionFsm& to, Clock::time_point now) {
  Pdu pdu{from.settings().local, sent.send};
  Pdu decoded;
  EXPECT_TRUE(decode_pdu(encode_pdu(pdu), &decoded).ok());
  return to.received(decoded, now);
}

StatusCode notified(const SessionActions& actions) {
  for (const Message& m : actions.send)
    if (m.type == MessageType::kNotification) return std::get<Notification>(m.body).code();
  return StatusCode::kSuccess;
}

class LdpSessionTest : public ::testing::Test {
 protected:
  // Active and passive through their handshake; both operational.
  void open() {
    SessionActions a = active_.connected(t_), p = passive_.connected(t_);
    ASSERT_EQ(active_.state(), SessionState::kOpenSent);
    ASSERT_EQ(passive_.state(), SessionState::kInitialized);
    ASSERT_TRUE(p.send.empty());  // the passive side waits
    p = carry(active_, a, passive_, t_);  // Init -> Init + KeepAlive
    ASSERT_EQ(passive_.state(), SessionState::kOpenRec);
    a = carry(passive_, p, active_, t_);  // -> KeepAlive, and the passive side's KeepAlive opens it
    ASSERT_EQ(active_.state(), SessionState::kOperational);
    carry(active_, a, passive_, t_);
    ASSERT_EQ(passive_.state(), SessionState::kOperational);
  }

  Clock::time_point t_ = Clock::time_point(1000s);
  SessionFsm active_{session_settings(kActive, kPassive, true, 180)};
  SessionFsm passive_{session_settings(kPassive, kActive, false, 60)};
};

TEST_F(LdpSessionTest, TwoSessionsOpenAndAgreeOnTheirParameters) {
  open();
  EXPECT_EQ(active_.keepalive_time(), 60);  // the smaller proposal
  EXPECT_EQ(passive_.keepalive_time(), 60);
  EXPECT_EQ(active_.max_pdu_length(), 4096);
  // Label messages, once operational, go to the LIB.
  Pdu mapping{kActive, {{MessageType::kLabelMapping, 9,
                         LabelMessage{{FecElement{false, {}}}, 100, std::nullopt, std::nullopt}}}};
  SessionActions delivered = passive_.received(mapping, t_);
  ASSERT_EQ(delivered.deliver.size(), 1u);
  EXPECT_EQ(delivered.deliver[0].type, MessageType::kLabelMapping);
  EXPECT_FALSE(delivered.close);
}

TEST_F(LdpSessionTest, KeepalivesAreSentAndASilentPeerEndsTheSession) {
  open();
  // A third of the keepalive time (60 s) after the last message: a KeepAlive.
  EXPECT_TRUE(active_.tick(t_ + 19s).send.empty());
  SessionActions due = active_.tick(t_ + 20s);
  ASSERT_EQ(due.send.size(), 1u);
  EXPECT_EQ(due.send[0].type, MessageType::kKeepAlive);
  // Heard from within the keepalive time: still up.
  passive_.received({kActive, {due.send}}, t_ + 20s);
  EXPECT_FALSE(passive_.tick(t_ + 79s).close);
  // Silent for the whole keepalive time: the session ends, with its notification.
  SessionActions expired = passive_.tick(t_ + 80s);
  EXPECT_TRUE(expired.close);
  EXPECT_EQ(notified(expired), StatusCode::kKeepAliveTimerExpired);
  EXPECT_EQ(passive_.state(), SessionState::kNonExistent);
}

TEST_F(LdpSessionTest, AnInitializationTheRfcRefusesEndsTheSessionWithItsStatus) {
  struct Case {
    const char* what;
    Initialization init;
    StatusCode code;
  };
  Initialization good;
  good.keepalive_time = 30;
  good.receiver = kPassive;
  Initialization version_2 = good, other_space = good, no_keepalive = good;
  version_2.protocol_version = 2;
  other_space.receiver = {0x0AFF0015, 7};
  no_keepalive.keepalive_time = 0;
  for (const Case& c : {Case{"version 2", version_2, StatusCode::kBadProtocolVersion},
                        Case{"another label space", other_space, StatusCode::kSessionRejectedNoHello},
                        Case{"keepalive 0", no_keepalive, StatusCode::kSessionRejectedBadKeepAliveTime}}) {
    SessionFsm passive(session_settings(kPassive, kActive, false));
    passive.connected(t_);
    SessionActions refused = passive.received({kActive, {{MessageType::kInitialization, 1, c.init}}}, t_);
    EXPECT_TRUE(refused.close) << c.what;
    EXPECT_EQ(notified(refused), c.code) << c.what;
    EXPECT_TRUE(is_fatal(notified(refused))) << c.what;
  }
}

TEST_F(LdpSessionTest, OutOfOrderMessagesAndStrangersEndTheSession) {
  // A label message before the handshake.
  passive_.connected(t_);
  SessionActions early = passive_.received(
      {kActive, {{MessageType::kLabelRequest, 3, LabelMessage{{FecElement{true, {}}}, {}, {}, {}}}}}, t_);
  EXPECT_TRUE(early.close);
  EXPECT_EQ(notified(early), StatusCode::kShutdown);
  // A PDU from another LSR than the one this session is with.
  SessionFsm other(session_settings(kPassive, kActive, false));
  other.connected(t_);
  SessionActions stranger = other.received({{0x0A000009, 0}, {}}, t_);
  EXPECT_EQ(notified(stranger), StatusCode::kBadLdpIdentifier);
  EXPECT_TRUE(stranger.close);
}

TEST_F(LdpSessionTest, NotificationsAndUndecodablePdusFollowTheirStatus) {
  open();
  // A non-fatal decoding error is answered and the session goes on.
  SessionActions answered = passive_.undecodable({StatusCode::kUnknownTlv, 12, 0x0400, ""}, t_);
  EXPECT_FALSE(answered.close);
  ASSERT_EQ(answered.send.size(), 1u);
  EXPECT_EQ(std::get<Notification>(answered.send[0].body).message_id, 12u);
  EXPECT_EQ(passive_.state(), SessionState::kOperational);
  // A fatal one ends it.
  EXPECT_TRUE(passive_.undecodable({StatusCode::kBadTlvLength, 13, 0x0400, ""}, t_).close);
  // The peer's shutdown ends the other side without an answer.
  SessionActions bye = active_.shutdown();
  SessionActions heard = carry(active_, bye, passive_, t_);  // passive_ already closed: nothing
  EXPECT_TRUE(heard.send.empty());
  SessionFsm fresh_active(session_settings(kActive, kPassive, true));
  SessionFsm fresh_passive(session_settings(kPassive, kActive, false));
  fresh_passive.connected(t_);
  fresh_active.connected(t_);
  SessionActions ended = carry(fresh_active, fresh_active.shutdown(), fresh_passive, t_);
  EXPECT_TRUE(ended.close);
  EXPECT_TRUE(ended.send.empty());
  EXPECT_EQ(ended.closed_because, StatusCode::kShutdown);
}

}  // namespace
}  // namespace aggr::ldp
