// The rules every subscriber obeys, whoever installs it: the configuration
// validator (which adds where each element was written) and the RIB (which
// checks every API change) both use these, so they say the same thing.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "dataplane/net/ip_prefix.h"
#include "dataplane/net/status.h"

namespace aggr {

// "line (access0, svlan 100, cvlan 1)"
std::string line_text(std::string_view port, uint16_t svlan, uint16_t cvlan);
// A line may be claimed once: "<line> already belongs to subscriber N".
std::string line_taken(std::string_view port, uint16_t svlan, uint16_t cvlan, uint32_t owner);
// VLAN ids 1..4094, and a C-VLAN only under an S-VLAN (0: no tag).
Status check_line_tags(uint32_t subscriber_id, uint16_t svlan, uint16_t cvlan);
// A subscriber without an address could send nothing that is accepted.
Status check_has_addresses(uint32_t subscriber_id, const std::vector<IpPrefix>& addresses);
// A headend's subscriber addresses lie in the pools it advertises (none
// given: no rule), or traffic back to them would not reach it.
Status check_in_pools(uint32_t subscriber_id, const IpPrefix& address, const std::vector<IpPrefix>& pools);

// The address ranges subscribers own, kept disjoint: no address may belong
// to two subscribers (downstream delivery would be ambiguous). Finding what
// a new prefix overlaps is logarithmic, so checking every subscriber of a
// large file or RIB stays fast.
class AddressOwners {
 public:
  struct Overlap {
    IpPrefix theirs;
    uint32_t owner;
  };
  static constexpr uint32_t kNobody = 0;  // subscriber ids start at 1

  // The owned prefixes that share an address with `prefix`, except those of
  // subscriber `except` (a subscriber being replaced), in address order.
  std::vector<Overlap> overlaps(const IpPrefix& prefix, uint32_t except = kNobody) const;
  // "address <mine> overlaps <theirs> of subscriber N"
  static std::string describe(const IpPrefix& mine, const Overlap& overlap);
  // The prefix must overlap nothing owned (check first).
  void add(const IpPrefix& prefix, uint32_t owner);
  void remove(const IpPrefix& prefix);

 private:
  struct Range {
    unsigned __int128 last;
    IpPrefix prefix;
    uint32_t owner;
  };
  // By first address, one map per family; the ranges never overlap.
  std::map<unsigned __int128, Range> ranges_[2];
};

}  // namespace aggr
