// Plan-rate meters (RFC 2697 srTCM, color blind, through rte_meter).
//
// Profiles are shared by every subscriber on the same plan and never change
// once created. State is per subscriber handle and direction.
//
// Single writer: a meter's state is updated only by the worker that polls
// the subscriber's access port (PortAttributes::owner_worker). Upstream
// packets arrive on that port, so its poller sees them all; downstream
// packets received by another worker are handed to the owner through a
// single-producer ring before policing (dataplane/meter_transfer_rings.h), so no state is
// ever written by two threads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <utility>

#include <rte_meter.h>
#include <rte_prefetch.h>

#include "dataplane/tables/records.h"
#include "dataplane/tables/table_array.h"

namespace aggr {

constexpr uint16_t kNoMeter = 0;

// The burst of a plan's meter, and of a contract's bucket, where none is
// configured: 50 ms at the rate, at least 16 KB (a few full-size frames).
// A sender's window arrives as one burst, unpaced, and bunched further by
// the routers on its way: a policer that holds much less than a round
// trip's worth cuts TCP far below the rate.
inline uint64_t default_burst_bytes(uint64_t rate_bps) {
  const uint64_t at_rate = rate_bps / 8 / 20;
  return at_rate > 16384 ? at_rate : 16384;
}

class MeterTable {
 public:
  static constexpr uint32_t kMaxProfiles = 4096;

  explicit MeterTable(uint32_t subscriber_capacity);

  // ---- worker side ----
  // True when the packet conforms (green).
  bool conforms(uint32_t handle, Direction dir, uint16_t profile, uint64_t now_tsc,
                uint32_t bytes) {
    rte_meter_srtcm* state = &state_[size_t(handle) * kDirections + unsigned(dir)];
    return rte_meter_srtcm_color_blind_check(state, &profiles_[profile], now_tsc, bytes) ==
           RTE_COLOR_GREEN;
  }

  // Starts loading a meter's state, a few nodes before conforms() needs it.
  void prefetch(uint32_t handle, Direction dir) const {
    rte_prefetch0(&state_[size_t(handle) * kDirections + unsigned(dir)]);
  }

  // ---- control-plane side ----
  // Profile for a rate in bits/s and a burst in bytes; kNoMeter for rate 0.
  // Returns kMaxProfiles when out of profiles.
  uint32_t profile_for(uint64_t rate_bps, uint64_t burst_bytes);
  // Resets the state of a handle not yet visible to workers.
  void reset(uint32_t handle, uint16_t profile_up, uint16_t profile_down);

 private:
  std::unique_ptr<rte_meter_srtcm_profile[]> profiles_;
  TableArray<rte_meter_srtcm> state_;
  std::map<std::pair<uint64_t, uint64_t>, uint16_t> profile_ids_;
};

}  // namespace aggr
