#include "controlplane/netlink/rtnetlink_socket.h"

#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include <libmnl/libmnl.h>

namespace aggr {

RtnetlinkSocket::RtnetlinkSocket(unsigned groups, uint16_t dump_type, size_t dump_header_size)
    : dump_type_(dump_type), dump_header_size_(dump_header_size) {
  socket_ = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (socket_ == nullptr) throw std::runtime_error(std::string("rtnetlink socket: ") + std::strerror(errno));
  if (mnl_socket_bind(socket_, groups, MNL_SOCKET_AUTOPID) < 0) {
    const std::string error = std::strerror(errno);
    mnl_socket_close(socket_);
    throw std::runtime_error("rtnetlink socket: " + error);
  }
  // Notifications come in bursts when many entries change at once.
  int buffer = 1 << 20;
  setsockopt(mnl_socket_get_fd(socket_), SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
  request_dump();
}

RtnetlinkSocket::~RtnetlinkSocket() { mnl_socket_close(socket_); }

void RtnetlinkSocket::request_dump() {
  char buffer[MNL_SOCKET_BUFFER_SIZE];
  nlmsghdr* message = mnl_nlmsg_put_header(buffer);
  message->nlmsg_type = dump_type_;
  message->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  mnl_nlmsg_put_extra_header(message, dump_header_size_);  // zeroed: every family, every table
  send(message);
}

void RtnetlinkSocket::send(nlmsghdr* message) {
  message->nlmsg_seq = sequence_++;
  mnl_socket_sendto(socket_, message, message->nlmsg_len);
}

void RtnetlinkSocket::poll(const std::function<void(const nlmsghdr*)>& on_message) {
  char buffer[MNL_SOCKET_BUFFER_SIZE];
  for (;;) {
    const ssize_t received = mnl_socket_recvfrom(socket_, buffer, sizeof buffer);
    if (received < 0) {
      if (errno == ENOBUFS) {  // notifications were lost: read the table again
        request_dump();
        continue;
      }
      return;  // EAGAIN: nothing more now
    }
    int left = int(received);
    for (const nlmsghdr* message = reinterpret_cast<const nlmsghdr*>(buffer); mnl_nlmsg_ok(message, left);
         message = mnl_nlmsg_next(message, &left))
      on_message(message);
  }
}

}  // namespace aggr
