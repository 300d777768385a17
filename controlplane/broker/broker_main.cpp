// aggr-broker: the bandwidth broker. Serves its API until SIGINT/SIGTERM;
// --check validates the configuration only.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <thread>

#include "controlplane/broker/api_server.h"
#include "controlplane/broker/broker.h"
#include "controlplane/broker/schema.h"
#include "controlplane/config/config_command_line.h"

namespace {

std::atomic<bool> stopping{false};

void on_signal(int) { stopping = true; }

}  // namespace

int main(int argc, char** argv) {
  int exit_code = 0;
  const std::optional<aggr::ConfigCommandLine> command_line =
      aggr::read_config_command_line(argc, argv, "aggr-broker", &exit_code);
  if (!command_line) return exit_code;
  using namespace aggr::broker;
  BrokerConfig config;
  std::vector<aggr::ConfigError> errors;
  if (!load_broker_config(command_line->config, &config, &errors)) {
    for (const aggr::ConfigError& e : errors) std::cerr << e.to_string() << "\n";
    return 1;
  }
  if (command_line->check) {
    std::cout << "configuration OK: " << config.lines.size() << " lines, " << config.callers.size() << " callers\n";
    return 0;
  }
  try {
    std::unique_ptr<Database> db = open_database(config.database);
    db->claim_sole_writer();
    create_schema(*db);
    Broker broker(config, std::move(db));
    ApiServer api(broker, config.listen_host, config.listen_port);
    std::fprintf(stderr, "aggr-broker: listening on %s:%u, storage %s\n", config.listen_host.c_str(), api.port(),
                 std::string(broker.database().kind()).c_str());
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    while (!stopping) {
      broker.tick(now_ms());
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    api.stop();
  } catch (const std::exception& e) {
    std::cerr << "aggr-broker: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
