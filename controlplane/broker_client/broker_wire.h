// What every client of aggr-broker (aggrd's broker client, aggr-cpe) shares
// about talking to it: the long poll's wait, the retry pace, and the clock
// the broker's leases and expiries are written in.
#pragma once

#include <chrono>
#include <cstdint>

namespace aggr::broker_wire {

// A client asks GET /v1/instructions to wait up to this long for a change
// (the broker answers within half a lease anyway, renewing the leases) and
// reads its answer a little longer.
constexpr int64_t kLongPollMs = 20'000;
constexpr std::chrono::seconds kLongPollReadTimeout{kLongPollMs / 1000 + 10};
// After a failed call, the next one waits this long.
constexpr std::chrono::milliseconds kRetry{1000};

// Leases and expiries are in system-clock milliseconds since the epoch.
inline int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace aggr::broker_wire
