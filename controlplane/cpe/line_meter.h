// A device's view of its own line: the rates its WAN interface's byte
// counters show, each measuring interval, and whether the line has been
// saturated (near its plan) for long enough to ask for more. Fed readings
// by the agent (from /sys/class/net/<wan>/statistics), so that it is
// tested with any sequence of them.
#pragma once

#include <cstdint>
#include <optional>

namespace aggr::cpe {

struct LineRates {
  uint64_t down_bps = 0, up_bps = 0;
};

class LineMeter {
 public:
  // `saturation`: the fraction of the plan at which the line counts as
  // saturated; `hold_ms`: for how long before saturated() says so.
  LineMeter(uint64_t down_plan_bps, uint64_t up_plan_bps, double saturation, int64_t hold_ms);

  // The interface's cumulative counters at `now_ms` (received: down,
  // sent: up). A counter that goes back (the interface was recreated)
  // starts the measurement again instead of reading as a huge rate.
  void observe(int64_t now_ms, uint64_t rx_bytes, uint64_t tx_bytes);

  // Over the last interval; none before two readings.
  std::optional<LineRates> rates() const { return rates_; }
  bool saturated_down(int64_t now_ms) const { return held(down_since_, now_ms); }
  bool saturated_up(int64_t now_ms) const { return held(up_since_, now_ms); }

 private:
  bool held(std::optional<int64_t> since, int64_t now_ms) const { return since && now_ms - *since >= hold_ms_; }

  uint64_t down_threshold_bps_, up_threshold_bps_;
  int64_t hold_ms_;
  std::optional<int64_t> last_at_;
  uint64_t last_rx_ = 0, last_tx_ = 0;
  std::optional<LineRates> rates_;
  // Since when each direction has been at or over its threshold.
  std::optional<int64_t> down_since_, up_since_;
};

}  // namespace aggr::cpe
