// The two label switching routers of the LDP session tests: the session's
// active side (the higher transport address, RFC 5036 section 2.5.2) and
// its passive side.
#pragma once

#include <cstdint>

#include "controlplane/ldp/session_fsm.h"

namespace aggr::test {

inline const ldp::LdpId kActive{0x0AFF0016, 0}, kPassive{0x0AFF0015, 0};

inline ldp::SessionSettings session_settings(ldp::LdpId local, ldp::LdpId peer, bool active, uint16_t keepalive = 180) {
  ldp::SessionSettings s;
  s.local = local;
  s.peer = peer;
  s.active = active;
  s.keepalive_time = keepalive;
  return s;
}

}  // namespace aggr::test
