// Socket options for a cpp-httplib server's listening socket: SO_REUSEADDR
// only. httplib's default adds SO_REUSEPORT, which lets a second process
// listen on the same port unnoticed, each taking some of the connections.
#pragma once

#include <httplib.h>
#include <sys/socket.h>

namespace aggr {

inline void listen_alone(socket_t sock) {
  int yes = 1;
  setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
}

}  // namespace aggr
