// Reading a JSON request body field by field, collecting every problem
// (a 4xx names them all) instead of stopping at the first.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace aggr::broker {

class RequestFields {
 public:
  explicit RequestFields(const nlohmann::json& body, std::string where = "");

  // A required string; "" (and an error) when missing or not a string.
  std::string text(const char* key);
  // An integer in [min, max]: required unless a fallback is given.
  int64_t integer(const char* key, int64_t min, int64_t max);
  int64_t integer(const char* key, int64_t min, int64_t max, int64_t fallback);
  bool boolean(const char* key, bool fallback);
  std::string choice(const char* key, std::initializer_list<const char*> options, const char* fallback);
  // An optional list (empty when absent).
  const nlohmann::json& list(const char* key);

  void error(std::string message) { errors_.push_back(std::move(message)); }
  // Takes the errors of a nested element's reader.
  void take(const RequestFields& nested);
  bool ok() const { return errors_.empty(); }
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  std::string name(const char* key) const { return where_.empty() ? key : where_ + "." + key; }
  const nlohmann::json* field(const char* key);

  const nlohmann::json& body_;
  std::string where_;
  std::vector<std::string> errors_;
};

}  // namespace aggr::broker
