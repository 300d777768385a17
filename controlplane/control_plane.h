// The control plane apart from the daemon's lifecycle: the running
// configuration's settings, the RIB (the one owner of forwarding state),
// reloads, the management credential and the services (management API,
// Prometheus metrics, DPDK telemetry), each of which is handed this object
// and nothing of the daemon. Router (EAL, mbuf pool, ports, workers) builds
// one and runs its poll() on the main lcore; other threads post their work
// to commands(), so that everything here has one thread.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "controlplane/command_queue.h"
#include "controlplane/config/config.h"
#include "controlplane/config_diff.h"
#include "controlplane/rib/rib.h"
#include "dataplane/counters.h"

namespace aggr {

namespace ldp {
class Speaker;
}
class ManagementServer;
class MetricsExposer;
class BrokerClient;
class NextHopResolver;

// The outcome of the last reload, as the API and metrics report it.
struct ReloadRecord {
  uint64_t generation = 1;  // 1: the configuration loaded at start
  bool ok = true;
  std::chrono::system_clock::time_point at = std::chrono::system_clock::now();
  std::vector<std::string> errors;  // "file:line:column: message" each
  std::string changes;              // ConfigChanges::describe() when ok
  uint64_t succeeded = 0, failed = 0;
};

class ControlPlane {
 public:
  // Reads the management token first, so that a bad token file stops the
  // daemon before it opens a port. Throws std::runtime_error.
  explicit ControlPlane(RouterConfig config);
  ~ControlPlane();  // the services stop first
  ControlPlane(const ControlPlane&) = delete;
  ControlPlane& operator=(const ControlPlane&) = delete;

  // Builds the RIB over the dataplane's tables and installs the
  // configuration's entries. port_ids[i] is the DPDK port of config().ports[i].
  // Ports' mirrors, if any, exist already: next hops by address are
  // resolved on them.
  // Throws std::runtime_error listing what could not be installed.
  void install(Tables& tables, CounterSet& counters, std::vector<uint16_t> port_ids);
  // The management API, metrics and telemetry, as the configuration asks.
  void start_services();
  // Answers the services' waiting requests at once and stops them.
  void stop_services();
  // Ends the LDP sessions with a Shutdown notification each, and gives
  // the kernel a moment to send them out of the mirrors (the workers must
  // still be forwarding).
  void stop_protocols();
  // With the workers stopped (nothing counts any more): the broker's last
  // report, so that a clean stop leaves no counted byte unbilled.
  void report_to_broker_last();

  // ---- control-plane thread ----
  // Runs posted commands (waiting up to `wait` for one), reclaims retired
  // table memory, and samples the workers' load once a second.
  void poll(std::chrono::milliseconds wait);
  // Reads the configuration file again and applies the difference, or keeps
  // the running configuration and records why not.
  const ReloadRecord& reload();

  // ---- what the services read (control-plane thread) ----
  // The file's settings (ports, workers, listeners, limits): what a reload
  // cannot change. Its ISPs, labels and subscribers are in the RIB.
  const RouterConfig& config() const { return config_; }
  Rib& rib() { return *rib_; }
  // The LDP speaker; nullptr when the configuration has no ldp section.
  const ldp::Speaker* ldp() const { return ldp_.get(); }
  const Rib& rib() const { return *rib_; }
  const CounterSet& counters() const { return *counters_; }
  const std::vector<uint16_t>& port_ids() const { return port_ids_; }
  const ReloadRecord& last_reload() const { return last_reload_; }
  // Share of the last second each worker spent on loops that moved packets.
  double worker_busy_ratio(unsigned worker) const { return busy_ratio_[worker]; }
  // True when `token` is the management token (constant time).
  bool token_matches(const std::string& token) const;
  bool token_configured() const { return !token_.empty(); }

  // Any thread: work for the control-plane thread.
  CommandQueue& commands() { return commands_; }

 private:
  void load_token();
  // Starts resolving next hops by address on the ports' mirrors.
  void follow_neighbours();
  // Starts the LDP speaker on the ports' mirrors, as the ldp section says.
  void start_ldp(const RouterConfig& config);
  // A reload that changes LDP's identity (config_diff.h): the speaker ends
  // its sessions, takes its entries out of the RIB, and one of the new
  // identity starts. False when that one could not start (the previous
  // one is started again).
  bool restart_ldp(const RouterConfig& next);
  void sample_workers();

  RouterConfig config_;
  std::string token_;
  std::unique_ptr<Rib> rib_;
  CounterSet* counters_ = nullptr;
  std::vector<uint16_t> port_ids_;
  CommandQueue commands_;
  ReloadRecord last_reload_;
  std::vector<double> busy_ratio_;
  std::vector<std::pair<uint64_t, uint64_t>> last_cycles_;  // (cycles, busy) per worker
  std::chrono::steady_clock::time_point last_sample_ = std::chrono::steady_clock::now();
  std::unique_ptr<NextHopResolver> next_hops_;  // where ports have mirrors
  std::unique_ptr<ldp::Speaker> ldp_;
  std::unique_ptr<ManagementServer> management_;
  std::unique_ptr<MetricsExposer> metrics_;
  std::unique_ptr<BrokerClient> broker_client_;
};

}  // namespace aggr
