#include "controlplane/broker/capacity.h"

#include <algorithm>
#include <vector>

namespace aggr::broker {
namespace {

constexpr size_t kSamplesPerHour = 256;
constexpr size_t kSamplesForP95 = 20;  // fewer: the recent use stands in

int hour_of_day(int64_t at_ms) { return int((at_ms / 3'600'000) % 24); }

uint64_t percentile95(const std::vector<uint64_t>& samples) {
  std::vector<uint64_t> sorted = samples;
  const size_t k = (sorted.size() * 95 + 99) / 100 - 1;
  std::nth_element(sorted.begin(), sorted.begin() + k, sorted.end());
  return sorted[k];
}

uint64_t non_negative(double v) { return v <= 0 ? 0 : uint64_t(v); }

}  // namespace

void SampleRing::add(uint64_t sample, size_t capacity) {
  if (samples_.size() < capacity) {
    samples_.push_back(sample);
    return;
  }
  samples_[next_] = sample;
  next_ = (next_ + 1) % capacity;
}

CapacityModel::Line* CapacityModel::line(const std::string& subscriber) {
  if (config_.line(subscriber) == nullptr) return nullptr;
  return &lines_[subscriber];
}

const CapacityModel::Line* CapacityModel::line(const std::string& subscriber) const {
  auto it = lines_.find(subscriber);
  return it == lines_.end() ? nullptr : &it->second;
}

uint64_t CapacityModel::capacity(const std::string& subscriber, const Line& l, Direction d) const {
  const LineConfig* plan = config_.line(subscriber);
  const uint64_t planned = plan ? (d == Direction::kDown ? plan->down_bps : plan->up_bps) : 0;
  const uint64_t sync = l.sync[size_t(d)];
  return sync != 0 ? std::min(planned, sync) : planned;
}

void CapacityModel::observe(const std::string& subscriber, const std::string& router, int64_t epoch, int64_t at_ms,
                            uint64_t down_bytes, uint64_t up_bytes) {
  Line* l = line(subscriber);
  if (l == nullptr) return;
  Counter& last = l->last[router];
  const bool same_epoch = last.epoch == epoch && at_ms > last.at_ms;
  if (same_epoch && down_bytes >= last.down && up_bytes >= last.up) {
    const double seconds = double(at_ms - last.at_ms) / 1000.0;
    sample(*l, Direction::kDown, uint64_t(double(down_bytes - last.down) * 8 / seconds),
           capacity(subscriber, *l, Direction::kDown), at_ms);
    sample(*l, Direction::kUp, uint64_t(double(up_bytes - last.up) * 8 / seconds),
           capacity(subscriber, *l, Direction::kUp), at_ms);
    l->last_sample_at = at_ms;
  }
  // A new epoch (or an older reading) only sets where the next difference starts.
  if (epoch != last.epoch || at_ms > last.at_ms) last = {epoch, at_ms, down_bytes, up_bytes};
}

void CapacityModel::sample(Line& l, Direction d, uint64_t bps, uint64_t capacity, int64_t at_ms) {
  DirectionUse& u = l.use[size_t(d)];
  const double w = config_.sharing.ewma_weight;
  u.recent_bps = l.last_sample_at < 0 ? double(bps) : w * double(bps) + (1 - w) * u.recent_bps;
  SampleRing& hour = l.samples[size_t(d)][hour_of_day(at_ms)];
  hour.add(bps, kSamplesPerHour);
  u.p95_bps = hour.samples().size() >= kSamplesForP95 ? percentile95(hour.samples()) : uint64_t(u.recent_bps);
  const bool busy = capacity > 0 && u.recent_bps >= config_.sharing.saturation * double(capacity);
  if (!busy) u.busy_since = -1;
  else if (u.busy_since < 0) u.busy_since = at_ms;
}

void CapacityModel::announce(const std::string& subscriber, uint64_t down_sync_bps, uint64_t up_sync_bps,
                             std::array<std::optional<uint64_t>, 2> lend_cap_bps) {
  if (Line* l = line(subscriber)) {
    l->sync = {down_sync_bps, up_sync_bps};
    l->lend_cap = lend_cap_bps;
  }
}

std::optional<LineUse> CapacityModel::use(const std::string& subscriber) const {
  if (config_.line(subscriber) == nullptr) return std::nullopt;
  LineUse out;
  const Line* l = line(subscriber);
  static const Line empty;
  const Line& source = l ? *l : empty;
  out.direction = source.use;
  out.last_sample_at = source.last_sample_at;
  for (Direction d : {Direction::kDown, Direction::kUp}) {
    out.direction[size_t(d)].capacity_bps = capacity(subscriber, source, d);
    out.direction[size_t(d)].lend_cap_bps = source.lend_cap[size_t(d)];
  }
  return out;
}

bool CapacityModel::measured(const std::string& subscriber) const {
  const Line* l = line(subscriber);
  return l != nullptr && l->last_sample_at >= 0;
}

uint64_t CapacityModel::lendable(const std::string& subscriber, Direction d, bool interruptible) const {
  const std::optional<LineUse> u = use(subscriber);
  // A line never measured lends nothing: its spare is not known.
  if (!u || u->last_sample_at < 0) return 0;
  const DirectionUse& x = u->direction[size_t(d)];
  const double capacity = double(x.capacity_bps), headroom = config_.sharing.headroom;
  const uint64_t spare = interruptible ? non_negative(capacity * (1 - headroom) - x.recent_bps)
                                       : non_negative(capacity - double(x.p95_bps) - headroom * capacity);
  return x.lend_cap_bps ? std::min(spare, *x.lend_cap_bps) : spare;
}

bool CapacityModel::saturated(const std::string& subscriber, Direction d, int64_t now_ms) const {
  const Line* l = line(subscriber);
  if (l == nullptr) return false;
  const int64_t since = l->use[size_t(d)].busy_since;
  return since >= 0 && now_ms - since >= config_.sharing.saturated_for_ms;
}

double CapacityModel::load(const std::string& subscriber) const {
  const std::optional<LineUse> u = use(subscriber);
  if (!u) return 1.0;
  double worst = 0;
  for (const DirectionUse& x : u->direction)
    worst = std::max(worst, x.capacity_bps ? x.recent_bps / double(x.capacity_bps) : 1.0);
  return worst;
}

}  // namespace aggr::broker
