#include "controlplane/cpe/cpe_agent.h"

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <fstream>

#include "controlplane/broker_client/broker_wire.h"
#include "controlplane/cpe/status_server.h"
#include "controlplane/log.h"
#include "controlplane/netlink/interface_setup.h"

namespace aggr::cpe {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

using broker_wire::kLongPollMs;
using broker_wire::kRetry;
using broker_wire::system_now_ms;

uint64_t read_counter(const std::string& interface, const char* name) {
  std::ifstream in("/sys/class/net/" + interface + "/statistics/" + name);
  uint64_t value = 0;
  in >> value;
  return value;
}

void write_sysctl(const std::string& path, const std::string& value) {
  std::ofstream out("/proc/sys/" + path);
  out << value;
  if (!out.flush()) throw std::runtime_error("cannot set " + path + " to " + value);
}

std::unique_ptr<httplib::Client> client_for(const CpeConfig& c, std::chrono::seconds read_timeout) {
  auto client = std::make_unique<httplib::Client>(c.broker_host, c.broker_port);
  client->set_connection_timeout(std::chrono::seconds(2));
  client->set_read_timeout(read_timeout);
  client->set_write_timeout(std::chrono::seconds(5));
  return client;
}

const char* direction_name(Direction d) {
  switch (d) {
    case Direction::kDown: return "down";
    case Direction::kUp: return "up";
    case Direction::kBoth: return "both";
  }
  return "both";
}

// A kernel change made; a failure is logged, and made again next interval.
bool done(const Status& s) {
  if (!s.ok()) log_error("aggr-cpe: " + s.error);
  return s.ok();
}

std::string describe(const std::vector<RouteNextHop>& hops) {
  std::string out;
  for (const RouteNextHop& h : hops)
    out += (out.empty() ? "" : ", ") + format_address(h.gateway) + " dev " + h.interface + " weight " +
           std::to_string(h.weight);
  return out;
}

}  // namespace

CpeAgent::CpeAgent(CpeConfig config, std::string token)
    : config_(std::move(config)),
      token_(std::move(token)),
      meter_(config_.down_bps, config_.up_bps, config_.borrow.saturation, config_.borrow.saturated_for_ms),
      started_ms_(system_now_ms()),
      poll_client_(client_for(config_, broker_wire::kLongPollReadTimeout)),
      call_client_(client_for(config_, std::chrono::seconds(10))) {}

CpeAgent::~CpeAgent() {
  stopping_ = true;
  changed_.notify_all();
  poll_client_->stop();
  if (instructions_thread_.joinable()) instructions_thread_.join();
}

CpeAgent::Reply CpeAgent::call(httplib::Client& client, const std::string& method, const std::string& path,
                               const json& body, const std::string& key) {
  httplib::Headers headers = {{"Authorization", "Bearer " + token_}};
  if (!key.empty()) headers.emplace("Idempotency-Key", key);
  httplib::Result r = method == "GET" ? client.Get(path, headers) : client.Post(path, headers, body.dump(), "application/json");
  broker_reachable_ = bool(r);
  if (!r) return {};
  broker_answered_at_ms_ = system_now_ms();
  json parsed = json::parse(r->body, nullptr, false);
  return {r->status, parsed.is_discarded() ? json() : parsed};
}

void CpeAgent::follow_instructions() {
  uint64_t version = 0;
  bool lost = false;
  while (!stopping_) {
    Reply r = call(*poll_client_, "GET",
                   "/v1/instructions?since=" + std::to_string(version) + "&wait_ms=" + std::to_string(kLongPollMs),
                   nullptr, "");
    if (stopping_) return;
    if (r.status == 0) {
      lost = true;
    } else if (lost) {
      lost = false;
      announce_again_ = true;
    }
    std::vector<DeviceContract> contracts;
    std::vector<std::string> errors;
    if (r.status != 200 || !r.body.is_object() || !r.body["version"].is_number_unsigned()) {
      if (r.status != 0) log_warning("aggr-cpe: the broker answered instructions with " + std::to_string(r.status) + ": " + r.body.dump());
      std::this_thread::sleep_for(kRetry);
      continue;
    }
    if (!parse_device_instructions(r.body["instructions"], &contracts, &errors)) {
      for (const std::string& e : errors) log_error("aggr-cpe: " + e);
      std::this_thread::sleep_for(kRetry);
      continue;
    }
    version = r.body["version"];
    {
      std::lock_guard lock(mutex_);
      contracts_ = std::move(contracts);
      contracts_changed_ = true;
    }
    changed_.notify_all();
  }
}

std::vector<DeviceContract> CpeAgent::in_force(int64_t now) {
  std::lock_guard lock(mutex_);
  std::vector<DeviceContract> out;
  for (const DeviceContract& c : contracts_)
    if (c.lease_expires_at_ms > now) out.push_back(c);
  return out;
}

void CpeAgent::measure(int64_t now) {
  rx_bytes_ = read_counter(config_.wan_interface, "rx_bytes");
  tx_bytes_ = read_counter(config_.wan_interface, "tx_bytes");
  meter_.observe(now, rx_bytes_, tx_bytes_);
}

void CpeAgent::announce() {
  if (config_.sync_down_bps == 0 && config_.sync_up_bps == 0 && !config_.lend_down_bps && !config_.lend_up_bps) {
    announced_ = true;
    return;
  }
  json body = {{"down_sync_bps", config_.sync_down_bps}, {"up_sync_bps", config_.sync_up_bps}};
  if (config_.lend_down_bps) body["lend_down_bps"] = *config_.lend_down_bps;
  if (config_.lend_up_bps) body["lend_up_bps"] = *config_.lend_up_bps;
  // A key of its own each time: a broker that restarted remembers the
  // first answer, not the announcement, and would replay it unheard.
  Reply r = call(*call_client_, "POST", "/v1/lines/" + config_.subscriber + "/announce", body,
                 config_.subscriber + "-announce-" + std::to_string(started_ms_) + "-" + std::to_string(announcements_ + 1));
  if (r.status == 0) return;  // the broker is away: next interval
  ++announcements_;
  announced_ = true;
  if (r.status == 200) log_info("aggr-cpe: announced the line to the broker: " + body.dump());
  else log_error("aggr-cpe: the broker refused the announcement (" + std::to_string(r.status) + "): " + r.body.dump());
}

void CpeAgent::renew(const DeviceContract& c, int64_t now) {
  const BorrowPolicy& b = config_.borrow;
  const int64_t renew_before = std::min<int64_t>(b.duration_ms / 4, 30'000);
  const bool busy = meter_.saturated_down(now) || meter_.saturated_up(now);
  if (c.expires_at_ms - now > renew_before || !busy || now < next_request_at_) return;
  const std::string key = c.id + "-renew-" + std::to_string(c.epoch) + "-" + std::to_string(++grant_requests_);
  Reply r = call(*call_client_, "POST", "/v1/contracts/" + c.id + "/renew", {{"duration_s", b.duration_ms / 1000}}, key);
  if (r.status == 200) {
    ++grants_.renewed;
    log_info("aggr-cpe: contract " + c.id + " renewed for " + std::to_string(b.duration_ms / 1000) + " s");
  } else {
    next_request_at_ = now + kRetry.count();
  }
}

void CpeAgent::borrow(int64_t now) {
  const BorrowPolicy& b = config_.borrow;
  if (!b.enabled || b.desired_bps == 0) return;
  for (const DeviceContract& c : in_force(now))
    if (c.borrower) return renew(c, now);
  if (now < next_request_at_) return;
  if (!pending_grant_key_) {
    const bool down = meter_.saturated_down(now), up = meter_.saturated_up(now);
    const bool wanted = b.direction == Direction::kDown ? down : b.direction == Direction::kUp ? up : down || up;
    if (!wanted) return;
    pending_grant_key_ = config_.subscriber + "-grant-" + std::to_string(started_ms_) + "-" + std::to_string(++grant_requests_);
  }
  // Sent again with the same key until the broker answers: granted once at most.
  const json body = {{"subscriber", config_.subscriber}, {"min_bps", b.min_bps},
                     {"desired_bps", b.desired_bps},     {"direction", direction_name(b.direction)},
                     {"interruptible", b.interruptible}, {"duration_s", b.duration_ms / 1000}};
  Reply r = call(*call_client_, "POST", "/v1/grants", body, *pending_grant_key_);
  if (r.status == 0) return;
  pending_grant_key_.reset();
  next_request_at_ = now + b.retry_ms;
  ++(r.status == 201 ? grants_.granted : grants_.refused);
  if (r.status == 201)
    log_info("aggr-cpe: the line is saturated; granted contract " + r.body.value("id", std::string("?")) + " from " +
             r.body.value("donor", std::string("?")));
  else
    log_warning("aggr-cpe: the line is saturated; no grant (" + std::to_string(r.status) + "): " + r.body.dump());
}

void CpeAgent::apply(const RoutePlan& plan) {
  for (const std::string& p : plan.problems)
    if (std::find(reported_problems_.begin(), reported_problems_.end(), p) == reported_problems_.end()) {
      log_warning("aggr-cpe: " + p);
      reported_problems_.push_back(p);
    }
  if (routes_set_ && plan == applied_) return;
  // A link before the routes over it; after them, when it goes.
  bool complete = set_links(plan, true);
  auto check = [&](const Status& s) { complete &= done(s); };
  for (const auto& [prefix, hop] : applied_.carried)
    if (!plan.carried.count(prefix)) {
      check(delete_route(prefix));
      log_info("aggr-cpe: no longer carrying " + format_prefix(prefix));
    }
  for (const auto& [prefix, hop] : plan.carried) {
    auto was = applied_.carried.find(prefix);
    if (!routes_set_ || was == applied_.carried.end() || !(was->second == hop)) {
      check(replace_route(prefix, {hop}));
      log_info("aggr-cpe: carrying " + format_prefix(prefix) + " via " + describe({hop}));
    }
  }
  if (!routes_set_ || plan.default_route != applied_.default_route) {
    IpPrefix any;
    any.family = config_.wan_gateway.family;
    check(replace_route(any, plan.default_route));
    log_info("aggr-cpe: default route via " + describe(plan.default_route));
  }
  if (!set_links(plan, false)) complete = false;
  applied_ = plan;
  routes_set_ = complete;  // anything left undone is done again next interval
}

bool CpeAgent::set_links(const RoutePlan& plan, bool up) {
  bool complete = true;
  auto check = [&](const Status& s) { complete &= done(s); };
  for (const ThirdLinkConfig& l : config_.third_links) {
    const bool wanted = plan.links_up.count(l.interface) > 0;
    if (!l.address || wanted != up) continue;
    if (routes_set_ && applied_.links_up.count(l.interface) == size_t(wanted)) continue;
    if (up) {
      check(set_interface_up(l.interface));
      check(add_interface_address(l.interface, *l.address));
      log_info("aggr-cpe: third link to " + l.peer + " up: " + format_prefix(*l.address) + " on " + l.interface);
    } else {
      check(remove_interface_address(l.interface, *l.address));
      check(set_interface_down(l.interface));
      log_info("aggr-cpe: third link to " + l.peer + " down (" + l.interface + ")");
    }
  }
  return complete;
}

void CpeAgent::publish_status(int64_t now) {
  CpeStatus s;
  s.subscriber = config_.subscriber;
  s.at_ms = now;
  s.plan_down_bps = config_.down_bps;
  s.plan_up_bps = config_.up_bps;
  s.rx_bytes = rx_bytes_;
  s.tx_bytes = tx_bytes_;
  s.rates = meter_.rates();
  s.saturated_down = meter_.saturated_down(now);
  s.saturated_up = meter_.saturated_up(now);
  s.contracts = in_force(now);
  for (const ThirdLinkConfig& l : config_.third_links) {
    const bool in_use = std::any_of(s.contracts.begin(), s.contracts.end(), [&](const DeviceContract& c) { return c.peer == l.peer; });
    s.third_links.push_back({l.peer, l.interface, l.address.has_value(), in_use});
  }
  s.routes = applied_;
  s.routes_complete = routes_set_;
  s.broker_reachable = broker_reachable_;
  s.broker_answered_at_ms = broker_answered_at_ms_;
  s.grants = grants_;
  std::lock_guard lock(status_mutex_);
  status_ = std::move(s);
}

CpeStatus CpeAgent::status() const {
  std::lock_guard lock(status_mutex_);
  return status_;
}

void CpeAgent::run(const std::atomic<bool>& stop) {
  // A router of the customer's hosts: it forwards, spreads a multipath
  // route's flows by their ports, and takes packets from a third link whose
  // sources it reaches another way (loose reverse-path filtering).
  write_sysctl("net/ipv4/conf/all/forwarding", "1");
  write_sysctl("net/ipv4/fib_multipath_hash_policy", "1");
  for (const ThirdLinkConfig& l : config_.third_links) write_sysctl("net/ipv4/conf/" + l.interface + "/rp_filter", "2");
  publish_status(system_now_ms());
  if (config_.status_listen) {
    const auto& [host, port] = *config_.status_listen;
    status_server_ = std::make_unique<StatusServer>(host, port, [this] { return status(); });
    log_info("aggr-cpe: status on http://" + host + ":" + std::to_string(port) + "/v1/status and /metrics");
  }
  instructions_thread_ = std::thread([this] { follow_instructions(); });
  log_info("aggr-cpe: subscriber " + config_.subscriber + " on " + config_.wan_interface + ", broker " +
           config_.broker_host + ":" + std::to_string(config_.broker_port));
  int64_t next_measure_at = 0;
  while (!stop) {
    const int64_t now = system_now_ms();
    // On the interval only: a wake-up for new instructions would measure
    // a sliver of time, in which a shaped line's bursts look like anything.
    if (now >= next_measure_at) {
      measure(now);
      next_measure_at = now + config_.measure_interval_ms;
    }
    if (announce_again_.exchange(false)) announced_ = false;
    if (!announced_) announce();
    apply(plan_routes(config_, in_force(now)));
    borrow(now);
    publish_status(now);
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, milliseconds(config_.measure_interval_ms), [&] { return contracts_changed_ || stop; });
    contracts_changed_ = false;
  }
  log_info("aggr-cpe: stopping; the routes go back to the own line");
  apply(plan_routes(config_, {}));
  status_server_.reset();
}

}  // namespace aggr::cpe
