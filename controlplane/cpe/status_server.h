// aggr-cpe's status endpoint (cpp-httplib, a thread of its own): GET
// /v1/status (JSON) and GET /metrics (Prometheus text), both from the
// agent's latest snapshot. Read-only, so it takes no credential; it binds
// where the configuration says (localhost in the examples).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "controlplane/cpe/cpe_status.h"

namespace aggr::cpe {

class StatusServer {
 public:
  using Snapshot = std::function<CpeStatus()>;
  // Throws std::runtime_error if it cannot listen; port 0: any free port.
  StatusServer(const std::string& host, uint16_t port, Snapshot snapshot);
  ~StatusServer();
  StatusServer(const StatusServer&) = delete;
  StatusServer& operator=(const StatusServer&) = delete;
  uint16_t port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aggr::cpe
