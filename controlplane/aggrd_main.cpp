// aggrd: the aggregation router daemon.
#include <csignal>
#include <fstream>
#include <iostream>

#include <boost/program_options.hpp>

#include "controlplane/config/config.h"
#include "controlplane/log.h"
#include "controlplane/router.h"
#include "controlplane/summary.h"

namespace po = boost::program_options;

namespace {

aggr::Router* g_router = nullptr;

void on_signal(int) {
  if (g_router != nullptr) g_router->stop();  // an atomic store: async-signal-safe
}

void on_hangup(int) {
  if (g_router != nullptr) g_router->request_reload();  // likewise
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description options("aggrd: MPLS aggregation router (headend, transit or tailend, as configured)\n\nOptions");
  options.add_options()
      ("help,h", "show this help")
      ("version", "print the version")
      ("config,c", po::value<std::string>(), "configuration file (YAML)")
      ("check", "validate the configuration, print every error, exit non-zero on any")
      ("eal,E", po::value<std::vector<std::string>>()->composing(),
       "extra EAL argument, appended after the configuration's (repeatable), e.g. -E --file-prefix=x")
      ("duration", po::value<double>()->default_value(0), "stop after this many seconds (0: run until signalled)")
      ("exit-idle", po::value<double>()->default_value(0),
       "stop once no port has received a packet for this many seconds (0: never)")
      ("summary-json", po::value<std::string>(), "write the final counters as JSON to this file")
      ("no-services", "serve no management API, metrics or telemetry commands, whatever the configuration says")
      ("quiet,q", "log warnings and errors only");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, options), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "aggrd: " << e.what() << "\n" << options;
    return 2;
  }
  if (vm.count("help")) {
    std::cout << options;
    return 0;
  }
  if (vm.count("version")) {
    std::cout << "aggrd " << AGGR_VERSION << "\n";
    return 0;
  }
  if (!vm.count("config")) {
    std::cerr << "aggrd: --config is required\n" << options;
    return 2;
  }
  aggr::LoadResult loaded = aggr::load_config(vm["config"].as<std::string>());
  aggr::configure_logging(loaded.config.logging);
  if (vm.count("quiet")) aggr::set_log_level(aggr::LogLevel::kWarning);
  for (const aggr::ConfigError& e : loaded.errors) std::cerr << e.to_string() << "\n";
  if (!loaded.ok()) {
    std::cerr << "aggrd: " << loaded.errors.size() << " error(s) in the configuration\n";
    return 1;
  }
  if (vm.count("check")) {
    std::cout << vm["config"].as<std::string>() << ": configuration OK (" << loaded.config.ports.size()
              << " ports, " << loaded.config.isps.size() << " ISPs, " << loaded.config.subscribers.size()
              << " subscribers)\n";
    return 0;
  }

  aggr::RunOptions run;
  if (vm.count("eal")) run.extra_eal_args = vm["eal"].as<std::vector<std::string>>();
  run.duration_s = vm["duration"].as<double>();
  run.exit_idle_s = vm["exit-idle"].as<double>();
  run.services = !vm.count("no-services");
  try {
    aggr::Router router(loaded.config, run);
    g_router = &router;
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    std::signal(SIGHUP, on_hangup);
    router.start();
    aggr::log_info("forwarding; SIGHUP reloads the configuration, SIGINT or SIGTERM stops");
    router.run();
    aggr::log_info("stopped");
    const aggr::ControlPlane& control = router.control();
    aggr::print_summary(std::cout, control.port_ids(), control.rib(), control.counters());
    if (vm.count("summary-json")) {
      std::ofstream json(vm["summary-json"].as<std::string>());
      aggr::write_summary_json(json, control.port_ids(), control.rib(), control.counters());
    }
    g_router = nullptr;
  } catch (const std::exception& e) {
    g_router = nullptr;
    aggr::log_error(e.what());
    return 1;
  }
  return 0;
}
