// The router process's lifecycle: EAL, the mbuf pool, ports, tables and
// workers, and the loop on the main lcore that runs the control plane
// (controlplane/control_plane.h), which owns every table change.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "controlplane/config/config.h"
#include "controlplane/control_plane.h"
#include "controlplane/exception_path.h"
#include "dataplane/counters.h"
#include "dataplane/worker.h"

struct rte_mempool;

namespace aggr {

struct RunOptions {
  std::vector<std::string> extra_eal_args;  // appended after the config's
  double duration_s = 0;   // stop after this long; 0: run until signalled
  double exit_idle_s = 0;  // stop once no port received for this long; 0: never
  bool services = true;    // management API, metrics and telemetry per the config
};

// EAL argument vector for a configuration (argv[0] included).
std::vector<std::string> eal_arguments(const RouterConfig& config, const RunOptions& options);

class Router {
 public:
  Router(RouterConfig config, RunOptions options);
  ~Router();

  // Initializes EAL, opens ports, builds the tables, has the control plane
  // install the configuration, starts workers and the control plane's
  // services. Throws std::runtime_error.
  void start();
  // Runs the control-plane loop until stop() or a run option ends it.
  void run();
  // Async-signal-safe (atomic stores): for SIGTERM and SIGHUP handlers.
  void stop() { stop_requested_.store(true); }
  void request_reload() { reload_requested_.store(true); }

  ControlPlane& control() { return *control_; }
  const ControlPlane& control() const { return *control_; }

 private:
  const RouterConfig& config() const { return control_->config(); }
  void launch_workers();
  // Kernel mirrors of the ports that have one, and the punt rates.
  void open_mirrors();
  void join_workers();
  uint64_t received_packets() const;

  RunOptions options_;
  std::unique_ptr<ControlPlane> control_;  // first built, so that a bad token file stops the start
  bool eal_ready_ = false;
  rte_mempool* pool_ = nullptr;
  std::vector<uint16_t> port_ids_;
  std::unique_ptr<Tables> tables_;
  std::unique_ptr<CounterSet> counters_;
  std::unique_ptr<MeterTransferRings> transfer_rings_;
  std::unique_ptr<MirrorRings> mirror_rings_;
  std::unique_ptr<ExceptionPath> exception_path_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::atomic<bool> workers_stop_{false};
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> reload_requested_{false};
};

}  // namespace aggr
