#include "controlplane/cpe/line_meter.h"

namespace aggr::cpe {

LineMeter::LineMeter(uint64_t down_plan_bps, uint64_t up_plan_bps, double saturation, int64_t hold_ms)
    : down_threshold_bps_(uint64_t(double(down_plan_bps) * saturation)),
      up_threshold_bps_(uint64_t(double(up_plan_bps) * saturation)),
      hold_ms_(hold_ms) {}

void LineMeter::observe(int64_t now_ms, uint64_t rx_bytes, uint64_t tx_bytes) {
  const bool went_back = rx_bytes < last_rx_ || tx_bytes < last_tx_;
  if (last_at_ && now_ms > *last_at_ && !went_back) {
    const double seconds = double(now_ms - *last_at_) / 1000.0;
    rates_ = LineRates{uint64_t(double(rx_bytes - last_rx_) * 8 / seconds),
                       uint64_t(double(tx_bytes - last_tx_) * 8 / seconds)};
    // The interval counts as saturated from its start.
    auto follow = [&](uint64_t rate, uint64_t threshold, std::optional<int64_t>& since) {
      if (threshold == 0 || rate < threshold) since.reset();
      else if (!since) since = *last_at_;
    };
    follow(rates_->down_bps, down_threshold_bps_, down_since_);
    follow(rates_->up_bps, up_threshold_bps_, up_since_);
  } else if (went_back) {
    rates_.reset();
    down_since_.reset();
    up_since_.reset();
  }
  last_at_ = now_ms;
  last_rx_ = rx_bytes;
  last_tx_ = tx_bytes;
}

}  // namespace aggr::cpe
