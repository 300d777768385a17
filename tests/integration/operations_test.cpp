// Operating a running aggrd the way an operator does: aggrctl against the
// management API (reading freely, changing only with the token), Prometheus
// metrics checked by promtool and scraped by a real Prometheus server, DPDK
// telemetry through the stock dpdk-telemetry.py, and reloads by SIGHUP and
// by aggrctl. aggrd forwards known traffic (aggr-gen, net_pcap ports) first,
// so every counter has an exact expected value.
//
// Usage: operations_test <aggrd> <aggrctl> [gtest flags]
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <functional>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "controlplane/config/config.h"
#include "tests/support/integration_main.h"
#include "tests/support/process.h"
#include "tools/aggr-gen/pcap_file.h"
#include "tools/aggr-gen/traffic.h"

namespace aggr {
namespace {

using nlohmann::json;

std::string g_aggrd, g_aggrctl;

const char* const kConfigTemplate = R"(router: {name: ops-test, router_id: 10.255.0.9, role: headend}
eal:
  args: [--no-huge, -m, "256", --no-pci, --log-level=lib.eal:error]
workers: {lcores: [1], idle_polls: 64, idle_sleep_us: 200}
ports:
  - name: access0
    role: access
    mac: "02:00:00:00:a0:00"
    device: net_pcap_a0,rx_pcap=@DIR@/in-access0.pcap,tx_pcap=@DIR@/out-access0.pcap
  - name: core0
    role: core
    mtu: 1500
    mac: "02:00:00:00:c0:00"
    device: net_pcap_c0,rx_pcap=@DIR@/in-core0.pcap,tx_pcap=@DIR@/out-core0.pcap
isps:
  - {id: 1, name: red, labels: [1001], next_hop: {port: core0, mac: "02:00:00:00:ff:01"}}
  - {id: 2, name: green, labels: [16001, 2002], next_hop: {port: core0, mac: "02:00:00:00:ff:02"}}
local_labels: [{label: 100, action: pop-to-subscriber}]
subscribers:
  - {id: 1, isp: red, line: {port: access0, svlan: 100, cvlan: 1}, cpe_mac: "02:00:00:01:00:01",
     addresses: [100.64.0.1/32, "2001:db8:1:100::/56"]}
  - {id: 2, isp: green, line: {port: access0, svlan: 100, cvlan: 2}, cpe_mac: "02:00:00:01:00:02",
     addresses: [100.64.0.2/32]}
  - {id: 3, isp: green, line: {port: access0, svlan: 200}, cpe_mac: "02:00:00:01:00:03",
     addresses: [100.64.1.0/29], rate: {down: 100Mbit}}
management:
  listen: 127.0.0.1:@API_PORT@
  token_file: token
metrics:
  listen: 127.0.0.1:@METRICS_PORT@
  subscribers: all
)";

// A TCP port nobody listens on now.
uint16_t free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t length = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length);
  close(fd);
  return ntohs(addr.sin_port);
}

// Polls `ready` every 100 ms for up to `seconds`.
bool eventually(const std::function<bool()>& ready, double seconds = 20) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

json totals(const gen::ExpectedTotals& t) { return {{"packets", t.packets}, {"bytes", t.bytes}}; }

// The value of the sample `name{labels}` in a Prometheus text exposition.
std::optional<double> sample(const std::string& text, const std::string& series) {
  size_t at = text.find("\n" + series + " ");
  if (at == std::string::npos) return std::nullopt;
  return std::stod(text.substr(at + series.size() + 2));
}

class OperationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    api_port_ = free_port();
    metrics_port_ = free_port();
    write_config(config_text());
    test::write_file(dir_.file("token"), kToken + "\n");
    LoadResult loaded = load_config(dir_.file("config.yaml"));
    for (const ConfigError& e : loaded.errors) FAIL() << e.to_string();
    gen::TrafficProfile profile;
    profile.packets_per_subscriber = 6;
    traffic_ = gen::generate(loaded.config, profile);
    gen::write_pcap(dir_.file("in-access0.pcap"), traffic_.upstream["access0"]);
    gen::write_pcap(dir_.file("in-core0.pcap"), traffic_.downstream);

    aggrd_ = std::make_unique<test::BackgroundProcess>(std::vector<std::string>{
        g_aggrd, "--config", dir_.file("config.yaml"), "-E", "--file-prefix=" + dir_.file_prefix()});
    api_ = std::make_unique<httplib::Client>("127.0.0.1", api_port_);
    // Up, and done with the input: every frame received.
    size_t frames = traffic_.upstream["access0"].size() + traffic_.downstream.size();
    bool forwarded = eventually([&] {
      json c = get("/v1/counters");
      return !c.is_null() && c["ports"]["access0"]["rx"]["packets"].get<size_t>() +
                                     c["ports"]["core0"]["rx"]["packets"].get<size_t>() == frames;
    });
    ASSERT_TRUE(forwarded) << aggrd_->output();
  }

  void TearDown() override {
    if (aggrd_) {
      EXPECT_EQ(aggrd_->stop(SIGTERM), 0) << aggrd_->output();
    }
  }

  std::string config_text() const {
    std::string text = test::substitute(kConfigTemplate, "DIR", dir_.path());
    text = test::substitute(text, "API_PORT", std::to_string(api_port_));
    return test::substitute(text, "METRICS_PORT", std::to_string(metrics_port_));
  }
  void write_config(const std::string& text) { test::write_file(dir_.file("config.yaml"), text); }

  json get(const std::string& path) {
    auto res = api_->Get(path);
    if (!res || res->status != 200) return nullptr;
    return json::parse(res->body);
  }

  test::ProcessResult aggrctl(std::vector<std::string> words, bool with_token = false) {
    std::vector<std::string> argv = {g_aggrctl, "--api", "127.0.0.1:" + std::to_string(api_port_)};
    if (with_token) argv.insert(argv.end(), {"--token-file", dir_.file("token")});
    argv.insert(argv.end(), words.begin(), words.end());
    return test::run_process(argv);
  }
  json aggrctl_json(std::vector<std::string> words) {
    words.insert(words.begin(), "--json");
    test::ProcessResult r = aggrctl(words);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return json::parse(r.output, nullptr, false);
  }

  std::string scrape() {
    httplib::Client metrics("127.0.0.1", metrics_port_);
    auto res = metrics.Get("/metrics");
    return res && res->status == 200 ? res->body : "";
  }

  const std::string kToken = "0123456789abcdef0123456789abcdef";
  test::ScratchDir dir_{"ops-test"};
  uint16_t api_port_ = 0, metrics_port_ = 0;
  gen::GeneratedTraffic traffic_;
  std::unique_ptr<test::BackgroundProcess> aggrd_;
  std::unique_ptr<httplib::Client> api_;
};

TEST_F(OperationsTest, AggrctlShowsExactCountersAndTables) {
  json isps = aggrctl_json({"show", "isps"});
  ASSERT_EQ(isps.size(), 2u);
  for (const json& isp : isps) {
    std::string name = isp["name"];
    EXPECT_EQ(isp["up"], totals(traffic_.isp_up[name])) << name;
    EXPECT_EQ(isp["down"], totals(traffic_.isp_down[name])) << name;
  }
  json subscriber = aggrctl_json({"show", "subscribers", "3"});
  EXPECT_EQ(subscriber["up"], totals(traffic_.subscriber_up[3]));
  EXPECT_EQ(subscriber["down"], totals(traffic_.subscriber_down[3]));
  EXPECT_EQ(subscriber["rate"]["down"], "100Mbit");
  json drops = aggrctl_json({"show", "drops"});
  for (const auto& [reason, count] : drops.items()) EXPECT_EQ(count, 0) << reason;
  json ports = aggrctl_json({"show", "ports"});
  EXPECT_EQ(ports[1]["device_stats"]["opackets"], traffic_.expected_core.size());
  EXPECT_EQ(aggrctl_json({"show", "fec"})[1]["labels"], (std::vector<uint32_t>{16001, 2002}));
  EXPECT_EQ(aggrctl_json({"show", "ilm"}), json::parse(R"([{"label": 100, "action": "pop-to-subscriber", "source": "static"}])"));
  EXPECT_EQ(aggrctl_json({"show", "workers"})[0]["lcore"], 1);
  EXPECT_EQ(aggrctl_json({"show", "adjacencies"}), json::parse(R"json([
      {"port": "core0", "mac": "02:00:00:00:ff:01", "state": "static", "nhlfes": 1, "entries": ["fec red (static)"]},
      {"port": "core0", "mac": "02:00:00:00:ff:02", "state": "static", "nhlfes": 1, "entries": ["fec green (static)"]}])json"));
  EXPECT_EQ(aggrctl_json({"show", "status"})["generation"], 1);

  // The table form: a header and one aligned row per ISP.
  test::ProcessResult table = aggrctl({"show", "isps"});
  ASSERT_EQ(table.exit_code, 0) << table.output;
  std::string red_row = "\nred     1            1  1001        core0 02:00:00:00:ff:01           6";
  EXPECT_EQ(table.output.rfind("ISP    Id  Subscribers  Labels      Next hop", 0), 0u) << table.output;
  EXPECT_NE(table.output.find(red_row), std::string::npos) << table.output;
  for (const char* view : {"ports", "fec", "ilm", "adjacencies", "counters", "drops", "workers", "status", "subscribers"})
    EXPECT_EQ(aggrctl({"show", view}).exit_code, 0) << view;
}

TEST_F(OperationsTest, ChangesNeedTheTokenAndBadOnesChangeNothing) {
  std::vector<std::string> add = {"subscriber", "add", "9", "isp=red", "port=access0", "svlan=300", "cvlan=9",
                                  "mac=02:00:00:01:00:09", "addresses=100.64.9.0/24", "down=50Mbit"};
  test::ProcessResult refused = aggrctl(add);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(refused.output, "aggrctl: a valid management token is required (Authorization: Bearer <token>)\n");
  EXPECT_NE(aggrctl({"show", "subscribers", "9"}).exit_code, 0);

  test::ProcessResult added = aggrctl(add, true);
  ASSERT_EQ(added.exit_code, 0) << added.output;
  json nine = aggrctl_json({"show", "subscribers", "9"});
  EXPECT_EQ(nine["isp"], "red");
  EXPECT_EQ(nine["line"], json({{"port", "access0"}, {"svlan", 300}, {"cvlan", 9}}));
  EXPECT_EQ(nine["rate"]["down"], "50Mbit");

  // A clash with the running configuration: refused with the reason, nothing changed.
  test::ProcessResult clash = aggrctl({"subscriber", "add", "10", "isp=green", "port=access0", "svlan=100", "cvlan=1",
                                       "mac=02:00:00:01:00:0a", "addresses=100.64.9.7/32"},
                                      true);
  EXPECT_EQ(clash.exit_code, 1);
  EXPECT_EQ(clash.output,
            "aggrctl: line (access0, svlan 100, cvlan 1) already belongs to subscriber 1\n"
            "aggrctl: address 100.64.9.7/32 overlaps 100.64.9.0/24 of subscriber 9\n");
  EXPECT_EQ(aggrctl_json({"show", "status"})["subscribers"], 4);

  ASSERT_EQ(aggrctl({"subscriber", "set", "9", "isp=green"}, true).exit_code, 0);
  EXPECT_EQ(aggrctl_json({"show", "subscribers", "9"})["isp"], "green");
  EXPECT_EQ(aggrctl_json({"show", "isps"})[1]["subscribers"], 3);
  EXPECT_EQ(aggrctl_json({"show", "fec"})[0]["source"], "static");
  ASSERT_EQ(aggrctl({"isp", "set", "red", "labels=1001,1002"}, true).exit_code, 0);
  EXPECT_EQ(aggrctl_json({"show", "fec"})[0]["labels"], (std::vector<uint32_t>{1001, 1002}));
  EXPECT_EQ(aggrctl_json({"show", "fec"})[0]["source"], "api");  // what is installed, and who installed it
  test::ProcessResult bad_label = aggrctl({"isp", "set", "red", "labels=3"}, true);
  EXPECT_EQ(bad_label.output, "aggrctl: label 3 is reserved (RFC 3032) and cannot be pushed\n");
  EXPECT_EQ(aggrctl_json({"show", "fec"})[0]["labels"], (std::vector<uint32_t>{1001, 1002}));

  // A reload leaves the API's entries alone; withdrawn, the file's FTN entry returns.
  EXPECT_EQ(aggrctl_json({"show", "subscribers", "9"})["source"], "api");
  EXPECT_EQ(aggrctl_json({"show", "subscribers", "1"})["source"], "static");
  test::ProcessResult reloaded = aggrctl({"reload"}, true);
  EXPECT_EQ(reloaded.output, "reloaded: generation 2 (no changes)\n");
  EXPECT_EQ(aggrctl_json({"show", "subscribers", "9"})["isp"], "green");
  EXPECT_EQ(aggrctl_json({"show", "fec"})[0]["labels"], (std::vector<uint32_t>{1001, 1002}));
  test::ProcessResult reset = aggrctl({"isp", "reset", "red"}, true);
  EXPECT_EQ(reset.output, "isp red reset\n");
  EXPECT_EQ(aggrctl_json({"show", "fec"})[0]["labels"], (std::vector<uint32_t>{1001}));
  EXPECT_EQ(aggrctl_json({"show", "fec"})[0]["source"], "static");
  EXPECT_EQ(aggrctl({"isp", "reset", "red"}, true).output, "aggrctl: isp red has no FTN entry set by the API\n");

  ASSERT_EQ(aggrctl({"subscriber", "del", "9"}, true).exit_code, 0);
  test::ProcessResult gone = aggrctl({"show", "subscribers", "9"});
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_EQ(gone.output, "aggrctl: no subscriber 9\n");
  // Malformed requests: a clear error, nothing changed.
  httplib::Headers auth = {{"Authorization", "Bearer " + kToken}};
  auto not_json = api_->Post("/v1/subscribers", auth, "{\"id\": 9,", "application/json");
  ASSERT_TRUE(not_json);
  EXPECT_EQ(not_json->status, 400);
  EXPECT_EQ(json::parse(not_json->body)["error"], "the request body is not valid JSON");
  auto wrong_field = api_->Patch("/v1/subscribers/1", auth, "{\"vlan\": 3}", "application/json");
  ASSERT_TRUE(wrong_field);
  EXPECT_EQ(wrong_field->status, 400);
  EXPECT_EQ(json::parse(wrong_field->body)["error"], "subscriber: unknown field 'vlan'");
  auto no_route = api_->Get("/v1/nothing");
  ASSERT_TRUE(no_route);
  EXPECT_EQ(no_route->status, 404);
  EXPECT_EQ(json::parse(no_route->body)["error"], "no such request: GET /v1/nothing");
  // A wrong token is refused like none.
  test::write_file(dir_.file("token"), "not-the-token-at-all\n");
  EXPECT_EQ(aggrctl({"subscriber", "del", "1"}, true).exit_code, 1);
  EXPECT_EQ(aggrctl_json({"show", "status"})["subscribers"], 3);
}

TEST_F(OperationsTest, WithoutATokenFileEveryChangeIsRefused) {
  ASSERT_EQ(aggrd_->stop(SIGTERM), 0);
  std::string text = config_text();
  const std::string token_line = "  token_file: token\n";
  text.replace(text.find(token_line), token_line.size(), "");
  write_config(text);
  aggrd_ = std::make_unique<test::BackgroundProcess>(std::vector<std::string>{
      g_aggrd, "--config", dir_.file("config.yaml"), "-E", "--file-prefix=" + dir_.file_prefix()});
  ASSERT_TRUE(eventually([&] { return !get("/v1/status").is_null(); })) << aggrd_->output();
  EXPECT_EQ(get("/v1/status")["changes_allowed"], false);
  test::ProcessResult refused = aggrctl({"subscriber", "del", "1"}, true);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(refused.output, "aggrctl: changes are disabled: the configuration names no management.token_file\n");
  EXPECT_EQ(aggrctl({"reload"}, true).exit_code, 1);
  EXPECT_EQ(aggrctl_json({"show", "status"})["subscribers"], 3);
}

TEST_F(OperationsTest, ASecondRouterOnTheSameAddressesRefusesToStart) {
  test::ScratchDir other("ops-test-second");
  test::ProcessResult r = test::run_process(
      {g_aggrd, "--config", dir_.file("config.yaml"), "--duration", "3", "-E", "--file-prefix=" + other.file_prefix()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("management API: cannot listen on 127.0.0.1:" + std::to_string(api_port_)),
            std::string::npos)
      << r.output;
  EXPECT_EQ(get("/v1/status")["generation"], 1);  // the first one runs on

  // Its management API off: the metrics address clashes next.
  std::string text = config_text();
  const std::string api_listen = "listen: 127.0.0.1:" + std::to_string(api_port_);
  text.replace(text.find(api_listen), api_listen.size(), "listen: \"off\"");
  test::write_file(dir_.file("second.yaml"), text);
  r = test::run_process({g_aggrd, "--config", dir_.file("second.yaml"), "--duration", "3", "-E",
                         "--file-prefix=" + other.file_prefix()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("metrics: cannot listen on 127.0.0.1:" + std::to_string(metrics_port_)), std::string::npos)
      << r.output;
}

TEST_F(OperationsTest, MetricsPassPromtoolAndPrometheusSeesTheExactByteCounts) {
  std::string text = scrape();
  ASSERT_FALSE(text.empty());
  test::write_file(dir_.file("scrape.txt"), text);
  test::ProcessResult lint = test::run_process({"promtool", "check", "metrics"}, dir_.file("scrape.txt"));
  EXPECT_EQ(lint.exit_code, 0) << lint.output;
  EXPECT_EQ(sample(text, "aggr_isp_bytes_total{isp=\"red\",direction=\"upstream\",role=\"headend\"}"), double(traffic_.isp_up["red"].bytes));
  EXPECT_EQ(sample(text, "aggr_subscriber_bytes_total{subscriber=\"3\",isp=\"green\",direction=\"downstream\"}"),
            double(traffic_.subscriber_down[3].bytes));
  EXPECT_EQ(sample(text, "aggr_drops_total{reason=\"unknown_line\"}"), 0.0);
  EXPECT_EQ(sample(text, "aggr_port_transmit_packets_total{port=\"core0\"}"), double(traffic_.expected_core.size()));
  EXPECT_EQ(sample(text, "aggr_table_entries{table=\"subscribers\"}"), 3.0);
  EXPECT_EQ(sample(text, "aggr_config_generation"), 1.0);

  // A real Prometheus server scrapes aggrd; its query API must give the sums.
  uint16_t prometheus_port = free_port();
  test::write_file(dir_.file("prometheus.yml"), "global: {scrape_interval: 1s}\nscrape_configs:\n"
                                                "  - job_name: aggrd\n    static_configs:\n"
                                                "      - targets: ['127.0.0.1:" + std::to_string(metrics_port_) + "']\n");
  test::BackgroundProcess prometheus({"prometheus", "--config.file=" + dir_.file("prometheus.yml"),
                                      "--storage.tsdb.path=" + dir_.file("tsdb"),
                                      "--web.listen-address=127.0.0.1:" + std::to_string(prometheus_port)});
  httplib::Client client("127.0.0.1", prometheus_port);
  json result;
  bool scraped = eventually([&] {
    auto res = client.Get("/api/v1/query?query=aggr_isp_bytes_total");
    if (!res || res->status != 200) return false;
    result = json::parse(res->body)["data"]["result"];
    return result.size() == 4;
  }, 60);
  ASSERT_TRUE(scraped) << prometheus.output();
  for (const json& series : result) {
    std::string isp = series["metric"]["isp"], direction = series["metric"]["direction"];
    const gen::ExpectedTotals& expected = direction == "upstream" ? traffic_.isp_up[isp] : traffic_.isp_down[isp];
    EXPECT_EQ(series["value"][1], std::to_string(expected.bytes)) << isp << " " << direction;
    EXPECT_EQ(series["metric"]["job"], "aggrd");
    EXPECT_EQ(series["metric"]["role"], "headend");
  }
  prometheus.stop(SIGTERM);
}

TEST_F(OperationsTest, ReloadAppliesTheDifferenceOrKeepsTheRunningConfiguration) {
  // An error (SIGHUP): reported with file, line and column; nothing changes.
  std::string good = config_text();
  std::string broken = good;
  broken.replace(broken.find("labels: [1001]"), 14, "labels: [1001, 7]");
  write_config(broken);
  aggrd_->signal(SIGHUP);
  json status;
  ASSERT_TRUE(eventually([&] {
    status = get("/v1/status");
    return !status.is_null() && status["reloads"]["failed"] == 1;
  }));
  EXPECT_EQ(status["generation"], 1);
  EXPECT_EQ(status["last_reload"]["errors"],
            json::array({dir_.file("config.yaml") + ":16:32: label 7 is reserved (RFC 3032) and cannot be pushed"}));
  EXPECT_EQ(aggrctl_json({"show", "fec"})[0]["labels"], std::vector<uint32_t>{1001});

  // A change that needs a restart: refused by aggrctl reload, with the reason.
  std::string restart = good;
  restart.replace(restart.find("mtu: 1500"), 9, "mtu: 9000");
  write_config(restart);
  test::ProcessResult refused = aggrctl({"reload"}, true);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(refused.output, "aggrctl: port core0 changed: that needs a restart\n");

  // A good one: only the difference is applied.
  std::string moved = good;
  moved.replace(moved.find("labels: [1001]"), 14, "labels: [1001, 1002]");
  moved.replace(moved.find("{id: 2, isp: green"), 18, "{id: 2, isp: red");
  write_config(moved);
  test::ProcessResult reloaded = aggrctl({"reload"}, true);
  EXPECT_EQ(reloaded.exit_code, 0) << reloaded.output;
  EXPECT_EQ(reloaded.output, "reloaded: generation 2 (1 FTN entries changed, 1 subscribers changed)\n");
  EXPECT_EQ(aggrctl_json({"show", "fec"})[0]["labels"], (std::vector<uint32_t>{1001, 1002}));
  EXPECT_EQ(aggrctl_json({"show", "subscribers", "2"})["isp"], "red");
  EXPECT_EQ(sample(scrape(), "aggr_config_generation"), 2.0);
  EXPECT_EQ(sample(scrape(), "aggr_config_reloads_total{result=\"failure\"}"), 2.0);
  std::string log = aggrd_->output();
  EXPECT_NE(log.find("configuration generation 2 applied"), std::string::npos) << log;
}

TEST_F(OperationsTest, DpdkTelemetryShowsTheSameState) {
  test::write_file(dir_.file("commands"), "/aggr/isps\n/aggr/isp,green\n/aggr/subscriber,1\n/aggr/status\n");
  test::ProcessResult r = test::run_process(
      {"/usr/bin/python3", "/usr/bin/dpdk-telemetry.py", "-f", dir_.file_prefix()}, dir_.file("commands"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::vector<json> replies;
  std::istringstream lines(r.output);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("{\"/aggr/", 0) == 0) replies.push_back(json::parse(line));
  ASSERT_EQ(replies.size(), 4u) << r.output;
  EXPECT_EQ(replies[0]["/aggr/isps"], json::array({"red", "green"}));
  EXPECT_EQ(replies[1]["/aggr/isp"]["up/bytes"], traffic_.isp_up["green"].bytes);
  EXPECT_EQ(replies[1]["/aggr/isp"]["labels"], json::array({16001, 2002}));
  EXPECT_EQ(replies[2]["/aggr/subscriber"]["down/packets"], traffic_.subscriber_down[1].packets);
  EXPECT_EQ(replies[3]["/aggr/status"]["generation"], 1);
}

}  // namespace
}  // namespace aggr

int main(int argc, char** argv) {
  return aggr::test::run_integration_tests(argc, argv, {"aggrd", "aggrctl"}, {&aggr::g_aggrd, &aggr::g_aggrctl});
}
