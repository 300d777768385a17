#include "controlplane/broker_client/broker_client.h"

#include <httplib.h>

#include <chrono>
#include <set>

#include "controlplane/broker_client/broker_wire.h"
#include "controlplane/broker_client/instructions.h"
#include "controlplane/control_plane.h"
#include "controlplane/log.h"

namespace aggr {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

using broker_wire::kLongPollMs;
using broker_wire::kRetry;

uint64_t system_now_ms() { return uint64_t(broker_wire::system_now_ms()); }

std::unique_ptr<httplib::Client> client_for(const BrokerClientConfig& config, std::chrono::seconds read_timeout) {
  auto client = std::make_unique<httplib::Client>(config.server.host, config.server.port);
  client->set_connection_timeout(std::chrono::seconds(2));
  client->set_read_timeout(read_timeout);
  client->set_write_timeout(std::chrono::seconds(5));
  return client;
}

// The contracts whose last reading a report carried may let their slots go.
void forget_reported(Rib& rib, const json& report) {
  for (const json& c : report["contracts"])
    if (auto n = broker_client::contract_number(c["contract"].get<std::string>()))
      rib.forget_ended(*n, c["epoch"].get<uint64_t>());
}

}  // namespace

BrokerClient::BrokerClient(ControlPlane& control, const BrokerClientConfig& config, std::string token)
    : control_(control),
      config_(config),
      token_(std::move(token)),
      line_epoch_(system_now_ms()),
      poll_client_(client_for(config, broker_wire::kLongPollReadTimeout)),
      report_client_(client_for(config, std::chrono::seconds(30))) {
  // Ended contracts keep their counters until their last reading is billed.
  control_.commands().call<bool>([this] {
    control_.rib().keep_ended(true);
    return true;
  });
  instructions_thread_ = std::thread([this] { follow_instructions(); });
  reports_thread_ = std::thread([this] { send_reports(); });
}

BrokerClient::~BrokerClient() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  // Ends a long poll or a report under way at once.
  poll_client_->stop();
  report_client_->stop();
  if (instructions_thread_.joinable()) instructions_thread_.join();
  if (reports_thread_.joinable()) reports_thread_.join();
}

BrokerClientStatus BrokerClient::status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

void BrokerClient::note_error(const std::string& error) {
  bool first;
  {
    std::lock_guard lock(mutex_);
    first = status_.last_error != error;
    status_.last_error = error;
  }
  if (first) log_warning("broker client: " + error);
}

bool BrokerClient::sleep_for(milliseconds span) {
  std::unique_lock lock(mutex_);
  return !wake_.wait_for(lock, span, [this] { return stop_.load(); });
}

void BrokerClient::apply(const json& instructions) {
  const uint64_t system_now = system_now_ms();
  auto refused = control_.commands().call<uint64_t>([this, instructions, system_now] {
    Rib& rib = control_.rib();
    const uint64_t steady_now = steady_now_ms();
    uint64_t refused = 0;
    std::set<uint64_t> wanted;
    for (const json& in : instructions.is_array() ? instructions : json::array()) {
      broker_client::ParsedInstruction parsed = broker_client::parse_instruction(in, system_now, steady_now);
      if (!parsed.spec) {
        log_warning("broker client: instruction refused: " + parsed.errors.front());
        ++refused;
        continue;
      }
      wanted.insert(parsed.spec->contract);
      const RedirectState* before = nullptr;
      if (auto it = rib.redirects().find(parsed.spec->contract); it != rib.redirects().end()) before = &it->second;
      const bool renewal = before != nullptr && before->spec.epoch == parsed.spec->epoch;
      if (Status s = rib.set_redirect(*parsed.spec, EntrySource::kBroker); !s.ok()) {
        log_warning("broker client: " + s.error);
        ++refused;
      } else if (!renewal) {
        log_info("broker client: contract " + broker_client::contract_name(parsed.spec->contract) + " epoch " +
                 std::to_string(parsed.spec->epoch) + ": subscriber " + std::to_string(parsed.spec->borrower) +
                 " over subscriber " + std::to_string(parsed.spec->donor) + "'s line");
      }
    }
    // The list is the whole of what the broker wants here: its others end.
    std::vector<uint64_t> gone;
    for (const auto& [contract, state] : rib.redirects())
      if (state.source == EntrySource::kBroker && !wanted.count(contract)) gone.push_back(contract);
    for (uint64_t contract : gone) {
      rib.remove_redirect(contract);
      log_info("broker client: contract " + broker_client::contract_name(contract) + " removed");
    }
    return refused;
  });
  std::lock_guard lock(mutex_);
  ++status_.instructions_applied;
  status_.instructions_refused += refused.value_or(0);
}

void BrokerClient::follow_instructions() {
  httplib::Client* client = poll_client_.get();
  const httplib::Headers headers = {{"Authorization", "Bearer " + token_}};
  uint64_t version = 0;
  while (!stop_) {
    auto res = client->Get("/v1/instructions?since=" + std::to_string(version) +
                               "&wait_ms=" + std::to_string(version == 0 ? 0 : kLongPollMs),
                           headers);
    if (stop_) break;
    json body = res ? json::parse(res->body, nullptr, false) : json();
    if (!res || res->status != 200 || !body.is_object() || !body.contains("version")) {
      note_error(res ? "instructions: HTTP " + std::to_string(res->status) + " " + res->body
                     : "instructions: " + httplib::to_string(res.error()));
      sleep_for(kRetry);
      continue;
    }
    apply(body["instructions"]);
    version = body["version"].is_number_unsigned() ? body["version"].get<uint64_t>() : 0;
  }
}

json BrokerClient::build(uint64_t sequence) {
  // Ended redirects' counters are final once no worker can still count
  // under them; read after that, they are their exact last reading.
  control_.rib().settle_ended();
  return broker_client::build_report(control_.rib(), control_.counters(), config_.router, line_epoch_, sequence,
                                     system_now_ms());
}

bool BrokerClient::send(const json& report, uint64_t sequence, bool last) {
  std::lock_guard sending(send_mutex_);
  const httplib::Headers headers = {
      {"Authorization", "Bearer " + token_},
      {"Idempotency-Key", config_.router + "-" + std::to_string(line_epoch_) + "-" + std::to_string(sequence)}};
  const std::string payload = report.dump();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  // The same key and body until the broker answers: a lost answer is
  // replayed by the broker, never counted twice.
  while (last ? std::chrono::steady_clock::now() < deadline : !stop_.load()) {
    auto res = report_client_->Post("/v1/reports", headers, payload, "application/json");
    if (res && res->status == 200) {
      std::lock_guard lock(mutex_);
      ++status_.reports_sent;
      status_.last_error.clear();
      return true;
    }
    {
      std::lock_guard lock(mutex_);
      ++status_.report_failures;
    }
    note_error(res ? "report: HTTP " + std::to_string(res->status) + " " + res->body
                   : "report: " + httplib::to_string(res.error()));
    // A refusal (4xx) will not change with a retry of the same body; the
    // next report carries the same cumulative counters anyway.
    if (res && res->status >= 400 && res->status < 500) return false;
    if (last)
      std::this_thread::sleep_for(milliseconds(200));
    else if (!sleep_for(kRetry))
      return false;
  }
  return false;
}

void BrokerClient::send_reports() {
  while (sleep_for(milliseconds(config_.report_interval_ms))) {
    const uint64_t sequence = ++sequence_;
    auto report = control_.commands().call<json>([this, sequence] { return build(sequence); });
    if (!report || stop_) continue;
    if (!send(*report, sequence, false)) continue;
    control_.commands().call<bool>([this, report] {
      forget_reported(control_.rib(), *report);
      return true;
    });
    // The answer's instructions are left to the long poll: applied here,
    // a list older than one the poll has just applied could undo it.
  }
}

void BrokerClient::last_report() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  report_client_->stop();  // a periodic report still on the wire gives way
  const uint64_t sequence = ++sequence_;
  const json report = build(sequence);
  if (send(report, sequence, true)) {
    forget_reported(control_.rib(), report);
    log_info("broker client: last report sent");
  } else {
    log_warning("broker client: the last report did not reach the broker; what was counted since the one before "
                "is not billed");
  }
}

}  // namespace aggr
