// aggrd's client of aggr-broker: follows the broker's instructions (the
// redirects this router is to have) with a long poll, and reports its
// lines' and contracts' counters every report interval. Two threads of its
// own, which touch the RIB only through the control plane's command queue.
//
// The broker may be down or slow: nothing here blocks forwarding. Leases
// end by themselves in the RIB (ControlPlane::poll), so a router cut off
// from its broker reverts to its plain plans. A report is retried with the
// same idempotency key and body until the broker answers it, so that no
// reading is lost or counted twice; ended contracts keep their slot until
// a report with their last reading is accepted.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "controlplane/config/config.h"

namespace httplib {
class Client;
}

namespace aggr {

class ControlPlane;

struct BrokerClientStatus {
  uint64_t instructions_applied = 0;  // instruction lists applied
  uint64_t instructions_refused = 0;  // instructions the RIB or the parser refused
  uint64_t reports_sent = 0;          // reports the broker answered
  uint64_t report_failures = 0;       // attempts that got no answer or a refusal
  std::string last_error;
};

class BrokerClient {
 public:
  BrokerClient(ControlPlane& control, const BrokerClientConfig& config, std::string token);
  ~BrokerClient();
  BrokerClient(const BrokerClient&) = delete;
  BrokerClient& operator=(const BrokerClient&) = delete;

  BrokerClientStatus status() const;
  // Control-plane thread, once the workers have stopped: stops the
  // periodic reports and sends one last, with every counter final.
  void last_report();

 private:
  void follow_instructions();
  void send_reports();
  // Applies the broker's whole list on the control-plane thread.
  void apply(const nlohmann::json& instructions);
  void note_error(const std::string& error);
  // The report for `sequence`, built on the control-plane thread.
  nlohmann::json build(uint64_t sequence);
  // Sends a report until the broker answers it, `stop_` comes, or (for the
  // last report) the deadline passes; true when the broker accepted it.
  bool send(const nlohmann::json& report, uint64_t sequence, bool last);
  bool sleep_for(std::chrono::milliseconds span);  // false: stopping

  ControlPlane& control_;
  BrokerClientConfig config_;
  std::string token_;
  uint64_t line_epoch_;  // this process's start: a restart reads as a new epoch
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> sequence_{0};  // of the reports built so far
  std::mutex send_mutex_;              // one report on the wire at a time
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  BrokerClientStatus status_;
  // One connection each: the long poll holds its own for seconds at a time.
  std::unique_ptr<httplib::Client> poll_client_;
  std::unique_ptr<httplib::Client> report_client_;
  std::thread instructions_thread_;
  std::thread reports_thread_;
};

}  // namespace aggr
