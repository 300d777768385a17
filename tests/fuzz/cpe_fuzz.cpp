// libFuzzer target: what aggr-cpe reads. The first byte picks the input:
// even, a device configuration (YAML); odd, the broker's instructions
// (JSON), read whole or not at all and turned into routes for a fixed
// device. Any bytes end in a configuration or in errors that each name a
// line and column, in contracts or in errors; the route plan never has a
// weight outside Linux's 1..256, a next hop without an interface, or a
// borrower's prefix routed anywhere but over a third link.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "controlplane/cpe/cpe_config.h"
#include "controlplane/cpe/route_plan.h"
#include "tests/fuzz/scratch_directory.h"

using namespace aggr;
using namespace aggr::cpe;
using nlohmann::json;

namespace {

const std::string kDirectory = "/tmp/aggr-cpe-fuzz-" + std::to_string(getpid());
const std::string kYamlPath = kDirectory + "/cpe.yaml";

// A device with two third links, as the instructions are planned for.
const char* const kDevice = R"(subscriber: "1"
broker: {server: 127.0.0.1:9470, token_file: t}
wan: {interface: eth0, gateway: 100.64.0.1, down: 20Mbit, up: 10Mbit}
third_links:
  - {peer: "2", interface: tl0, peer_address: 10.200.12.2, peer_prefixes: [100.64.2.0/29]}
  - {peer: "3", interface: tl1, peer_address: 10.200.13.2, peer_prefixes: [100.64.3.0/29, "2001:db8:3::/48"]}
)";

void write(const std::string& path, const char* data, size_t size) {
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(data, std::streamsize(size));
}

const CpeConfig& device() {
  static const CpeConfig config = [] {
    write(kYamlPath, kDevice, std::char_traits<char>::length(kDevice));
    write(kDirectory + "/t", "fuzz-device-token-0123456789\n", 29);
    CpeConfig c;
    std::vector<ConfigError> errors;
    if (!load_cpe_config(kYamlPath, &c, &errors)) std::abort();
    return c;
  }();
  return config;
}

void check_plan(const CpeConfig& config, const RoutePlan& plan) {
  for (const RouteNextHop& hop : plan.default_route)
    if (hop.weight < 1 || hop.weight > 256 || hop.interface.empty()) std::abort();
  for (const auto& [prefix, hop] : plan.carried)
    if (hop.interface == config.wan_interface || hop.interface.empty()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  aggr::fuzz::make_scratch_directory(kDirectory);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const CpeConfig& fixed = device();
  const char* text = reinterpret_cast<const char*>(data + 1);
  if (data[0] % 2 == 0) {
    write(kDirectory + "/input.yaml", text, size - 1);
    CpeConfig c;
    std::vector<ConfigError> errors;
    const bool ok = load_cpe_config(kDirectory + "/input.yaml", &c, &errors);
    if (ok != errors.empty()) std::abort();
    for (const ConfigError& e : errors)
      if (e.message.empty() || e.to_string().empty()) std::abort();
    return 0;
  }
  const json instructions = json::parse(text, text + size - 1, nullptr, false);
  std::vector<DeviceContract> contracts;
  std::vector<std::string> errors;
  if (parse_device_instructions(instructions, &contracts, &errors) != errors.empty()) std::abort();
  check_plan(fixed, plan_routes(fixed, contracts));
  return 0;
}
