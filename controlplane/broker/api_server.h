// aggr-broker's HTTP/JSON API (cpp-httplib): authenticates each caller by
// its bearer token, parses the request and hands it to the Broker.
// Binds to localhost unless configured otherwise; TLS is left to a proxy.
#pragma once

#include <memory>
#include <string>

#include "controlplane/broker/broker.h"

namespace aggr::broker {

class ApiServer {
 public:
  // Throws std::runtime_error if it cannot listen.
  ApiServer(Broker& broker, const std::string& host, uint16_t port);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;
  uint16_t port() const;
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aggr::broker
