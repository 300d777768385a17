#include "controlplane/control_plane.h"

#include <net/if.h>

#include <stdexcept>

#include "controlplane/broker_client/broker_client.h"
#include "controlplane/config_apply.h"
#include "controlplane/ldp/speaker.h"
#include "controlplane/log.h"
#include "controlplane/management/api_server.h"
#include "controlplane/management/telemetry.h"
#include "controlplane/metrics/metrics.h"
#include "controlplane/config/token_file.h"
#include "controlplane/next_hop_resolver.h"

namespace aggr {

namespace {

// A credential from the first line of `file` (`what` names it in errors).
std::string token_from(const std::string& file, const std::string& what) {
  std::string token;
  if (Status s = read_token_file(file, what, file, &token); !s.ok()) throw std::runtime_error(s.error);
  return token;
}

// Once installed, the file's ISPs, labels and subscribers live in the RIB,
// the one owner of running state; the copy here would only go stale.
void keep_settings_only(RouterConfig& config) {
  config.isps = {};
  config.subscribers = {};
  config.local_labels = {};
}

}  // namespace

ControlPlane::ControlPlane(RouterConfig config) : config_(std::move(config)) { load_token(); }

ControlPlane::~ControlPlane() { stop_services(); }

void ControlPlane::install(Tables& tables, CounterSet& counters, std::vector<uint16_t> port_ids) {
  counters_ = &counters;
  port_ids_ = std::move(port_ids);
  rib_ = std::make_unique<Rib>(tables);
  rib_->attach_counters(&counters);
  for (size_t i = 0; i < config_.ports.size(); ++i) rib_->name_port(port_ids_[i], config_.ports[i].name);
  auto started = std::chrono::steady_clock::now();
  // Installing is reconciling an empty RIB with the file.
  if (Status s = reconcile_config(config_, port_ids_, *rib_); !s.ok())
    throw std::runtime_error("the configuration could not be installed: " + s.error);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  log_info("configuration installed: " + std::to_string(config_.isps.size()) + " ISPs, " +
           std::to_string(config_.subscribers.size()) + " subscribers, " +
           std::to_string(config_.local_labels.size()) + " local labels in " + std::to_string(seconds) + " s");
  follow_neighbours();
  start_ldp(config_);
  keep_settings_only(config_);
  busy_ratio_.assign(counters.workers(), 0.0);
  last_cycles_.assign(counters.workers(), {0, 0});
}

void ControlPlane::stop_protocols() {
  if (!ldp_) return;
  ldp_->shutdown();
  // What the kernel still has to send leaves through the mirrors within a
  // few polls; nothing waits for the peers' answers.
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
  while (std::chrono::steady_clock::now() < until) poll(std::chrono::milliseconds(10));
  ldp_.reset();
}

namespace {

// The ports LDP speaks on, as the speaker needs them: each mirror's kernel
// interface and its addresses.
std::vector<ldp::SpeakerInterface> ldp_interfaces(const RouterConfig& config) {
  std::vector<ldp::SpeakerInterface> interfaces;
  for (const std::string& name : config.ldp.interfaces) {
    const PortConfig* port = config.port(name);  // validated: a core port whose mirror has an IPv4 address
    ldp::SpeakerInterface i{name, if_nametoindex(port->mirror->interface.c_str()), {}, {}};
    for (IpPrefix a : port->mirror->addresses) {
      a.length = a.family == 4 ? 32 : 128;  // the interface's address, not its subnet
      if (a.family == 4 && i.address.length == 0) i.address = a;  // the first IPv4 one sources Hellos
      i.addresses.push_back(a);
    }
    if (i.ifindex == 0) throw std::runtime_error("LDP interface " + name + ": no mirror interface " + port->mirror->interface);
    interfaces.push_back(i);
  }
  return interfaces;
}

}  // namespace

void ControlPlane::start_ldp(const RouterConfig& config) {
  if (!config.ldp.enabled) return;
  ldp_ = std::make_unique<ldp::Speaker>(config.ldp, ldp_interfaces(config), *rib_, ldp::fec_policy(config));
}

bool ControlPlane::restart_ldp(const RouterConfig& next) {
  if (ldp_) {
    log_info("LDP: a new identity; every session ends and the speaker starts again");
    ldp_->withdraw();
    // Its sessions end with a Shutdown each as it goes; the workers, which
    // go on, carry what the kernel still sends out of the mirrors. Not
    // stop_protocols(): that polls, and a reload may be running from a poll.
    ldp_.reset();
  }
  try {
    start_ldp(next);
    return true;
  } catch (const std::exception& e) {
    log_error("LDP could not start as configured now: " + std::string(e.what()) + "; it runs as before");
  }
  // The previous identity over the new configuration's FECs (config_ keeps
  // no ISPs: keep_settings_only).
  RouterConfig previous = next;
  previous.ldp = config_.ldp;
  try {
    start_ldp(previous);
  } catch (const std::exception& e) {
    log_error("LDP could not start again as before either: " + std::string(e.what()) + "; it is off");
  }
  return false;
}

void ControlPlane::follow_neighbours() {
  std::map<unsigned, uint16_t> port_by_ifindex;
  for (size_t i = 0; i < config_.ports.size(); ++i) {
    const PortConfig& port = config_.ports[i];
    if (!port.mirror) continue;
    const unsigned ifindex = if_nametoindex(port.mirror->interface.c_str());
    if (ifindex == 0)
      throw std::runtime_error("port " + port.name + ": no mirror interface " + port.mirror->interface);
    port_by_ifindex[ifindex] = port_ids_[i];
  }
  if (!port_by_ifindex.empty()) next_hops_ = std::make_unique<NextHopResolver>(*rib_, std::move(port_by_ifindex));
}

void ControlPlane::start_services() {
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
  if (config_.broker.enabled) {
    broker_client_ = std::make_unique<BrokerClient>(*this, config_.broker,
                                                    token_from(config_.broker.token_file, "broker token"));
    log_info("broker client: router " + config_.broker.router + " of aggr-broker at http://" +
             config_.broker.server.to_string());
  }
}

void ControlPlane::report_to_broker_last() {
  if (broker_client_) broker_client_->last_report();
}

void ControlPlane::stop_services() {
  // Closing the queue first answers the services' waiting requests at once.
  commands_.close();
  broker_client_.reset();
  unregister_telemetry();
  management_.reset();
  metrics_.reset();
}

void ControlPlane::poll(std::chrono::milliseconds wait) {
  commands_.wait(wait);
  commands_.run_pending();
  auto now = std::chrono::steady_clock::now();
  if (next_hops_) next_hops_->poll(now);
  if (ldp_) ldp_->poll(now);
  // A lease not renewed ends here: the router reverts by itself, broker or not.
  for (uint64_t contract : rib_->expire_redirects(steady_now_ms()))
    log_info("contract " + std::to_string(contract) + ": lease ended, redirect removed");
  rib_->reclaim();
  if (now - last_sample_ >= std::chrono::seconds(1)) {
    sample_workers();
    last_sample_ = now;
  }
}


void ControlPlane::load_token() {
  token_.clear();
  if (!config_.management.token_file.empty()) token_ = token_from(config_.management.token_file, "management token");
}

bool ControlPlane::token_matches(const std::string& token) const {
  if (token_.empty() || token.size() != token_.size()) return false;
  unsigned char differences = 0;
  for (size_t i = 0; i < token.size(); ++i) differences |= (unsigned char)(token[i] ^ token_[i]);
  return differences == 0;
}

const ReloadRecord& ControlPlane::reload() {
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
  Status applied = reconcile_config(loaded.config, port_ids_, *rib_, &changes);
  if (!applied.ok()) {
    restore_token();
    return fail({"could not apply, nothing changed: " + applied.error});
  }
  if (!same_ldp_identity(config_.ldp, loaded.config.ldp)) {
    if (!restart_ldp(loaded.config)) loaded.config.ldp = config_.ldp;  // what runs; a later reload tries again
  } else if (ldp_) {
    ldp_->reconfigure(loaded.config.ldp, ldp_interfaces(loaded.config));
    ldp_->set_policy(ldp::fec_policy(loaded.config));
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  config_ = std::move(loaded.config);
  keep_settings_only(config_);
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

void ControlPlane::sample_workers() {
  for (unsigned w = 0; w < busy_ratio_.size(); ++w) {
    const WorkerCounters& c = counters_->worker(w);
    uint64_t cycles = c.cycles.get(), busy = c.busy_cycles.get();
    uint64_t d_cycles = cycles - last_cycles_[w].first, d_busy = busy - last_cycles_[w].second;
    busy_ratio_[w] = d_cycles == 0 ? 0.0 : double(d_busy) / double(d_cycles);
    last_cycles_[w] = {cycles, busy};
  }
}

}  // namespace aggr
