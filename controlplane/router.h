// The headend router process: EAL, ports, tables, workers, and the control
// plane loop that runs on the main lcore and owns every table change.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "controlplane/command_queue.h"
#include "controlplane/config/config.h"
#include "controlplane/config_diff.h"
#include "dataplane/counters.h"
#include "controlplane/rib/rib.h"
#include "dataplane/worker.h"

struct rte_mempool;

namespace aggr {

class ManagementServer;
class MetricsExposer;

struct RunOptions {
  std::vector<std::string> extra_eal_args;  // appended after the config's
  double duration_s = 0;   // stop after this long; 0: run until signalled
  double exit_idle_s = 0;  // stop once no port received for this long; 0: never
  bool services = true;    // management API, metrics and telemetry per the config
};

// EAL argument vector for a configuration (argv[0] included).
std::vector<std::string> eal_arguments(const RouterConfig& config, const RunOptions& options);

// The outcome of the last reload, as the API and metrics report it.
struct ReloadRecord {
  uint64_t generation = 1;  // 1: the configuration loaded at start
  bool ok = true;
  std::chrono::system_clock::time_point at = std::chrono::system_clock::now();
  std::vector<std::string> errors;  // "file:line:column: message" each
  std::string changes;              // ConfigChanges::describe() when ok
  uint64_t succeeded = 0, failed = 0;
};

class Router {
 public:
  Router(RouterConfig config, RunOptions options);
  ~Router();

  // Initializes EAL, opens ports, loads tables, starts workers and the
  // management services. Throws std::runtime_error.
  void start();
  // Runs the control-plane loop until stop() or a run option ends it.
  void run();
  // Async-signal-safe (atomic stores): for SIGTERM and SIGHUP handlers.
  void stop() { stop_requested_.store(true); }
  void request_reload() { reload_requested_.store(true); }

  // Other threads post their work here; it runs on the control-plane thread.
  CommandQueue& commands() { return commands_; }

  // ---- control-plane thread only ----
  // Reads the configuration file again and applies the difference, or keeps
  // the running configuration and records why not.
  const ReloadRecord& reload();
  const ReloadRecord& last_reload() const { return last_reload_; }
  // The running configuration: the file's, plus management API changes.
  const RouterConfig& config() const { return config_; }
  RouterConfig& running_config() { return config_; }
  const CounterSet& counters() const { return *counters_; }
  Rib& rib() { return *rib_; }
  const Rib& rib() const { return *rib_; }
  const std::vector<uint16_t>& port_ids() const { return port_ids_; }
  // Share of the last second each worker spent on loops that moved packets.
  double worker_busy_ratio(unsigned worker) const { return busy_ratio_[worker]; }
  // True when `token` is the management token (constant time).
  bool token_matches(const std::string& token) const;
  bool token_configured() const { return !token_.empty(); }

 private:
  void launch_workers();
  void join_workers();
  void start_services();
  void load_token();
  void sample_workers();
  uint64_t received_packets() const;

  RouterConfig config_;
  RunOptions options_;
  bool eal_ready_ = false;
  rte_mempool* pool_ = nullptr;
  std::vector<uint16_t> port_ids_;
  std::unique_ptr<Tables> tables_;
  std::unique_ptr<CounterSet> counters_;
  std::unique_ptr<Rib> rib_;
  std::unique_ptr<MeterTransferRings> transfer_rings_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::atomic<bool> workers_stop_{false};
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> reload_requested_{false};
  CommandQueue commands_;
  ReloadRecord last_reload_;
  std::string token_;
  std::vector<double> busy_ratio_;
  std::vector<std::pair<uint64_t, uint64_t>> last_cycles_;  // (cycles, busy) per worker
  std::unique_ptr<ManagementServer> management_;
  std::unique_ptr<MetricsExposer> metrics_;
};

}  // namespace aggr
