// LDP's wire format: a Hello as another implementation sends it (the
// bytes of a capture), decoded and encoded back byte for byte; every
// message kind through encode and decode; and each kind of malformed PDU
// refused with the status code RFC 5036 gives it.
#include <gtest/gtest.h>

#include "tests/support/text_fixtures.h"
#include "controlplane/ldp/pdu.h"

namespace aggr::ldp {
namespace {

using test::prefix;

using Bytes = std::vector<uint8_t>;

// A link Hello from 10.1.0.2:0, as a capture shows it: hold time 15,
// transport address 10.1.0.2, configuration sequence number 1.
const Bytes kCapturedHello = {
    0x00, 0x01, 0x00, 0x26, 0x0a, 0x01, 0x00, 0x02, 0x00, 0x00,  // version 1, length 38, 10.1.0.2:0
    0x01, 0x00, 0x00, 0x1c, 0x00, 0x01, 0x19, 0x70,              // Hello, length 28, id 0x11970
    0x04, 0x00, 0x00, 0x04, 0x00, 0x0f, 0x00, 0x00,              // Common Hello Parameters: 15 s, link
    0x04, 0x01, 0x00, 0x04, 0x0a, 0x01, 0x00, 0x02,              // IPv4 Transport Address
    0x04, 0x02, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01,              // Configuration Sequence Number
};

DecodeError decode(const Bytes& bytes, Pdu* pdu) { return decode_pdu(bytes, pdu); }

// A PDU of one message with the given type word and parameters.
Bytes one_message(uint16_t type_word, const Bytes& parameters, uint32_t id = 7) {
  Bytes message = {uint8_t(type_word >> 8), uint8_t(type_word), uint8_t((parameters.size() + 4) >> 8),
                   uint8_t(parameters.size() + 4), uint8_t(id >> 24), uint8_t(id >> 16), uint8_t(id >> 8), uint8_t(id)};
  message.insert(message.end(), parameters.begin(), parameters.end());
  const size_t length = 6 + message.size();
  Bytes pdu = {0, 1, uint8_t(length >> 8), uint8_t(length), 10, 0, 0, 1, 0, 0};
  pdu.insert(pdu.end(), message.begin(), message.end());
  return pdu;
}

const Bytes kFec24 = {0x01, 0x00, 0x00, 0x07, 0x02, 0x00, 0x01, 0x18, 192, 0, 2};  // FEC 192.0.2.0/24
const Bytes kLabel1001 = {0x02, 0x00, 0x00, 0x04, 0x00, 0x00, 0x03, 0xe9};

TEST(LdpPdu, ACapturedHelloDecodesAndEncodesBackByteForByte) {
  Pdu pdu;
  ASSERT_TRUE(decode(kCapturedHello, &pdu).ok());
  EXPECT_EQ(format_ldp_id(pdu.sender), "10.1.0.2:0");
  ASSERT_EQ(pdu.messages.size(), 1u);
  EXPECT_EQ(pdu.messages[0].type, MessageType::kHello);
  EXPECT_EQ(pdu.messages[0].id, 0x11970u);
  Hello expected;
  expected.hold_time = 15;
  expected.ipv4_transport_address = prefix("10.1.0.2/32");
  expected.configuration_sequence = 1;
  EXPECT_EQ(std::get<Hello>(pdu.messages[0].body), expected);
  EXPECT_EQ(encode_pdu(pdu), kCapturedHello);
  EXPECT_EQ(pdu_length(kCapturedHello), kCapturedHello.size());
  EXPECT_EQ(pdu_length(Bytes(kCapturedHello.begin(), kCapturedHello.begin() + 3)), 0u);  // header not all there
}

// FRRouting 8.4 ldpd's Initialization, as captured in the interop test:
// its capability TLVs (dynamic announcement, typed wildcard FEC, unrecognized
// notification; RFC 5561) carry the U bit and are skipped.
const Bytes kFrrInitialization = {
    0x00, 0x01, 0x00, 0x2f, 0xc0, 0x00, 0x02, 0x01, 0x00, 0x00, 0x02, 0x00, 0x00, 0x25, 0x00, 0x00, 0x00, 0x05,
    0x05, 0x00, 0x00, 0x0e, 0x00, 0x01, 0x00, 0xb4, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x02, 0x02, 0x00, 0x00,
    0x85, 0x06, 0x00, 0x01, 0x80, 0x85, 0x0b, 0x00, 0x01, 0x80, 0x86, 0x03, 0x00, 0x01, 0x80};
// And its Address message: its interface addresses and its LSR id.
const Bytes kFrrAddress = {0x00, 0x01, 0x00, 0x20, 0xc0, 0x00, 0x02, 0x01, 0x00, 0x00, 0x03, 0x00,
                           0x00, 0x16, 0x00, 0x00, 0x00, 0x07, 0x01, 0x01, 0x00, 0x0e, 0x00, 0x01,
                           0xc0, 0x00, 0x02, 0xfd, 0xc0, 0x00, 0x02, 0x81, 0xc0, 0x00, 0x02, 0x01};

TEST(LdpPdu, FrrsInitializationAndAddressMessagesDecode) {
  Pdu pdu;
  ASSERT_TRUE(decode(kFrrInitialization, &pdu).ok());
  EXPECT_EQ(format_ldp_id(pdu.sender), "192.0.2.1:0");
  ASSERT_EQ(pdu.messages.size(), 1u);
  const auto& init = std::get<Initialization>(pdu.messages[0].body);
  EXPECT_EQ(init.keepalive_time, 180);
  EXPECT_FALSE(init.downstream_on_demand);
  EXPECT_EQ(format_ldp_id(init.receiver), "192.0.2.2:0");
  ASSERT_TRUE(decode(kFrrAddress, &pdu).ok());
  const auto& list = std::get<AddressList>(pdu.messages[0].body);
  EXPECT_EQ(list.addresses, (std::vector<IpPrefix>{prefix("192.0.2.253/32"), prefix("192.0.2.129/32"),
                                                   prefix("192.0.2.1/32")}));
}

TEST(LdpPdu, EveryMessageKindSurvivesEncodeAndDecode) {
  Pdu pdu;
  pdu.sender = {0x0AFF0015, 0};
  Hello targeted;
  targeted.hold_time = 45;
  targeted.targeted = targeted.request_targeted = true;
  targeted.ipv6_transport_address = prefix("2001:db8::21/128");
  targeted.dual_stack = 6;
  Initialization init;
  init.keepalive_time = 180;
  init.max_pdu_length = 4096;
  init.receiver = {0x0AFF0016, 0};
  LabelMessage mapping{{FecElement{false, prefix("100.64.0.0/10")}, FecElement{false, prefix("2001:db8::/32")},
                        FecElement{false, prefix("0.0.0.0/0")}},
                       100, std::nullopt, 1};
  LabelMessage request{{FecElement{false, prefix("198.51.100.0/24")}}, std::nullopt, std::nullopt, std::nullopt};
  LabelMessage withdraw{{FecElement{true, {}}}, std::nullopt, std::nullopt, std::nullopt};
  LabelMessage release{{FecElement{false, prefix("198.51.100.0/24")}}, 3001, std::nullopt, std::nullopt};
  LabelMessage abort{{FecElement{false, prefix("198.51.100.0/24")}}, std::nullopt, 41, std::nullopt};
  Notification shutdown{status_word(StatusCode::kShutdown), 0, 0};
  pdu.messages = {
      {MessageType::kHello, 1, targeted},
      {MessageType::kInitialization, 2, init},
      {MessageType::kKeepAlive, 3, KeepAlive{}},
      {MessageType::kAddress, 4, AddressList{{prefix("10.0.12.1/32"), prefix("10.0.23.1/32")}}},
      {MessageType::kAddressWithdraw, 5, AddressList{{prefix("2001:db8:12::1/128")}}},
      {MessageType::kLabelMapping, 6, mapping},
      {MessageType::kLabelRequest, 41, request},
      {MessageType::kLabelWithdraw, 8, withdraw},
      {MessageType::kLabelRelease, 9, release},
      {MessageType::kLabelAbortRequest, 10, abort},
      {MessageType::kNotification, 11, shutdown},
  };
  Pdu decoded;
  DecodeError e = decode(encode_pdu(pdu), &decoded);
  ASSERT_TRUE(e.ok()) << status_name(e.code) << ": " << e.detail;
  EXPECT_EQ(decoded, pdu);
  EXPECT_TRUE(std::get<Notification>(decoded.messages.back().body).fatal());
  EXPECT_EQ(std::get<Notification>(decoded.messages.back().body).code(), StatusCode::kShutdown);
}

TEST(LdpPdu, UnknownMessagesAndTlvsWithTheUBitAreSkipped) {
  Pdu pdu;
  // An unknown message (0x3f00) with the U bit: ignored.
  ASSERT_TRUE(decode(one_message(0x8000 | 0x3f00, {1, 2, 3}), &pdu).ok());
  EXPECT_TRUE(pdu.messages.empty());
  // A Label Mapping with an unknown TLV that has the U bit: the mapping stands.
  Bytes parameters = kFec24;
  parameters.insert(parameters.end(), kLabel1001.begin(), kLabel1001.end());
  parameters.insert(parameters.end(), {0xbf, 0x00, 0x00, 0x02, 0xaa, 0xbb});
  ASSERT_TRUE(decode(one_message(0x0400, parameters), &pdu).ok());
  ASSERT_EQ(pdu.messages.size(), 1u);
  EXPECT_EQ(std::get<LabelMessage>(pdu.messages[0].body).label, 1001u);
  EXPECT_EQ(std::get<LabelMessage>(pdu.messages[0].body).fecs[0].prefix, prefix("192.0.2.0/24"));
}

TEST(LdpPdu, MalformedPdusAreRefusedWithTheirStatusCodes) {
  struct Case {
    const char* what;
    Bytes bytes;
    StatusCode code;
  };
  Bytes version_2 = kCapturedHello;
  version_2[1] = 2;
  Bytes long_length = kCapturedHello;
  long_length[3] += 1;
  Bytes message_past_pdu = kCapturedHello;
  message_past_pdu[13] += 4;
  Bytes mapping_without_label = one_message(0x0400, kFec24);
  Bytes fec_33 = kFec24;
  fec_33[7] = 33;
  Bytes fec_host_element = kFec24;
  fec_host_element[4] = 0x03;
  Bytes fec_family_9 = kFec24;
  fec_family_9[6] = 9;
  Bytes short_label = {0x02, 0x00, 0x00, 0x03, 0x00, 0x03, 0xe9};
  Bytes huge_label = {0x02, 0x00, 0x00, 0x04, 0x00, 0x10, 0x00, 0x00};
  auto mapping = [&](const Bytes& fec, const Bytes& label) {
    Bytes parameters = fec;
    parameters.insert(parameters.end(), label.begin(), label.end());
    return one_message(0x0400, parameters);
  };
  const Case cases[] = {
      {"version 2", version_2, StatusCode::kBadProtocolVersion},
      {"length past the bytes", long_length, StatusCode::kBadPduLength},
      {"a header cut short", Bytes(kCapturedHello.begin(), kCapturedHello.begin() + 8), StatusCode::kBadPduLength},
      {"a message past the PDU", message_past_pdu, StatusCode::kBadMessageLength},
      {"an unknown message", one_message(0x3f00, {}), StatusCode::kUnknownMessageType},
      {"an unknown TLV", one_message(0x0201, {0x3f, 0x00, 0x00, 0x00}), StatusCode::kUnknownTlv},
      {"a TLV past its message", one_message(0x0201, {0x04, 0x00, 0x00, 0x09, 0x00}), StatusCode::kBadTlvLength},
      {"a three-byte label", mapping(kFec24, short_label), StatusCode::kBadTlvLength},
      {"a label of 2^20", mapping(kFec24, huge_label), StatusCode::kMalformedTlvValue},
      {"a /33", mapping(fec_33, kLabel1001), StatusCode::kMalformedTlvValue},
      {"a host address element", mapping(fec_host_element, kLabel1001), StatusCode::kUnknownFec},
      {"address family 9", mapping(fec_family_9, kLabel1001), StatusCode::kUnsupportedAddressFamily},
      {"a mapping without its label", mapping_without_label, StatusCode::kMissingMessageParameters},
      {"a Hello without its parameters", one_message(0x0100, {}), StatusCode::kMissingMessageParameters},
      {"a wildcard among prefixes", one_message(0x0402, {0x01, 0x00, 0x00, 0x08, 0x02, 0x00, 0x01, 0x18, 192, 0, 2, 0x01}),
       StatusCode::kMalformedTlvValue},
  };
  for (const Case& c : cases) {
    Pdu pdu;
    DecodeError e = decode(c.bytes, &pdu);
    EXPECT_EQ(e.code, c.code) << c.what << ": " << status_name(e.code) << " (" << e.detail << ")";
  }
  // The failing message is named, for the notification that answers it.
  Pdu pdu;
  DecodeError e = decode(mapping_without_label, &pdu);
  EXPECT_EQ(e.message_id, 7u);
  EXPECT_EQ(e.message_type, 0x0400);
  EXPECT_FALSE(is_fatal(e.code));  // the session goes on
  EXPECT_TRUE(is_fatal(StatusCode::kBadTlvLength));
  // Larger than the session's maximum PDU length.
  EXPECT_EQ(decode_pdu(kCapturedHello, &pdu, 37).code, StatusCode::kBadPduLength);
}

}  // namespace
}  // namespace aggr::ldp
