// LDP's wire format (RFC 5036 section 3): PDUs, the messages they carry and
// the TLVs of those messages, decoded into plain structs and encoded back.
// Nothing here keeps state or talks to the network: discovery, sessions and
// label decisions use it. A decoding error names the status code that the
// notification answering it carries (section 3.5.1.2), so a session can end
// (or, for a non-fatal one, go on) as the RFC says.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "dataplane/net/ip_prefix.h"

namespace aggr::ldp {

constexpr uint16_t kPort = 646;
constexpr uint16_t kProtocolVersion = 1;
constexpr size_t kPduHeaderLength = 10;  // version, length, LDP identifier
constexpr uint16_t kDefaultMaxPduLength = 4096;

enum class MessageType : uint16_t {
  kNotification = 0x0001,
  kHello = 0x0100,
  kInitialization = 0x0200,
  kKeepAlive = 0x0201,
  kAddress = 0x0300,
  kAddressWithdraw = 0x0301,
  kLabelMapping = 0x0400,
  kLabelRequest = 0x0401,
  kLabelWithdraw = 0x0402,
  kLabelRelease = 0x0403,
  kLabelAbortRequest = 0x0404,
};

enum class TlvType : uint16_t {
  kFec = 0x0100,
  kAddressList = 0x0101,
  kHopCount = 0x0103,
  kPathVector = 0x0104,
  kGenericLabel = 0x0200,
  kStatus = 0x0300,
  kExtendedStatus = 0x0301,
  kReturnedPdu = 0x0302,
  kReturnedMessage = 0x0303,
  kCommonHelloParameters = 0x0400,
  kIpv4TransportAddress = 0x0401,
  kConfigurationSequenceNumber = 0x0402,
  kIpv6TransportAddress = 0x0403,
  kCommonSessionParameters = 0x0500,
  kFtSession = 0x0503,  // RFC 3479, as RFC 3478's graceful restart uses it (sent with the U bit)
  kLabelRequestMessageId = 0x0600,
  kDualStackCapability = 0x0701,  // RFC 7552
};

// Status codes (section 3.9); the E (fatal) bit is added by status_word().
enum class StatusCode : uint32_t {
  kSuccess = 0x00,
  kBadLdpIdentifier = 0x01,
  kBadProtocolVersion = 0x02,
  kBadPduLength = 0x03,
  kUnknownMessageType = 0x04,
  kBadMessageLength = 0x05,
  kUnknownTlv = 0x06,
  kBadTlvLength = 0x07,
  kMalformedTlvValue = 0x08,
  kHoldTimerExpired = 0x09,
  kShutdown = 0x0A,
  kLoopDetected = 0x0B,
  kUnknownFec = 0x0C,
  kNoRoute = 0x0D,
  kNoLabelResources = 0x0E,
  kLabelResourcesAvailable = 0x0F,
  kSessionRejectedNoHello = 0x10,
  kSessionRejectedAdvertisementMode = 0x11,
  kSessionRejectedMaxPduLength = 0x12,
  kSessionRejectedLabelRange = 0x13,
  kKeepAliveTimerExpired = 0x14,
  kLabelRequestAborted = 0x15,
  kMissingMessageParameters = 0x16,
  kUnsupportedAddressFamily = 0x17,
  kSessionRejectedBadKeepAliveTime = 0x18,
  kInternalError = 0x19,
};

// Whether the RFC makes a status fatal (the session ends): section 3.9's E bit.
bool is_fatal(StatusCode code);
std::string status_name(StatusCode code);
// The Status TLV's 32-bit word: E bit, F bit (clear) and the code.
uint32_t status_word(StatusCode code);

// An LSR's label space: its router id (host order) and the space (0: platform-wide).
struct LdpId {
  uint32_t lsr_id = 0;
  uint16_t label_space = 0;
  bool operator==(const LdpId&) const = default;
};
std::string format_ldp_id(const LdpId& id);  // "10.0.0.1:0"

// A FEC element: the wildcard (withdraw or release everything) or a prefix.
struct FecElement {
  bool wildcard = false;
  IpPrefix prefix;  // when not a wildcard
  bool operator==(const FecElement& o) const { return wildcard == o.wildcard && (wildcard || prefix == o.prefix); }
};

struct Hello {
  uint16_t hold_time = 0;  // seconds; 0: the default (15 link, 45 targeted)
  bool targeted = false;
  bool request_targeted = false;
  std::optional<IpPrefix> ipv4_transport_address;
  std::optional<IpPrefix> ipv6_transport_address;
  std::optional<uint32_t> configuration_sequence;
  std::optional<uint8_t> dual_stack;  // RFC 7552's transport preference: 4 or 6
  bool operator==(const Hello&) const = default;
};

// Graceful restart (RFC 3478 section 2): the FT Session TLV of an
// Initialization, with the L (learn from the network) flag. The reconnect
// timeout is how long the peer may keep this router's labels once the
// session is lost; the recovery time, how long after it comes back (0: this
// router kept no forwarding state across a restart).
constexpr uint16_t kFtLearnFromNetwork = 0x0001;
struct FtSession {
  uint16_t flags = kFtLearnFromNetwork;
  uint32_t reconnect_timeout_ms = 0;
  uint32_t recovery_time_ms = 0;
  bool operator==(const FtSession&) const = default;
};

struct Initialization {
  uint16_t protocol_version = kProtocolVersion;
  uint16_t keepalive_time = 0;         // seconds
  bool downstream_on_demand = false;   // A bit: clear is downstream unsolicited
  bool loop_detection = false;         // D bit
  uint8_t path_vector_limit = 0;
  uint16_t max_pdu_length = 0;         // 0: the default (4096)
  LdpId receiver;                      // the receiver's label space
  std::optional<FtSession> ft_session;  // graceful restart
  bool operator==(const Initialization&) const = default;
};

struct KeepAlive {
  bool operator==(const KeepAlive&) const = default;
};

// Address and Address Withdraw: the sender's interface addresses, one family.
struct AddressList {
  std::vector<IpPrefix> addresses;  // host prefixes, all of one family
  bool operator==(const AddressList&) const = default;
};

// Label Mapping, Request, Withdraw, Release and Abort Request.
struct LabelMessage {
  std::vector<FecElement> fecs;
  std::optional<uint32_t> label;       // Generic Label TLV
  std::optional<uint32_t> request_id;  // Label Request Message ID TLV
  std::optional<uint8_t> hop_count;
  bool operator==(const LabelMessage&) const = default;
};

struct Notification {
  uint32_t status = 0;        // the Status TLV's word: E, F and the code
  uint32_t message_id = 0;    // of the message it answers (0: none)
  uint16_t message_type = 0;  // likewise
  StatusCode code() const { return StatusCode(status & 0x3FFFFFFF); }
  bool fatal() const { return status & 0x80000000; }
  bool operator==(const Notification&) const = default;
};

struct Message {
  MessageType type = MessageType::kKeepAlive;
  uint32_t id = 0;
  std::variant<Notification, Hello, Initialization, KeepAlive, AddressList, LabelMessage> body;
  bool operator==(const Message&) const = default;
};

struct Pdu {
  LdpId sender;
  std::vector<Message> messages;
  bool operator==(const Pdu&) const = default;
};

// What went wrong decoding: the status to send back, and the message it
// was in (id and type; 0 when the PDU itself was bad).
struct DecodeError {
  StatusCode code = StatusCode::kSuccess;
  uint32_t message_id = 0;
  uint16_t message_type = 0;
  std::string detail;
  bool ok() const { return code == StatusCode::kSuccess; }
};

// The length of the PDU at the start of a TCP stream's bytes, header
// included, or 0 while fewer than its header's bytes have arrived.
size_t pdu_length(std::span<const uint8_t> bytes);

// Decodes one whole PDU (`bytes` is exactly it). Unknown messages and TLVs
// with the U bit set are skipped (section 3.5.1.1); without it they fail.
// A message that fails leaves the messages before it in `out`.
DecodeError decode_pdu(std::span<const uint8_t> bytes, Pdu* out, uint16_t max_pdu_length = kDefaultMaxPduLength);

// The PDU's bytes. Messages whose encoding would exceed `max_pdu_length`
// are the caller's to split.
std::vector<uint8_t> encode_pdu(const Pdu& pdu);

}  // namespace aggr::ldp
