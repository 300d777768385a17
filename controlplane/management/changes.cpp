#include "controlplane/management/changes.h"

#include <algorithm>

#include "controlplane/config/values.h"
#include "dataplane/net/labels.h"
#include "controlplane/config_apply.h"
#include "controlplane/log.h"
#include "controlplane/rib/rib.h"
#include "controlplane/control_plane.h"

namespace aggr {
namespace {

using nlohmann::json;

// Reads the JSON fields present in `body` into `s`; every problem is
// reported by field name.
class FieldReader {
 public:
  explicit FieldReader(std::vector<std::string>& errors) : errors_(errors) {}

  bool object(const json& node, const std::string& what, std::initializer_list<const char*> allowed) {
    if (!node.is_object()) return fail(what + " must be a JSON object");
    for (const auto& item : node.items()) {
      const std::string& key = item.key();
      if (std::none_of(allowed.begin(), allowed.end(), [&](const char* a) { return key == a; }))
        fail(what + ": unknown field '" + key + "'");
    }
    return true;
  }
  template <typename T>
  bool number(const json& node, const std::string& what, uint64_t min, uint64_t max, T* out) {
    if (!node.is_number_unsigned() || node.get<uint64_t>() < min || node.get<uint64_t>() > max) {
      fail(what + " must be an integer " + std::to_string(min) + ".." + std::to_string(max));
      return false;
    }
    *out = T(node.get<uint64_t>());
    return true;
  }
  void text(const json& node, const std::string& what, std::string* out) {
    if (!node.is_string()) {
      fail(what + " must be a string");
      return;
    }
    *out = node.get<std::string>();
  }
  template <typename T>
  void parsed(const json& node, const std::string& what, Status (*parse)(std::string_view, T*), T* out) {
    std::string value;
    text(node, what, &value);
    if (!node.is_string()) return;
    if (Status e = parse(value, out); !e.ok()) fail(what + ": " + e.error);
  }
  bool fail(std::string message) {
    errors_.push_back(std::move(message));
    return false;
  }

 private:
  std::vector<std::string>& errors_;
};

}  // namespace

void read_subscriber_change(const json& body, bool with_id, SubscriberConfig& s, std::vector<std::string>& errors) {
  FieldReader r(errors);
  if (!r.object(body, "subscriber", {"id", "isp", "line", "cpe_mac", "addresses", "rate"})) return;
  if (body.contains("id")) {
    if (with_id)
      r.number(body["id"], "id", 1, 0xFFFFFFFF, &s.id);
    else
      r.fail("id cannot change");
  } else if (with_id) {
    r.fail("id is required");
  }
  if (body.contains("isp")) r.text(body["isp"], "isp", &s.isp);
  if (body.contains("line") && r.object(body["line"], "line", {"port", "svlan", "cvlan"})) {
    const json& line = body["line"];
    if (line.contains("port")) r.text(line["port"], "line port", &s.port);
    // A line given names its tags in full: a missing tag is no tag.
    s.svlan = s.cvlan = 0;
    if (line.contains("svlan")) r.number(line["svlan"], "svlan", 1, 4094, &s.svlan);
    if (line.contains("cvlan")) r.number(line["cvlan"], "cvlan", 1, 4094, &s.cvlan);
  }
  if (body.contains("cpe_mac")) r.parsed(body["cpe_mac"], "cpe_mac", parse_mac, &s.cpe_mac);
  if (body.contains("addresses")) {
    s.addresses.clear();
    if (!body["addresses"].is_array()) r.fail("addresses must be a list");
    for (const json& a : body["addresses"].is_array() ? body["addresses"] : json::array()) {
      IpPrefix prefix;
      r.parsed(a, "address", parse_prefix, &prefix);
      if (a.is_string() && parse_prefix(a.get<std::string>(), &prefix).ok()) s.addresses.push_back(prefix);
    }
    s.address_where.assign(s.addresses.size(), {});
  }
  if (body.contains("rate") && r.object(body["rate"], "rate", {"up", "down"})) {
    if (body["rate"].contains("up")) r.parsed(body["rate"]["up"], "rate up", parse_rate, &s.rate_bps[0]);
    if (body["rate"].contains("down")) r.parsed(body["rate"]["down"], "rate down", parse_rate, &s.rate_bps[1]);
  }
  if (with_id) {
    for (const char* required : {"isp", "line", "cpe_mac", "addresses"})
      if (!body.contains(required)) r.fail(std::string(required) + " is required");
    if (body.contains("line") && body["line"].is_object() && !body["line"].contains("port"))
      r.fail("line port is required");
  }
  s.where = s.isp_where = s.line_where = {"management API", 0, 0};
}

void read_isp_change(const json& body, IspConfig& isp, std::vector<std::string>& errors) {
  FieldReader r(errors);
  if (!r.object(body, "isp", {"labels", "next_hop"})) return;
  if (body.contains("labels")) {
    isp.labels.clear();
    if (!body["labels"].is_array()) {
      r.fail("labels must be a list of 1 to 3 labels");
    } else {
      bool numbers = true;
      for (const json& l : body["labels"]) {
        uint32_t label = 0;
        numbers &= r.number(l, "label", 0, label::kMax, &label);
        isp.labels.push_back(label);
      }
      // The rule the configuration file obeys too.
      if (Status s = check_pushed_labels(isp.labels); numbers && !s.ok()) r.fail(s.error);
    }
  }
  if (body.contains("next_hop") && r.object(body["next_hop"], "next_hop", {"port", "mac", "address"})) {
    const json& nh = body["next_hop"];
    if (nh.contains("port")) r.text(nh["port"], "next_hop port", &isp.next_hop.port);
    if (nh.contains("mac") && nh.contains("address")) r.fail("next_hop: either mac or address, not both");
    if (nh.contains("mac")) {
      r.parsed(nh["mac"], "next_hop mac", parse_mac, &isp.next_hop.mac);
      isp.next_hop.address.reset();
    }
    // An address without a port is reached by route.
    if (nh.contains("address") && !nh.contains("port")) isp.next_hop.port.clear();
    if (nh.contains("address")) {
      IpPrefix address;
      const size_t errors_before = errors.size();
      r.parsed(nh["address"], "next_hop address", parse_host_address, &address);
      if (errors.size() == errors_before) isp.next_hop.address = address;
    }
  }
}

namespace {

std::string describe(const SubscriberConfig& s) {
  std::string text = "isp " + s.isp + ", line " + s.port;
  if (s.svlan) text += " svlan " + std::to_string(s.svlan);
  if (s.cvlan) text += " cvlan " + std::to_string(s.cvlan);
  return text;
}

ChangeResult failure(int status, std::vector<std::string> errors) { return {status, std::move(errors)}; }
ChangeResult failure(int status, std::string error) { return {status, {std::move(error)}}; }

// An installed subscriber as a request writes it, so that a change can
// start from it.
SubscriberConfig written(const Rib& rib, const SubscriberSpec& spec) {
  SubscriberConfig s;
  s.id = spec.id;
  s.isp = rib.isp(spec.isp_id)->name;
  s.port = rib.port_name(spec.port);
  s.svlan = spec.svlan;
  s.cvlan = spec.cvlan;
  s.cpe_mac = spec.cpe_mac;
  s.addresses = spec.addresses;
  s.rate_bps[0] = spec.rate_bps[0];
  s.rate_bps[1] = spec.rate_bps[1];
  return s;
}

// Resolves the names of a request to the RIB's ids and installs it through
// the RIB's checks (the rules the configuration file obeys), as a new
// subscriber or in place of the one with its id. The API owns it from then on.
ChangeResult install(ControlPlane& control, const SubscriberConfig& s, bool adding) {
  Rib& rib = control.rib();
  std::vector<std::string> problems;
  const IspState* isp = rib.isp_named(s.isp);
  std::optional<uint16_t> port = rib.port_named(s.port);
  if (isp == nullptr) problems.push_back("subscriber " + std::to_string(s.id) + ": no isp named '" + s.isp + "'");
  if (!port) problems.push_back("subscriber " + std::to_string(s.id) + ": no port named '" + s.port + "'");
  if (!problems.empty()) return failure(409, std::move(problems));
  SubscriberSpec spec = subscriber_spec(s, isp->id, *port);
  if (problems = rib.subscriber_problems(spec); !problems.empty()) return failure(409, std::move(problems));
  Status applied = adding ? rib.add_subscriber(spec, EntrySource::kApi) : rib.update_subscriber(spec, EntrySource::kApi);
  if (!applied.ok()) return failure(409, applied.error);
  return {adding ? 201 : 200, {}};
}

}  // namespace

ChangeResult add_subscriber(ControlPlane& control, const json& body) {
  SubscriberConfig s;
  std::vector<std::string> errors;
  read_subscriber_change(body, true, s, errors);
  if (!errors.empty()) return failure(400, std::move(errors));
  if (control.rib().subscriber(s.id) != nullptr)
    return failure(409, "subscriber " + std::to_string(s.id) + " exists (modify it instead)");
  ChangeResult result = install(control, s, true);
  if (result.ok()) log_info("management: subscriber " + std::to_string(s.id) + " added (" + describe(s) + ")");
  return result;
}

ChangeResult modify_subscriber(ControlPlane& control, uint32_t id, const json& body) {
  const SubscriberSpec* existing = control.rib().subscriber(id);
  if (existing == nullptr) return failure(404, "no subscriber " + std::to_string(id));
  SubscriberConfig s = written(control.rib(), *existing);
  std::vector<std::string> errors;
  read_subscriber_change(body, false, s, errors);
  if (!errors.empty()) return failure(400, std::move(errors));
  ChangeResult result = install(control, s, false);
  if (result.ok()) log_info("management: subscriber " + std::to_string(id) + " modified (" + describe(s) + ")");
  return result;
}

ChangeResult remove_subscriber(ControlPlane& control, uint32_t id) {
  if (control.rib().subscriber(id) == nullptr) return failure(404, "no subscriber " + std::to_string(id));
  if (Status s = control.rib().remove_subscriber(id); !s.ok()) return failure(409, s.error);
  log_info("management: subscriber " + std::to_string(id) + " removed");
  return {};
}

ChangeResult modify_isp(ControlPlane& control, const std::string& name, const json& body) {
  Rib& rib = control.rib();
  const IspState* state = rib.isp_named(name);
  if (state == nullptr) return failure(404, "no isp named '" + name + "'");
  // The change starts from the installed entry, whoever installed it.
  IspConfig isp;
  if (state->ftn) {
    isp.labels = state->ftn->labels;
    isp.next_hop.port = state->ftn->out_port == kPortByRoute ? "" : rib.port_name(state->ftn->out_port);
    isp.next_hop.mac = state->ftn->next_hop_mac;
    isp.next_hop.address = state->ftn->next_hop_address;
  }
  std::vector<std::string> errors;
  read_isp_change(body, isp, errors);
  if (!errors.empty()) return failure(400, std::move(errors));
  // An address alone is reached by route.
  std::optional<uint16_t> out_port = isp.next_hop.port.empty() && isp.next_hop.address
                                         ? std::optional<uint16_t>(kPortByRoute)
                                         : rib.port_named(isp.next_hop.port);
  if (!out_port || (*out_port != kPortByRoute && rib.tables().ports[*out_port].role != PortRole::kCore))
    return failure(409, "next_hop port '" + isp.next_hop.port + "' is not a core port");
  NhlfeSpec ftn{isp.labels, *out_port, isp.next_hop.address ? rte_ether_addr{} : isp.next_hop.mac};
  ftn.next_hop_address = isp.next_hop.address;
  if (Status s = rib.set_ftn(state->id, ftn, EntrySource::kApi); !s.ok()) return failure(409, s.error);
  std::string labels;
  for (uint32_t l : isp.labels) labels += " " + std::to_string(l);
  log_info("management: isp " + name + " FTN set to labels" + labels + " via " + isp.next_hop.port + " " +
           (isp.next_hop.address ? format_address(*isp.next_hop.address) : format_mac(isp.next_hop.mac)));
  return {};
}

ChangeResult reset_isp(ControlPlane& control, const std::string& name) {
  const IspState* state = control.rib().isp_named(name);
  if (state == nullptr) return failure(404, "no isp named '" + name + "'");
  if (!state->ftn_wanted.count(EntrySource::kApi)) return failure(404, "isp " + name + " has no FTN entry set by the API");
  if (Status s = control.rib().clear_ftn(state->id, EntrySource::kApi); !s.ok()) return failure(409, s.error);
  log_info("management: isp " + name + " FTN set by the API withdrawn");
  return {};
}

}  // namespace aggr

namespace aggr {

void read_redirect(const json& body, RedirectSpec& spec, uint64_t* lease_s, std::vector<std::string>& errors) {
  FieldReader r(errors);
  *lease_s = 0;
  if (!r.object(body, "redirect", {"borrower", "donor", "rate", "interruptible", "epoch", "lease_s"})) return;
  for (const char* required : {"borrower", "donor", "rate"})
    if (!body.contains(required)) r.fail(std::string(required) + " is required");
  if (body.contains("borrower")) r.number(body["borrower"], "borrower", 1, 0xFFFFFFFF, &spec.borrower);
  if (body.contains("donor")) r.number(body["donor"], "donor", 1, 0xFFFFFFFF, &spec.donor);
  if (body.contains("rate") && r.object(body["rate"], "rate", {"up", "down"})) {
    if (body["rate"].contains("up")) r.parsed(body["rate"]["up"], "rate up", parse_rate, &spec.rate_bps[0]);
    if (body["rate"].contains("down")) r.parsed(body["rate"]["down"], "rate down", parse_rate, &spec.rate_bps[1]);
  }
  if (body.contains("interruptible")) {
    if (body["interruptible"].is_boolean())
      spec.interruptible = body["interruptible"].get<bool>();
    else
      r.fail("interruptible must be true or false");
  }
  if (body.contains("epoch")) r.number(body["epoch"], "epoch", 0, UINT64_MAX, &spec.epoch);
  // A lease of up to a day: a contract lasts longer by being renewed.
  if (body.contains("lease_s")) r.number(body["lease_s"], "lease_s", 1, 86400, lease_s);
}

ChangeResult set_redirect(ControlPlane& control, uint64_t contract, const json& body) {
  RedirectSpec spec;
  spec.contract = contract;
  uint64_t lease_s = 0;
  std::vector<std::string> errors;
  read_redirect(body, spec, &lease_s, errors);
  if (!errors.empty()) return {400, errors};
  if (lease_s != 0) spec.lease_end_ms = steady_now_ms() + lease_s * 1000;
  Rib& rib = control.rib();
  const bool exists = rib.redirects().count(contract) != 0;
  std::vector<std::string> problems = rib.redirect_problems(spec);
  if (!problems.empty()) return {409, problems};
  if (Status s = rib.set_redirect(spec, EntrySource::kApi); !s.ok()) return failure(409, s.error);
  log_info("management: contract " + std::to_string(contract) + (exists ? " changed" : " installed") +
           ": subscriber " + std::to_string(spec.borrower) + " over subscriber " + std::to_string(spec.donor) +
           "'s line");
  return {exists ? 200 : 201, {}};
}

ChangeResult remove_redirect(ControlPlane& control, uint64_t contract) {
  if (control.rib().redirects().count(contract) == 0) return failure(404, "no contract " + std::to_string(contract));
  if (Status s = control.rib().remove_redirect(contract); !s.ok()) return failure(409, s.error);
  log_info("management: contract " + std::to_string(contract) + " removed");
  return {};
}

}  // namespace aggr
