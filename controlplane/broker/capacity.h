// What each line can lend, from what it is measured to use.
//
// Per line and direction: the capacity (the plan, or the sync rate its
// device announced when lower), the recent use (an EWMA of the rates
// between a router's successive readings) and the time-of-day p95 (the
// 95th percentile of the rates seen in this hour of the day). From them:
//   interruptible     = capacity x (1 - headroom) - recent use
//   non-interruptible = capacity - p95 - headroom x capacity
// less what is already lent from the line, and never more than the device
// announced it would lend (its owner's choice). Routers' readings are
// cumulative within a counter epoch; a new epoch restarts the differences
// and is never read as a negative rate.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "controlplane/broker/broker_config.h"

namespace aggr::broker {

enum class Direction { kDown = 0, kUp = 1 };

struct DirectionUse {
  uint64_t capacity_bps = 0;
  double recent_bps = 0;  // EWMA
  uint64_t p95_bps = 0;   // this hour of the day's; the recent use while it has too few samples
  int64_t busy_since = -1;  // ms: above the saturation share since then; -1 when not
  std::optional<uint64_t> lend_cap_bps;  // the most the device lends; none: as measured
};

struct LineUse {
  std::array<DirectionUse, 2> direction;  // by Direction
  int64_t last_sample_at = -1;
};

// The latest `capacity` samples, oldest overwritten; empty until the first.
class SampleRing {
 public:
  void add(uint64_t sample, size_t capacity);
  const std::vector<uint64_t>& samples() const { return samples_; }  // in no particular order

 private:
  std::vector<uint64_t> samples_;
  size_t next_ = 0;  // where the next sample goes once full
};

class CapacityModel {
 public:
  CapacityModel(const BrokerConfig& config) : config_(config) {}

  // A router's cumulative byte counts for a subscriber's own traffic.
  void observe(const std::string& subscriber, const std::string& router, int64_t epoch, int64_t at_ms,
               uint64_t down_bytes, uint64_t up_bytes);
  // A device announced its line's sync rates (0: unknown) and the most it
  // will lend each way (none: what the line can spare).
  void announce(const std::string& subscriber, uint64_t down_sync_bps, uint64_t up_sync_bps,
                std::array<std::optional<uint64_t>, 2> lend_cap_bps = {});

  std::optional<LineUse> use(const std::string& subscriber) const;
  // Whether the line's use is known: a restarted broker knows none until
  // its routers report again twice.
  bool measured(const std::string& subscriber) const;
  // What the line may lend now in one direction, before what it already lends.
  uint64_t lendable(const std::string& subscriber, Direction d, bool interruptible) const;
  // Busy above the saturation share for the configured time (or longer).
  bool saturated(const std::string& subscriber, Direction d, int64_t now_ms) const;
  // recent use / capacity: lower is a better donor.
  double load(const std::string& subscriber) const;

 private:
  struct Counter {
    int64_t epoch = -1, at_ms = 0;
    uint64_t down = 0, up = 0;
  };
  struct Line {
    std::array<DirectionUse, 2> use;
    std::array<uint64_t, 2> sync{0, 0};
    std::array<std::optional<uint64_t>, 2> lend_cap;
    std::map<std::string, Counter> last;  // by router
    // Rate samples by hour of the day and direction, the latest kept. An
    // hour never sampled holds no memory: a broker follows many lines.
    std::array<std::array<SampleRing, 24>, 2> samples;
    int64_t last_sample_at = -1;
  };
  Line* line(const std::string& subscriber);
  const Line* line(const std::string& subscriber) const;
  uint64_t capacity(const std::string& subscriber, const Line& l, Direction d) const;
  void sample(Line& l, Direction d, uint64_t bps, uint64_t capacity, int64_t at_ms);

  const BrokerConfig& config_;
  std::map<std::string, Line> lines_;
};

}  // namespace aggr::broker
