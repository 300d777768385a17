// libFuzzer target: the configuration loader (YAML, then validation) and the
// subscribers file on arbitrary text. Whatever the input, loading ends with
// a configuration or with errors that each name a line and column; it never
// crashes or throws.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "controlplane/config/config.h"

using namespace aggr;

namespace {

const std::string& scratch(const char* name) {
  static std::string dir = [] {
    std::string d = "/tmp/aggr-config-fuzz-" + std::to_string(getpid());
    std::filesystem::create_directories(d);
    return d;
  }();
  static std::string yaml = dir + "/config.yaml", csv = dir + "/subscribers.csv";
  return std::string(name) == "yaml" ? yaml : csv;
}

// A configuration that is valid on its own and reads the subscribers file.
const char* const kHost = R"(
ports:
  - {name: access0, role: access, device: net_null0}
  - {name: core0, role: core, device: net_null1}
isps:
  - {id: 1, name: red, labels: [1001], next_hop: {port: core0, mac: "02:00:00:00:ff:01"}}
subscribers_file: subscribers.csv
)";

void check(const LoadResult& r) {
  for (const ConfigError& e : r.errors)
    if (e.message.empty() || e.to_string().empty()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] & 1) {
    // The input is a subscribers file read by a valid configuration.
    std::ofstream(scratch("yaml")) << kHost;
    std::ofstream(scratch("csv"), std::ios::binary) << text;
  } else {
    std::ofstream(scratch("yaml"), std::ios::binary) << text;
    std::ofstream(scratch("csv")) << "";
  }
  check(load_config(scratch("yaml")));
  return 0;
}
