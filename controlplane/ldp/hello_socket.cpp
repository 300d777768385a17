#include "controlplane/ldp/hello_socket.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "controlplane/ldp/pdu.h"

namespace aggr::ldp {
namespace {

constexpr uint32_t kAllRouters = 0xE0000002;  // 224.0.0.2

in_addr ipv4(const IpPrefix& p) {
  in_addr a;
  std::memcpy(&a.s_addr, p.bytes, 4);
  return a;
}

IpPrefix host(in_addr a) {
  IpPrefix p;
  p.family = 4;
  p.length = 32;
  std::memcpy(p.bytes, &a.s_addr, 4);
  return p;
}

}  // namespace

HelloSocket::HelloSocket() {
  fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error(std::string("LDP: UDP socket: ") + std::strerror(errno));
  const int one = 1, zero = 0, ttl = 1;
  setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  setsockopt(fd_, IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
  // Link Hellos stay on the link (section 2.4.1); our own are not read back.
  setsockopt(fd_, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof ttl);
  setsockopt(fd_, IPPROTO_IP, IP_MULTICAST_LOOP, &zero, sizeof zero);
  sockaddr_in any{};
  any.sin_family = AF_INET;
  any.sin_port = htons(kPort);
  if (bind(fd_, reinterpret_cast<sockaddr*>(&any), sizeof any) != 0) {
    const std::string why = std::strerror(errno);
    close(fd_);
    throw std::runtime_error("LDP: cannot bind UDP port 646: " + why);
  }
}

HelloSocket::~HelloSocket() {
  if (fd_ >= 0) close(fd_);
}

Status HelloSocket::join(unsigned ifindex) {
  ip_mreqn group{};
  group.imr_multiaddr.s_addr = htonl(kAllRouters);
  group.imr_ifindex = int(ifindex);
  if (setsockopt(fd_, IPPROTO_IP, IP_ADD_MEMBERSHIP, &group, sizeof group) != 0 && errno != EADDRINUSE)
    return Status::failure(std::string("joining 224.0.0.2: ") + std::strerror(errno));
  return Status::success();
}

Status HelloSocket::send(const IpPrefix& to, unsigned ifindex, const IpPrefix& source, std::span<const uint8_t> pdu) {
  sockaddr_in destination{};
  destination.sin_family = AF_INET;
  destination.sin_port = htons(kPort);
  destination.sin_addr = ipv4(to);
  iovec iov{const_cast<uint8_t*>(pdu.data()), pdu.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in_pktinfo))] = {};
  msghdr message{};
  message.msg_name = &destination;
  message.msg_namelen = sizeof destination;
  message.msg_iov = &iov;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  // The interface and the source address, per datagram (one socket serves all).
  cmsghdr* c = CMSG_FIRSTHDR(&message);
  c->cmsg_level = IPPROTO_IP;
  c->cmsg_type = IP_PKTINFO;
  c->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
  in_pktinfo info{};
  info.ipi_ifindex = int(ifindex);
  info.ipi_spec_dst = ipv4(source);
  std::memcpy(CMSG_DATA(c), &info, sizeof info);
  if (sendmsg(fd_, &message, 0) < 0) return Status::failure(std::string("sending a Hello: ") + std::strerror(errno));
  return Status::success();
}

Status HelloSocket::send_link(unsigned ifindex, const IpPrefix& source, std::span<const uint8_t> pdu) {
  IpPrefix group;
  group.family = 4;
  group.length = 32;
  const uint32_t all = htonl(kAllRouters);
  std::memcpy(group.bytes, &all, 4);
  return send(group, ifindex, source, pdu);
}

Status HelloSocket::send_targeted(const IpPrefix& peer, const IpPrefix& source, std::span<const uint8_t> pdu) {
  return send(peer, 0, source, pdu);
}

void HelloSocket::receive(const std::function<void(const Datagram&)>& on_datagram) {
  uint8_t buffer[kDefaultMaxPduLength];
  for (;;) {
    sockaddr_in from{};
    iovec iov{buffer, sizeof buffer};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in_pktinfo))];
    msghdr message{};
    message.msg_name = &from;
    message.msg_namelen = sizeof from;
    message.msg_iov = &iov;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    const ssize_t n = recvmsg(fd_, &message, 0);
    if (n < 0) return;  // EAGAIN: nothing more; anything else: tried again next poll
    Datagram d{std::span<const uint8_t>(buffer, size_t(n)), host(from.sin_addr), 0, false};
    for (cmsghdr* c = CMSG_FIRSTHDR(&message); c != nullptr; c = CMSG_NXTHDR(&message, c))
      if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
        in_pktinfo info;
        std::memcpy(&info, CMSG_DATA(c), sizeof info);
        d.ifindex = unsigned(info.ipi_ifindex);
        d.to_group = ntohl(info.ipi_addr.s_addr) == kAllRouters;
      }
    on_datagram(d);
  }
}

}  // namespace aggr::ldp
