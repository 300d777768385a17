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
#include "tests/fuzz/scratch_directory.h"

using namespace aggr;

namespace {

// The files of one fuzzing process: a configuration and the subscribers
// file it names, side by side.
const std::string kDirectory = "/tmp/aggr-config-fuzz-" + std::to_string(getpid());
const std::string kYamlPath = kDirectory + "/config.yaml";
const std::string kCsvPath = kDirectory + "/subscribers.csv";

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

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  aggr::fuzz::make_scratch_directory(kDirectory);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] & 1) {
    // The input is a subscribers file read by a valid configuration.
    std::ofstream(kYamlPath) << kHost;
    std::ofstream(kCsvPath, std::ios::binary) << text;
  } else {
    std::ofstream(kYamlPath, std::ios::binary) << text;
    std::ofstream(kCsvPath) << "";
  }
  check(load_config(kYamlPath));
  return 0;
}
