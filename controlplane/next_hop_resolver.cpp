#include "controlplane/next_hop_resolver.h"

#include "controlplane/log.h"
#include "dataplane/net/mac.h"

namespace aggr {

NextHopResolver::NextHopResolver(Rib& rib, std::map<unsigned, uint16_t> port_by_ifindex)
    : rib_(rib), port_by_ifindex_(std::move(port_by_ifindex)) {
  for (const auto& [ifindex, port] : port_by_ifindex_) ifindex_by_port_[port] = ifindex;
}

void NextHopResolver::poll(std::chrono::steady_clock::time_point now) {
  follower_.poll([&](const NeighbourEvent& event) { apply(event); });
  if (now - last_request_ < std::chrono::seconds(1)) return;
  last_request_ = now;
  for (const Adjacency& neighbour : rib_.neighbours_wanted())
    if (auto it = ifindex_by_port_.find(neighbour.port); it != ifindex_by_port_.end())
      follower_.resolve(it->second, neighbour.address);
}

void NextHopResolver::apply(const NeighbourEvent& event) {
  auto port = port_by_ifindex_.find(event.ifindex);
  if (port == port_by_ifindex_.end()) return;  // not a mirror
  const Adjacency neighbour{port->second, event.address};
  const rte_ether_addr* before = rib_.neighbour_mac(neighbour);
  const bool changed = event.mac ? before == nullptr || !rte_is_same_ether_addr(before, &*event.mac) : before != nullptr;
  if (!changed) return;
  unsigned rewritten = 0;
  Status s = rib_.set_neighbour(neighbour, event.mac, &rewritten);
  const std::string what = "neighbour " + format_address(event.address) + " on " + rib_.port_name(neighbour.port);
  if (!s.ok()) {
    log_error(what + ": " + s.error);
    return;
  }
  log(rewritten > 0 ? LogLevel::kInfo : LogLevel::kDebug,
      what + (event.mac ? " is " + format_mac(*event.mac) : std::string(" is unresolved")) + " (" +
          std::to_string(rewritten) + " entries rewritten)");
}

}  // namespace aggr
