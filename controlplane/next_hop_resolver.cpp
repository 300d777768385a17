#include "controlplane/next_hop_resolver.h"

#include "controlplane/log.h"
#include "dataplane/net/mac.h"

namespace aggr {

NextHopResolver::NextHopResolver(Rib& rib, std::map<unsigned, uint16_t> port_by_ifindex)
    : rib_(rib), port_by_ifindex_(std::move(port_by_ifindex)) {
  for (const auto& [ifindex, port] : port_by_ifindex_) ifindex_by_port_[port] = ifindex;
}

void NextHopResolver::poll(std::chrono::steady_clock::time_point now) {
  // Routes first: a neighbour that a new route leads to is then known as wanted.
  routes_.poll([&](const RouteEvent& event) { apply(event); });
  neighbours_.poll([&](const NeighbourEvent& event) { apply(event); });
  if (now - last_request_ < std::chrono::seconds(1)) return;
  last_request_ = now;
  for (const Adjacency& neighbour : rib_.neighbours_wanted())
    if (auto it = ifindex_by_port_.find(neighbour.port); it != ifindex_by_port_.end())
      neighbours_.resolve(it->second, neighbour.address);
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

void NextHopResolver::apply(const RouteEvent& event) {
  // A prefix may have several routes, of different metrics: the kernel
  // forwards by the lowest, and so does aggrd. When it goes, the next one
  // takes over (an IGP's alternate, a floating static route).
  std::map<uint32_t, RouteEvent>& routes = routes_by_prefix_[event.prefix];
  if (event.removed)
    routes.erase(event.metric);
  else
    routes[event.metric] = event;
  std::optional<KernelRoute> route;
  if (!routes.empty()) {
    const RouteEvent& best = routes.begin()->second;
    // One out of anything but a mirror is none of aggrd's: none of its own is used.
    if (auto port = port_by_ifindex_.find(best.ifindex); port != port_by_ifindex_.end())
      route = KernelRoute{port->second, best.gateway};
  } else {
    routes_by_prefix_.erase(event.prefix);
  }
  unsigned rewritten = 0;
  if (Status s = rib_.set_kernel_route(event.prefix, route, &rewritten); !s.ok()) {
    log_error("route " + format_prefix(event.prefix) + ": " + s.error);
    return;
  }
  if (rewritten > 0)
    log_info("route " + format_prefix(event.prefix) +
             (route ? " via " + (route->gateway ? format_address(*route->gateway) : std::string("the link")) + " on " +
                          rib_.port_name(route->port)
                    : std::string(" withdrawn")) +
             " (" + std::to_string(rewritten) + " entries rewritten)");
}

}  // namespace aggr
