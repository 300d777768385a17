#include "controlplane/cpe/status_server.h"

#include <httplib.h>

#include <chrono>
#include <stdexcept>
#include <thread>

#include "controlplane/http/listen_alone.h"

namespace aggr::cpe {

struct StatusServer::Impl {
  httplib::Server server;
  std::thread thread;
  int port = 0;
};

StatusServer::StatusServer(const std::string& host, uint16_t port, Snapshot snapshot) : impl_(std::make_unique<Impl>()) {
  httplib::Server& s = impl_->server;
  s.set_socket_options(listen_alone);
  s.set_read_timeout(std::chrono::seconds(5));
  s.new_task_queue = [] { return new httplib::ThreadPool(2); };
  s.Get("/v1/status", [snapshot](const httplib::Request&, httplib::Response& res) {
    res.set_content(status_json(snapshot()).dump(2) + "\n", "application/json");
  });
  s.Get("/metrics", [snapshot](const httplib::Request&, httplib::Response& res) {
    res.set_content(status_metrics(snapshot()), "text/plain; version=0.0.4");
  });
  impl_->port = port == 0 ? s.bind_to_any_port(host) : (s.bind_to_port(host, port) ? port : -1);
  if (impl_->port <= 0) throw std::runtime_error("cannot serve the status on " + host + ":" + std::to_string(port));
  impl_->thread = std::thread([this] { impl_->server.listen_after_bind(); });
}

StatusServer::~StatusServer() {
  // stop() does nothing until the listening thread has started serving.
  for (int i = 0; i < 500 && !impl_->server.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  impl_->server.stop();
  impl_->thread.join();
}

uint16_t StatusServer::port() const { return uint16_t(impl_->port); }

}  // namespace aggr::cpe
