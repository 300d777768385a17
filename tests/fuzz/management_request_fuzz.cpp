// libFuzzer target: the management API's request bodies (subscriber add and
// modify, ISP label and next-hop changes, redirects) and the broker's
// instructions as aggrd reads them. Any bytes must give either a
// parsed object within its ranges or error messages, never a crash.
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "controlplane/broker_client/instructions.h"
#include "controlplane/management/changes.h"
#include "dataplane/net/labels.h"

using namespace aggr;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nlohmann::json body = nlohmann::json::parse(data, data + size, nullptr, false);
  if (body.is_discarded()) return 0;

  for (bool creating : {true, false}) {
    SubscriberConfig s;
    std::vector<std::string> errors;
    read_subscriber_change(body, creating, s, errors);
    if (!errors.empty()) {
      for (const std::string& e : errors)
        if (e.empty()) std::abort();
      continue;
    }
    if (creating && (s.id == 0 || s.port.empty() || s.isp.empty())) std::abort();
    if (s.svlan > 4094 || s.cvlan > 4094) std::abort();
    if (s.address_where.size() != s.addresses.size()) std::abort();
  }

  IspConfig isp;
  isp.labels = {1001};
  std::vector<std::string> errors;
  read_isp_change(body, isp, errors);
  // Accepted labels obey the configuration's rule for pushed stacks.
  if (errors.empty() && !check_pushed_labels(isp.labels).ok()) std::abort();

  RedirectSpec redirect;
  uint64_t lease_s = 0;
  errors.clear();
  read_redirect(body, redirect, &lease_s, errors);
  if (errors.empty() && (redirect.borrower == 0 || redirect.donor == 0 || lease_s > 86400)) std::abort();

  // The broker's instructions as aggrd reads them.
  const uint64_t system_now = 1'700'000'000'000, steady_now = 5'000;
  broker_client::ParsedInstruction parsed = broker_client::parse_instruction(body, system_now, steady_now);
  if (parsed.spec.has_value() == !parsed.errors.empty()) std::abort();
  if (parsed.spec && (parsed.spec->lease_end_ms <= steady_now || parsed.spec->lease_end_ms > steady_now + 86'400'000 ||
                      parsed.spec->borrower == 0 || parsed.spec->donor == 0))
    std::abort();
  return 0;
}
