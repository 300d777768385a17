#include "controlplane/netlink/interface_setup.h"

#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include <cerrno>
#include <cstring>

#include <libmnl/libmnl.h>

#include "controlplane/netlink/netlink_request.h"

namespace aggr {

namespace {

Status address_request(uint16_t type, uint16_t flags, const std::string& interface, const IpPrefix& address,
                       const std::string& what) {
  const unsigned index = if_nametoindex(interface.c_str());
  if (index == 0) return Status::failure(what + ": no such interface");
  char buffer[MNL_SOCKET_BUFFER_SIZE];
  nlmsghdr* message = mnl_nlmsg_put_header(buffer);
  message->nlmsg_type = type;
  message->nlmsg_flags = flags;
  auto* header = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(message, sizeof(ifaddrmsg)));
  header->ifa_family = address.family == 4 ? AF_INET : AF_INET6;
  header->ifa_prefixlen = address.length;
  header->ifa_scope = RT_SCOPE_UNIVERSE;
  header->ifa_index = index;
  const unsigned bytes = address.family == 4 ? 4 : 16;
  mnl_attr_put(message, IFA_LOCAL, bytes, address.bytes);
  mnl_attr_put(message, IFA_ADDRESS, bytes, address.bytes);
  return rtnetlink_request(message, what);
}

Status link_request(const std::string& interface, bool up, const std::string& what) {
  const unsigned index = if_nametoindex(interface.c_str());
  if (index == 0) return Status::failure(what + ": no such interface");
  char buffer[MNL_SOCKET_BUFFER_SIZE];
  nlmsghdr* message = mnl_nlmsg_put_header(buffer);
  message->nlmsg_type = RTM_NEWLINK;
  auto* header = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(message, sizeof(ifinfomsg)));
  header->ifi_family = AF_UNSPEC;
  header->ifi_index = int(index);
  header->ifi_flags = up ? IFF_UP : 0;
  header->ifi_change = IFF_UP;
  return rtnetlink_request(message, what);
}

}  // namespace

Status add_interface_address(const std::string& interface, const IpPrefix& address) {
  return address_request(RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, interface, address,
                         "adding " + format_prefix(address) + " to " + interface);
}

Status remove_interface_address(const std::string& interface, const IpPrefix& address) {
  Status s = address_request(RTM_DELADDR, 0, interface, address,
                             "removing " + format_prefix(address) + " from " + interface);
  // EADDRNOTAVAIL: not there.
  if (!s.ok() && s.error.ends_with(std::strerror(EADDRNOTAVAIL))) return Status::success();
  return s;
}

Status set_interface_up(const std::string& interface) { return link_request(interface, true, "setting " + interface + " up"); }

Status set_interface_down(const std::string& interface) {
  return link_request(interface, false, "setting " + interface + " down");
}

}  // namespace aggr
