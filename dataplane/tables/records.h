// Records the workers read. Each is immutable once published: the control
// plane writes a new copy and swaps one pointer or index, so a worker sees a
// whole old record or a whole new one, never a mix.
#pragma once

#include <cstdint>
#include <string_view>

#include <rte_ether.h>

#include "dataplane/net/labels.h"

namespace aggr {

constexpr uint32_t kInvalidHandle = UINT32_MAX;
constexpr unsigned kMaxPorts = RTE_MAX_ETHPORTS;
constexpr unsigned kMaxWorkers = 32;  // a bit each in 32-bit masks

enum class Direction : uint8_t { kUpstream = 0, kDownstream = 1 };
constexpr unsigned kDirections = 2;

// A subscriber as the fast path sees it. 28 bytes: two versions and the
// index of the current one fill a cache line (see SubscriberTable).
struct SubscriberRecord {
  uint32_t id;             // operator's subscriber id
  uint16_t isp;            // ISP index (FTN key)
  uint16_t port;           // access port (DPDK port id) of the line
  uint16_t svlan;          // 0: no S-tag
  uint16_t cvlan;          // 0: no C-tag
  rte_ether_addr cpe_mac;  // destination MAC downstream
  uint16_t meter_profile[kDirections];  // 0: not metered
  // The subscriber's first IPv4 prefix (network order), so that upstream
  // anti-spoofing on a line needs no address lookup in the common case.
  uint8_t ipv4_prefix[4];
  uint8_t ipv4_length;  // kNoIpv4Prefix: none
  uint8_t flags;        // kSubscriber... below
};
constexpr uint8_t kNoIpv4Prefix = 0xFF;
// The subscriber's line carries interruptible contracts, whose buckets its
// own traffic drains (dataplane/nodes/redirect.cpp): known from the record
// the nodes have at hand, so that no other subscriber's packet looks further.
constexpr uint8_t kSubscriberHostsInterruptible = 1;
static_assert(sizeof(SubscriberRecord) == 28);

// Next hop label forwarding entry (RFC 3031 section 3.10): the Ethernet
// header of its adjacency and the label stack to write in front of the IP
// packet (a push) or of what follows the incoming label (a swap), with TC
// and TTL left zero for the worker to fill.
//
// The header is right-aligned in `encap` (bytes kEncapBytes - header_len to
// the end), so that the worker writes it with one fixed-size copy ending at
// the IP header, whatever the depth of the stack; the bytes in front of it
// land in the headroom, which nothing reads. `entry_mask` covers, 32 bits a
// lane, the label entries among the last 16 bytes: where TC and TTL go.
constexpr unsigned kEncapBytes = 32;
static_assert(RTE_ETHER_HDR_LEN + 4 * kMaxLabelDepth <= kEncapBytes);
struct Nhlfe {
  alignas(16) uint8_t encap[kEncapBytes];
  alignas(16) uint32_t entry_mask[4];
  uint8_t header_len;   // 14 + 4 * label_count
  uint8_t label_count;  // 1..3
  uint16_t out_port;
  // The out port's MTU less the label stack: the most the rest may carry.
  // 0 where the next hop is unresolved, so that the one length check every
  // packet passes anyway refuses them all (nhlfe_refusal says why).
  uint16_t max_ip_length;
  uint32_t labels[kMaxLabelDepth];  // outermost first (for display)
};

// Incoming label map entry's action, which names the node a labelled frame
// goes to next. The entry is packed in one word so it is replaced atomically.
enum class IlmAction : uint8_t {
  kNone = 0,
  kPopToSubscriber = 1,  // pop; deliver by destination address
  kSwap = 2,             // replace the label by the NHLFE's (argument: NHLFE index)
  kPopToIsp = 3,         // pop; hand the IP packet to the ISP (argument: ISP index)
};

constexpr std::string_view ilm_action_name(IlmAction action) {
  switch (action) {
    case IlmAction::kNone: return "none";
    case IlmAction::kPopToSubscriber: return "pop-to-subscriber";
    case IlmAction::kSwap: return "swap";
    case IlmAction::kPopToIsp: return "pop-to-isp";
  }
  return "unknown";
}

}  // namespace aggr
