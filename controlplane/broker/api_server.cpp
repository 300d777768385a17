#include "controlplane/broker/api_server.h"

#include <httplib.h>

#include <thread>

#include "controlplane/http/listen_alone.h"

namespace aggr::broker {
namespace {

using json = nlohmann::json;

void reply(httplib::Response& res, const Answer& a) {
  res.status = a.status;
  res.set_content(a.body.dump(2) + "\n", "application/json");
}

void refuse(httplib::Response& res, int status, const std::string& why) { reply(res, {status, json{{"errors", {why}}}}); }

int64_t query_integer(const httplib::Request& req, const char* key, int64_t fallback) {
  if (!req.has_param(key)) return fallback;
  try {
    return std::stoll(req.get_param_value(key));
  } catch (const std::exception&) {
    return fallback;
  }
}

}  // namespace

struct ApiServer::Impl {
  Broker& broker;
  httplib::Server server;
  std::thread thread;
  int port = 0;

  explicit Impl(Broker& b) : broker(b) {}

  // The caller behind the bearer token, or null with the reply made.
  const Caller* authenticate(const httplib::Request& req, httplib::Response& res) {
    const std::string auth = req.get_header_value("Authorization");
    const std::string bearer = "Bearer ";
    const Caller* caller = auth.rfind(bearer, 0) == 0 ? broker.config().caller_by_token(auth.substr(bearer.size())) : nullptr;
    if (caller == nullptr) refuse(res, 401, "a valid token is required (Authorization: Bearer <token>)");
    return caller;
  }

  // An authenticated change with a JSON body and an idempotency key.
  using Change = std::function<Answer(const Caller&, const std::string& key, const json& body)>;
  void post(const std::string& pattern, Change change) {
    server.Post(pattern, [this, change](const httplib::Request& req, httplib::Response& res) {
      const Caller* caller = authenticate(req, res);
      if (caller == nullptr) return;
      json body = req.body.empty() ? json::object() : json::parse(req.body, nullptr, false);
      if (body.is_discarded()) return refuse(res, 400, "the body is not JSON");
      reply(res, change(*caller, req.get_header_value("Idempotency-Key"), body));
    });
  }
  using View = std::function<Answer(const Caller&, const httplib::Request&)>;
  void get(const std::string& pattern, View view) {
    server.Get(pattern, [this, view](const httplib::Request& req, httplib::Response& res) {
      if (const Caller* caller = authenticate(req, res)) reply(res, view(*caller, req));
    });
  }

  void routes() {
    post("/v1/reports", [this](const Caller& c, const std::string& key, const json& body) {
      return broker.report(c, key, body, now_ms());
    });
    post("/v1/grants", [this](const Caller& c, const std::string& key, const json& body) {
      return broker.request_grant(c, key, body, now_ms());
    });
    server.Post(R"(/v1/contracts/([^/]+)/(renew|cancel))", [this](const httplib::Request& req, httplib::Response& res) {
      const Caller* caller = authenticate(req, res);
      if (caller == nullptr) return;
      json body = req.body.empty() ? json::object() : json::parse(req.body, nullptr, false);
      if (body.is_discarded()) return refuse(res, 400, "the body is not JSON");
      const std::string key = req.get_header_value("Idempotency-Key");
      reply(res, req.matches[2] == "renew" ? broker.renew(*caller, key, req.matches[1], body, now_ms())
                                           : broker.cancel(*caller, key, req.matches[1], now_ms()));
    });
    server.Post(R"(/v1/lines/([^/]+)/announce)", [this](const httplib::Request& req, httplib::Response& res) {
      const Caller* caller = authenticate(req, res);
      if (caller == nullptr) return;
      json body = json::parse(req.body, nullptr, false);
      if (body.is_discarded()) return refuse(res, 400, "the body is not JSON");
      reply(res, broker.announce(*caller, req.get_header_value("Idempotency-Key"), req.matches[1], body, now_ms()));
    });
    get("/v1/instructions", [this](const Caller& c, const httplib::Request& req) {
      return broker.instructions(c, uint64_t(std::max<int64_t>(0, query_integer(req, "since", 0))),
                                 query_integer(req, "wait_ms", 0));
    });
    get("/v1/contracts", [this](const Caller& c, const httplib::Request& req) {
      return broker.contracts_view(c, req.get_param_value("state"));
    });
    get(R"(/v1/contracts/([^/]+))", [this](const Caller& c, const httplib::Request& req) {
      return broker.contract_view(c, req.matches[1]);
    });
    get(R"(/v1/lines/([^/]+))", [this](const Caller& c, const httplib::Request& req) {
      return broker.line_view(c, req.matches[1]);
    });
    get(R"(/v1/statements/([^/]+))", [this](const Caller& c, const httplib::Request& req) {
      return broker.statement(c, req.matches[1], query_integer(req, "from_ms", 0), query_integer(req, "to_ms", INT64_MAX));
    });
    get("/v1/balances", [this](const Caller& c, const httplib::Request&) { return broker.balances(c); });
    server.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(broker.metrics(), "text/plain; version=0.0.4");
    });
  }
};

ApiServer::ApiServer(Broker& broker, const std::string& host, uint16_t port) : impl_(std::make_unique<Impl>(broker)) {
  httplib::Server& s = impl_->server;
  s.set_socket_options(listen_alone);
  s.set_payload_max_length(4 << 20);
  s.set_read_timeout(std::chrono::seconds(5));
  // Routers' long polls hold a thread each.
  s.new_task_queue = [] { return new httplib::ThreadPool(16); };
  impl_->routes();
  impl_->port = port == 0 ? s.bind_to_any_port(host) : (s.bind_to_port(host, port) ? port : -1);
  if (impl_->port <= 0) throw std::runtime_error("aggr-broker: cannot listen on " + host + ":" + std::to_string(port));
  impl_->thread = std::thread([this] { impl_->server.listen_after_bind(); });
}

ApiServer::~ApiServer() { stop(); }

uint16_t ApiServer::port() const { return uint16_t(impl_->port); }

void ApiServer::stop() {
  if (!impl_->thread.joinable()) return;
  // stop() does nothing until the listening thread has started serving.
  for (int i = 0; i < 500 && !impl_->server.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  impl_->server.stop();
  impl_->thread.join();
}

}  // namespace aggr::broker
