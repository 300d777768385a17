#include "controlplane/netlink/route_follower.h"

#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstring>

#include <libmnl/libmnl.h>

namespace aggr {
namespace {

struct RouteAttributes {
  const nlattr* destination = nullptr;
  const nlattr* gateway = nullptr;
  const nlattr* out_interface = nullptr;
  const nlattr* table = nullptr;
  const nlattr* multipath = nullptr;
  const nlattr* priority = nullptr;
};

int note_route_attribute(const nlattr* attribute, void* data) {
  auto* found = static_cast<RouteAttributes*>(data);
  switch (mnl_attr_get_type(attribute)) {
    case RTA_DST: found->destination = attribute; break;
    case RTA_GATEWAY: found->gateway = attribute; break;
    case RTA_OIF: found->out_interface = attribute; break;
    case RTA_TABLE: found->table = attribute; break;
    case RTA_MULTIPATH: found->multipath = attribute; break;
    case RTA_PRIORITY: found->priority = attribute; break;
  }
  return MNL_CB_OK;
}

std::optional<IpPrefix> address_of(const nlattr* attribute, uint8_t family) {
  const unsigned bytes = family == 4 ? 4 : 16;
  if (attribute == nullptr || mnl_attr_get_payload_len(attribute) != bytes) return std::nullopt;
  IpPrefix address;
  address.family = family;
  address.length = uint8_t(bytes * 8);
  std::memcpy(address.bytes, mnl_attr_get_payload(attribute), bytes);
  return address;
}

// The first path of a multipath route: its interface and gateway.
void first_path(const nlattr* multipath, uint8_t family, RouteEvent* event) {
  if (mnl_attr_get_payload_len(multipath) < sizeof(rtnexthop)) return;
  const auto* path = static_cast<const rtnexthop*>(mnl_attr_get_payload(multipath));
  event->ifindex = unsigned(path->rtnh_ifindex);
  const size_t attributes_length = path->rtnh_len - RTNH_LENGTH(0);
  const auto* attributes = reinterpret_cast<const uint8_t*>(RTNH_DATA(path));
  for (const nlattr* a = reinterpret_cast<const nlattr*>(attributes);
       mnl_attr_ok(a, int(attributes + attributes_length - reinterpret_cast<const uint8_t*>(a)));
       a = mnl_attr_next(a))
    if (mnl_attr_get_type(a) == RTA_GATEWAY) event->gateway = address_of(a, family);
}

std::optional<RouteEvent> read_route(const nlmsghdr* message) {
  if (message->nlmsg_type != RTM_NEWROUTE && message->nlmsg_type != RTM_DELROUTE) return std::nullopt;
  if (mnl_nlmsg_get_payload_len(message) < sizeof(rtmsg)) return std::nullopt;
  const auto* header = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(message));
  if (header->rtm_family != AF_INET && header->rtm_family != AF_INET6) return std::nullopt;
  if (header->rtm_type != RTN_UNICAST) return std::nullopt;  // local, broadcast, multicast, blackhole...
  RouteAttributes found;
  mnl_attr_parse(message, sizeof(rtmsg), note_route_attribute, &found);
  const uint32_t table = found.table != nullptr ? mnl_attr_get_u32(found.table) : header->rtm_table;
  if (table != RT_TABLE_MAIN) return std::nullopt;
  const uint8_t family = header->rtm_family == AF_INET ? 4 : 6;
  RouteEvent event;
  event.removed = message->nlmsg_type == RTM_DELROUTE;
  event.prefix.family = family;
  event.prefix.length = header->rtm_dst_len;
  if (std::optional<IpPrefix> destination = address_of(found.destination, family))
    std::memcpy(event.prefix.bytes, destination->bytes, 16);  // absent: the default route
  if (found.out_interface != nullptr) event.ifindex = mnl_attr_get_u32(found.out_interface);
  if (found.priority != nullptr) event.metric = mnl_attr_get_u32(found.priority);
  event.gateway = address_of(found.gateway, family);
  if (found.multipath != nullptr && event.ifindex == 0) first_path(found.multipath, family, &event);
  return event;
}

}  // namespace

RouteFollower::RouteFollower() : socket_(RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE, RTM_GETROUTE, sizeof(rtmsg)) {}

void RouteFollower::poll(const std::function<void(const RouteEvent&)>& on_event) {
  socket_.poll([&](const nlmsghdr* message) {
    if (std::optional<RouteEvent> event = read_route(message)) on_event(*event);
  });
}

}  // namespace aggr
