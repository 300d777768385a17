#include "tools/aggrctl/api_client.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>

namespace aggr::ctl {
namespace {

using nlohmann::json;

std::string host_of(const std::string& api) {
  std::string host = api.substr(0, api.rfind(':'));
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  return host;
}

int port_of(const ApiOptions& o) {
  size_t colon = o.api.rfind(':');
  int port = colon == std::string::npos ? 0 : std::atoi(o.api.c_str() + colon + 1);
  if (port <= 0 || port > 65535) {
    std::cerr << o.program << ": --api must be HOST:PORT, not '" << o.api << "'\n";
    std::exit(2);
  }
  return port;
}

}  // namespace

ApiClient::ApiClient(ApiOptions options)
    : options_(std::move(options)), http_(host_of(options_.api), port_of(options_)) {
  http_.set_connection_timeout(3);
  http_.set_read_timeout(300);
}

json ApiClient::request(const std::string& method, const std::string& path, const json& body,
                        const std::string& idempotency_key) {
  httplib::Headers headers;
  if (method != "GET" || options_.token_on_reads) headers.emplace("Authorization", "Bearer " + token());
  if (!idempotency_key.empty()) headers.emplace("Idempotency-Key", idempotency_key);
  const std::string payload = body.is_null() ? "" : body.dump();
  httplib::Result res = method == "GET"     ? http_.Get(path, headers)
                        : method == "POST"  ? http_.Post(path, headers, payload, "application/json")
                        : method == "PATCH" ? http_.Patch(path, headers, payload, "application/json")
                        : method == "PUT"   ? http_.Put(path, headers, payload, "application/json")
                                            : http_.Delete(path, headers);
  const std::string& me = options_.program;
  if (!res) {
    std::cerr << me << ": cannot reach " << options_.service << " at " << options_.api << ": "
              << httplib::to_string(res.error()) << "\n";
    std::exit(3);
  }
  json doc = json::parse(res->body, nullptr, false);
  if (res->status >= 300) {
    if (options_.json && !doc.is_discarded()) std::cout << doc.dump(2) << "\n";
    if (!doc.is_discarded() && doc.contains("errors") && !doc["errors"].empty()) {
      for (const json& e : doc["errors"]) std::cerr << me << ": " << text(e) << "\n";
    } else {
      std::cerr << me << ": HTTP " << res->status << ": " << res->body << "\n";
    }
    std::exit(1);
  }
  if (doc.is_discarded()) {
    std::cerr << me << ": the answer of " << options_.service << " is not JSON\n";
    std::exit(1);
  }
  return doc;
}

std::string ApiClient::token() const {
  if (options_.token_file.empty()) return "";
  std::ifstream in(options_.token_file);
  if (!in) {
    std::cerr << options_.program << ": cannot read the token file " << options_.token_file << "\n";
    std::exit(2);
  }
  std::string token;
  std::getline(in, token);
  while (!token.empty() && (token.back() == '\r' || token.back() == ' ')) token.pop_back();
  return token;
}

std::string text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_float()) {
    char out[32];
    std::snprintf(out, sizeof out, "%.2f", v.get<double>());
    return out;
  }
  if (v.is_null()) return "-";
  if (v.is_array()) {
    std::string joined;
    for (const json& item : v) joined += (joined.empty() ? "" : " ") + text(item);
    return joined.empty() ? "-" : joined;
  }
  return v.dump();
}

}  // namespace aggr::ctl
