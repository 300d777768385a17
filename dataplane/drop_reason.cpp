#include "dataplane/drop_reason.h"

namespace aggr {

std::string_view drop_reason_name(DropReason reason) {
  switch (reason) {
    case DropReason::kNone: return "none";
    case DropReason::kTruncated: return "truncated";
    case DropReason::kTooManyVlanTags: return "too_many_vlan_tags";
    case DropReason::kNotIp: return "not_ip";
    case DropReason::kBadIpHeader: return "bad_ip_header";
    case DropReason::kUnknownLine: return "unknown_line";
    case DropReason::kUnknownSource: return "unknown_source";
    case DropReason::kSpoofedSource: return "spoofed_source";
    case DropReason::kMeterUpstream: return "meter_upstream";
    case DropReason::kMeterDownstream: return "meter_downstream";
    case DropReason::kTtlExpired: return "ttl_expired";
    case DropReason::kMtuExceeded: return "mtu_exceeded";
    case DropReason::kNoFtnEntry: return "no_ftn_entry";
    case DropReason::kNotMpls: return "not_mpls";
    case DropReason::kReservedLabel: return "reserved_label";
    case DropReason::kUnknownLabel: return "unknown_label";
    case DropReason::kLabelStackTooDeep: return "label_stack_too_deep";
    case DropReason::kUnknownDestination: return "unknown_destination";
    case DropReason::kNoHeadroom: return "no_headroom";
    case DropReason::kMultiSegment: return "multi_segment";
    case DropReason::kTxFailed: return "tx_failed";
    case DropReason::kMeterTransferFull: return "meter_transfer_full";
    case DropReason::kSubscriberGone: return "subscriber_gone";
    case DropReason::kNoHandoff: return "no_handoff";
    case DropReason::kUnknownHandoff: return "unknown_handoff";
    case DropReason::kPuntPoliced: return "punt_policed";
    case DropReason::kMirrorFull: return "mirror_full";
    case DropReason::kUnresolvedNextHop: return "unresolved_next_hop";
    case DropReason::kUnanswered: return "unanswered";
    case DropReason::kContractOverRate: return "contract_over_rate";
    case DropReason::kCount: break;
  }
  return "invalid";
}

}  // namespace aggr
