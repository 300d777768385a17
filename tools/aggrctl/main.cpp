// aggrctl: show and change a running aggrd through its management API.
//
//   aggrctl [--api HOST:PORT] [--token-file FILE] [--json] COMMAND
//
// Reading needs nothing; changes send the token from --token-file
// (or $AGGRCTL_TOKEN_FILE). Errors from the router are printed as they come,
// and the exit status is non-zero.
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>

#include <nlohmann/json.hpp>

#include "tools/aggrctl/api_client.h"
#include "tools/aggrctl/command_line.h"
#include "tools/aggrctl/table.h"

namespace {

using nlohmann::json;
using aggr::ctl::Table;
using aggr::ctl::text;

const char* const kUsage = R"(usage: aggrctl [--api HOST:PORT] [--token-file FILE] [--json] COMMAND

commands:
  show status
  show ports | isps | fec | ilm | adjacencies | counters | drops | workers
  show redirects          (link-sharing contracts in force; also: show contracts)
  show subscribers [ID] [--offset N] [--limit N]
  show ldp neighbors | discovery | bindings | fec
  subscriber add ID isp=NAME port=PORT [svlan=N] [cvlan=N] mac=MAC addresses=P[,P...] [up=RATE] [down=RATE]
  subscriber set ID [isp=NAME] [port=PORT svlan=N cvlan=N] [mac=MAC] [addresses=P[,P...]] [up=RATE] [down=RATE]
  subscriber del ID
  isp set NAME [labels=L[,L...]] [port=PORT] [mac=MAC | address=IP]   (an address alone: by route)
  isp reset NAME          (withdraws what isp set installed; the file's entry returns)
  redirect set CONTRACT borrower=ID donor=ID [up=RATE] [down=RATE] [interruptible=yes|no] [epoch=N] [lease=SECONDS]
  redirect del CONTRACT
  reload

--api defaults to $AGGRCTL_API or 127.0.0.1:9465; --token-file to $AGGRCTL_TOKEN_FILE.
)";

[[noreturn]] void usage_error(const std::string& message) { aggr::ctl::exit_with_usage("aggrctl", kUsage, message); }

std::string num(const json& v, const char* a, const char* b) { return text(v.at(a).at(b)); }

// ------------------------------------------------------------------ views

void print_status(const json& s) {
  std::cout << "aggrd " << text(s["version"]) << ", router " << text(s["name"]) << "\n"
            << "configuration " << text(s["config_file"]) << ", generation " << text(s["generation"]) << "\n"
            << "last reload: " << (s["last_reload"]["ok"].get<bool>() ? "ok" : "FAILED");
  if (!s["last_reload"]["changes"].get<std::string>().empty()) std::cout << " (" << text(s["last_reload"]["changes"]) << ")";
  std::cout << "; " << text(s["reloads"]["succeeded"]) << " succeeded, " << text(s["reloads"]["failed"]) << " failed\n";
  for (const json& e : s["last_reload"]["errors"]) std::cout << "  " << text(e) << "\n";
  std::cout << text(s["isps"]) << " ISPs, " << text(s["subscribers"]) << " subscribers, " << text(s["workers"])
            << " workers; changes " << (s["changes_allowed"].get<bool>() ? "allowed with the token" : "disabled (no token file)")
            << "\n";
}

void print_ports(const json& ports) {
  Table t({"Port", "DPDK", "Role", "Classify", "MTU", "MAC", "Lcore", "Link", "RX packets", "TX packets", "RX errors",
           "TX errors", "Missed"});
  for (const json& p : ports)
    t.add({text(p["name"]), text(p["dpdk_port"]), text(p["role"]), text(p["classify"]), text(p["mtu"]), text(p["mac"]),
           text(p["worker_lcore"]), p["link_up"].get<bool>() ? "up" : "down", num(p, "device_stats", "ipackets"),
           num(p, "device_stats", "opackets"), num(p, "device_stats", "ierrors"), num(p, "device_stats", "oerrors"),
           num(p, "device_stats", "imissed")});
  t.print(std::cout);
}

// "core0 02:00:00:00:ff:01", or by address "core0 10.0.12.2 (02:00:00:00:ff:01)" / "(unresolved)".
std::string next_hop_text(const json& next_hop) {
  std::string out = text(next_hop["port"]) + " ";
  if (!next_hop.contains("address")) return out + text(next_hop["mac"]);
  return out + text(next_hop["address"]) + " (" + (next_hop["mac"].is_null() ? "unresolved" : text(next_hop["mac"])) + ")";
}

void print_isps(const json& isps) {
  Table t({"ISP", "Id", "Subscribers", "Labels", "Next hop", "Up packets", "Up bytes", "Down packets", "Down bytes"});
  for (const json& i : isps)
    t.add({text(i["name"]), text(i["id"]), text(i["subscribers"]), text(i["labels"]),
           i["next_hop"].is_object() ? next_hop_text(i["next_hop"]) : "-",
           num(i, "up", "packets"), num(i, "up", "bytes"),
           num(i, "down", "packets"), num(i, "down", "bytes")});
  t.print(std::cout);
}

std::string line_text(const json& s) {
  std::string line = text(s["line"]["port"]);
  if (s["line"]["svlan"] != 0) line += " " + text(s["line"]["svlan"]);
  if (s["line"]["cvlan"] != 0) line += "." + text(s["line"]["cvlan"]);
  return line;
}

void print_subscribers(const json& page) {
  Table t({"Id", "ISP", "Line", "CPE MAC", "Addresses", "Up rate", "Down rate", "Up bytes", "Down bytes"});
  for (const json& s : page["subscribers"])
    t.add({text(s["id"]), text(s["isp"]), line_text(s), text(s["cpe_mac"]), text(s["addresses"]), text(s["rate"]["up"]),
           text(s["rate"]["down"]), s.contains("up") ? num(s, "up", "bytes") : "-",
           s.contains("down") ? num(s, "down", "bytes") : "-"});
  t.print(std::cout);
  size_t shown = page["subscribers"].size(), total = page["total"].get<size_t>();
  if (shown < total)
    std::cout << "(" << shown << " of " << total << " from " << text(page["offset"]) << "; --offset/--limit for more)\n";
}

void print_subscriber(const json& s) {
  std::cout << "subscriber " << text(s["id"]) << "\n"
            << "  isp        " << text(s["isp"]) << "\n"
            << "  line       " << line_text(s) << "\n"
            << "  cpe mac    " << text(s["cpe_mac"]) << "\n"
            << "  addresses  " << text(s["addresses"]) << "\n"
            << "  rate       up " << text(s["rate"]["up"]) << ", down " << text(s["rate"]["down"]) << "\n";
  if (s.contains("up"))
    std::cout << "  upstream   " << num(s, "up", "packets") << " packets, " << num(s, "up", "bytes") << " bytes, "
              << num(s, "meter_drops", "up") << " over rate\n"
              << "  downstream " << num(s, "down", "packets") << " packets, " << num(s, "down", "bytes") << " bytes, "
              << num(s, "meter_drops", "down") << " over rate\n";
}

// A field that only some entries have (an NHLFE's, a source), or "-".
std::string optional_text(const json& entry, const char* key) { return entry.contains(key) ? text(entry[key]) : "-"; }

void print_fec(const json& fecs) {
  Table t({"FEC", "ISP id", "Source", "Labels", "Out port", "Next hop MAC", "Installed"});
  for (const json& f : fecs)
    t.add({text(f["fec"]), text(f["isp_id"]), optional_text(f, "source"), optional_text(f, "labels"),
           optional_text(f, "out_port"), optional_text(f, "next_hop_mac"), f["installed"].get<bool>() ? "yes" : "no"});
  t.print(std::cout);
}

void print_adjacencies(const json& adjacencies) {
  Table t({"Port", "Address", "MAC", "State", "NHLFEs", "Entries"});
  for (const json& a : adjacencies) {
    std::string entries;
    for (const json& e : a["entries"]) entries += (entries.empty() ? "" : ", ") + e.get<std::string>();
    t.add({text(a["port"]), optional_text(a, "address"), text(a["mac"]), text(a["state"]), text(a["nhlfes"]), entries});
  }
  t.print(std::cout);
}

void print_ilm(const json& labels) {
  Table t({"Local label", "Action", "Source", "ISP", "Out labels", "Out port", "Next hop MAC"});
  for (const json& l : labels)
    t.add({text(l["label"]), text(l["action"]), text(l["source"]), optional_text(l, "isp"), optional_text(l, "labels"),
           optional_text(l, "out_port"), optional_text(l, "next_hop_mac")});
  t.print(std::cout);
}

void print_counters(const json& c) {
  Table isps({"ISP", "Up packets", "Up bytes", "Down packets", "Down bytes"});
  for (const auto& [name, v] : c["isps"].items())
    isps.add({name, num(v, "up", "packets"), num(v, "up", "bytes"), num(v, "down", "packets"), num(v, "down", "bytes")});
  isps.print(std::cout);
  std::cout << "\n";
  Table ports({"Port", "RX packets", "RX bytes", "TX packets", "TX bytes"});
  for (const auto& [name, v] : c["ports"].items())
    ports.add({name, num(v, "rx", "packets"), num(v, "rx", "bytes"), num(v, "tx", "packets"), num(v, "tx", "bytes")});
  ports.print(std::cout);
  std::cout << "\ndropped: " << text(c["drops"]) << " packets (aggrctl show drops)\n";
}

void print_drops(const json& drops) {
  Table t({"Reason", "Packets"});
  for (const auto& [reason, n] : drops.items()) t.add({reason, text(n)});
  t.print(std::cout);
}

void print_redirects(const json& redirects) {
  Table t({"Contract", "Borrower", "Donor", "Up bit/s", "Down bit/s", "Kind", "Lease left", "Source", "Carried up",
           "Carried down"});
  for (const json& r : redirects)
    t.add({text(r["contract"]), text(r["borrower"]), text(r["donor"]), text(r["rate"]["up"]), text(r["rate"]["down"]),
           r["interruptible"].get<bool>() ? "interruptible" : "reserved",
           r["lease_left_ms"].is_null() ? "-" : text(r["lease_left_ms"]) + " ms", text(r["source"]),
           text(r["carried"]["up"]["bytes"]) + " B", text(r["carried"]["down"]["bytes"]) + " B"});
  t.print(std::cout);
}

void print_workers(const json& workers) {
  Table t({"Worker", "Lcore", "RX ports", "Polls", "Busy polls", "Busy ratio"});
  for (const json& w : workers)
    t.add({text(w["worker"]), text(w["lcore"]), text(w["rx_ports"]), text(w["polls"]), text(w["busy_polls"]),
           text(w["busy_ratio"])});
  t.print(std::cout);
}

void print_ldp_neighbors(const json& neighbors) {
  Table t({"Peer", "Transport", "State", "Role", "Up", "Keepalive", "Flaps", "MD5", "Sent", "Received", "Last error"});
  auto total = [](const json& counts) {
    uint64_t n = 0;
    for (const auto& [type, count] : counts.items()) n += count.get<uint64_t>();
    return std::to_string(n);
  };
  for (const json& n : neighbors)
    t.add({text(n["lsr_id"]), text(n["transport_address"]), text(n["state"]), text(n["role"]),
           n.contains("uptime_s") ? text(n["uptime_s"]) + " s" : "-", optional_text(n, "keepalive_time"),
           text(n["flaps"]), n["md5"].get<bool>() ? "yes" : "no", total(n["sent"]), total(n["received"]),
           n["last_error"].get<std::string>().empty() ? "-" : text(n["last_error"])});
  t.print(std::cout);
}

void print_ldp_discovery(const json& d) {
  std::cout << "LSR id " << text(d["lsr_id"]) << ", transport address " << text(d["transport_address"])
            << "; Hellos sent " << num(d, "hellos", "sent") << ", received " << num(d, "hellos", "received")
            << ", refused " << num(d, "hellos", "refused") << "\n\n";
  Table t({"Peer", "Type", "Interface", "Source", "Transport", "Hold time", "Expires in"});
  for (const json& a : d["adjacencies"])
    t.add({text(a["lsr_id"]), text(a["type"]), a["interface"].get<std::string>().empty() ? "-" : text(a["interface"]),
           text(a["source"]), text(a["transport_address"]), text(a["hold_time"]), text(a["expires_in_s"]) + " s"});
  t.print(std::cout);
}

void print_ldp_bindings(const json& bindings) {
  Table t({"FEC", "Next hop", "Local label", "Remote labels", "In use"});
  for (const json& b : bindings) {
    std::string remote;
    for (const json& r : b["remote"]) remote += (remote.empty() ? "" : ", ") + text(r["label"]) + " from " + text(r["lsr_id"]);
    std::string local = text(b["local_label"]);
    if (b["egress"].get<bool>()) local += " (egress)";
    t.add({text(b["fec"]), b["next_hop"].is_null() ? "-" : text(b["next_hop"]["address"]), local,
           remote.empty() ? "-" : remote, text(b["in_use"])});
  }
  t.print(std::cout);
}

void print_ldp_fec(const json& fecs) {
  Table t({"FEC", "Next hop", "Port", "Local label", "ILM", "Origin", "FTN"});
  for (const json& f : fecs) {
    std::string ilm = optional_text(f, "ilm");
    if (f.contains("ilm_installed") && !f["ilm_installed"].get<bool>()) ilm += " (not installed)";
    std::string ftn;
    for (const json& e : f["ftn"])
      ftn += (ftn.empty() ? "" : ", ") + text(e["isp"]) + (e["installed"].get<bool>() ? "" : " (not installed)");
    if (f.contains("prefix_ftn_installed"))
      ftn += std::string(ftn.empty() ? "" : ", ") + "by prefix" + (f["prefix_ftn_installed"].get<bool>() ? "" : " (not installed)");
    const bool routed = !f["next_hop"].is_null();
    t.add({text(f["fec"]), routed ? text(f["next_hop"]["address"]) : "-", routed ? text(f["next_hop"]["port"]) : "-",
           optional_text(f, "local_label"), ilm, optional_text(f, "origin"), ftn.empty() ? "-" : ftn});
  }
  t.print(std::cout);
}

// ----------------------------------------------------------------- changes

json list_of(const std::string& csv, bool numbers) {
  json list = json::array();
  size_t start = 0;
  while (start <= csv.size()) {
    size_t comma = csv.find(',', start);
    std::string item = csv.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) {
      if (numbers && item.find_first_not_of("0123456789") == std::string::npos && item.size() < 11)
        list.push_back(std::stoull(item));
      else
        list.push_back(item);  // the router reports what is wrong with it
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return list;
}

json number_or_text(const std::string& v) {
  if (!v.empty() && v.size() < 11 && v.find_first_not_of("0123456789") == std::string::npos) return std::stoull(v);
  return v;
}

json subscriber_body(const std::map<std::string, std::string>& kv) {
  json body = json::object();
  if (kv.count("isp")) body["isp"] = kv.at("isp");
  if (kv.count("port") || kv.count("svlan") || kv.count("cvlan")) {
    json line = json::object();
    if (kv.count("port")) line["port"] = kv.at("port");
    if (kv.count("svlan") && kv.at("svlan") != "0") line["svlan"] = number_or_text(kv.at("svlan"));
    if (kv.count("cvlan") && kv.at("cvlan") != "0") line["cvlan"] = number_or_text(kv.at("cvlan"));
    body["line"] = line;
  }
  if (kv.count("mac")) body["cpe_mac"] = kv.at("mac");
  if (kv.count("addresses")) body["addresses"] = list_of(kv.at("addresses"), false);
  if (kv.count("up")) body["rate"]["up"] = kv.at("up");
  if (kv.count("down")) body["rate"]["down"] = kv.at("down");
  return body;
}

uint64_t number_argument(const std::string& value, const std::string& what) {
  if (value.empty() || value.size() > 19 || value.find_first_not_of("0123456789") != std::string::npos)
    usage_error(what + " must be a number");
  return std::stoull(value);
}

uint64_t id_argument(const std::vector<std::string>& w, size_t i) {
  if (w.size() <= i || w[i].empty() || w[i].size() > 10 || w[i].find_first_not_of("0123456789") != std::string::npos)
    usage_error("an id (a number) is needed");
  return std::stoull(w[i]);
}

int run(const aggr::ctl::CommandLine& o) {
  const std::vector<std::string>& w = o.words;
  if (w.empty()) usage_error("no command");
  aggr::ctl::ApiClient client({"aggrctl", "aggrd", o.api, o.token_file, false, o.json});
  auto show = [&](const json& doc, void (*print)(const json&)) { return o.show(doc, print); };
  if (w[0] == "show" && w.size() >= 2) {
    static const std::map<std::string, void (*)(const json&)> views = {
        {"status", print_status}, {"ports", print_ports},       {"isps", print_isps},   {"fec", print_fec},
        {"ilm", print_ilm},       {"counters", print_counters}, {"drops", print_drops}, {"workers", print_workers},
        {"adjacencies", print_adjacencies}, {"redirects", print_redirects}, {"contracts", print_redirects}};
    if (auto it = views.find(w[1]); it != views.end() && w.size() == 2)
      return show(client.request("GET", "/v1/" + (w[1] == "contracts" ? std::string("redirects") : w[1])), it->second);
    if (w[1] == "ldp" && w.size() == 3) {
      static const std::map<std::string, void (*)(const json&)> ldp_views = {
          {"neighbors", print_ldp_neighbors}, {"discovery", print_ldp_discovery},
          {"bindings", print_ldp_bindings}, {"fec", print_ldp_fec}};
      if (auto it = ldp_views.find(w[2]); it != ldp_views.end())
        return show(client.request("GET", "/v1/ldp/" + w[2]), it->second);
      usage_error("unknown LDP view '" + w[2] + "'");
    }
    if (w[1] == "subscribers") {
      std::string offset = "0", limit = "1000";
      std::optional<uint64_t> id;
      for (size_t i = 2; i < w.size(); ++i) {
        if ((w[i] == "--offset" || w[i] == "--limit") && i + 1 < w.size())
          (w[i] == "--offset" ? offset : limit) = w[i + 1], ++i;
        else
          id = id_argument(w, i);
      }
      if (id) return show(client.request("GET", "/v1/subscribers/" + std::to_string(*id)), print_subscriber);
      return show(client.request("GET", "/v1/subscribers?offset=" + offset + "&limit=" + limit), print_subscribers);
    }
    usage_error("unknown view '" + w[1] + "'");
  }
  auto done = [&](const json& doc, const std::string& message) {
    if (o.json)
      std::cout << doc.dump(2) << "\n";
    else
      std::cout << message << "\n";
    return 0;
  };
  if (w[0] == "subscriber" && w.size() >= 3) {
    uint64_t id = id_argument(w, 2);
    std::string path = "/v1/subscribers/" + std::to_string(id);
    if (w[1] == "add") {
      json body = subscriber_body(o.key_values(3, {"isp", "port", "svlan", "cvlan", "mac", "addresses", "up", "down"}));
      body["id"] = id;
      return done(client.request("POST", "/v1/subscribers", body), "subscriber " + std::to_string(id) + " added");
    }
    if (w[1] == "set") {
      json body = subscriber_body(o.key_values(3, {"isp", "port", "svlan", "cvlan", "mac", "addresses", "up", "down"}));
      return done(client.request("PATCH", path, body), "subscriber " + std::to_string(id) + " modified");
    }
    if (w[1] == "del" && w.size() == 3)
      return done(client.request("DELETE", path), "subscriber " + std::to_string(id) + " removed");
  }
  if (w[0] == "isp" && w.size() >= 3 && w[1] == "set") {
    auto kv = o.key_values(3, {"labels", "port", "mac", "address"});
    json body = json::object();
    if (kv.count("labels")) body["labels"] = list_of(kv["labels"], true);
    if (kv.count("port")) body["next_hop"]["port"] = kv["port"];
    if (kv.count("mac")) body["next_hop"]["mac"] = kv["mac"];
    if (kv.count("address")) body["next_hop"]["address"] = kv["address"];
    return done(client.request("PATCH", "/v1/isps/" + w[2], body), "isp " + w[2] + " modified");
  }
  if (w[0] == "isp" && w.size() == 3 && w[1] == "reset")
    return done(client.request("DELETE", "/v1/isps/" + w[2] + "/ftn"), "isp " + w[2] + " reset");
  if (w[0] == "redirect" && w.size() >= 3) {
    uint64_t contract = id_argument(w, 2);
    std::string path = "/v1/redirects/" + std::to_string(contract);
    if (w[1] == "set") {
      auto kv = o.key_values(3, {"borrower", "donor", "up", "down", "interruptible", "epoch", "lease"});
      json body = json::object();
      for (const char* id : {"borrower", "donor", "epoch", "lease"})
        if (kv.count(id)) body[std::string(id) == "lease" ? "lease_s" : id] = number_argument(kv[id], id);
      if (kv.count("up")) body["rate"]["up"] = kv["up"];
      if (kv.count("down")) body["rate"]["down"] = kv["down"];
      if (kv.count("interruptible")) {
        if (kv["interruptible"] != "yes" && kv["interruptible"] != "no") usage_error("interruptible=yes or no");
        body["interruptible"] = kv["interruptible"] == "yes";
      }
      return done(client.request("PUT", path, body), "contract " + std::to_string(contract) + " redirected");
    }
    if (w[1] == "del" && w.size() == 3)
      return done(client.request("DELETE", path), "contract " + std::to_string(contract) + " removed");
  }
  if (w[0] == "reload" && w.size() == 1) {
    json doc = client.request("POST", "/v1/reload");
    return done(doc, "reloaded: generation " + text(doc["generation"]) + " (" + text(doc["changes"]) + ")");
  }
  usage_error("unknown command");
}

}  // namespace

int main(int argc, char** argv) {
  return run(aggr::ctl::CommandLine("aggrctl", kUsage, "127.0.0.1:9465", "AGGRCTL_API", "AGGRCTL_TOKEN_FILE", argc, argv));
}
