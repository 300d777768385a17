#include "controlplane/management/telemetry.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <optional>
#include <shared_mutex>

#include <rte_telemetry.h>

#include "controlplane/management/views.h"
#include "controlplane/control_plane.h"

namespace aggr {
namespace {

using nlohmann::json;

std::shared_mutex g_mutex;
ControlPlane* g_control = nullptr;

// Telemetry names allow letters, digits, '_' and '/'.
std::string telemetry_name(const std::string& key) {
  std::string name = key.substr(0, RTE_TEL_MAX_STRING_LEN - 1);
  for (char& c : name)
    if (!isalnum((unsigned char)c) && c != '_' && c != '/') c = '_';
  return name;
}

std::string scalar_text(const json& value) {
  if (value.is_string()) return value.get<std::string>().substr(0, RTE_TEL_MAX_STRING_LEN - 1);
  if (value.is_number_float()) {
    char text[32];
    std::snprintf(text, sizeof text, "%.4f", value.get<double>());
    return text;
  }
  return value.dump();
}

// Writes a JSON document into a flat telemetry dict.
class Flattener {
 public:
  explicit Flattener(rte_tel_data* d) : d_(d) { rte_tel_data_start_dict(d); }

  void add(const std::string& key, const json& value) {
    if (full()) return;
    if (value.is_object()) {
      for (const auto& [k, v] : value.items()) add(key.empty() ? k : key + "/" + k, v);
    } else if (value.is_array() && std::all_of(value.begin(), value.end(), [](const json& v) { return v.is_primitive(); })) {
      array(key, value);
    } else if (value.is_array()) {
      for (size_t i = 0; i < value.size(); ++i) {
        const json& item = value[i];
        std::string name = item.contains("name") ? scalar_text(item["name"]) : std::to_string(i);
        add(key.empty() ? name : key + "/" + name, item);
      }
    } else {
      scalar(key, value);
    }
  }

 private:
  bool full() {
    if (entries_ < RTE_TEL_MAX_DICT_ENTRIES - 1) return false;
    if (entries_ == RTE_TEL_MAX_DICT_ENTRIES - 1) {
      rte_tel_data_add_dict_string(d_, "truncated", "more than telemetry's 256 entries: see aggrctl");
      ++entries_;
    }
    return true;
  }

  void scalar(const std::string& key, const json& value) {
    std::string name = telemetry_name(key);
    if (value.is_number_unsigned())
      rte_tel_data_add_dict_u64(d_, name.c_str(), value.get<uint64_t>());
    else if (value.is_number_integer())
      rte_tel_data_add_dict_int(d_, name.c_str(), int(value.get<int64_t>()));
    else if (value.is_boolean())
      rte_tel_data_add_dict_int(d_, name.c_str(), value.get<bool>() ? 1 : 0);
    else
      rte_tel_data_add_dict_string(d_, name.c_str(), scalar_text(value).c_str());
    ++entries_;
  }

  void array(const std::string& key, const json& values) {
    rte_tel_data* a = rte_tel_data_alloc();
    if (a == nullptr) return;
    bool numbers = std::all_of(values.begin(), values.end(), [](const json& v) { return v.is_number_unsigned(); });
    rte_tel_data_start_array(a, numbers ? RTE_TEL_U64_VAL : RTE_TEL_STRING_VAL);
    for (size_t i = 0; i < values.size() && i < RTE_TEL_MAX_ARRAY_ENTRIES; ++i) {
      if (numbers)
        rte_tel_data_add_array_u64(a, values[i].get<uint64_t>());
      else
        rte_tel_data_add_array_string(a, scalar_text(values[i]).c_str());
    }
    rte_tel_data_add_dict_container(d_, telemetry_name(key).c_str(), a, 0);
    ++entries_;
  }

  rte_tel_data* d_;
  unsigned entries_ = 0;
};

// Builds a document on the control-plane thread; nothing if detached.
std::optional<json> build(std::function<std::optional<json>(ControlPlane&)> view) {
  std::shared_lock<std::shared_mutex> lock(g_mutex);
  if (g_control == nullptr) return std::nullopt;
  ControlPlane& control = *g_control;
  auto result = control.commands().call<std::optional<json>>([&control, view] { return view(control); },
                                                             std::chrono::seconds(5));
  return result ? *result : std::nullopt;
}

int reply(std::optional<json> doc, rte_tel_data* d) {
  if (!doc) return -EINVAL;
  Flattener(d).add("", *doc);
  return 0;
}

// The names of a list view's items, as a telemetry array of strings.
int reply_names(std::optional<json> list, rte_tel_data* d) {
  if (!list) return -EINVAL;
  rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
  for (const json& item : *list) rte_tel_data_add_array_string(d, scalar_text(item["name"]).c_str());
  return 0;
}

// The item of a list view whose name is `name`.
std::optional<json> named(const json& list, const char* name) {
  if (name == nullptr) return std::nullopt;
  for (const json& item : list)
    if (item["name"] == name) return item;
  return std::nullopt;
}

int status(const char*, const char*, rte_tel_data* d) {
  return reply(build([](ControlPlane& r) { return std::optional<json>(status_view(r)); }), d);
}
int isps(const char*, const char*, rte_tel_data* d) {
  return reply_names(build([](ControlPlane& r) { return std::optional<json>(isps_view(r)); }), d);
}
int isp(const char*, const char* params, rte_tel_data* d) {
  std::string name = params ? params : "";
  return reply(build([name](ControlPlane& r) { return named(isps_view(r), name.c_str()); }), d);
}
int ports(const char*, const char*, rte_tel_data* d) {
  return reply_names(build([](ControlPlane& r) { return std::optional<json>(ports_view(r)); }), d);
}
int port(const char*, const char* params, rte_tel_data* d) {
  std::string name = params ? params : "";
  return reply(build([name](ControlPlane& r) { return named(ports_view(r), name.c_str()); }), d);
}
int subscriber(const char*, const char* params, rte_tel_data* d) {
  char* end = nullptr;
  unsigned long id = params ? std::strtoul(params, &end, 10) : 0;
  if (params == nullptr || *params == '\0' || *end != '\0' || id == 0 || id > 0xFFFFFFFF) return -EINVAL;
  return reply(build([id](ControlPlane& r) { return subscriber_view(r, uint32_t(id)); }), d);
}
int fec(const char*, const char*, rte_tel_data* d) {
  return reply(build([](ControlPlane& r) {
                 json by_fec = json::object();
                 for (json entry : fec_view(r)) {
                   std::string name = entry["fec"].get<std::string>();
                   entry.erase("fec");
                   by_fec[name] = std::move(entry);
                 }
                 return std::optional<json>(by_fec);
               }),
               d);
}
int ilm(const char*, const char*, rte_tel_data* d) {
  return reply(build([](ControlPlane& r) {
                 json by_label = json::object();
                 for (json entry : ilm_view(r)) {
                   std::string label = std::to_string(entry["label"].get<uint32_t>());
                   entry.erase("label");
                   by_label[label] = std::move(entry);
                 }
                 return std::optional<json>(by_label);
               }),
               d);
}
int drops(const char*, const char*, rte_tel_data* d) {
  return reply(build([](ControlPlane& r) { return std::optional<json>(drops_view(r)); }), d);
}
int workers(const char*, const char*, rte_tel_data* d) {
  return reply(build([](ControlPlane& r) { return std::optional<json>(workers_view(r)); }), d);
}

}  // namespace

void register_telemetry(ControlPlane* control) {
  static std::once_flag registered;
  std::call_once(registered, [] {
    rte_telemetry_register_cmd("/aggr/status", status, "aggrd: configuration generation, reloads, table sizes");
    rte_telemetry_register_cmd("/aggr/isps", isps, "aggrd: ISP names");
    rte_telemetry_register_cmd("/aggr/isp", isp, "aggrd: one ISP's labels and counters. Parameters: ISP name");
    rte_telemetry_register_cmd("/aggr/ports", ports, "aggrd: port names");
    rte_telemetry_register_cmd("/aggr/port", port, "aggrd: one port's state and counters. Parameters: port name");
    rte_telemetry_register_cmd("/aggr/subscriber", subscriber, "aggrd: one subscriber. Parameters: subscriber id");
    rte_telemetry_register_cmd("/aggr/fec", fec, "aggrd: installed FTN entries per FEC (ISP): labels, next hop, source");
    rte_telemetry_register_cmd("/aggr/ilm", ilm, "aggrd: installed local labels: action, source, a swap's out labels and next hop");
    rte_telemetry_register_cmd("/aggr/drops", drops, "aggrd: dropped packets by reason");
    rte_telemetry_register_cmd("/aggr/workers", workers, "aggrd: workers' ports, polls and busy ratio");
  });
  std::unique_lock<std::shared_mutex> lock(g_mutex);
  g_control = control;
}

void unregister_telemetry() {
  std::unique_lock<std::shared_mutex> lock(g_mutex);
  g_control = nullptr;
}

}  // namespace aggr
