// aggr-cpe's decisions, apart from the kernel: its configuration and every
// error at file:line:column, the line meter's saturation, the broker's
// instructions as a device reads them, the routes and links a set of
// contracts makes (tests/e2e/sharing_test.py installs them for real), and
// its status as JSON and as metrics, served.
#include <gtest/gtest.h>
#include <httplib.h>

#include "controlplane/cpe/cpe_config.h"
#include "controlplane/cpe/line_meter.h"
#include "controlplane/cpe/route_plan.h"
#include "controlplane/cpe/status_server.h"
#include "tests/support/process.h"

namespace aggr::test {
namespace {

using namespace aggr::cpe;
using nlohmann::json;

IpPrefix address(const char* text) {
  IpPrefix p;
  EXPECT_TRUE(parse_prefix(text, &p).ok()) << text;
  return p;
}

struct Loaded {
  bool ok = false;
  CpeConfig config;
  std::vector<std::string> errors;
};

IpPrefix address_and_length(const char* text) {
  IpPrefix p;
  EXPECT_TRUE(parse_interface_address(text, &p).ok()) << text;
  return p;
}

Loaded load(const ScratchDir& dir, const std::string& yaml) {
  write_file(dir.file("cpe.yaml"), yaml);
  Loaded out;
  std::vector<ConfigError> errors;
  out.ok = load_cpe_config(dir.file("cpe.yaml"), &out.config, &errors);
  for (const ConfigError& e : errors) out.errors.push_back(e.to_string().substr(dir.path().size() + 1));
  return out;
}

TEST(CpeConfig, TheShippedExampleIsValid) {
  std::vector<ConfigError> errors;
  CpeConfig c;
  ASSERT_TRUE(load_cpe_config(std::string(AGGR_SOURCE_DIR) + "/config/cpe-sub1.yaml", &c, &errors))
      << (errors.empty() ? "" : errors[0].to_string());
  EXPECT_EQ(c.subscriber, "1");
  EXPECT_EQ(c.broker_port, 9470);
  EXPECT_EQ(c.token_file, std::string(AGGR_SOURCE_DIR) + "/config/tokens/cpe-sub1.token");
  EXPECT_EQ(c.wan_gateway, address("100.64.0.1"));
  EXPECT_EQ(c.down_bps, 20'000'000u);
  EXPECT_EQ(c.sync_up_bps, 10'000'000u);
  ASSERT_EQ(c.third_links.size(), 1u);
  EXPECT_EQ(c.third_link_to("2")->peer_prefixes, std::vector<IpPrefix>{address("100.64.2.0/29")});
  EXPECT_EQ(c.third_link_to("2")->address, address_and_length("10.200.12.1/30"));
  EXPECT_EQ(c.status_listen, (std::pair<std::string, uint16_t>{"127.0.0.1", 9480}));
  EXPECT_EQ(c.lend_down_bps, 12'000'000u);
  EXPECT_EQ(c.lend_up_bps, std::nullopt);
  EXPECT_TRUE(c.borrow.enabled);
  EXPECT_EQ(c.borrow.saturated_for_ms, 5000);
  EXPECT_EQ(c.borrow.desired_bps, 8'000'000u);
  EXPECT_EQ(c.borrow.direction, cpe::Direction::kBoth);
  EXPECT_EQ(c.borrow.duration_ms, 300'000);
}

TEST(CpeConfig, EveryErrorIsFoundAndPlaced) {
  ScratchDir dir("cpe-config");
  const Loaded l = load(dir, R"(subscriber: a
broker: {server: nowhere, token_file: t}
wan: {interface: eth0, gateway: 100.64.0.0/16, down: fast}
third_links:
  - {peer: b, interface: tl0, peer_address: 10.0.0.2, peer_prefixes: [100.64.2.1/29]}
  - {peer: b, interface: tl1, peer_address: 10.0.1.2, peer_prefixes: []}
borrow: {desired: 1Mbit, min: 2Mbit, direction: sideways, saturated_for: soon}
colour: blue
)");
  EXPECT_FALSE(l.ok);
  EXPECT_EQ(l.errors, (std::vector<std::string>{
                          "cpe.yaml:8:1: unknown key 'colour' in the device configuration (expected one of: subscriber, "
                          "broker, wan, announce, lend, third_links, borrow, measure_interval, status)",
                          "cpe.yaml:2:18: broker server: 'nowhere' is not host:port (port 1..65535)",
                          "cpe.yaml:3:33: wan gateway: '100.64.0.0/16' is not an address (no /length)",
                          "cpe.yaml:3:54: wan down: 'fast' is not a rate (e.g. 100Mbit, 1.5Gbit, 640kbit, 2500000)",
                          "cpe.yaml:3:6: wan needs 'up'",
                          "cpe.yaml:5:71: peer prefix: '100.64.2.1/29' has host bits set beyond /29",
                          "cpe.yaml:6:12: peer 'b' has two third links",
                          "cpe.yaml:7:74: borrow saturated_for: 'soon' is not a duration such as 500ms, 30s, 5m or 1h",
                          "cpe.yaml:7:49: borrow direction: 'sideways' is not one of: down, up, both",
                          "cpe.yaml:7:9: borrow: min is more than desired",
                      }));
}

TEST(CpeConfig, AnOwnedThirdLinksAddressHoldsItsPeerAndTheStatusListensOnHostAndPort) {
  ScratchDir dir("cpe-config-links");
  const Loaded l = load(dir, R"(subscriber: a
broker: {server: 127.0.0.1:9470, token_file: t}
wan: {interface: eth0, gateway: 100.64.0.1, down: 20Mbit, up: 10Mbit}
third_links:
  - {peer: b, interface: tl0, peer_address: 10.0.0.2, peer_prefixes: [], address: 10.0.1.1/30}
  - {peer: c, interface: tl1, peer_address: 10.0.2.2, peer_prefixes: [], address: 10.0.2.2/30}
  - {peer: d, interface: tl2, peer_address: 10.0.3.2, peer_prefixes: [], address: 10.0.3.1}
  - {peer: e, interface: tl3, peer_address: 10.0.4.2, peer_prefixes: [], address: nowhere}
status: {listen: 9480}
)");
  EXPECT_FALSE(l.ok);
  EXPECT_EQ(l.errors, (std::vector<std::string>{
                          "cpe.yaml:5:83: third link b: the peer_address 10.0.0.2 must be another address of 10.0.1.0/30",
                          "cpe.yaml:6:83: third link c: the peer_address 10.0.2.2 must be another address of 10.0.2.0/30",
                          "cpe.yaml:7:83: third link address: '10.0.3.1' needs the subnet's length (address/length)",
                          "cpe.yaml:8:83: third link address: 'nowhere' needs the subnet's length (address/length)",
                          "cpe.yaml:9:18: status listen: '9480' is not host:port (port 1..65535)",
                      }));
}

TEST(CpeConfig, WhatADeviceLendsIsARateEachWay) {
  ScratchDir dir("cpe-config-lend");
  const std::string head = R"(subscriber: a
broker: {server: 127.0.0.1:9470, token_file: t}
wan: {interface: eth0, gateway: 100.64.0.1, down: 20Mbit, up: 10Mbit}
)";
  Loaded l = load(dir, head + "lend: {up: 0}\n");
  ASSERT_TRUE(l.ok) << l.errors[0];
  EXPECT_EQ(l.config.lend_down_bps, std::nullopt);
  EXPECT_EQ(l.config.lend_up_bps, 0u);  // lends nothing upstream
  l = load(dir, head + "lend: {down: plenty, sideways: 1Mbit}\n");
  EXPECT_FALSE(l.ok);
  EXPECT_EQ(l.errors, (std::vector<std::string>{
                          "cpe.yaml:4:22: unknown key 'sideways' in lend (expected one of: down, up)",
                          "cpe.yaml:4:14: lend down: 'plenty' is not a rate (e.g. 100Mbit, 1.5Gbit, 640kbit, 2500000)",
                      }));
}

TEST(LineMeter, ALineIsSaturatedOnlyWhenItHasBeenBusyLongEnough) {
  LineMeter m(20'000'000, 10'000'000, 0.9, 3000);
  EXPECT_FALSE(m.rates());
  uint64_t rx = 0, tx = 0;
  m.observe(0, rx, tx);
  // 19 Mbit/s down (over 90 %), 2 Mbit/s up, each second.
  for (int64_t t = 1000; t <= 3000; t += 1000) {
    rx += 19'000'000 / 8;
    tx += 2'000'000 / 8;
    m.observe(t, rx, tx);
  }
  EXPECT_EQ(m.rates()->down_bps, 19'000'000u);
  EXPECT_EQ(m.rates()->up_bps, 2'000'000u);
  EXPECT_TRUE(m.saturated_down(3000));  // since 0: three seconds
  EXPECT_FALSE(m.saturated_down(2999));
  EXPECT_FALSE(m.saturated_up(3000));
  // One quiet second starts it over.
  rx += 1'000'000 / 8;
  m.observe(4000, rx, tx);
  EXPECT_FALSE(m.saturated_down(4000));
  rx += 19'000'000 / 8;
  m.observe(5000, rx, tx);
  EXPECT_FALSE(m.saturated_down(6999));  // busy since 4000
  EXPECT_TRUE(m.saturated_down(7000));
  // A counter that goes back (the interface was made again) is no rate.
  m.observe(6000, 10, 10);
  EXPECT_FALSE(m.rates());
  EXPECT_FALSE(m.saturated_down(9000));
}

json instruction(const char* id, const char* role, const char* peer, uint64_t down, uint64_t up) {
  return {{"contract", id}, {"epoch", 2}, {"role", role}, {"peer", peer}, {"down_bps", down}, {"up_bps", up},
          {"interruptible", true}, {"expires_at_ms", 90'000}, {"lease_expires_at_ms", 40'000}};
}

TEST(DeviceInstructions, AreReadWholeOrNotAtAll) {
  std::vector<DeviceContract> contracts;
  std::vector<std::string> errors;
  ASSERT_TRUE(parse_device_instructions(json::array({instruction("c7", "borrower", "b", 5, 6)}), &contracts, &errors));
  ASSERT_EQ(contracts.size(), 1u);
  EXPECT_EQ(contracts[0], (DeviceContract{"c7", 2, true, "b", 5, 6, true, 90'000, 40'000}));
  json bad = instruction("c8", "lender", "b", 5, 6);
  json short_one = instruction("c9", "donor", "b", 5, 6);
  short_one.erase("lease_expires_at_ms");
  EXPECT_FALSE(parse_device_instructions(json::array({instruction("c7", "borrower", "b", 5, 6), bad, short_one}),
                                         &contracts, &errors));
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0], "instruction c8: no role 'lender'");
  EXPECT_EQ(contracts.size(), 1u);  // the last good list stays
  EXPECT_FALSE(parse_device_instructions(json::object(), &contracts, &errors));
}

CpeConfig device() {
  CpeConfig c;
  c.subscriber = "a";
  c.wan_interface = "eth0";
  c.wan_gateway = address("100.64.0.1");
  c.down_bps = 20'000'000;
  c.up_bps = 10'000'000;
  c.third_links = {{"b", "tl0", address("10.200.0.2"), {address("100.64.2.0/29"), address("100.64.9.9")}},
                   {"c", "tl1", address("10.200.1.2"), {address("100.64.3.0/29")}}};
  return c;
}

TEST(RoutePlan, WithoutContractsEverythingGoesOverTheOwnLine) {
  const RoutePlan plan = plan_routes(device(), {});
  EXPECT_EQ(plan.default_route, (std::vector<RouteNextHop>{{address("100.64.0.1"), "eth0", 1}}));
  EXPECT_TRUE(plan.carried.empty());
}

TEST(RoutePlan, ABorrowerSpreadsItsFlowsByTheUpstreamRates) {
  const DeviceContract from_b{"c1", 1, true, "b", 8'000'000, 5'000'000, true, 0, 0};
  const DeviceContract from_c{"c2", 1, true, "c", 8'000'000, 2'500'000, true, 0, 0};
  RoutePlan plan = plan_routes(device(), {from_b, from_c});
  EXPECT_EQ(plan.default_route, (std::vector<RouteNextHop>{{address("100.64.0.1"), "eth0", 256},
                                                           {address("10.200.0.2"), "tl0", 128},
                                                           {address("10.200.1.2"), "tl1", 64}}));
  EXPECT_TRUE(plan.carried.empty());
  // Borrowing downstream only leaves the upstream on the own line.
  const DeviceContract down_only{"c3", 1, true, "b", 8'000'000, 0, true, 0, 0};
  EXPECT_EQ(plan_routes(device(), {down_only}).default_route.size(), 1u);
}

TEST(RoutePlan, ADonorCarriesTheBorrowersPrefixesOverTheThirdLink) {
  const DeviceContract to_b{"c4", 1, false, "b", 8'000'000, 5'000'000, false, 0, 0};
  const DeviceContract to_nobody{"c5", 1, false, "z", 1, 1, false, 0, 0};
  RoutePlan plan = plan_routes(device(), {to_b, to_nobody});
  EXPECT_EQ(plan.default_route.size(), 1u);
  const RouteNextHop over_tl0{address("10.200.0.2"), "tl0", 1};
  EXPECT_EQ(plan.carried, (std::map<IpPrefix, RouteNextHop>{{address("100.64.2.0/29"), over_tl0},
                                                            {address("100.64.9.9"), over_tl0}}));
  EXPECT_EQ(plan.problems, std::vector<std::string>{"contract c5: no third link to z"});
}

TEST(RoutePlan, AnOwnedThirdLinkIsUpOnlyUnderAContractWithItsPeer) {
  CpeConfig c = device();
  c.third_links[0].address = address_and_length("10.200.0.1/30");  // owned; tl1 is not
  EXPECT_TRUE(plan_routes(c, {}).links_up.empty());
  const DeviceContract to_b{"c4", 1, false, "b", 8'000'000, 5'000'000, false, 0, 0};
  const DeviceContract from_c{"c2", 1, true, "c", 8'000'000, 2'500'000, true, 0, 0};
  EXPECT_EQ(plan_routes(c, {to_b, from_c}).links_up, std::set<std::string>{"tl0"});
  EXPECT_TRUE(plan_routes(c, {from_c}).links_up.empty());
  EXPECT_FALSE(plan_routes(c, {to_b}) == plan_routes(c, {}));
}

CpeStatus borrowing_status() {
  CpeConfig c = device();
  c.third_links[0].address = address_and_length("10.200.0.1/30");
  CpeStatus s;
  s.subscriber = "a";
  s.at_ms = 5000;
  s.plan_down_bps = 20'000'000;
  s.plan_up_bps = 10'000'000;
  s.rx_bytes = 123'456;
  s.tx_bytes = 7'890;
  s.rates = LineRates{19'500'000, 9'100'000};
  s.saturated_down = true;
  s.contracts = {{"c1", 3, true, "b", 8'000'000, 4'000'000, true, 90'000, 10'000}};
  s.third_links = {{"b", "tl0", true, true}, {"c\"", "tl1", false, false}};
  s.routes = plan_routes(c, s.contracts);
  s.routes_complete = true;
  s.broker_reachable = true;
  s.broker_answered_at_ms = 4900;
  s.grants = {2, 1, 4};
  return s;
}

TEST(CpeStatus, ShowsTheLineTheContractsTheLinksAndTheRoutes) {
  const json j = status_json(borrowing_status());
  EXPECT_EQ(j["line"]["rate"], (json{{"down_bps", 19'500'000}, {"up_bps", 9'100'000}}));
  EXPECT_EQ(j["line"]["saturated"], (json{{"down", true}, {"up", false}}));
  EXPECT_EQ(j["contracts"][0]["role"], "borrower");
  EXPECT_EQ(j["contracts"][0]["lease_expires_at_ms"], 10'000);
  EXPECT_EQ(j["third_links"], json::parse(R"([
    {"peer": "b", "interface": "tl0", "owned": true, "in_use": true, "state": "up"},
    {"peer": "c\"", "interface": "tl1", "owned": false, "in_use": false, "state": "up"}])"));
  EXPECT_EQ(j["routes"]["default"], json::parse(R"([
    {"gateway": "100.64.0.1", "interface": "eth0", "weight": 256},
    {"gateway": "10.200.0.2", "interface": "tl0", "weight": 102}])"));
  EXPECT_EQ(j["grants"], (json{{"granted", 2}, {"refused", 1}, {"renewed", 4}}));
  EXPECT_EQ(j["broker"]["reachable"], true);
}

TEST(CpeStatus, MetricsAreOneLineASeriesWithEscapedLabels) {
  const std::string m = status_metrics(borrowing_status());
  for (const char* line : {"aggr_cpe_line_bytes_total{direction=\"down\"} 123456\n",
                           "aggr_cpe_line_rate_bps{direction=\"up\"} 9100000\n",
                           "aggr_cpe_line_saturated{direction=\"down\"} 1\n",
                           "aggr_cpe_contracts{role=\"borrower\"} 1\n",
                           "aggr_cpe_contract_rate_bps{role=\"borrower\",direction=\"up\"} 4000000\n",
                           "aggr_cpe_third_link_in_use{peer=\"b\",interface=\"tl0\"} 1\n",
                           "aggr_cpe_third_link_in_use{peer=\"c\\\"\",interface=\"tl1\"} 0\n",
                           "aggr_cpe_default_route_next_hops 2\n",
                           "aggr_cpe_grants_total{outcome=\"renewed\"} 4\n",
                           "aggr_cpe_broker_up 1\n"})
    EXPECT_NE(m.find(line), std::string::npos) << line << " not in\n" << m;
}

TEST(StatusServer, ServesTheAgentsLatestSnapshot) {
  int calls = 0;
  StatusServer server("127.0.0.1", 0, [&] {
    ++calls;
    return borrowing_status();
  });
  httplib::Client client("127.0.0.1", server.port());
  httplib::Result status = client.Get("/v1/status");
  ASSERT_TRUE(status);
  EXPECT_EQ(status->status, 200);
  EXPECT_EQ(json::parse(status->body), status_json(borrowing_status()));
  httplib::Result metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->body, status_metrics(borrowing_status()));
  EXPECT_EQ(client.Post("/v1/status", "{}", "application/json")->status, 404);
  EXPECT_EQ(calls, 2);
  EXPECT_THROW(StatusServer("127.0.0.1", server.port(), [] { return CpeStatus{}; }), std::runtime_error);
}

}  // namespace
}  // namespace aggr::test
