// What a worker may punt to the kernel (the exception path), by port and by
// kind, as token buckets: a flood of one kind on one port (ARP from a
// subscriber, ICMP from the Internet) is cut at its rate and counted, and
// cannot starve the control plane of the others (LDP above all). Rates are
// fixed at start; each port's buckets are written by the worker polling
// the port only.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "dataplane/tables/records.h"

namespace aggr {

enum class PuntKind : uint8_t { kArp = 0, kNd, kIcmp, kLdp, kOther, kCount };
constexpr unsigned kPuntKinds = unsigned(PuntKind::kCount);

constexpr std::string_view punt_kind_name(PuntKind kind) {
  switch (kind) {
    case PuntKind::kArp: return "arp";
    case PuntKind::kNd: return "nd";
    case PuntKind::kIcmp: return "icmp";
    case PuntKind::kLdp: return "ldp";
    case PuntKind::kOther: return "other";
    case PuntKind::kCount: break;
  }
  return "unknown";
}

class PuntTable {
 public:
  // Until set_rate, a kind admits nothing.
  PuntTable() { cycles_per_token_.fill(kNever); }

  // Packets a second of each kind, per port; bursts of a tenth of a second
  // (at least 16 packets) pass at once.
  void set_rate(PuntKind kind, uint32_t packets_per_second, uint64_t tsc_hz);
  uint32_t rate(PuntKind kind) const { return rates_[unsigned(kind)]; }

  // Worker side: takes one token of the port's bucket of `kind`, refilled
  // for the time since the last; false: over the rate. Const for the
  // workers' read-only view of the tables: a port's buckets are the state
  // of the one worker polling it, as a meter's are of its owner.
  bool admit(uint16_t port, PuntKind kind, uint64_t now_tsc) const {
    Bucket& b = buckets_[port][unsigned(kind)];
    const unsigned k = unsigned(kind);
    if (now_tsc > b.last) {
      uint64_t refill = (now_tsc - b.last) / cycles_per_token_[k];
      if (refill > 0) {
        b.tokens = uint32_t(std::min<uint64_t>(b.tokens + refill, depth_[k]));
        b.last += refill * cycles_per_token_[k];
        if (b.tokens == depth_[k]) b.last = now_tsc;
      }
    }
    if (b.tokens == 0) return false;
    --b.tokens;
    return true;
  }

 private:
  static constexpr uint64_t kNever = ~uint64_t(0) >> 1;  // cycles a token: none ever comes
  struct Bucket {
    uint64_t last = 0;
    uint32_t tokens = 0;
  };
  std::array<uint32_t, kPuntKinds> rates_{};
  std::array<uint64_t, kPuntKinds> cycles_per_token_{};
  std::array<uint32_t, kPuntKinds> depth_{};
  mutable std::array<std::array<Bucket, kPuntKinds>, kMaxPorts> buckets_{};
};

}  // namespace aggr
