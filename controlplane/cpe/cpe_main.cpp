// aggr-cpe: the customer-device agent. Runs until SIGINT/SIGTERM, then puts
// the device's routes back on its own line; --check validates the
// configuration only.
#include <signal.h>

#include <atomic>
#include <boost/program_options.hpp>
#include <iostream>

#include "controlplane/config/token_file.h"
#include "controlplane/cpe/cpe_agent.h"

namespace {

std::atomic<bool> stopping{false};

void on_signal(int) { stopping = true; }

}  // namespace

int main(int argc, char** argv) {
  namespace po = boost::program_options;
  po::options_description options("aggr-cpe --config FILE [--check]");
  options.add_options()("help,h", "this text")("config,c", po::value<std::string>()->required(), "configuration file")(
      "check", "validate the configuration and exit");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, options), vm);
    if (vm.count("help")) {
      std::cout << options;
      return 0;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "aggr-cpe: " << e.what() << "\n" << options;
    return 2;
  }
  using namespace aggr::cpe;
  CpeConfig config;
  std::vector<aggr::ConfigError> errors;
  if (!load_cpe_config(vm["config"].as<std::string>(), &config, &errors)) {
    for (const aggr::ConfigError& e : errors) std::cerr << e.to_string() << "\n";
    return 1;
  }
  std::string token;
  if (aggr::Status s = aggr::read_token_file(config.token_file, "broker token", config.token_file, &token); !s.ok()) {
    std::cerr << "aggr-cpe: " << s.error << "\n";
    return 1;
  }
  if (vm.count("check")) {
    const size_t links = config.third_links.size();
    std::cout << "configuration OK: subscriber " << config.subscriber << ", " << links
              << (links == 1 ? " third link" : " third links") << (config.borrow.enabled ? ", borrows" : "") << "\n";
    return 0;
  }
  try {
    CpeAgent agent(config, token);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    agent.run(stopping);
  } catch (const std::exception& e) {
    std::cerr << "aggr-cpe: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
