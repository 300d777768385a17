#include "dataplane/tables/meter_table.h"

#include <rte_cycles.h>

namespace aggr {

MeterTable::MeterTable(uint32_t subscriber_capacity)
    : profiles_(new rte_meter_srtcm_profile[kMaxProfiles]()),
      state_(make_table_array<rte_meter_srtcm>(size_t(subscriber_capacity) * kDirections)) {}

uint32_t MeterTable::profile_for(uint64_t rate_bps, uint64_t burst_bytes) {
  if (rate_bps == 0) return kNoMeter;
  auto key = std::make_pair(rate_bps, burst_bytes);
  if (auto it = profile_ids_.find(key); it != profile_ids_.end()) return it->second;
  uint32_t id = uint32_t(profile_ids_.size()) + 1;  // 0 is kNoMeter
  if (id >= kMaxProfiles) return kMaxProfiles;
  rte_meter_srtcm_params params{};
  params.cir = rate_bps / 8;  // bytes per second
  params.cbs = burst_bytes;
  params.ebs = 0;             // no excess burst: beyond CBS is red
  if (rte_meter_srtcm_profile_config(&profiles_[id], &params) != 0) return kMaxProfiles;
  profile_ids_.emplace(key, uint16_t(id));
  return id;
}

void MeterTable::reset(uint32_t handle, uint16_t profile_up, uint16_t profile_down) {
  uint16_t profiles[kDirections] = {profile_up, profile_down};
  for (unsigned d = 0; d < kDirections; ++d)
    if (profiles[d] != kNoMeter)
      rte_meter_srtcm_config(&state_[size_t(handle) * kDirections + d], &profiles_[profiles[d]]);
}

}  // namespace aggr
