// aggr-cpe: the customer-device agent. Runs until SIGINT/SIGTERM, then puts
// the device's routes back on its own line; --check validates the
// configuration only.
#include <signal.h>

#include <atomic>
#include <iostream>

#include "controlplane/config/config_command_line.h"
#include "controlplane/config/token_file.h"
#include "controlplane/cpe/cpe_agent.h"

namespace {

std::atomic<bool> stopping{false};

void on_signal(int) { stopping = true; }

}  // namespace

int main(int argc, char** argv) {
  int exit_code = 0;
  const std::optional<aggr::ConfigCommandLine> command_line =
      aggr::read_config_command_line(argc, argv, "aggr-cpe", &exit_code);
  if (!command_line) return exit_code;
  using namespace aggr::cpe;
  CpeConfig config;
  std::vector<aggr::ConfigError> errors;
  if (!load_cpe_config(command_line->config, &config, &errors)) {
    for (const aggr::ConfigError& e : errors) std::cerr << e.to_string() << "\n";
    return 1;
  }
  std::string token;
  if (aggr::Status s = aggr::read_token_file(config.token_file, "broker token", config.token_file, &token); !s.ok()) {
    std::cerr << "aggr-cpe: " << s.error << "\n";
    return 1;
  }
  if (command_line->check) {
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
