// aggr-cpe's work: on a subscriber's device, between its hosts and its
// line. Each measuring interval it reads its line's counters, asks the
// broker for bandwidth when the line has been saturated long enough (and
// renews a contract that is about to end while it still is), and keeps
// its routes as the contracts in force want them (route_plan.h). A thread
// of its own follows the broker's instructions for this device by long
// poll, so that a grant is carried at once.
//
// A third link the agent owns is up only while a contract with its peer is
// in force. With `status` configured, a read-only endpoint shows what the
// agent sees and does (status_server.h).
//
// Every contract is a lease: one the broker has not renewed in time is
// dropped here by itself, and the routes revert to the own line, so a
// device cut off from its broker fails safe, as the router does.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "controlplane/cpe/cpe_config.h"
#include "controlplane/cpe/cpe_status.h"
#include "controlplane/cpe/line_meter.h"
#include "controlplane/cpe/route_plan.h"

namespace httplib {
class Client;
}

namespace aggr::cpe {

class StatusServer;

class CpeAgent {
 public:
  CpeAgent(CpeConfig config, std::string token);
  ~CpeAgent();
  CpeAgent(const CpeAgent&) = delete;
  CpeAgent& operator=(const CpeAgent&) = delete;

  // Until `stop` is set (a signal); then the routes revert to the own line.
  // Throws std::runtime_error when the device cannot be set up at all.
  void run(const std::atomic<bool>& stop);

 private:
  struct Reply {
    int status = 0;  // 0: no answer
    nlohmann::json body;
  };
  Reply call(httplib::Client& client, const std::string& method, const std::string& path, const nlohmann::json& body,
             const std::string& key);

  void follow_instructions();
  void measure(int64_t now);
  void announce();
  void borrow(int64_t now);
  void renew(const DeviceContract& c, int64_t now);
  // The contracts whose leases are not over at `now`.
  std::vector<DeviceContract> in_force(int64_t now);
  void apply(const RoutePlan& plan);
  // Owned third links to be `up` in the plan and not yet so (all of them
  // the first time), brought up or down.
  bool set_links(const RoutePlan& plan, bool up);
  void publish_status(int64_t now);
  CpeStatus status() const;

  CpeConfig config_;
  std::string token_;
  LineMeter meter_;
  const int64_t started_ms_;
  std::unique_ptr<httplib::Client> poll_client_, call_client_;
  std::atomic<bool> stopping_{false};
  std::thread instructions_thread_;
  std::atomic<bool> broker_reachable_{false};
  // The poll lost the broker and found it again: it may have restarted,
  // forgetting what was announced.
  std::atomic<bool> announce_again_{false};
  std::atomic<int64_t> broker_answered_at_ms_{0};

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<DeviceContract> contracts_;  // the broker's last list
  bool contracts_changed_ = false;

  // The main loop's own state.
  RoutePlan applied_;
  bool routes_set_ = false;
  bool announced_ = false;
  uint64_t announcements_ = 0;  // numbers the idempotency keys
  uint64_t grant_requests_ = 0;  // numbers the idempotency keys
  std::optional<std::string> pending_grant_key_;  // a request sent and not yet answered
  int64_t next_request_at_ = 0;
  std::vector<std::string> reported_problems_;
  uint64_t rx_bytes_ = 0, tx_bytes_ = 0;
  GrantCounts grants_;

  mutable std::mutex status_mutex_;
  CpeStatus status_;  // the main loop's latest snapshot
  std::unique_ptr<StatusServer> status_server_;
};

}  // namespace aggr::cpe
