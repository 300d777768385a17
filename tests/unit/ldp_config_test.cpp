// The configuration's ldp section: its defaults from the rest of the
// file (the LSR id, the transport address, the interfaces, a tailend's ISP
// FECs), the keys it reads, and each bad value rejected at its line and
// column; and what a reload may change without a restart.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/text_fixtures.h"
#include "controlplane/config/config.h"
#include "controlplane/config_diff.h"
#include "tests/support/process.h"

namespace aggr {
namespace {

using test::prefix;
using test::replaced;

// Line numbers below refer to this text.
const char* const kConfiguredTailend = R"(router: {role: tailend, router_id: 10.255.0.3}
workers: {lcores: [1]}
ports:
  - name: core0
    role: core
    device: net_null0
    mirror: {interface: aggr-core0, addresses: [10.0.23.2/30]}
  - name: red0
    role: isp
    device: net_null1
    mirror: {interface: aggr-red0, addresses: [192.0.2.1/30]}
isps:
  - {id: 1, name: red, handoff: {port: red0, address: 192.0.2.2}}
ldp:
  hello: {interval: 2, hold_time: 6}
  keepalive_time: 60
  subscriber_fecs: [100.64.0.0/10]
  neighbors:
    - {lsr_id: 10.255.0.2, targeted: 10.255.0.2}
)";

std::string write_temp(const std::string& text, const std::string& name = "") {
  static const test::ScratchDir directory("ldp-config-test");
  static int counter = 0;
  std::string path = directory.file(name.empty() ? std::to_string(counter++) + ".yaml" : name);
  std::ofstream(path) << text;
  return path;
}


TEST(LdpConfig, TakesItsDefaultsFromTheRestOfTheFile) {
  LoadResult r = load_config(write_temp(kConfiguredTailend));
  for (const ConfigError& e : r.errors) ADD_FAILURE() << e.to_string();
  const LdpConfig& ldp = r.config.ldp;
  EXPECT_TRUE(ldp.enabled);
  EXPECT_EQ(ldp.router_id, prefix("10.255.0.3/32"));
  EXPECT_EQ(ldp.transport_address, prefix("10.255.0.3/32"));
  EXPECT_EQ(ldp.interfaces, std::vector<std::string>{"core0"});  // core ports with mirrors
  EXPECT_EQ(ldp.hello_interval, 2);
  EXPECT_EQ(ldp.hello_hold_time, 6);
  EXPECT_EQ(ldp.keepalive_time, 60);
  EXPECT_EQ(ldp.first_label, 16u);
  ASSERT_EQ(ldp.neighbors.size(), 1u);
  EXPECT_EQ(ldp.neighbors[0].targeted, prefix("10.255.0.2/32"));
  // The ISP's FEC: the link its handoff gateway is on.
  EXPECT_EQ(r.config.isps[0].fec, prefix("192.0.2.0/30"));
  // Without the section, LDP is off.
  EXPECT_FALSE(load_config(write_temp(replaced(kConfiguredTailend, "ldp:\n", "ldp_off:\n"))).config.ldp.enabled);
}

TEST(LdpConfig, ReadsTheNeighborsKeyFromItsFile) {
  const std::string key_file = write_temp("s3cret\n", "md5.key");
  LoadResult r = load_config(write_temp(replaced(kConfiguredTailend, "targeted: 10.255.0.2}", "password_file: md5.key}")));
  for (const ConfigError& e : r.errors) ADD_FAILURE() << e.to_string();
  ASSERT_EQ(r.config.ldp.neighbors.size(), 1u);
  EXPECT_EQ(r.config.ldp.neighbors[0].password, "s3cret");
  EXPECT_EQ(r.config.ldp.neighbors[0].password_file, key_file);
}

struct BadCase {
  const char* name;
  const char* from;
  const char* to;
  int line, column;
  const char* message;
};

class BadLdpConfig : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadLdpConfig, IsRejectedWithFileLineColumnAndReason) {
  const BadCase& c = GetParam();
  const std::string path = write_temp(replaced(kConfiguredTailend, c.from, c.to));
  LoadResult r = load_config(path);
  ASSERT_FALSE(r.ok()) << c.name;
  bool found = false;
  for (const ConfigError& e : r.errors)
    if (e.where.line == c.line && e.where.column == c.column && e.message.find(c.message) != std::string::npos)
      found = true;
  std::string all;
  for (const ConfigError& e : r.errors) all += e.to_string() + "\n";
  EXPECT_TRUE(found) << c.name << ": wanted " << c.line << ":" << c.column << " '" << c.message << "', got\n" << all;
}

const BadCase kBadCases[] = {
    {"unknown_key", "  keepalive_time: 60\n", "  keepalive: 60\n", 16, 3, "unknown key 'keepalive' in ldp"},
    {"ipv6_transport", "  hello:", "  transport_address: \"2001:db8::1\"\n  hello:", 15, 22, "not an IPv4 address"},
    {"hold_below_interval", "hold_time: 6", "hold_time: 1", 15, 35, "at least its interval"},
    {"zero_interval", "interval: 2", "interval: 0", 15, 21, "1 second or more"},
    {"keepalive_too_short", "keepalive_time: 60", "keepalive_time: 2", 16, 19, "3 seconds or more"},
    {"reserved_first_label", "  keepalive_time: 60\n", "  keepalive_time: 60\n  first_label: 3\n", 17, 16, "reserved"},
    {"unknown_interface", "  hello:", "  interfaces: [core9]\n  hello:", 15, 15, "no port named 'core9'"},
    {"interface_not_core", "  hello:", "  interfaces: [red0]\n  hello:", 15, 15, "needs a core port"},
    {"missing_key_file", "targeted: 10.255.0.2}", "password_file: nowhere.key}", 19, 43, "cannot read"},
    {"duplicate_neighbor", "    - {lsr_id: 10.255.0.2, targeted: 10.255.0.2}\n",
     "    - {lsr_id: 10.255.0.2, targeted: 10.255.0.2}\n    - {lsr_id: 10.255.0.2}\n", 20, 7, "already given"},
    {"fecs_on_a_transit", "role: tailend", "role: transit", 15, 3, "subscriber_fecs belong to a tailend"},
    {"static_label_in_ldps_range", "ldp:\n",
     "local_labels: [{label: 100, action: pop-to-isp, isp: red}]\nldp:\n", 14, 16, "lies in LDP's labels"},
    {"no_router_id", "router: {role: tailend, router_id: 10.255.0.3}", "router: {role: tailend}", 15, 3,
     "needs a router_id"},
    {"isp_fec_not_derivable", "{port: red0, address: 192.0.2.2}", "{port: red0, mac: \"02:00:00:00:00:02\"}", 13, 5,
     "LDP needs its fec"},
};

INSTANTIATE_TEST_SUITE_P(All, BadLdpConfig, ::testing::ValuesIn(kBadCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(LdpConfig, AReloadMayChangeAnythingAndOnlyANewIdentityStartsTheSpeakerAnew) {
  LoadResult a = load_config(write_temp(kConfiguredTailend));
  LoadResult fecs = load_config(write_temp(replaced(kConfiguredTailend, "[100.64.0.0/10]", "[100.64.0.0/16]")));
  LoadResult timers = load_config(write_temp(replaced(kConfiguredTailend, "keepalive_time: 60", "keepalive_time: 90")));
  LoadResult neighbors = load_config(write_temp(replaced(kConfiguredTailend, "targeted: 10.255.0.2", "targeted: 10.255.0.9")));
  LoadResult transport = load_config(write_temp(replaced(kConfiguredTailend, "  hello:", "  transport_address: 10.255.0.33\n  hello:")));
  LoadResult router_id = load_config(write_temp(replaced(kConfiguredTailend, "router_id: 10.255.0.3", "router_id: 10.255.0.4")));
  LoadResult labels = load_config(write_temp(replaced(kConfiguredTailend, "  hello:", "  first_label: 5000\n  hello:")));
  ASSERT_TRUE(a.ok() && fecs.ok() && timers.ok() && neighbors.ok() && transport.ok() && router_id.ok() && labels.ok());
  for (const LoadResult* same : {&fecs, &timers, &neighbors}) {
    EXPECT_TRUE(restart_required(a.config, same->config).empty());
    EXPECT_TRUE(same_ldp_identity(a.config.ldp, same->config.ldp));
  }
  for (const LoadResult* other : {&transport, &router_id, &labels}) {
    EXPECT_TRUE(restart_required(a.config, other->config).empty());
    EXPECT_FALSE(same_ldp_identity(a.config.ldp, other->config.ldp));
  }
}

}  // namespace
}  // namespace aggr
