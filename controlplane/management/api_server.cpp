#include "controlplane/management/api_server.h"

#include <httplib.h>

#include <cerrno>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "controlplane/http/listen_alone.h"
#include "controlplane/log.h"
#include "controlplane/management/changes.h"
#include "controlplane/management/ldp_views.h"
#include "controlplane/management/views.h"
#include "controlplane/control_plane.h"

namespace aggr {
namespace {

using nlohmann::json;

constexpr size_t kMaxBody = 1 << 20;
constexpr size_t kDefaultPage = 1000;
// A reload of a million subscribers takes seconds; views take milliseconds.
constexpr std::chrono::seconds kViewTimeout{10};
constexpr std::chrono::seconds kChangeTimeout{300};

struct Reply {
  int status = 200;
  json body;
};

Reply error_reply(int status, std::vector<std::string> errors) {
  return {status, {{"error", errors.empty() ? "" : errors.front()}, {"errors", errors}}};
}

void send(httplib::Response& res, const Reply& reply) {
  res.status = reply.status;
  res.set_content(reply.body.dump(2) + "\n", "application/json");
}

std::optional<uint64_t> query_number(const httplib::Request& req, const char* name, uint64_t fallback) {
  if (!req.has_param(name)) return fallback;
  const std::string value = req.get_param_value(name);
  if (value.empty() || value.size() > 12 || value.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  return std::stoull(value);
}

bool parse_uint64(const std::string& digits, uint64_t* out) {
  errno = 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(digits.c_str(), &end, 10);
  if (errno != 0 || end == digits.c_str() || *end != '\0') return false;
  *out = v;
  return true;
}

}  // namespace

struct ManagementServer::Impl {
  ControlPlane& control;
  httplib::Server server;
  std::thread thread;

  explicit Impl(ControlPlane& r) : control(r) {}

  // Runs `work` on the control-plane thread and sends its reply.
  void run(httplib::Response& res, std::function<Reply()> work, std::chrono::seconds timeout) {
    std::optional<Reply> reply;
    try {
      reply = control.commands().call<Reply>(std::move(work), timeout);
    } catch (const std::exception& e) {
      reply = error_reply(500, {std::string("internal error: ") + e.what()});
    }
    send(res, reply ? *reply : error_reply(503, {"the router did not answer (shutting down or busy)"}));
  }

  void view(const char* path, json (*build)(ControlPlane&)) {
    server.Get(path, [this, build](const httplib::Request&, httplib::Response& res) {
      run(res, [this, build] { return Reply{200, build(control)}; }, kViewTimeout);
    });
  }
  // A view of the LDP speaker: not found where LDP is off.
  void ldp_view(const char* path, std::optional<json> (*build)(ControlPlane&)) {
    server.Get(path, [this, build](const httplib::Request&, httplib::Response& res) {
      run(res, [this, build] {
        std::optional<json> doc = build(control);
        return doc ? Reply{200, *doc} : error_reply(404, {"LDP is off: the configuration has no ldp section"});
      }, kViewTimeout);
    });
  }

  // Checks the credential, then the body (JSON), then runs the change: all
  // on the control-plane thread, which owns the token (a reload may change it).
  void change(const httplib::Request& req, httplib::Response& res, std::function<Reply(const json&)> work) {
    std::string auth = req.get_header_value("Authorization");
    std::string what = req.method + " " + req.path + " from " + req.remote_addr;
    json body = req.body.empty() ? json::object() : json::parse(req.body, nullptr, false);
    run(res, [this, auth = std::move(auth), what = std::move(what), work = std::move(work), body = std::move(body)] {
      if (!control.token_configured())
        return error_reply(403, {"changes are disabled: the configuration names no management.token_file"});
      const std::string bearer = "Bearer ";
      if (auth.rfind(bearer, 0) != 0 || !control.token_matches(auth.substr(bearer.size()))) {
        log_warning("management: refused " + what + ": missing or wrong token");
        return error_reply(401, {"a valid management token is required (Authorization: Bearer <token>)"});
      }
      if (body.is_discarded()) return error_reply(400, {"the request body is not valid JSON"});
      return work(body);
    }, kChangeTimeout);
  }

  static Reply outcome(const ChangeResult& r, json ok_body) {
    return r.ok() ? Reply{r.status, std::move(ok_body)} : error_reply(r.status, r.errors);
  }

  void routes() {
    view("/v1/status", status_view);
    view("/v1/ports", ports_view);
    view("/v1/isps", isps_view);
    view("/v1/fec", fec_view);
    view("/v1/ilm", ilm_view);
    view("/v1/adjacencies", adjacencies_view);
    view("/v1/counters", counters_view);
    view("/v1/drops", drops_view);
    view("/v1/workers", workers_view);
    view("/v1/redirects", redirects_view);
    ldp_view("/v1/ldp/neighbors", ldp_neighbors_view);
    ldp_view("/v1/ldp/discovery", ldp_discovery_view);
    ldp_view("/v1/ldp/bindings", ldp_bindings_view);
    ldp_view("/v1/ldp/fec", ldp_fec_view);

    server.Get("/v1/subscribers", [this](const httplib::Request& req, httplib::Response& res) {
      auto offset = query_number(req, "offset", 0), limit = query_number(req, "limit", kDefaultPage);
      if (!offset || !limit) return send(res, error_reply(400, {"offset and limit must be whole numbers"}));
      run(res, [this, o = *offset, l = *limit] { return Reply{200, subscribers_view(control, o, l)}; }, kViewTimeout);
    });
    server.Get(R"(/v1/subscribers/(\d{1,10}))", [this](const httplib::Request& req, httplib::Response& res) {
      uint64_t id = std::stoull(req.matches[1]);
      run(res, [this, id] {
        auto doc = id <= 0xFFFFFFFF ? subscriber_view(control, uint32_t(id)) : std::nullopt;
        return doc ? Reply{200, *doc} : error_reply(404, {"no subscriber " + std::to_string(id)});
      }, kViewTimeout);
    });
    server.Post("/v1/subscribers", [this](const httplib::Request& req, httplib::Response& res) {
      change(req, res, [this](const json& body) {
        ChangeResult r = add_subscriber(control, body);
        if (!r.ok()) return outcome(r, {});
        return outcome(r, subscriber_view(control, body["id"].get<uint32_t>()).value_or(json::object()));
      });
    });
    server.Patch(R"(/v1/subscribers/(\d{1,10}))", [this](const httplib::Request& req, httplib::Response& res) {
      uint32_t id = uint32_t(std::min<uint64_t>(std::stoull(req.matches[1]), 0xFFFFFFFF));
      change(req, res, [this, id](const json& body) {
        ChangeResult r = modify_subscriber(control, id, body);
        return outcome(r, subscriber_view(control, id).value_or(json::object()));
      });
    });
    server.Delete(R"(/v1/subscribers/(\d{1,10}))", [this](const httplib::Request& req, httplib::Response& res) {
      uint32_t id = uint32_t(std::min<uint64_t>(std::stoull(req.matches[1]), 0xFFFFFFFF));
      change(req, res, [this, id](const json&) { return outcome(remove_subscriber(control, id), {{"removed", id}}); });
    });
    server.Patch(R"(/v1/isps/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
      std::string name = req.matches[1];
      change(req, res, [this, name](const json& body) {
        return outcome(modify_isp(control, name, body), {{"isp", name}});
      });
    });
    server.Delete(R"(/v1/isps/([^/]+)/ftn)", [this](const httplib::Request& req, httplib::Response& res) {
      std::string name = req.matches[1];
      change(req, res, [this, name](const json&) { return outcome(reset_isp(control, name), {{"isp", name}}); });
    });
    server.Put(R"(/v1/redirects/(\d{1,19}))", [this](const httplib::Request& req, httplib::Response& res) {
      const std::string digits = req.matches[1];
      uint64_t contract = 0;
      if (!parse_uint64(digits, &contract)) return send(res, error_reply(400, {"contract ids are 64-bit numbers"}));
      change(req, res, [this, contract](const json& body) {
        return outcome(set_redirect(control, contract, body), {{"contract", contract}});
      });
    });
    server.Delete(R"(/v1/redirects/(\d{1,19}))", [this](const httplib::Request& req, httplib::Response& res) {
      const std::string digits = req.matches[1];
      uint64_t contract = 0;
      if (!parse_uint64(digits, &contract)) return send(res, error_reply(400, {"contract ids are 64-bit numbers"}));
      change(req, res, [this, contract](const json&) {
        return outcome(remove_redirect(control, contract), {{"removed", contract}});
      });
    });
    server.Post("/v1/reload", [this](const httplib::Request& req, httplib::Response& res) {
      change(req, res, [this](const json&) {
        const ReloadRecord& r = control.reload();
        json body = {{"generation", r.generation}, {"changes", r.changes}};
        return r.ok ? Reply{200, body} : error_reply(422, r.errors);
      });
    });
    server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
      if (res.body.empty()) send(res, error_reply(res.status, {"no such request: " + req.method + " " + req.path}));
    });
  }
};

ManagementServer::ManagementServer(ControlPlane& control, const ListenAddress& listen) : impl_(std::make_unique<Impl>(control)) {
  httplib::Server& server = impl_->server;
  server.new_task_queue = [] { return new httplib::ThreadPool(2); };
  server.set_payload_max_length(kMaxBody);
  server.set_socket_options(listen_alone);
  server.set_read_timeout(std::chrono::seconds(5));
  impl_->routes();
  if (!server.bind_to_port(listen.host, listen.port))
    throw std::runtime_error("management API: cannot listen on " + listen.to_string());
  impl_->thread = std::thread([this] { impl_->server.listen_after_bind(); });
}

ManagementServer::~ManagementServer() {
  // stop() does nothing until the listening thread has started serving; a
  // router that fails right after starting this would otherwise hang here.
  for (int i = 0; i < 500 && !impl_->server.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace aggr
