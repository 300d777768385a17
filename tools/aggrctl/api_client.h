// The HTTP side of the command-line tools (aggrctl, aggr-brokerctl): one
// request at a time to a JSON API, with a bearer token from a file; an
// error answer is printed as the service sent it and ends the program.
#pragma once

#include <httplib.h>

#include <string>

#include <nlohmann/json.hpp>

namespace aggr::ctl {

struct ApiOptions {
  std::string program;     // for messages: "aggrctl"
  std::string service;     // what answers: "aggrd"
  std::string api;         // HOST:PORT
  std::string token_file;  // empty: no token
  bool token_on_reads = false;  // the service wants the token for GETs too
  bool json = false;            // print error bodies as JSON too
};

class ApiClient {
 public:
  // Exits with status 2 when the address is not HOST:PORT.
  explicit ApiClient(ApiOptions options);

  // The answer's JSON; an unreachable service exits 3, an error answer 1.
  nlohmann::json request(const std::string& method, const std::string& path,
                         const nlohmann::json& body = nullptr, const std::string& idempotency_key = "");

 private:
  std::string token() const;

  ApiOptions options_;
  httplib::Client http_;
};

// A JSON value as a table cell: strings bare, floats with two decimals,
// null as "-", arrays joined by spaces.
std::string text(const nlohmann::json& v);

}  // namespace aggr::ctl
