// LDP discovery's UDP socket (RFC 5036 section 2.4): port 646, joined to
// the all-routers group 224.0.0.2 on each interface LDP speaks on. Link
// Hellos go to that group out of one interface, from its address, with
// TTL 1; targeted Hellos go to a peer's address. Each datagram received
// comes with the interface it arrived on and whether it was sent to the
// group (a link Hello) or to this router (a targeted one). Non-blocking:
// the speaker reads it when poll() says so.
#pragma once

#include <cstdint>
#include <functional>
#include <span>

#include "dataplane/net/ip_prefix.h"
#include "dataplane/net/status.h"

namespace aggr::ldp {

struct Datagram {
  std::span<const uint8_t> bytes;
  IpPrefix source;          // host prefix
  unsigned ifindex = 0;     // the interface it arrived on
  bool to_group = false;    // sent to 224.0.0.2: a link Hello
};

class HelloSocket {
 public:
  // Throws std::runtime_error when the socket cannot be bound.
  HelloSocket();
  ~HelloSocket();
  HelloSocket(const HelloSocket&) = delete;
  HelloSocket& operator=(const HelloSocket&) = delete;

  int fd() const { return fd_; }
  // Link Hellos on this interface are received from now on.
  Status join(unsigned ifindex);
  // A link Hello out of `ifindex`, from `source` (the interface's address).
  Status send_link(unsigned ifindex, const IpPrefix& source, std::span<const uint8_t> pdu);
  // A targeted Hello to `peer`, from `source` (the transport address).
  Status send_targeted(const IpPrefix& peer, const IpPrefix& source, std::span<const uint8_t> pdu);
  // Every datagram waiting, without blocking.
  void receive(const std::function<void(const Datagram&)>& on_datagram);

 private:
  Status send(const IpPrefix& to, unsigned ifindex, const IpPrefix& source, std::span<const uint8_t> pdu);
  int fd_ = -1;
};

}  // namespace aggr::ldp
