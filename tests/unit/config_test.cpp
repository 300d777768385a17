// Configuration validation: one good configuration, and bad ones that must
// each be rejected with the right message at the right line and column.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/support/text_fixtures.h"
#include "controlplane/config/config.h"
#include "tests/support/process.h"

namespace aggr {
namespace {

using test::replaced;

// Line numbers below refer to this text.
const char* const kGood = R"(router:
  name: t
  router_id: 10.0.0.1
  ttl_model: uniform
workers:
  lcores: [1]
ports:
  - name: access0
    role: access
    device: net_null0
    mac: 02:00:00:00:00:01
  - name: core0
    role: core
    device: net_null1
    mtu: 1500
isps:
  - id: 1
    name: red
    labels: [1001]
    next_hop: {port: core0, mac: "02:00:00:00:ff:01"}
  - id: 2
    name: green
    labels: [2001, 2002]
    next_hop: {port: core0, mac: "02:00:00:00:ff:02"}
local_labels:
  - {label: 100, action: pop-to-subscriber}
subscribers:
  - id: 1
    isp: red
    line: {port: access0, svlan: 10, cvlan: 1}
    cpe_mac: "02:00:00:00:10:01"
    addresses: [100.64.0.1/32, "2001:db8::/56"]
    rate: {up: 10Mbit, down: 50Mbit}
  - id: 2
    isp: green
    line: {port: access0, svlan: 10, cvlan: 2}
    cpe_mac: "02:00:00:00:10:02"
    addresses: [100.64.0.2/32]
management:
  listen: 127.0.0.1:9465
  token_file: token
metrics:
  listen: 127.0.0.1:9464
  subscribers: top-10
logging: {level: info, syslog: false}
)";

// Each call a new file, in one scratch directory removed when the test
// program exits (errors name the file, so every case keeps its own).
std::string write_temp(const std::string& text, const std::string& suffix = ".yaml") {
  static const test::ScratchDir directory("config-test");
  static int counter = 0;
  std::string path = directory.file(std::to_string(counter++) + suffix);
  std::ofstream(path) << text;
  return path;
}


TEST(Config, GoodConfigurationLoads) {
  LoadResult r = load_config(write_temp(kGood));
  for (const auto& e : r.errors) ADD_FAILURE() << e.to_string();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.config.ports.size(), 2u);
  EXPECT_EQ(r.config.isps[1].labels, (std::vector<uint32_t>{2001, 2002}));
  EXPECT_EQ(r.config.subscribers[0].rate_bps[0], 10000000u);
  EXPECT_EQ(r.config.subscribers[0].addresses.size(), 2u);
  EXPECT_EQ(r.config.subscribers[0].svlan, 10);
  EXPECT_EQ(r.config.subscribers[0].cvlan, 1);
  EXPECT_EQ(r.config.local_labels[0].label, 100u);
}

struct BadCase {
  const char* name;
  const char* from;
  const char* to;
  int line;
  int column;
  const char* message;  // must appear in the error
};

class BadConfig : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadConfig, IsRejectedWithFileLineColumnAndReason) {
  const BadCase& c = GetParam();
  std::string path = write_temp(replaced(kGood, c.from, c.to));
  LoadResult r = load_config(path);
  ASSERT_FALSE(r.ok()) << "accepted: " << c.name;
  const ConfigError* match = nullptr;
  for (const ConfigError& e : r.errors)
    if (match == nullptr && e.message.find(c.message) != std::string::npos) match = &e;
  ASSERT_NE(match, nullptr) << c.name << ": no error says '" << c.message << "'; first: " << r.errors[0].to_string();
  const ConfigError& e = *match;
  EXPECT_EQ(e.where.file, path);
  EXPECT_EQ(e.where.line, c.line) << e.to_string();
  EXPECT_EQ(e.where.column, c.column) << e.to_string();
  EXPECT_NE(e.message.find(c.message), std::string::npos) << e.to_string();
}

const BadCase kBadCases[] = {
    {"yaml_syntax", "  name: t\n", "  name: [t\n", 3, 12, "YAML syntax"},
    {"unknown_top_key", "workers:\n", "workerz:\n", 5, 1, "unknown key 'workerz'"},
    {"missing_workers", "workers:\n  lcores: [1]\n", "", 1, 1, "needs 'workers'"},
    {"unknown_port_key", "    mtu: 1500\n", "    mtux: 1500\n", 15, 5, "unknown key 'mtux' in port"},
    {"mtu_not_a_number", "mtu: 1500", "mtu: big", 15, 10, "not an unsigned integer"},
    {"mtu_too_small", "mtu: 1500", "mtu: 100", 15, 10, "576..9600"},
    {"port_without_device", "    device: net_null1\n", "", 12, 5, "needs 'device'"},
    {"bad_port_role", "role: core", "role: backbone", 13, 11, "'backbone' is not one of: access, core"},
    {"bad_port_mac", "mac: 02:00:00:00:00:01", "mac: 02:00:00:00:00", 11, 10, "not a MAC address"},
    {"duplicate_port_name", "name: core0", "name: access0", 12, 5, "port name 'access0' is already used"},
    {"worker_is_main_lcore", "lcores: [1]", "lcores: [0]", 6, 11, "lcore 0 is the main lcore"},
    {"duplicate_isp_id", "  - id: 2\n    name: green", "  - id: 1\n    name: green", 21, 5, "isp id 1 is already used"},
    {"duplicate_isp_name", "name: green", "name: red", 21, 5, "isp name 'red' is already used"},
    {"label_too_large", "labels: [1001]", "labels: [1048576]", 19, 13, "above 1048575"},
    {"reserved_label", "labels: [1001]", "labels: [7]", 19, 13, "reserved"},
    {"too_many_labels", "labels: [2001, 2002]", "labels: [2001, 2002, 2003, 2004]", 23, 13, "1 to 3 labels"},
    {"no_labels", "labels: [1001]", "labels: []", 19, 13, "1 to 3 labels"},
    {"next_hop_unknown_port", "{port: core0, mac: \"02:00:00:00:ff:01\"}", "{port: core9, mac: \"02:00:00:00:ff:01\"}",
     20, 22, "no port named 'core9'"},
    {"next_hop_not_core", "{port: core0, mac: \"02:00:00:00:ff:01\"}", "{port: access0, mac: \"02:00:00:00:ff:01\"}",
     20, 22, "is not a core port"},
    {"bad_next_hop_mac", "mac: \"02:00:00:00:ff:01\"", "mac: \"zz:00:00:00:ff:01\"", 20, 34, "not a MAC address"},
    {"duplicate_subscriber_id", "  - id: 2\n    isp: green", "  - id: 1\n    isp: green", 34, 5,
     "subscriber id 1 is already used"},
    {"unknown_isp", "isp: green", "isp: purple", 35, 10, "no isp named 'purple'"},
    {"unknown_line_port", "{port: access0, svlan: 10, cvlan: 2}", "{port: access9, svlan: 10, cvlan: 2}", 36, 11,
     "no port named 'access9'"},
    {"line_on_core_port", "{port: access0, svlan: 10, cvlan: 2}", "{port: core0, svlan: 10, cvlan: 2}", 36, 11,
     "not an access port"},
    {"vlan_out_of_range", "svlan: 10, cvlan: 2", "svlan: 4095, cvlan: 2", 36, 34, "above the maximum 4094"},
    {"cvlan_without_svlan", "{port: access0, svlan: 10, cvlan: 2}", "{port: access0, cvlan: 2}", 36, 11,
     "a cvlan needs an svlan"},
    {"duplicate_line", "svlan: 10, cvlan: 2", "svlan: 10, cvlan: 1", 36, 11, "already belongs to subscriber 1"},
    {"bad_prefix", "[100.64.0.2/32]", "[100.64.0.300/32]", 38, 17, "not an IPv4 or IPv6 prefix"},
    {"host_bits_set", "[100.64.0.2/32]", "[100.64.0.2/24]", 38, 17, "host bits set"},
    {"overlapping_prefixes", "[100.64.0.2/32]", "[100.64.0.0/24]", 32, 17, "overlaps 100.64.0.0/24 of subscriber 2"},
    {"overlapping_ipv6", "[100.64.0.2/32]", "[\"2001:db8::/48\"]", 32, 32, "overlaps 2001:db8::/48 of subscriber 2"},
    {"bad_rate", "up: 10Mbit", "up: fast", 33, 16, "not a rate"},
    {"unknown_subscriber_key", "    cpe_mac: \"02:00:00:00:10:02\"\n", "    cpe_mac: \"02:00:00:00:10:02\"\n    vlan: 3\n",
     38, 5, "unknown key 'vlan' in subscriber"},
    {"missing_cpe_mac", "    cpe_mac: \"02:00:00:00:10:02\"\n", "", 34, 5, "needs 'cpe_mac'"},
    {"local_label_reserved", "{label: 100, action", "{label: 3, action", 26, 5, "outside 16.."},
    {"bad_label_action", "action: pop-to-subscriber", "action: explode", 26, 26, "'explode' is not one of"},
    {"bad_ttl_model", "ttl_model: uniform", "ttl_model: short", 4, 14, "'short' is not one of: uniform, pipe"},
    {"bad_router_id", "router_id: 10.0.0.1", "router_id: 10.0.0", 3, 14, "not an IPv4 address"},
    {"port_worker_not_listed", "    mtu: 1500\n", "    mtu: 1500\n    worker: 5\n", 12, 5, "not in workers.lcores"},
    {"bad_listen", "listen: 127.0.0.1:9465", "listen: 127.0.0.1", 40, 11, "is not host:port"},
    {"listen_port_zero", "listen: 127.0.0.1:9464", "listen: 127.0.0.1:0", 43, 11, "is not host:port"},
    {"unknown_management_key", "  token_file: token", "  token: x", 41, 3, "unknown key 'token' in management"},
    {"same_port_twice", "listen: 127.0.0.1:9464", "listen: 127.0.0.1:9465", 43, 11,
     "metrics and management both listen on port 9465"},
    {"bad_metrics_subscribers", "subscribers: top-10", "subscribers: top-x", 44, 16, "is not off, all or top-N"},
    {"bad_log_level", "level: info", "level: loud", 45, 18, "'loud' is not one of: debug, info, warning, error"},
    {"mirror_on_access_port", "    mac: 02:00:00:00:00:01\n", "    mac: 02:00:00:00:00:01\n    mirror: {interface: m0}\n",
     12, 13, "mirrors are for core and isp ports"},
    {"bad_mirror_interface", "    mtu: 1500\n", "    mtu: 1500\n    mirror: {interface: \"a/b\"}\n", 16, 25,
     "is not a Linux interface name"},
    {"mirror_address_without_length", "    mtu: 1500\n", "    mtu: 1500\n    mirror: {interface: m1, addresses: [10.0.0.1]}\n",
     16, 41, "needs the subnet's length"},
    {"next_hop_mac_and_address", "{port: core0, mac: \"02:00:00:00:ff:01\"}",
     "{port: core0, mac: \"02:00:00:00:ff:01\", address: 10.0.12.2}", 20, 15, "needs either mac or address"},
    {"next_hop_address_with_length", "{port: core0, mac: \"02:00:00:00:ff:01\"}", "{port: core0, address: 10.0.12.2/30}",
     20, 38, "is not an address (no /length)"},
    {"next_hop_address_without_mirror", "{port: core0, mac: \"02:00:00:00:ff:01\"}", "{port: core0, address: 10.0.12.2}",
     20, 15, "has no mirror to resolve it on"},
    {"next_hop_address_off_link",
     "    mtu: 1500\nisps:\n  - id: 1\n    name: red\n    labels: [1001]\n    next_hop: {port: core0, mac: \"02:00:00:00:ff:01\"}",
     "    mtu: 1500\n    mirror: {interface: m1, addresses: [10.0.12.1/30]}\nisps:\n  - id: 1\n    name: red\n"
     "    labels: [1001]\n    next_hop: {port: core0, address: 10.0.12.5}",
     21, 15, "10.0.12.5 is on none of port core0's mirror subnets"},
    {"next_hop_by_route_without_mirror", "{port: core0, mac: \"02:00:00:00:ff:01\"}", "{address: 10.0.12.2}", 20, 15,
     "by route needs a core port with a mirror"},
    {"address_outside_the_pools", "local_labels:\n", "subscriber_pools: [100.64.0.0/31, \"2001:db8::/32\"]\nlocal_labels:\n",
     39, 17, "subscriber 2: 100.64.0.2/32 is in none of the subscriber pools"},
    {"gateways_on_core_port", "    mtu: 1500\n", "    mtu: 1500\n    gateways: [10.0.0.1]\n", 16, 15,
     "gateways are for access ports"},
    {"two_ipv4_gateways", "    mac: 02:00:00:00:00:01\n", "    mac: 02:00:00:00:00:01\n    gateways: [100.64.0.254, 100.64.1.254]\n",
     12, 15, "at most one IPv4 and one IPv6 gateway"},
    {"too_many_workers", "lcores: [1]", "lcores: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]", 6, 11,
     "at most 16 workers"},
};

INSTANTIATE_TEST_SUITE_P(All, BadConfig, ::testing::ValuesIn(kBadCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Config, OperationsSectionsLoad) {
  std::string path = write_temp(kGood);
  LoadResult r = load_config(path);
  ASSERT_TRUE(r.ok()) << r.errors[0].to_string();
  EXPECT_EQ(r.config.management.listen.to_string(), "127.0.0.1:9465");
  // Relative to the configuration file's directory.
  EXPECT_EQ(r.config.management.token_file, (std::filesystem::path(path).parent_path() / "token").string());
  EXPECT_EQ(r.config.metrics.subscribers, SubscriberMetrics::kTop);
  EXPECT_EQ(r.config.metrics.top_subscribers, 10u);
  LoadResult off = load_config(write_temp(replaced(kGood, "listen: 127.0.0.1:9464", "listen: off")));
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE(off.config.metrics.listen.enabled);
}

TEST(Config, EveryErrorIsReportedNotJustTheFirst) {
  std::string text = replaced(replaced(kGood, "mtu: 1500", "mtu: big"), "mac: 02:00:00:00:00:01", "mac: nope");
  LoadResult r = load_config(write_temp(text));
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].where.line, 11);
  EXPECT_EQ(r.errors[1].where.line, 15);
}

TEST(Config, MissingFileIsAnError) {
  LoadResult r = load_config("/nonexistent/aggr.yaml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].to_string(), "/nonexistent/aggr.yaml: cannot read the file");
}

TEST(SubscribersFile, LoadsAndReportsBadFieldsWithColumns) {
  std::string csv = write_temp(
      "# id,isp,port,svlan,cvlan,cpe_mac,addresses,rate_up,rate_down\n"
      "10,red,access0,20,1,02:00:00:00:20:01,100.64.1.1 2001:db8:1::/56,5Mbit,20Mbit\n"
      "11,red,access0,20,2,02:00:00:00:20:02,100.64.1.2,,\n",
      ".csv");
  std::string good = std::string(kGood) + "subscribers_file: " + csv + "\n";
  LoadResult r = load_config(write_temp(good));
  for (const auto& e : r.errors) ADD_FAILURE() << e.to_string();
  ASSERT_EQ(r.config.subscribers.size(), 4u);
  EXPECT_EQ(r.config.subscribers[2].addresses.size(), 2u);
  EXPECT_EQ(r.config.subscribers[2].rate_bps[1], 20000000u);
  EXPECT_EQ(r.config.subscribers[3].rate_bps[0], 0u);

  std::string bad_csv = write_temp("12,red,access0,20,3,02:00:00:00:20:03,100.64.1.3 nonsense,5Mbit,\n", ".csv");
  r = load_config(write_temp(std::string(kGood) + "subscribers_file: " + bad_csv + "\n"));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].where.file, bad_csv);
  EXPECT_EQ(r.errors[0].where.line, 1);
  EXPECT_EQ(r.errors[0].where.column, 50);
  EXPECT_NE(r.errors[0].message.find("'nonsense' is not an IPv4 or IPv6 prefix"), std::string::npos);

  std::string short_csv = write_temp("# header\n13,red,access0\n", ".csv");
  r = load_config(write_temp(std::string(kGood) + "subscribers_file: " + short_csv + "\n"));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].where.line, 2);
  EXPECT_NE(r.errors[0].message.find("expected 9 comma-separated fields"), std::string::npos);
}

}  // namespace
}  // namespace aggr
