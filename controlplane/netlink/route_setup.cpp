#include "controlplane/netlink/route_setup.h"

#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>

#include "controlplane/netlink/netlink_request.h"

namespace aggr {
namespace {

unsigned address_bytes(const IpPrefix& p) { return p.family == 4 ? 4 : 16; }

rtmsg* put_route_header(nlmsghdr* message, const IpPrefix& prefix) {
  auto* r = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(message, sizeof(rtmsg)));
  r->rtm_family = prefix.family == 4 ? AF_INET : AF_INET6;
  r->rtm_dst_len = prefix.length;
  r->rtm_table = RT_TABLE_MAIN;
  r->rtm_protocol = RTPROT_STATIC;
  r->rtm_scope = RT_SCOPE_UNIVERSE;
  r->rtm_type = RTN_UNICAST;
  if (prefix.length > 0) mnl_attr_put(message, RTA_DST, address_bytes(prefix), prefix.bytes);
  return r;
}

}  // namespace

Status replace_route(const IpPrefix& prefix, const std::vector<RouteNextHop>& next_hops) {
  const std::string what = "routing " + format_prefix(prefix);
  if (next_hops.empty()) return Status::failure(what + ": no next hop");
  char buffer[MNL_SOCKET_BUFFER_SIZE];
  nlmsghdr* message = mnl_nlmsg_put_header(buffer);
  message->nlmsg_type = RTM_NEWROUTE;
  message->nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE;
  put_route_header(message, prefix);
  std::vector<unsigned> interfaces;
  for (const RouteNextHop& hop : next_hops) {
    const unsigned index = if_nametoindex(hop.interface.c_str());
    if (index == 0) return Status::failure(what + ": no interface " + hop.interface);
    if (hop.gateway.family != prefix.family || hop.weight < 1 || hop.weight > 256)
      return Status::failure(what + ": next hop " + format_address(hop.gateway) + " is of another family or weight");
    interfaces.push_back(index);
  }
  if (next_hops.size() == 1) {
    mnl_attr_put(message, RTA_GATEWAY, address_bytes(prefix), next_hops[0].gateway.bytes);
    mnl_attr_put_u32(message, RTA_OIF, interfaces[0]);
  } else {
    // RTA_MULTIPATH: one rtnexthop each, its gateway an attribute within it.
    nlattr* nest = mnl_attr_nest_start(message, RTA_MULTIPATH);
    for (size_t i = 0; i < next_hops.size(); ++i) {
      auto* hop = static_cast<rtnexthop*>(mnl_nlmsg_get_payload_tail(message));
      message->nlmsg_len += RTNH_ALIGN(sizeof(rtnexthop));
      hop->rtnh_flags = 0;
      hop->rtnh_hops = uint8_t(next_hops[i].weight - 1);
      hop->rtnh_ifindex = int(interfaces[i]);
      mnl_attr_put(message, RTA_GATEWAY, address_bytes(prefix), next_hops[i].gateway.bytes);
      hop->rtnh_len = uint16_t(static_cast<char*>(mnl_nlmsg_get_payload_tail(message)) - reinterpret_cast<char*>(hop));
    }
    mnl_attr_nest_end(message, nest);
  }
  return rtnetlink_request(message, what);
}

Status delete_route(const IpPrefix& prefix) {
  char buffer[MNL_SOCKET_BUFFER_SIZE];
  nlmsghdr* message = mnl_nlmsg_put_header(buffer);
  message->nlmsg_type = RTM_DELROUTE;
  rtmsg* r = put_route_header(message, prefix);
  r->rtm_protocol = 0;  // whoever installed it
  r->rtm_scope = RT_SCOPE_NOWHERE;
  Status s = rtnetlink_request(message, "removing the route to " + format_prefix(prefix));
  if (!s.ok() && s.error.ends_with("No such process")) return Status::success();  // ESRCH: not there
  return s;
}

}  // namespace aggr
