#include "controlplane/netlink/interface_setup.h"

#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include <libmnl/libmnl.h>

#include "controlplane/netlink/netlink_request.h"

namespace aggr {

Status add_interface_address(const std::string& interface, const IpPrefix& address) {
  const std::string what = "adding " + format_prefix(address) + " to " + interface;
  const unsigned index = if_nametoindex(interface.c_str());
  if (index == 0) return Status::failure(what + ": no such interface");
  char buffer[MNL_SOCKET_BUFFER_SIZE];
  nlmsghdr* message = mnl_nlmsg_put_header(buffer);
  message->nlmsg_type = RTM_NEWADDR;
  message->nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE;
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

Status set_interface_up(const std::string& interface) {
  const std::string what = "setting " + interface + " up";
  const unsigned index = if_nametoindex(interface.c_str());
  if (index == 0) return Status::failure(what + ": no such interface");
  char buffer[MNL_SOCKET_BUFFER_SIZE];
  nlmsghdr* message = mnl_nlmsg_put_header(buffer);
  message->nlmsg_type = RTM_NEWLINK;
  auto* header = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(message, sizeof(ifinfomsg)));
  header->ifi_family = AF_UNSPEC;
  header->ifi_index = int(index);
  header->ifi_flags = IFF_UP;
  header->ifi_change = IFF_UP;
  return rtnetlink_request(message, what);
}

}  // namespace aggr
