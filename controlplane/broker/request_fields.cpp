#include "controlplane/broker/request_fields.h"

namespace aggr::broker {

RequestFields::RequestFields(const nlohmann::json& body, std::string where) : body_(body), where_(std::move(where)) {
  if (!body_.is_object()) errors_.push_back((where_.empty() ? "the body" : where_) + " must be a JSON object");
}

const nlohmann::json* RequestFields::field(const char* key) {
  if (!body_.is_object()) return nullptr;
  auto it = body_.find(key);
  return it == body_.end() ? nullptr : &*it;
}

std::string RequestFields::text(const char* key) {
  const nlohmann::json* v = field(key);
  if (body_.is_object() && (v == nullptr || !v->is_string() || v->get_ref<const std::string&>().empty())) {
    error(name(key) + " must be a non-empty string");
    return "";
  }
  return v ? v->get<std::string>() : "";
}

int64_t RequestFields::integer(const char* key, int64_t min, int64_t max) {
  const nlohmann::json* v = field(key);
  if (v == nullptr) {
    if (body_.is_object()) error(name(key) + " is required");
    return min;
  }
  if (!v->is_number_integer() || v->get<int64_t>() < min || v->get<int64_t>() > max ||
      (v->is_number_unsigned() && v->get<uint64_t>() > uint64_t(INT64_MAX))) {
    error(name(key) + " must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
    return min;
  }
  return v->get<int64_t>();
}

int64_t RequestFields::integer(const char* key, int64_t min, int64_t max, int64_t fallback) {
  return field(key) == nullptr ? fallback : integer(key, min, max);
}

bool RequestFields::boolean(const char* key, bool fallback) {
  const nlohmann::json* v = field(key);
  if (v == nullptr) return fallback;
  if (!v->is_boolean()) {
    error(name(key) + " must be true or false");
    return fallback;
  }
  return v->get<bool>();
}

std::string RequestFields::choice(const char* key, std::initializer_list<const char*> options, const char* fallback) {
  const nlohmann::json* v = field(key);
  if (v == nullptr) return fallback;
  std::string list;
  for (const char* o : options) {
    if (v->is_string() && v->get_ref<const std::string&>() == o) return o;
    list += std::string(list.empty() ? "" : ", ") + o;
  }
  error(name(key) + " must be one of: " + list);
  return fallback;
}

const nlohmann::json& RequestFields::list(const char* key) {
  static const nlohmann::json empty = nlohmann::json::array();
  const nlohmann::json* v = field(key);
  if (v == nullptr) return empty;
  if (!v->is_array()) {
    error(name(key) + " must be a list");
    return empty;
  }
  return *v;
}

void RequestFields::take(const RequestFields& nested) {
  errors_.insert(errors_.end(), nested.errors_.begin(), nested.errors_.end());
}

}  // namespace aggr::broker
