#include "controlplane/rib/subscriber_rules.h"

namespace aggr {
namespace {

unsigned __int128 first_address(const IpPrefix& p) {
  unsigned __int128 v = 0;
  unsigned bytes = p.family == 4 ? 4 : 16;
  for (unsigned i = 0; i < bytes; ++i) v = v << 8 | p.bytes[i];
  return v;
}

unsigned __int128 last_address(const IpPrefix& p) {
  unsigned bits = p.family == 4 ? 32 : 128;
  unsigned __int128 host = p.length >= bits ? 0
                           : p.length == 0  ? ~(unsigned __int128)0 >> (128 - bits)
                                            : ((unsigned __int128)1 << (bits - p.length)) - 1;
  return first_address(p) + host;
}

unsigned family_slot(const IpPrefix& p) { return p.family == 4 ? 0 : 1; }

}  // namespace

std::string line_text(std::string_view port, uint16_t svlan, uint16_t cvlan) {
  return "line (" + std::string(port) + ", svlan " + std::to_string(svlan) + ", cvlan " + std::to_string(cvlan) + ")";
}

std::string line_taken(std::string_view port, uint16_t svlan, uint16_t cvlan, uint32_t owner) {
  return line_text(port, svlan, cvlan) + " already belongs to subscriber " + std::to_string(owner);
}

Status check_line_tags(uint32_t subscriber_id, uint16_t svlan, uint16_t cvlan) {
  std::string who = "subscriber " + std::to_string(subscriber_id) + ": ";
  if (svlan > 4094 || cvlan > 4094) return Status::failure(who + "VLAN ids are 1..4094");
  if (cvlan != 0 && svlan == 0) return Status::failure(who + "a cvlan needs an svlan");
  return Status::success();
}

Status check_has_addresses(uint32_t subscriber_id, const std::vector<IpPrefix>& addresses) {
  if (addresses.empty())
    return Status::failure("subscriber " + std::to_string(subscriber_id) + " needs at least one address");
  return Status::success();
}

Status check_in_pools(uint32_t subscriber_id, const IpPrefix& address, const std::vector<IpPrefix>& pools) {
  if (pools.empty()) return Status::success();
  for (const IpPrefix& pool : pools)
    if (prefix_contains(pool, address)) return Status::success();
  return Status::failure("subscriber " + std::to_string(subscriber_id) + ": " + format_prefix(address) +
                         " is in none of the subscriber pools");
}

std::vector<AddressOwners::Overlap> AddressOwners::overlaps(const IpPrefix& prefix, uint32_t except) const {
  const auto& ranges = ranges_[family_slot(prefix)];
  unsigned __int128 first = first_address(prefix), last = last_address(prefix);
  std::vector<Overlap> found;
  // The ranges are disjoint and sorted by first address, so their last
  // addresses are sorted too: walk back from the last range starting at or
  // before `last` until one ends before `first`.
  for (auto it = ranges.upper_bound(last); it != ranges.begin();) {
    --it;
    if (it->second.last < first) break;
    if (it->second.owner != except) found.insert(found.begin(), {it->second.prefix, it->second.owner});
  }
  return found;
}

std::string AddressOwners::describe(const IpPrefix& mine, const Overlap& overlap) {
  return "address " + format_prefix(mine) + " overlaps " + format_prefix(overlap.theirs) + " of subscriber " +
         std::to_string(overlap.owner);
}

void AddressOwners::add(const IpPrefix& prefix, uint32_t owner) {
  ranges_[family_slot(prefix)].insert_or_assign(first_address(prefix), Range{last_address(prefix), prefix, owner});
}

void AddressOwners::remove(const IpPrefix& prefix) {
  auto& ranges = ranges_[family_slot(prefix)];
  auto it = ranges.find(first_address(prefix));
  if (it != ranges.end() && it->second.prefix == prefix) ranges.erase(it);
}

}  // namespace aggr
