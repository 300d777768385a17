// One rtnetlink request and its acknowledgement, on a socket of its own
// (libmnl): what the setup calls share, for changes made rarely enough
// that a socket per request costs nothing worth keeping one open for.
#pragma once

#include <string>

#include "dataplane/net/status.h"

struct nlmsghdr;

namespace aggr {

// Sends `message` (its type, flags and payload built) and waits for the
// kernel's answer; `what` begins every error, which ends with the kernel's reason.
Status rtnetlink_request(nlmsghdr* message, const std::string& what);

}  // namespace aggr
