#include "controlplane/netlink/interface_setup.h"

#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <memory>

#include <libmnl/libmnl.h>

namespace aggr {
namespace {

struct SocketCloser {
  void operator()(mnl_socket* s) const { mnl_socket_close(s); }
};

// Sends one request and waits for its acknowledgement.
Status request(nlmsghdr* message, const std::string& what) {
  std::unique_ptr<mnl_socket, SocketCloser> socket(mnl_socket_open(NETLINK_ROUTE));
  if (!socket || mnl_socket_bind(socket.get(), 0, MNL_SOCKET_AUTOPID) < 0)
    return Status::failure(what + ": cannot open an rtnetlink socket: " + std::strerror(errno));
  const unsigned port = mnl_socket_get_portid(socket.get());
  message->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
  message->nlmsg_seq = unsigned(std::time(nullptr));
  if (mnl_socket_sendto(socket.get(), message, message->nlmsg_len) < 0)
    return Status::failure(what + ": " + std::strerror(errno));
  char buffer[MNL_SOCKET_BUFFER_SIZE];
  ssize_t received = mnl_socket_recvfrom(socket.get(), buffer, sizeof buffer);
  if (received < 0) return Status::failure(what + ": " + std::strerror(errno));
  if (mnl_cb_run(buffer, size_t(received), message->nlmsg_seq, port, nullptr, nullptr) < 0)
    return Status::failure(what + ": " + std::strerror(errno));
  return Status::success();
}

}  // namespace

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
  return request(message, what);
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
  return request(message, what);
}

}  // namespace aggr
