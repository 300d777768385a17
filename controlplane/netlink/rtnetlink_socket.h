// A non-blocking rtnetlink socket subscribed to some of the kernel's
// notification groups (libmnl): the part the followers of the kernel's
// tables share. It asks for a table's dump, sends requests without waiting
// for acknowledgements, and hands each message that has arrived to a
// callback. When the kernel had to drop notifications (the socket
// overran), it asks for the dump again, so nothing stays missed.
#pragma once

#include <cstdint>
#include <functional>

struct mnl_socket;
struct nlmsghdr;

namespace aggr {

class RtnetlinkSocket {
 public:
  // `groups`: RTMGRP_* bits. `dump_type`/`dump_header_size`: the dump
  // asked for now and after an overrun (RTM_GETNEIGH and sizeof(ndmsg),
  // for example). Throws std::runtime_error.
  RtnetlinkSocket(unsigned groups, uint16_t dump_type, size_t dump_header_size);
  ~RtnetlinkSocket();
  RtnetlinkSocket(const RtnetlinkSocket&) = delete;
  RtnetlinkSocket& operator=(const RtnetlinkSocket&) = delete;

  // Sends a request built in `message`; its answer, if any, arrives
  // through poll().
  void send(nlmsghdr* message);
  // Every message that has arrived, without blocking.
  void poll(const std::function<void(const nlmsghdr*)>& on_message);

 private:
  void request_dump();

  mnl_socket* socket_ = nullptr;
  uint16_t dump_type_;
  size_t dump_header_size_;
  unsigned sequence_ = 1;
};

}  // namespace aggr
