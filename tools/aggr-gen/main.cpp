// aggr-gen: writes pcap files of subscriber traffic for a configuration, the
// frames a correct headend sends for it, and the expected per-ISP totals.
#include <fstream>
#include <iostream>
#include <sstream>

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include "controlplane/config/config.h"
#include "tools/aggr-gen/pcap_file.h"
#include "tools/aggr-gen/traffic.h"

namespace po = boost::program_options;
using namespace aggr;

namespace {

std::vector<unsigned> parse_sizes(const std::string& text) {
  std::vector<unsigned> sizes;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    unsigned size = unsigned(std::stoul(item));
    if (size < 64 || size > 1518) throw std::invalid_argument("frame sizes must be 64..1518");
    sizes.push_back(size);
  }
  return sizes;
}

std::vector<uint8_t> parse_families(const std::string& text) {
  if (text == "4") return {4};
  if (text == "6") return {6};
  if (text == "4,6" || text == "6,4") return {4, 6};
  throw std::invalid_argument("families must be 4, 6 or 4,6");
}

std::string key_name(const std::string& isp) { return isp; }
std::string key_name(uint32_t subscriber_id) { return std::to_string(subscriber_id); }

void write_totals(std::ostream& out, const gen::GeneratedTraffic& t) {
  auto totals = [](const gen::ExpectedTotals& e) { return nlohmann::json{{"packets", e.packets}, {"bytes", e.bytes}}; };
  nlohmann::json doc = {{"isps", nlohmann::json::object()}, {"subscribers", nlohmann::json::object()}};
  auto add = [&](nlohmann::json& section, const auto& by_key, const char* direction) {
    for (const auto& [key, value] : by_key) {
      section[key_name(key)][direction] = totals(value);
    }
  };
  add(doc["isps"], t.isp_up, "up");
  add(doc["isps"], t.isp_down, "down");
  add(doc["subscribers"], t.subscriber_up, "up");
  add(doc["subscribers"], t.subscriber_down, "down");
  out << doc.dump(2) << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description options("aggr-gen: subscriber traffic generator\n\nOptions");
  options.add_options()
      ("help,h", "show this help")
      ("config,c", po::value<std::string>(), "router configuration (YAML) whose subscribers to use")
      ("packets,n", po::value<unsigned>()->default_value(4), "packets per subscriber and direction")
      ("sizes", po::value<std::string>()->default_value("64,128,512,1518"), "frame sizes with FCS, cycled")
      ("families", po::value<std::string>()->default_value("4,6"), "IP versions: 4, 6 or 4,6")
      ("sample", po::value<size_t>()->default_value(0),
       "traffic for about this many subscribers spread evenly over the table (0: all)")
      ("out-dir,o", po::value<std::string>()->default_value("."),
       "where to write upstream-<access port>.pcap, downstream.pcap (labelled, for the core port), "
       "expected-core.pcap, expected-<access port>.pcap and expected-totals.json");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, options), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "aggr-gen: " << e.what() << "\n";
    return 2;
  }
  if (vm.count("help") || !vm.count("config")) {
    std::cout << options;
    return vm.count("help") ? 0 : 2;
  }
  LoadResult loaded = load_config(vm["config"].as<std::string>());
  for (const ConfigError& e : loaded.errors) std::cerr << e.to_string() << "\n";
  if (!loaded.ok()) return 1;
  try {
    gen::TrafficProfile profile;
    profile.packets_per_subscriber = vm["packets"].as<unsigned>();
    profile.frame_sizes = parse_sizes(vm["sizes"].as<std::string>());
    profile.families = parse_families(vm["families"].as<std::string>());
    profile.sample_subscribers = vm["sample"].as<size_t>();
    gen::GeneratedTraffic t = gen::generate(loaded.config, profile);
    std::string dir = vm["out-dir"].as<std::string>();
    auto write = [&](const std::string& name, const std::vector<gen::Bytes>& frames) {
      gen::write_pcap(dir + "/" + name, frames);
      std::cout << "aggr-gen: " << frames.size() << " frames -> " << dir << "/" << name << "\n";
    };
    for (const PortConfig& p : loaded.config.ports) {
      if (p.role != PortRole::kAccess) continue;
      write("upstream-" + p.name + ".pcap", t.upstream[p.name]);
      write("expected-" + p.name + ".pcap", t.expected_access[p.name]);
    }
    write("downstream.pcap", t.downstream);
    write("expected-core.pcap", t.expected_core);
    std::ofstream out(dir + "/expected-totals.json");
    write_totals(out, t);
  } catch (const std::exception& e) {
    std::cerr << "aggr-gen: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
