#include "controlplane/router.h"

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <stdexcept>
#include <thread>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "controlplane/config_apply.h"
#include "controlplane/log.h"
#include "controlplane/management/api_server.h"
#include "controlplane/management/telemetry.h"
#include "controlplane/metrics/metrics.h"
#include "dataplane/mbuf_pool.h"
#include "dataplane/port.h"

namespace aggr {
namespace {

// Frames in flight from one worker to another: a few bursts' worth per loop.
constexpr unsigned kMeterTransferRingSize = 2048;

bool has_option(const std::vector<std::string>& args, const std::string& option) {
  for (const std::string& a : args)
    if (a == option || a.rfind(option + "=", 0) == 0) return true;
  return false;
}

}  // namespace

std::vector<std::string> eal_arguments(const RouterConfig& c, const RunOptions& options) {
  std::vector<std::string> args = {"aggrd"};
  std::vector<std::string> given = c.eal_args;
  given.insert(given.end(), options.extra_eal_args.begin(), options.extra_eal_args.end());
  if (!has_option(given, "-l") && !has_option(given, "--lcores") && !has_option(given, "-c")) {
    std::string lcores = "0";
    for (unsigned l : c.worker_lcores) lcores += "," + std::to_string(l);
    args.insert(args.end(), {"-l", lcores, "--main-lcore", "0"});
  }
  if (!has_option(given, "--file-prefix")) args.push_back("--file-prefix=aggrd-" + c.name);
  for (const PortConfig& p : c.ports) {
    if (is_pci_address(p.device))
      args.insert(args.end(), {"-a", p.device});
    else
      args.push_back("--vdev=" + p.device);
  }
  args.insert(args.end(), given.begin(), given.end());
  return args;
}

Router::Router(RouterConfig config, RunOptions options)
    : config_(std::move(config)), options_(std::move(options)) {}

Router::~Router() {
  // Services first: their threads post work that needs everything below.
  // Closing the queue first answers their waiting requests at once.
  commands_.close();
  unregister_telemetry();
  management_.reset();
  metrics_.reset();
  if (!workers_.empty()) {
    workers_stop_.store(true);
    join_workers();
  }
  rib_.reset();
  tables_.reset();
  transfer_rings_.reset();
  for (uint16_t port : port_ids_) close_port(port);
  if (pool_ != nullptr) rte_mempool_free(pool_);
  if (eal_ready_) rte_eal_cleanup();
}

void Router::start() {
  load_token();
  std::vector<std::string> args = eal_arguments(config_, options_);
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  std::string joined;
  for (const std::string& a : args) joined += " " + a;
  log_info("EAL arguments:" + joined);
  if (rte_eal_init(int(argv.size()), argv.data()) < 0)
    throw std::runtime_error(std::string("EAL initialisation failed: ") + rte_strerror(rte_errno));
  eal_ready_ = true;
  for (unsigned lcore : config_.worker_lcores)
    if (!rte_lcore_is_enabled(lcore))
      throw std::runtime_error("worker lcore " + std::to_string(lcore) + " is not enabled in EAL");

  unsigned workers = unsigned(config_.worker_lcores.size());
  pool_ = create_mbuf_pool("aggr_mbufs", config_.mbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, int(rte_socket_id()));
  if (pool_ == nullptr) throw std::runtime_error("cannot create the mbuf pool: " + std::string(rte_strerror(rte_errno)));

  TableLimits limits = config_.limits;
  limits.max_workers = std::max(limits.max_workers, workers);
  tables_ = std::make_unique<Tables>(limits);
  tables_->ttl_model = config_.ttl_model;
  register_transfer_field();
  if (workers > 1) transfer_rings_ = std::make_unique<MeterTransferRings>(workers, kMeterTransferRingSize);
  std::vector<unsigned> owners = port_owner_workers(config_);
  for (const PortConfig& p : config_.ports) {
    PortSetup setup{p.name, p.device, 1, uint16_t(workers), 1024, 1024, p.mtu};
    OpenedPort opened = open_port(setup, pool_);
    port_ids_.push_back(opened.port_id);
    tables_->ports[opened.port_id] = port_attributes(p, opened.mac, owners[port_ids_.size() - 1]);
    log_info("port " + p.name + ": DPDK port " + std::to_string(opened.port_id) + ", " +
             (p.role == PortRole::kAccess ? "access" : "core") + ", mtu " + std::to_string(p.mtu));
  }

  counters_ = std::make_unique<CounterSet>(workers, limits.isps, limits.subscribers);
  rib_ = std::make_unique<Rib>(*tables_);
  rib_->attach_counters(counters_.get());
  auto started = std::chrono::steady_clock::now();
  std::vector<std::string> failures = apply_config(config_, port_ids_, *rib_);
  if (!failures.empty()) {
    std::string all;
    for (const std::string& f : failures) all += "\n  " + f;
    throw std::runtime_error("the configuration could not be installed:" + all);
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  log_info("configuration installed: " + std::to_string(config_.isps.size()) + " ISPs, " +
           std::to_string(config_.subscribers.size()) + " subscribers, " +
           std::to_string(config_.local_labels.size()) + " local labels in " + std::to_string(seconds) + " s");
  launch_workers();
  busy_ratio_.assign(workers, 0.0);
  last_cycles_.assign(workers, {0, 0});
  if (options_.services) start_services();
}

void Router::start_services() {
  if (config_.management.listen.enabled) {
    management_ = std::make_unique<ManagementServer>(*this, config_.management.listen);
    log_info("management API on http://" + config_.management.listen.to_string() +
             (token_.empty() ? " (read only: no management.token_file)" : ""));
  }
  if (config_.metrics.listen.enabled) {
    metrics_ = std::make_unique<MetricsExposer>(*this, config_.metrics.listen);
    log_info("Prometheus metrics on http://" + config_.metrics.listen.to_string() + "/metrics");
  }
  register_telemetry(this);
}

void Router::load_token() {
  token_.clear();
  const std::string& file = config_.management.token_file;
  if (file.empty()) return;
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read the management token file " + file);
  std::getline(in, token_);
  while (!token_.empty() && (token_.back() == '\r' || token_.back() == ' ')) token_.pop_back();
  if (token_.size() < 16) throw std::runtime_error("the management token in " + file + " is shorter than 16 characters");
}

bool Router::token_matches(const std::string& token) const {
  if (token_.empty() || token.size() != token_.size()) return false;
  unsigned char differences = 0;
  for (size_t i = 0; i < token.size(); ++i) differences |= (unsigned char)(token[i] ^ token_[i]);
  return differences == 0;
}

const ReloadRecord& Router::reload() {
  ReloadRecord record;
  record.generation = last_reload_.generation;
  record.succeeded = last_reload_.succeeded;
  record.failed = last_reload_.failed;
  auto fail = [&](std::vector<std::string> errors) -> const ReloadRecord& {
    record.ok = false;
    record.errors = std::move(errors);
    ++record.failed;
    log_error("reload of " + config_.file + " refused; still running generation " +
              std::to_string(record.generation) + ":");
    for (const std::string& e : record.errors) log_error("  " + e);
    last_reload_ = std::move(record);
    return last_reload_;
  };
  log_info("reloading " + config_.file);
  LoadResult loaded = load_config(config_.file);
  if (!loaded.ok()) {
    std::vector<std::string> errors;
    for (const ConfigError& e : loaded.errors) errors.push_back(e.to_string());
    return fail(std::move(errors));
  }
  std::vector<std::string> restart = restart_required(config_, loaded.config);
  if (!restart.empty()) return fail(std::move(restart));
  // The token file is read before anything is applied, so that a bad one
  // refuses the reload as a whole.
  std::string previous_token = token_, previous_token_file = config_.management.token_file;
  auto restore_token = [&] {
    token_ = previous_token;
    config_.management.token_file = previous_token_file;
  };
  config_.management.token_file = loaded.config.management.token_file;
  try {
    load_token();
  } catch (const std::exception& e) {
    restore_token();
    return fail({e.what()});
  }
  ConfigChanges changes;
  auto started = std::chrono::steady_clock::now();
  Status applied = apply_config_difference(config_, loaded.config, port_ids_, *rib_, &changes);
  if (!applied.ok()) {
    restore_token();
    return fail({"could not apply, nothing changed: " + applied.error});
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  config_ = std::move(loaded.config);
  configure_logging(config_.logging);
  record.ok = true;
  record.generation += 1;
  record.changes = changes.describe();
  ++record.succeeded;
  last_reload_ = std::move(record);
  log_info("configuration generation " + std::to_string(last_reload_.generation) + " applied in " +
           std::to_string(seconds) + " s: " + last_reload_.changes);
  return last_reload_;
}

void Router::sample_workers() {
  for (unsigned w = 0; w < busy_ratio_.size(); ++w) {
    const WorkerCounters& c = counters_->worker(w);
    uint64_t cycles = c.cycles.get(), busy = c.busy_cycles.get();
    uint64_t d_cycles = cycles - last_cycles_[w].first, d_busy = busy - last_cycles_[w].second;
    busy_ratio_[w] = d_cycles == 0 ? 0.0 : double(d_busy) / double(d_cycles);
    last_cycles_[w] = {cycles, busy};
  }
}

void Router::launch_workers() {
  std::vector<unsigned> port_workers = config_.port_workers();
  for (unsigned w = 0; w < config_.worker_lcores.size(); ++w) {
    WorkerSetup setup;
    setup.index = w;
    setup.idle_polls = config_.idle_polls;
    setup.idle_sleep_us = config_.idle_sleep_us;
    setup.transfer_rings = transfer_rings_.get();
    for (size_t p = 0; p < config_.ports.size(); ++p)
      if (port_workers[p] == config_.worker_lcores[w]) setup.rx.push_back({port_ids_[p], 0});
    workers_.push_back(std::make_unique<Worker>(setup, *tables_, counters_->worker(w), workers_stop_));
  }
  for (unsigned w = 0; w < workers_.size(); ++w) {
    if (rte_eal_remote_launch(Worker::launch, workers_[w].get(), config_.worker_lcores[w]) != 0)
      throw std::runtime_error("cannot launch the worker on lcore " + std::to_string(config_.worker_lcores[w]));
    log_info("worker " + std::to_string(w) + " running on lcore " + std::to_string(config_.worker_lcores[w]));
  }
}

void Router::join_workers() {
  for (unsigned lcore : config_.worker_lcores) rte_eal_wait_lcore(lcore);
  workers_.clear();
}

uint64_t Router::received_packets() const {
  uint64_t n = 0;
  for (uint16_t port : port_ids_) n += counters_->port_rx(port).packets;
  return n;
}

void Router::run() {
  using clock = std::chrono::steady_clock;
  auto started = clock::now();
  auto last_activity = started;
  auto last_sample = started;
  uint64_t last_received = 0;
  while (!stop_requested_.load()) {
    commands_.wait(std::chrono::milliseconds(10));
    commands_.run_pending();
    if (reload_requested_.exchange(false)) reload();
    rib_->reclaim();
    auto now = clock::now();
    if (now - last_sample >= std::chrono::seconds(1)) {
      sample_workers();
      last_sample = now;
    }
    uint64_t received = received_packets();
    if (received != last_received) {
      last_received = received;
      last_activity = now;
    }
    if (options_.duration_s > 0 && std::chrono::duration<double>(now - started).count() >= options_.duration_s) break;
    if (options_.exit_idle_s > 0 && std::chrono::duration<double>(now - last_activity).count() >= options_.exit_idle_s)
      break;
  }
  commands_.close();
  workers_stop_.store(true);
  join_workers();
}

}  // namespace aggr
