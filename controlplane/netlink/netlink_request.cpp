#include "controlplane/netlink/netlink_request.h"

#include <linux/rtnetlink.h>

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

}  // namespace

Status rtnetlink_request(nlmsghdr* message, const std::string& what) {
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

}  // namespace aggr
