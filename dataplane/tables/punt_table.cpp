#include "dataplane/tables/punt_table.h"

#include <algorithm>

namespace aggr {

void PuntTable::set_rate(PuntKind kind, uint32_t packets_per_second, uint64_t tsc_hz) {
  const unsigned k = unsigned(kind);
  rates_[k] = packets_per_second;
  // A rate of 0 admits nothing: a token every ~forever, none to start with.
  cycles_per_token_[k] = packets_per_second == 0 ? kNever : std::max<uint64_t>(tsc_hz / packets_per_second, 1);
  depth_[k] = packets_per_second == 0 ? 0 : std::max<uint32_t>(packets_per_second / 10, 16);
  for (auto& port : buckets_) port[k] = {0, depth_[k]};
}

}  // namespace aggr
