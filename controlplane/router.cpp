#include "controlplane/router.h"

#include <unistd.h>

#include <chrono>
#include <cstring>
#include <stdexcept>
#include <thread>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "controlplane/config_apply.h"
#include "controlplane/log.h"
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
    : options_(std::move(options)), control_(std::make_unique<ControlPlane>(std::move(config))) {}

Router::~Router() {
  // Services first: their threads post work that needs everything below.
  control_->stop_services();
  if (!workers_.empty()) {
    workers_stop_.store(true);
    join_workers();
  }
  exception_path_.reset();
  mirror_rings_.reset();
  control_.reset();
  tables_.reset();
  transfer_rings_.reset();
  for (uint16_t port : port_ids_) close_port(port);
  if (pool_ != nullptr) rte_mempool_free(pool_);
  if (eal_ready_) rte_eal_cleanup();
}

void Router::start() {
  const RouterConfig& c = config();
  std::vector<std::string> args = eal_arguments(c, options_);
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  std::string joined;
  for (const std::string& a : args) joined += " " + a;
  log_info("EAL arguments:" + joined);
  if (rte_eal_init(int(argv.size()), argv.data()) < 0)
    throw std::runtime_error(std::string("EAL initialisation failed: ") + rte_strerror(rte_errno));
  eal_ready_ = true;
  for (unsigned lcore : c.worker_lcores)
    if (!rte_lcore_is_enabled(lcore))
      throw std::runtime_error("worker lcore " + std::to_string(lcore) + " is not enabled in EAL");

  unsigned workers = unsigned(c.worker_lcores.size());
  pool_ = create_mbuf_pool("aggr_mbufs", c.mbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, int(rte_socket_id()));
  if (pool_ == nullptr) throw std::runtime_error("cannot create the mbuf pool: " + std::string(rte_strerror(rte_errno)));

  TableLimits limits = c.limits;
  limits.max_workers = std::max(limits.max_workers, workers);
  tables_ = std::make_unique<Tables>(limits);
  configure_tables(c, *tables_);
  register_transfer_field();
  if (workers > 1) transfer_rings_ = std::make_unique<MeterTransferRings>(workers, kMeterTransferRingSize);
  std::vector<unsigned> owners = port_owner_workers(c);
  for (const PortConfig& p : c.ports) {
    PortSetup setup{p.name, p.device, 1, uint16_t(workers), 1024, 1024, p.mtu};
    OpenedPort opened = open_port(setup, pool_);
    port_ids_.push_back(opened.port_id);
    tables_->ports[opened.port_id] = port_attributes(p, opened.mac, owners[port_ids_.size() - 1]);
    log_info("port " + p.name + ": DPDK port " + std::to_string(opened.port_id) + ", " +
             std::string(port_role_name(p.role)) + ", mtu " + std::to_string(p.mtu));
  }
  open_mirrors();

  counters_ = std::make_unique<CounterSet>(workers, limits.isps, limits.subscribers, limits.contracts);
  control_->install(*tables_, *counters_, port_ids_);
  launch_workers();
  if (exception_path_) exception_path_->start();
  if (options_.services) control_->start_services();
}

void Router::open_mirrors() {
  const RouterConfig& c = config();
  for (size_t i = 0; i < c.ports.size(); ++i) {
    const PortConfig& p = c.ports[i];
    if (!p.mirror) continue;
    if (!exception_path_) {
      mirror_rings_ = std::make_unique<MirrorRings>();
      exception_path_ = std::make_unique<ExceptionPath>(*mirror_rings_, pool_);
    }
    const uint16_t port = port_ids_[i];
    PortAttributes& attributes = tables_->ports[port];
    mirror_rings_->add_port(port);
    exception_path_->add_mirror(port, p.name, *p.mirror, attributes.mac, p.mtu);
    attributes.mirrored = true;
    // The router's own addresses there: what an ISP port punts.
    for (const IpPrefix& address : p.mirror->addresses) {
      Ipv6Address v6;
      std::memcpy(v6.bytes, address.bytes, sizeof v6.bytes);
      const bool added = address.family == 4 ? tables_->local_addresses.add_ipv4(address.ipv4_host_order(), 32, port)
                                             : tables_->local_addresses.add_ipv6(v6, 128, port);
      if (!added) throw std::runtime_error("port " + p.name + ": too many mirror addresses");
    }
  }
}

void Router::launch_workers() {
  const RouterConfig& c = config();
  std::vector<unsigned> port_workers = c.port_workers();
  for (unsigned w = 0; w < c.worker_lcores.size(); ++w) {
    WorkerSetup setup;
    setup.index = w;
    setup.idle_polls = c.idle_polls;
    setup.idle_sleep_us = c.idle_sleep_us;
    setup.transfer_rings = transfer_rings_.get();
    setup.mirrors = mirror_rings_.get();
    for (size_t p = 0; p < c.ports.size(); ++p)
      if (port_workers[p] == c.worker_lcores[w]) setup.rx.push_back({port_ids_[p], 0});
    workers_.push_back(std::make_unique<Worker>(setup, *tables_, counters_->worker(w), workers_stop_));
  }
  for (unsigned w = 0; w < workers_.size(); ++w) {
    if (rte_eal_remote_launch(Worker::launch, workers_[w].get(), c.worker_lcores[w]) != 0)
      throw std::runtime_error("cannot launch the worker on lcore " + std::to_string(c.worker_lcores[w]));
    log_info("worker " + std::to_string(w) + " running on lcore " + std::to_string(c.worker_lcores[w]));
  }
}

void Router::join_workers() {
  for (unsigned lcore : config().worker_lcores) rte_eal_wait_lcore(lcore);
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
  uint64_t last_received = 0;
  while (!stop_requested_.load()) {
    control_->poll(std::chrono::milliseconds(10));
    if (reload_requested_.exchange(false)) control_->reload();
    auto now = clock::now();
    uint64_t received = received_packets();
    if (received != last_received) {
      last_received = received;
      last_activity = now;
    }
    if (options_.duration_s > 0 && std::chrono::duration<double>(now - started).count() >= options_.duration_s) break;
    if (options_.exit_idle_s > 0 && std::chrono::duration<double>(now - last_activity).count() >= options_.exit_idle_s)
      break;
  }
  // Protocol peers are told first, while the workers still carry what
  // the kernel sends on the mirrors; the broker last, once nothing counts.
  control_->stop_protocols();
  workers_stop_.store(true);
  join_workers();
  control_->report_to_broker_last();
  control_->stop_services();
}

}  // namespace aggr
