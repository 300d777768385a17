#include "controlplane/broker/matching.h"

#include <algorithm>

namespace aggr::broker {

std::variant<Match, std::string> match_donor(const BrokerConfig& config, const CapacityModel& capacity,
                                             const GrantRequest& request, const Lent& lent) {
  const LineConfig* borrower = config.line(request.borrower);
  if (borrower == nullptr) return "subscriber " + request.borrower + " has no line here";
  if (request.max_price_per_gb >= 0 && request.max_price_per_gb < config.sharing.price_per_gb)
    return "the price, " + std::to_string(config.sharing.price_per_gb) + " a GB, is above the cap";
  std::optional<Match> best;
  double best_load = 0;
  std::string closest;  // why the nearest candidate fell short
  for (const std::string& candidate : config.linked_to(request.borrower)) {
    const LineConfig* line = config.line(candidate);
    if (line == nullptr || candidate == request.borrower || line->router != borrower->router) continue;
    const LineConfig& donor = *line;
    Match m{donor.subscriber, 0, 0};
    bool enough = true;
    auto lent_by = lent.find(donor.subscriber);
    for (Direction d : {Direction::kDown, Direction::kUp}) {
      if (!(d == Direction::kDown ? request.down : request.up)) continue;
      const uint64_t spare = capacity.lendable(donor.subscriber, d, request.interruptible);
      const uint64_t already = lent_by == lent.end() ? 0 : lent_by->second[size_t(d)];
      const uint64_t available = spare > already ? spare - already : 0;
      if (available < request.min_bps) {
        enough = false;
        closest = donor.subscriber + " can lend " + std::to_string(available) + " bit/s " +
                  (d == Direction::kDown ? "down" : "up") + ", less than the minimum";
        break;
      }
      (d == Direction::kDown ? m.down_bps : m.up_bps) = std::min(request.desired_bps, available);
    }
    if (!enough) continue;
    const double load = capacity.load(donor.subscriber);
    if (!best || load < best_load) {
      best = m;
      best_load = load;
    }
  }
  if (best) return *best;
  if (!closest.empty()) return "no donor has enough spare: " + closest;
  return "no line shares a third link with " + request.borrower + " on router " + borrower->router;
}

}  // namespace aggr::broker
