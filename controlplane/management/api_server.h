// The management API: HTTP/JSON on a configured address (localhost by
// default), served by cpp-httplib's threads. Every request runs on the
// control-plane thread through the control plane's command queue. GET needs no
// credential; every change needs "Authorization: Bearer <token>" with the
// token from management.token_file.
//
//   GET    /v1/status | ports | isps | fec | ilm | counters | drops | workers
//   GET    /v1/subscribers?offset=N&limit=N     GET /v1/subscribers/{id}
//   POST   /v1/subscribers                      (body: a subscriber)
//   PATCH  /v1/subscribers/{id}                 (body: the fields to change)
//   DELETE /v1/subscribers/{id}
//   PATCH  /v1/isps/{name}                      (body: labels, next_hop)
//   POST   /v1/reload
//
// Errors: a status code and {"error": "...", "errors": [...]}.
#pragma once

#include <memory>

#include "controlplane/config/config.h"

namespace aggr {

class ControlPlane;

class ManagementServer {
 public:
  // Binds and starts serving; throws std::runtime_error if it cannot bind.
  ManagementServer(ControlPlane& control, const ListenAddress& listen);
  ~ManagementServer();  // stops serving and joins its threads

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aggr
