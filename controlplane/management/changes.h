// Management API changes: subscribers added, modified and removed, ISP
// label stacks and next hops. Each goes into the RIB as the API's entry,
// checked by the rules a configuration file obeys. A reload leaves the
// API's entries alone, except a subscriber the file names (the file's
// wins); the API's FTN entry for an ISP is preferred to the file's until
// it is withdrawn (reset_isp). Control-plane thread only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "controlplane/config/config.h"
#include "controlplane/rib/rib.h"

namespace aggr {

class ControlPlane;

struct ChangeResult {
  // 200 changed, 201 created, 400 malformed request, 404 no such object,
  // 409 conflicts with the running configuration.
  int status = 200;
  std::vector<std::string> errors;  // empty on success
  bool ok() const { return errors.empty(); }
};

// Body: {"id", "isp", "line": {"port", "svlan", "cvlan"}, "cpe_mac",
// "addresses": [...], "rate": {"up", "down"}}, as in the YAML configuration.
ChangeResult add_subscriber(ControlPlane& control, const nlohmann::json& body);
// Body: any of the fields above but id; the others keep their values.
ChangeResult modify_subscriber(ControlPlane& control, uint32_t id, const nlohmann::json& body);
ChangeResult remove_subscriber(ControlPlane& control, uint32_t id);
// Body: any of {"labels": [...], "next_hop": {"port", "mac"}}.
ChangeResult modify_isp(ControlPlane& control, const std::string& name, const nlohmann::json& body);
// Withdraws the API's FTN entry for the ISP: the next source's takes over.
ChangeResult reset_isp(ControlPlane& control, const std::string& name);

// Body: {"borrower", "donor", "rate": {"up", "down"} (as plan rates:
// "2Mbit"), "interruptible" (default true), "epoch", "lease_s"}: installs
// or changes the link-sharing contract's redirect, as the API's entry.
ChangeResult set_redirect(ControlPlane& control, uint64_t contract, const nlohmann::json& body);
ChangeResult remove_redirect(ControlPlane& control, uint64_t contract);

// The request parsers, exposed for the fuzzer: read the fields present in
// `body` into the object (with_id: a new subscriber, whose id and main
// fields are required), appending one message per problem.
void read_subscriber_change(const nlohmann::json& body, bool with_id, SubscriberConfig& s,
                            std::vector<std::string>& errors);
void read_isp_change(const nlohmann::json& body, IspConfig& isp, std::vector<std::string>& errors);
// A redirect's fields; lease_s comes back in *lease_s (0: none).
void read_redirect(const nlohmann::json& body, RedirectSpec& spec, uint64_t* lease_s, std::vector<std::string>& errors);

}  // namespace aggr
