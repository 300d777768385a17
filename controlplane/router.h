// The headend router process: EAL, ports, tables, workers, and the control
// plane loop that runs on the main lcore.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "controlplane/config/config.h"
#include "dataplane/counters.h"
#include "dataplane/table_writer.h"
#include "dataplane/worker.h"

struct rte_mempool;

namespace aggr {

struct RunOptions {
  std::vector<std::string> extra_eal_args;  // appended after the config's
  double duration_s = 0;   // stop after this long; 0: run until signalled
  double exit_idle_s = 0;  // stop once no port received for this long; 0: never
};

// EAL argument vector for a configuration (argv[0] included).
std::vector<std::string> eal_arguments(const RouterConfig& config, const RunOptions& options);

class Router {
 public:
  Router(RouterConfig config, RunOptions options);
  ~Router();

  // Initializes EAL, opens ports, loads tables. Throws std::runtime_error.
  void start();
  // Runs the control-plane loop until stop() or a run option ends it.
  void run();
  void stop() { stop_requested_.store(true); }

  const RouterConfig& config() const { return config_; }
  const CounterSet& counters() const { return *counters_; }
  TableWriter& writer() { return *writer_; }
  const std::vector<uint16_t>& port_ids() const { return port_ids_; }

 private:
  void launch_workers();
  void join_workers();
  uint64_t received_packets() const;

  RouterConfig config_;
  RunOptions options_;
  bool eal_ready_ = false;
  rte_mempool* pool_ = nullptr;
  std::vector<uint16_t> port_ids_;
  std::unique_ptr<Tables> tables_;
  std::unique_ptr<CounterSet> counters_;
  std::unique_ptr<TableWriter> writer_;
  std::unique_ptr<HandoffRings> handoff_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::atomic<bool> workers_stop_{false};
  std::atomic<bool> stop_requested_{false};
};

}  // namespace aggr
