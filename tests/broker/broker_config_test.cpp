// aggr-broker's configuration: what it reads, and every error at its file,
// line and column.
#include <gtest/gtest.h>

#include "controlplane/broker/broker_config.h"
#include "tests/support/process.h"

namespace aggr::test {
namespace {

using namespace aggr::broker;

struct Loaded {
  bool ok = false;
  BrokerConfig config;
  std::vector<std::string> errors;
};

Loaded load(const ScratchDir& dir, const std::string& yaml) {
  write_file(dir.file("token"), "a-token-of-twenty-chars\n");
  write_file(dir.file("token2"), "another-token-of-twenty\n");
  write_file(dir.file("short"), "short\n");
  write_file(dir.file("broker.yaml"), yaml);
  Loaded out;
  std::vector<ConfigError> errors;
  out.ok = load_broker_config(dir.file("broker.yaml"), &out.config, &errors);
  for (const ConfigError& e : errors) out.errors.push_back(e.to_string().substr(dir.path().size() + 1));
  return out;
}

TEST(BrokerConfig, TheShippedExampleIsValid) {
  std::vector<ConfigError> errors;
  BrokerConfig c;
  ASSERT_TRUE(load_broker_config(std::string(AGGR_SOURCE_DIR) + "/config/broker.yaml", &c, &errors))
      << (errors.empty() ? "" : errors[0].to_string());
  EXPECT_EQ(c.lines.size(), 2u);
  EXPECT_TRUE(c.linked("2", "1"));
}

TEST(BrokerConfig, ReadsCallersLinesLinksAndPolicy) {
  ScratchDir dir("broker-config");
  const Loaded l = load(dir, R"(listen: 127.0.0.1:9999
database: sqlite:data/ledger.db
callers:
  - {name: r1, role: router, router: r1, token_file: token}
  - {name: cpe, role: device, subscriber: a, token_file: token2}
lines:
  - {subscriber: a, router: r1, down: 20Mbit, up: 10Mbit}
  - {subscriber: b, router: r1, down: 1.5Gbit, up: 500kbit}
third_links: [[a, b]]
sharing: {headroom: 0.2, lease: 500ms, notice: 2m, fee: 0.25, price_per_gb: 42}
)");
  ASSERT_TRUE(l.ok) << l.errors[0];
  const BrokerConfig& c = l.config;
  EXPECT_EQ(c.listen_port, 9999);
  EXPECT_EQ(c.database, "sqlite:" + dir.file("data/ledger.db"));
  ASSERT_EQ(c.callers.size(), 2u);
  EXPECT_EQ(c.callers[0].token, "a-token-of-twenty-chars");
  EXPECT_EQ(c.caller_by_token("another-token-of-twenty")->subscriber, "a");
  EXPECT_EQ(c.caller_by_token("another-token-of-twentY"), nullptr);
  EXPECT_EQ(c.caller_by_token(""), nullptr);
  EXPECT_EQ(c.line("b")->down_bps, 1'500'000'000u);
  EXPECT_EQ(c.line("b")->up_bps, 500'000u);
  EXPECT_TRUE(c.linked("b", "a"));
  EXPECT_EQ(c.sharing.lease_ms, 500);
  EXPECT_EQ(c.sharing.notice_ms, 120'000);
  EXPECT_EQ(c.sharing.fee_ppm, 250'000);
  EXPECT_EQ(c.sharing.price_per_gb, 42);
  EXPECT_DOUBLE_EQ(c.sharing.headroom, 0.2);
}

TEST(BrokerConfig, EveryErrorIsNamedAtItsLineAndColumn) {
  ScratchDir dir("broker-config");
  const Loaded l = load(dir, R"(listen: nowhere
callers:
  - {name: r1, role: rooter, token_file: token}
  - {name: d, role: device, subscriber: zz, token_file: short}
  - {name: r1, role: operator, token_file: missing}
lines:
  - {subscriber: a, router: r1, down: fast, up: 1Mbit}
  - {subscriber: a, router: r1, down: 1Mbit}
third_links: [[a, q], [a, a], [a]]
sharing: {headroom: 1.5, lease: soon, colour: blue}
)");
  EXPECT_FALSE(l.ok);
  const std::vector<std::string> expected = {
      "broker.yaml:1:9: listen: 'nowhere' is not host:port (port 1..65535)",
      "broker.yaml:3:22: caller role: 'rooter' is not one of: router, device, operator",
      "broker.yaml:4:57: the token in short is shorter than 16 characters",
      "broker.yaml:5:12: caller 'r1' is named twice",
      "broker.yaml:5:44: cannot read the token file missing",
      "broker.yaml:7:39: line down: 'fast' is not a rate (e.g. 100Mbit, 1.5Gbit, 640kbit, 2500000)",
      "broker.yaml:8:18: subscriber 'a' has two lines",
      "broker.yaml:8:5: line a needs 'up'",
      "broker.yaml:9:19: third link end 'q' has no line",
      "broker.yaml:9:23: a third link joins two subscribers, not 'a' to itself",
      "broker.yaml:9:31: a third link is a pair of subscribers: [a, b]",
      "broker.yaml:10:39: unknown key 'colour' in sharing (expected one of: headroom, lease, notice, max_duration, "
      "price_per_gb, fee, ewma_weight, saturation, saturated_for, rating_interval)",
      "broker.yaml:10:21: sharing headroom: '1.5' is not a fraction from 0 up to 1",
      "broker.yaml:10:33: sharing lease: 'soon' is not a duration such as 500ms, 30s, 5m or 1h",
      "broker.yaml:4:41: device caller d: subscriber 'zz' has no line",
  };
  EXPECT_EQ(l.errors, expected);
}

}  // namespace
}  // namespace aggr::test
