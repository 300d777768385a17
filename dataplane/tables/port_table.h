// Per-port attributes fixed at start-up (changing them needs a restart).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include <rte_ether.h>

#include "dataplane/tables/records.h"

namespace aggr {

// access: subscribers' lines (headend); core: MPLS towards other routers;
// isp: the handoff to one ISP's gateway (tailend).
enum class PortRole : uint8_t { kUnused = 0, kAccess, kCore, kIsp };

constexpr std::string_view port_role_name(PortRole role) {
  switch (role) {
    case PortRole::kUnused: return "unused";
    case PortRole::kAccess: return "access";
    case PortRole::kCore: return "core";
    case PortRole::kIsp: return "isp";
  }
  return "unknown";
}
enum class ClassifyMode : uint8_t { kLine = 0, kSourcePrefix };

struct PortAttributes {
  PortRole role = PortRole::kUnused;
  ClassifyMode classify = ClassifyMode::kLine;
  uint16_t mtu = 1500;           // largest L3 payload of a frame (IP + labels)
  uint16_t outer_tpid = 0x88A8;  // TPID written for the S-tag downstream
  rte_ether_addr mac{};          // source MAC of frames sent on the port
  uint16_t owner_worker = 0;     // the worker polling the port: it owns the
                                 // meters of the subscribers on its lines
  bool mirrored = false;         // has a kernel mirror: frames for the router are punted to it
  // Access ports: the subscribers' gateway addresses, for which the router
  // answers ARP, neighbour solicitations and echo requests (nodes/answer.cpp).
  bool gateway_ipv4_set = false;
  bool gateway_ipv6_set = false;
  uint8_t gateway_ipv4[4] = {};   // network order
  uint8_t gateway_ipv6[16] = {};
};

using PortTable = std::array<PortAttributes, kMaxPorts>;

}  // namespace aggr
