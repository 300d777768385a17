// aggr-gen: writes pcap files of subscriber traffic for a configuration, the
// frames a correct headend sends for it, and the expected per-ISP totals; or,
// with --live, sends that traffic through DPDK ports and checks what comes
// back (tools/aggr-gen/live.h).
#include <fstream>
#include <iostream>
#include <sstream>

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include "controlplane/config/config.h"
#include "tools/aggr-gen/live.h"
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
       "expected-core.pcap, expected-<access port>.pcap and expected-totals.json")
      ("live", "live mode: send through --tx-dev, receive on --rx-dev, check every frame")
      ("tx-dev", po::value<std::string>(), "live: DPDK device to send on (vdev string or PCI address)")
      ("rx-dev", po::value<std::string>(), "live: DPDK device to receive on")
      ("send-on", po::value<std::string>(), "live: the router's port (configuration name) --tx-dev is wired to")
      ("receive-on", po::value<std::string>(), "live: the router's port --rx-dev is wired to")
      ("rate", po::value<double>()->default_value(0), "live: Mpps to send (0: flat out)")
      ("duration", po::value<double>()->default_value(5), "live: seconds to send")
      ("imix", "live: simple IMIX (64, 570, 1518 bytes, 7:4:1) instead of --sizes")
      ("invalid-share", po::value<double>()->default_value(0),
       "live: share of frames the router must drop (unknown lines or destinations, spoofed sources)")
      ("subscribers", po::value<size_t>()->default_value(1024), "live: subscribers to send for, sampled evenly")
      ("eal", po::value<std::vector<std::string>>()->composing(), "live: EAL argument (repeatable)")
      ("json-out", po::value<std::string>(), "live: write the result as JSON to this file")
      ("no-progress", "live: no progress line");
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
  if (vm.count("live")) {
    try {
      gen::LiveOptions o;
      for (const char* required : {"tx-dev", "rx-dev", "send-on", "receive-on"})
        if (!vm.count(required)) throw std::invalid_argument(std::string("--live needs --") + required);
      o.tx_device = vm["tx-dev"].as<std::string>();
      o.rx_device = vm["rx-dev"].as<std::string>();
      o.send_on = vm["send-on"].as<std::string>();
      o.receive_on = vm["receive-on"].as<std::string>();
      o.rate_mpps = vm["rate"].as<double>();
      o.duration_s = vm["duration"].as<double>();
      o.sizes = vm.count("imix") ? gen::imix_sizes() : parse_sizes(vm["sizes"].as<std::string>());
      o.families = parse_families(vm["families"].as<std::string>());
      o.invalid_share = vm["invalid-share"].as<double>();
      if (o.invalid_share < 0 || o.invalid_share >= 1) throw std::invalid_argument("--invalid-share must be in [0, 1)");
      o.subscribers = vm["subscribers"].as<size_t>();
      if (vm.count("eal")) o.eal_args = vm["eal"].as<std::vector<std::string>>();
      o.progress = !vm.count("no-progress");
      gen::LiveResult r = gen::run_live(loaded.config, o);
      std::printf("aggr-gen: sent %llu (%llu to be dropped), received %llu, lost %llu, wrong %llu, unexpected %llu\n"
                  "aggr-gen: %.3f Mpps, %.3f Gbit/s received; latency us p50 %.1f p90 %.1f p99 %.1f p99.9 %.1f max %.1f\n",
                  (unsigned long long)r.sent, (unsigned long long)r.sent_invalid, (unsigned long long)r.received,
                  (unsigned long long)r.lost, (unsigned long long)r.wrong, (unsigned long long)r.unexpected, r.mpps,
                  r.gbps, r.latency_us[0], r.latency_us[1], r.latency_us[2], r.latency_us[3], r.latency_us[4]);
      if (vm.count("json-out")) std::ofstream(vm["json-out"].as<std::string>()) << r.to_json() << "\n";
      return r.ok() ? 0 : 3;
    } catch (const std::exception& e) {
      std::cerr << "aggr-gen: " << e.what() << "\n";
      return 1;
    }
  }
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
