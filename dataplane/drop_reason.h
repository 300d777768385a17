// Every packet the dataplane discards is counted under exactly one reason.
#pragma once

#include <cstdint>
#include <string_view>

namespace aggr {

enum class DropReason : uint8_t {
  kNone = 0,
  kTruncated,            // frame shorter than the headers it announces
  kTooManyVlanTags,      // more than two VLAN tags
  kNotIp,                // upstream frame that is neither IPv4 nor IPv6
  kBadIpHeader,          // wrong version, IHL or length fields
  kUnknownLine,          // (port, S-VLAN, C-VLAN) matches no subscriber
  kUnknownSource,        // source-prefix port: no subscriber owns the source
  kSpoofedSource,        // source address not one of the subscriber's
  kMeterUpstream,        // over the subscriber's upstream plan rate
  kMeterDownstream,      // over the subscriber's downstream plan rate
  kTtlExpired,           // IP TTL / hop limit or MPLS TTL would reach zero
  kMtuExceeded,          // frame larger than the out port's MTU
  kNoFtnEntry,           // the subscriber's ISP has no usable NHLFE
  kNotMpls,              // core port frame that is not MPLS
  kReservedLabel,        // RFC 3032 reserved label other than explicit null
  kUnknownLabel,         // no ILM entry for the label
  kLabelStackTooDeep,    // labels left under a pop-to-subscriber label
  kUnknownDestination,   // no subscriber owns the destination address
  kNoHeadroom,           // mbuf lacks room for the new headers
  kMultiSegment,         // chained mbufs are not forwarded
  kTxFailed,             // the out queue did not accept the frame
  kMeterTransferFull,          // the ring to the subscriber's meter owner was full
  kSubscriberGone,       // removed or moved while its frame was handed off
  kNoHandoff,            // pop-to-ISP label of an ISP with no handoff here
  kUnknownHandoff,       // frame on an ISP port (or VLAN) that is no ISP's handoff
  kPuntPoliced,          // for the router, over its kind's punt rate on the port
  kMirrorFull,           // for the router, but the queue to the kernel mirror was full
  kUnresolvedNextHop,    // the next hop's address has no MAC yet (or any more)
  kUnanswered,           // for the router on an access port, but nothing it answers there
  kContractOverRate,     // a borrower's packet on a donor's line beyond the contract's rate
  kCount
};

constexpr unsigned kDropReasonCount = unsigned(DropReason::kCount);

// Stable snake_case name used in summaries, logs and (later) metrics labels.
std::string_view drop_reason_name(DropReason reason);

}  // namespace aggr
