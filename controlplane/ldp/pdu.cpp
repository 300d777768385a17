#include "controlplane/ldp/pdu.h"

#include <arpa/inet.h>

#include <cstdio>
#include <cstring>

namespace aggr::ldp {
namespace {

constexpr uint16_t kUnknownBit = 0x8000, kForwardBit = 0x4000;
constexpr size_t kMessageHeaderLength = 8;  // type, length, id
constexpr size_t kTlvHeaderLength = 4;
constexpr uint16_t kFamilyIpv4 = 1, kFamilyIpv6 = 2;  // IANA address families
constexpr uint8_t kWildcardElement = 0x01, kPrefixElement = 0x02;
constexpr uint32_t kFatalBit = 0x80000000;
constexpr uint32_t kMaxLabel = (1u << 20) - 1;

uint16_t load16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }

std::string hex(unsigned value) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%04x", value);
  return text;
}
uint32_t load32(const uint8_t* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }

struct Failure {
  StatusCode code;
  std::string detail;
};

// One message's parameters, TLV by TLV.
struct Tlv {
  uint16_t type = 0;  // without the U and F bits
  bool unknown_ok = false;
  std::span<const uint8_t> value;
};

std::optional<Failure> next_tlv(std::span<const uint8_t>& rest, Tlv* tlv) {
  if (rest.size() < kTlvHeaderLength) return Failure{StatusCode::kBadTlvLength, "a TLV header cut short"};
  const uint16_t word = load16(rest.data()), length = load16(rest.data() + 2);
  if (rest.size() - kTlvHeaderLength < length)
    return Failure{StatusCode::kBadTlvLength, "TLV " + hex(word & 0x3FFF) + " longer than its message"};
  tlv->type = word & 0x3FFF;
  tlv->unknown_ok = word & kUnknownBit;
  tlv->value = rest.subspan(kTlvHeaderLength, length);
  rest = rest.subspan(kTlvHeaderLength + length);
  return std::nullopt;
}

std::optional<Failure> need_length(const Tlv& tlv, size_t length, const char* what) {
  if (tlv.value.size() != length)
    return Failure{StatusCode::kBadTlvLength, std::string(what) + " TLV of " + std::to_string(tlv.value.size()) +
                                                  " bytes (" + std::to_string(length) + " expected)"};
  return std::nullopt;
}

IpPrefix host(const uint8_t* bytes, uint8_t family) {
  IpPrefix address;
  address.family = family;
  address.length = family == 4 ? 32 : 128;
  std::memcpy(address.bytes, bytes, family == 4 ? 4 : 16);
  return address;
}

std::optional<Failure> read_fecs(std::span<const uint8_t> value, std::vector<FecElement>* fecs) {
  while (!value.empty()) {
    FecElement fec;
    if (value[0] == kWildcardElement) {
      fec.wildcard = true;
      value = value.subspan(1);
    } else if (value[0] == kPrefixElement) {
      if (value.size() < 4) return Failure{StatusCode::kMalformedTlvValue, "a prefix FEC element cut short"};
      const uint16_t family = load16(value.data() + 1);
      const uint8_t length = value[3];
      if (family != kFamilyIpv4 && family != kFamilyIpv6)
        return Failure{StatusCode::kUnsupportedAddressFamily, "FEC address family " + std::to_string(family)};
      const uint8_t max = family == kFamilyIpv4 ? 32 : 128;
      const size_t bytes = (length + 7u) / 8u;
      if (length > max || value.size() < 4 + bytes)
        return Failure{StatusCode::kMalformedTlvValue, "a prefix FEC element of length " + std::to_string(length)};
      fec.prefix.family = family == kFamilyIpv4 ? 4 : 6;
      fec.prefix.length = length;
      std::memcpy(fec.prefix.bytes, value.data() + 4, bytes);
      // Bits past the length are not the prefix's: cleared, so that equal FECs compare equal.
      if (length % 8) fec.prefix.bytes[length / 8] &= uint8_t(0xFF00 >> (length % 8));
      value = value.subspan(4 + bytes);
    } else {
      return Failure{StatusCode::kUnknownFec, "FEC element type " + std::to_string(value[0])};
    }
    fecs->push_back(fec);
  }
  if (fecs->empty()) return Failure{StatusCode::kMalformedTlvValue, "a FEC TLV without elements"};
  // Section 3.4.1: the wildcard is the only element of its TLV.
  if (fecs->size() > 1)
    for (const FecElement& fec : *fecs)
      if (fec.wildcard) return Failure{StatusCode::kMalformedTlvValue, "a wildcard FEC among other elements"};
  return std::nullopt;
}

// Decodes a message's parameters, in any order, into its body, and checks
// that the ones its type needs came.
std::optional<Failure> read_parameters(MessageType type, std::span<const uint8_t> rest, Message* message) {
  Hello hello;
  Initialization init;
  AddressList addresses;
  LabelMessage label;
  Notification notification;
  bool have_hello = false, have_session = false, have_addresses = false, have_fec = false, have_status = false;
  while (!rest.empty()) {
    Tlv tlv;
    if (auto failure = next_tlv(rest, &tlv)) return failure;
    switch (TlvType(tlv.type)) {
      case TlvType::kCommonHelloParameters:
        if (auto f = need_length(tlv, 4, "Common Hello Parameters")) return f;
        hello.hold_time = load16(tlv.value.data());
        hello.targeted = tlv.value[2] & 0x80;
        hello.request_targeted = tlv.value[2] & 0x40;
        have_hello = true;
        break;
      case TlvType::kIpv4TransportAddress:
        if (auto f = need_length(tlv, 4, "IPv4 Transport Address")) return f;
        hello.ipv4_transport_address = host(tlv.value.data(), 4);
        break;
      case TlvType::kIpv6TransportAddress:
        if (auto f = need_length(tlv, 16, "IPv6 Transport Address")) return f;
        hello.ipv6_transport_address = host(tlv.value.data(), 6);
        break;
      case TlvType::kConfigurationSequenceNumber:
        if (auto f = need_length(tlv, 4, "Configuration Sequence Number")) return f;
        hello.configuration_sequence = load32(tlv.value.data());
        break;
      case TlvType::kDualStackCapability:
        if (auto f = need_length(tlv, 4, "Dual-Stack Capability")) return f;
        hello.dual_stack = uint8_t(tlv.value[0] >> 4);
        break;
      case TlvType::kCommonSessionParameters:
        if (auto f = need_length(tlv, 14, "Common Session Parameters")) return f;
        init.protocol_version = load16(tlv.value.data());
        init.keepalive_time = load16(tlv.value.data() + 2);
        init.downstream_on_demand = tlv.value[4] & 0x80;
        init.loop_detection = tlv.value[4] & 0x40;
        init.path_vector_limit = tlv.value[5];
        init.max_pdu_length = load16(tlv.value.data() + 6);
        init.receiver = {load32(tlv.value.data() + 8), load16(tlv.value.data() + 12)};
        have_session = true;
        break;
      case TlvType::kFtSession:
        if (auto f = need_length(tlv, 12, "FT Session")) return f;
        init.ft_session = FtSession{load16(tlv.value.data()), load32(tlv.value.data() + 4), load32(tlv.value.data() + 8)};
        break;
      case TlvType::kAddressList: {
        if (tlv.value.size() < 2) return Failure{StatusCode::kBadTlvLength, "an Address List TLV without its family"};
        const uint16_t family = load16(tlv.value.data());
        if (family != kFamilyIpv4 && family != kFamilyIpv6)
          return Failure{StatusCode::kUnsupportedAddressFamily, "address family " + std::to_string(family)};
        const size_t size = family == kFamilyIpv4 ? 4 : 16;
        if (!addresses.addresses.empty() && addresses.addresses[0].family != (family == kFamilyIpv4 ? 4 : 6))
          return Failure{StatusCode::kMalformedTlvValue, "address lists of two families in one message"};
        if ((tlv.value.size() - 2) % size != 0)
          return Failure{StatusCode::kBadTlvLength, "an Address List TLV with a partial address"};
        for (size_t at = 2; at < tlv.value.size(); at += size)
          addresses.addresses.push_back(host(tlv.value.data() + at, family == kFamilyIpv4 ? 4 : 6));
        have_addresses = true;
        break;
      }
      case TlvType::kFec:
        if (auto f = read_fecs(tlv.value, &label.fecs)) return f;
        have_fec = true;
        break;
      case TlvType::kGenericLabel:
        if (auto f = need_length(tlv, 4, "Generic Label")) return f;
        if (load32(tlv.value.data()) > kMaxLabel) return Failure{StatusCode::kMalformedTlvValue, "a label above 2^20 - 1"};
        label.label = load32(tlv.value.data());
        break;
      case TlvType::kLabelRequestMessageId:
        if (auto f = need_length(tlv, 4, "Label Request Message ID")) return f;
        label.request_id = load32(tlv.value.data());
        break;
      case TlvType::kHopCount:
        if (auto f = need_length(tlv, 1, "Hop Count")) return f;
        label.hop_count = tlv.value[0];
        break;
      case TlvType::kPathVector:
        if (tlv.value.size() % 4 != 0) return Failure{StatusCode::kBadTlvLength, "a Path Vector with a partial LSR id"};
        break;  // loop detection is not configured: carried, not used
      case TlvType::kStatus:
        if (auto f = need_length(tlv, 10, "Status")) return f;
        notification.status = load32(tlv.value.data());
        notification.message_id = load32(tlv.value.data() + 4);
        notification.message_type = load16(tlv.value.data() + 8);
        have_status = true;
        break;
      case TlvType::kExtendedStatus:
      case TlvType::kReturnedPdu:
      case TlvType::kReturnedMessage:
        break;  // diagnostics for a person, not for the protocol
      default:
        if (!tlv.unknown_ok) return Failure{StatusCode::kUnknownTlv, "TLV type " + hex(tlv.type)};
        break;
    }
  }
  auto missing = [](const char* what) { return Failure{StatusCode::kMissingMessageParameters, what}; };
  switch (type) {
    case MessageType::kHello:
      if (!have_hello) return missing("a Hello without Common Hello Parameters");
      message->body = hello;
      break;
    case MessageType::kInitialization:
      if (!have_session) return missing("an Initialization without Common Session Parameters");
      message->body = init;
      break;
    case MessageType::kKeepAlive: message->body = KeepAlive{}; break;
    case MessageType::kAddress:
    case MessageType::kAddressWithdraw:
      if (!have_addresses) return missing("an Address message without its Address List");
      message->body = addresses;
      break;
    case MessageType::kNotification:
      if (!have_status) return missing("a Notification without its Status");
      message->body = notification;
      break;
    default:  // the label messages
      if (!have_fec) return missing("a label message without its FEC");
      if (type == MessageType::kLabelMapping && !label.label) return missing("a Label Mapping without its label");
      if (type == MessageType::kLabelAbortRequest && !label.request_id)
        return missing("a Label Abort Request without the request's id");
      message->body = label;
      break;
  }
  return std::nullopt;
}

bool known_message(uint16_t type) {
  switch (MessageType(type)) {
    case MessageType::kNotification:
    case MessageType::kHello:
    case MessageType::kInitialization:
    case MessageType::kKeepAlive:
    case MessageType::kAddress:
    case MessageType::kAddressWithdraw:
    case MessageType::kLabelMapping:
    case MessageType::kLabelRequest:
    case MessageType::kLabelWithdraw:
    case MessageType::kLabelRelease:
    case MessageType::kLabelAbortRequest: return true;
  }
  return false;
}

// ------------------------------------------------------------------ encoding

class Writer {
 public:
  void u8(uint8_t v) { bytes_.push_back(v); }
  void u16(uint16_t v) { u8(uint8_t(v >> 8)), u8(uint8_t(v)); }
  void u32(uint32_t v) { u16(uint16_t(v >> 16)), u16(uint16_t(v)); }
  void raw(const uint8_t* p, size_t n) { bytes_.insert(bytes_.end(), p, p + n); }
  size_t size() const { return bytes_.size(); }
  // Writes a 16-bit length at `at`: the bytes written since `from`.
  void length_at(size_t at, size_t from) {
    const size_t length = bytes_.size() - from;
    bytes_[at] = uint8_t(length >> 8), bytes_[at + 1] = uint8_t(length);
  }
  // A TLV around what `value` writes.
  template <typename Value>
  void tlv(TlvType type, Value value, uint16_t flags = 0) {
    u16(uint16_t(type) | flags);
    const size_t at = size();
    u16(0);
    value();
    length_at(at, at + 2);
  }
  std::vector<uint8_t> take() { return std::move(bytes_); }

 private:
  std::vector<uint8_t> bytes_;
};

void write_address(Writer& w, const IpPrefix& a) { w.raw(a.bytes, a.family == 4 ? 4 : 16); }

void write_body(Writer& w, const Hello& h) {
  w.tlv(TlvType::kCommonHelloParameters, [&] {
    w.u16(h.hold_time);
    w.u8(uint8_t((h.targeted ? 0x80 : 0) | (h.request_targeted ? 0x40 : 0)));
    w.u8(0);
  });
  if (h.ipv4_transport_address) w.tlv(TlvType::kIpv4TransportAddress, [&] { write_address(w, *h.ipv4_transport_address); });
  if (h.ipv6_transport_address) w.tlv(TlvType::kIpv6TransportAddress, [&] { write_address(w, *h.ipv6_transport_address); });
  if (h.configuration_sequence) w.tlv(TlvType::kConfigurationSequenceNumber, [&] { w.u32(*h.configuration_sequence); });
  if (h.dual_stack) w.tlv(TlvType::kDualStackCapability, [&] { w.u32(uint32_t(*h.dual_stack) << 28); }, kUnknownBit);
}

void write_body(Writer& w, const Initialization& i) {
  w.tlv(TlvType::kCommonSessionParameters, [&] {
    w.u16(i.protocol_version);
    w.u16(i.keepalive_time);
    w.u8(uint8_t((i.downstream_on_demand ? 0x80 : 0) | (i.loop_detection ? 0x40 : 0)));
    w.u8(i.path_vector_limit);
    w.u16(i.max_pdu_length);
    w.u32(i.receiver.lsr_id);
    w.u16(i.receiver.label_space);
  });
  // The U bit: a peer without graceful restart ignores it (RFC 3479 section 4.1).
  if (i.ft_session)
    w.tlv(TlvType::kFtSession, [&] {
      w.u16(i.ft_session->flags);
      w.u16(0);
      w.u32(i.ft_session->reconnect_timeout_ms);
      w.u32(i.ft_session->recovery_time_ms);
    }, 0x8000);
}

void write_body(Writer&, const KeepAlive&) {}

void write_body(Writer& w, const AddressList& a) {
  w.tlv(TlvType::kAddressList, [&] {
    const bool ipv6 = !a.addresses.empty() && a.addresses[0].family == 6;
    w.u16(ipv6 ? kFamilyIpv6 : kFamilyIpv4);
    for (const IpPrefix& address : a.addresses) write_address(w, address);
  });
}

void write_body(Writer& w, const LabelMessage& l) {
  w.tlv(TlvType::kFec, [&] {
    for (const FecElement& fec : l.fecs) {
      if (fec.wildcard) {
        w.u8(kWildcardElement);
        continue;
      }
      w.u8(kPrefixElement);
      w.u16(fec.prefix.family == 4 ? kFamilyIpv4 : kFamilyIpv6);
      w.u8(fec.prefix.length);
      w.raw(fec.prefix.bytes, (fec.prefix.length + 7u) / 8u);
    }
  });
  if (l.label) w.tlv(TlvType::kGenericLabel, [&] { w.u32(*l.label); });
  if (l.request_id) w.tlv(TlvType::kLabelRequestMessageId, [&] { w.u32(*l.request_id); });
  if (l.hop_count) w.tlv(TlvType::kHopCount, [&] { w.u8(*l.hop_count); });
}

void write_body(Writer& w, const Notification& n) {
  w.tlv(TlvType::kStatus, [&] {
    w.u32(n.status);
    w.u32(n.message_id);
    w.u16(n.message_type);
  });
}

}  // namespace

bool is_fatal(StatusCode code) {
  switch (code) {
    case StatusCode::kSuccess:
    case StatusCode::kLoopDetected:
    case StatusCode::kUnknownFec:
    case StatusCode::kNoRoute:
    case StatusCode::kNoLabelResources:
    case StatusCode::kLabelResourcesAvailable:
    case StatusCode::kLabelRequestAborted:
    case StatusCode::kMissingMessageParameters:
    case StatusCode::kUnsupportedAddressFamily:
    case StatusCode::kUnknownMessageType:
    case StatusCode::kUnknownTlv:
      return false;
    default:
      return true;
  }
}

std::string status_name(StatusCode code) {
  switch (code) {
    case StatusCode::kSuccess: return "success";
    case StatusCode::kBadLdpIdentifier: return "bad LDP identifier";
    case StatusCode::kBadProtocolVersion: return "bad protocol version";
    case StatusCode::kBadPduLength: return "bad PDU length";
    case StatusCode::kUnknownMessageType: return "unknown message type";
    case StatusCode::kBadMessageLength: return "bad message length";
    case StatusCode::kUnknownTlv: return "unknown TLV";
    case StatusCode::kBadTlvLength: return "bad TLV length";
    case StatusCode::kMalformedTlvValue: return "malformed TLV value";
    case StatusCode::kHoldTimerExpired: return "hold timer expired";
    case StatusCode::kShutdown: return "shutdown";
    case StatusCode::kLoopDetected: return "loop detected";
    case StatusCode::kUnknownFec: return "unknown FEC";
    case StatusCode::kNoRoute: return "no route";
    case StatusCode::kNoLabelResources: return "no label resources";
    case StatusCode::kLabelResourcesAvailable: return "label resources available";
    case StatusCode::kSessionRejectedNoHello: return "session rejected: no hello";
    case StatusCode::kSessionRejectedAdvertisementMode: return "session rejected: advertisement mode";
    case StatusCode::kSessionRejectedMaxPduLength: return "session rejected: max PDU length";
    case StatusCode::kSessionRejectedLabelRange: return "session rejected: label range";
    case StatusCode::kKeepAliveTimerExpired: return "keepalive timer expired";
    case StatusCode::kLabelRequestAborted: return "label request aborted";
    case StatusCode::kMissingMessageParameters: return "missing message parameters";
    case StatusCode::kUnsupportedAddressFamily: return "unsupported address family";
    case StatusCode::kSessionRejectedBadKeepAliveTime: return "session rejected: bad keepalive time";
    case StatusCode::kInternalError: return "internal error";
  }
  return "status " + std::to_string(uint32_t(code));
}

uint32_t status_word(StatusCode code) { return uint32_t(code) | (is_fatal(code) ? kFatalBit : 0); }

std::string format_ldp_id(const LdpId& id) {
  const uint32_t network = htonl(id.lsr_id);
  char text[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &network, text, sizeof text);
  return std::string(text) + ":" + std::to_string(id.label_space);
}

size_t pdu_length(std::span<const uint8_t> bytes) {
  if (bytes.size() < 4) return 0;
  return 4 + size_t(load16(bytes.data() + 2));
}

DecodeError decode_pdu(std::span<const uint8_t> bytes, Pdu* out, uint16_t max_pdu_length) {
  *out = {};
  if (bytes.size() < kPduHeaderLength) return {StatusCode::kBadPduLength, 0, 0, "a PDU header cut short"};
  if (load16(bytes.data()) != kProtocolVersion)
    return {StatusCode::kBadProtocolVersion, 0, 0, "protocol version " + std::to_string(load16(bytes.data()))};
  const size_t length = load16(bytes.data() + 2);
  if (length + 4 != bytes.size() || length < kPduHeaderLength - 4 || length > max_pdu_length)
    return {StatusCode::kBadPduLength, 0, 0, "PDU length " + std::to_string(length)};
  out->sender = {load32(bytes.data() + 4), load16(bytes.data() + 8)};
  std::span<const uint8_t> rest = bytes.subspan(kPduHeaderLength);
  while (!rest.empty()) {
    if (rest.size() < kMessageHeaderLength) return {StatusCode::kBadMessageLength, 0, 0, "a message header cut short"};
    const uint16_t word = load16(rest.data()), type = word & 0x7FFF, message_length = load16(rest.data() + 2);
    if (message_length < 4 || rest.size() - 4 < message_length)
      return {StatusCode::kBadMessageLength, 0, type, "message length " + std::to_string(message_length)};
    const uint32_t id = load32(rest.data() + 4);
    std::span<const uint8_t> parameters = rest.subspan(kMessageHeaderLength, message_length - 4u);
    rest = rest.subspan(4u + message_length);
    if (!known_message(type)) {
      if (word & kUnknownBit) continue;  // section 3.5.1.1: silently ignored
      return {StatusCode::kUnknownMessageType, id, type, "message type " + hex(type)};
    }
    Message message{MessageType(type), id, KeepAlive{}};
    if (auto failure = read_parameters(MessageType(type), parameters, &message))
      return {failure->code, id, type, failure->detail};
    out->messages.push_back(std::move(message));
  }
  return {};
}

std::vector<uint8_t> encode_pdu(const Pdu& pdu) {
  Writer w;
  w.u16(kProtocolVersion);
  w.u16(0);  // length, below
  w.u32(pdu.sender.lsr_id);
  w.u16(pdu.sender.label_space);
  for (const Message& m : pdu.messages) {
    w.u16(uint16_t(m.type));
    const size_t at = w.size();
    w.u16(0);
    w.u32(m.id);
    std::visit([&](const auto& body) { write_body(w, body); }, m.body);
    w.length_at(at, at + 2);
  }
  w.length_at(2, 4);
  return w.take();
}

}  // namespace aggr::ldp
