// aggr-cpe's configuration, from YAML: the subscriber the device acts for,
// its broker, its line (the WAN interface, its gateway and its plan), the
// third links it shares with other subscribers' devices, and when it asks
// for bandwidth. Errors name file, line and column.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "controlplane/config/config_error.h"
#include "dataplane/net/ip_prefix.h"

namespace aggr::cpe {

// A link to another subscriber's device (wired or wireless): the way
// borrowed traffic goes between the two.
struct ThirdLinkConfig {
  std::string peer;                     // the other subscriber, as the broker names it
  std::string interface;                // this device's end
  IpPrefix peer_address;                // the other device on the link: the next hop
  std::vector<IpPrefix> peer_prefixes;  // the other subscriber's addresses, carried while it borrows from us
  // This end's address and subnet ("10.200.12.1/30"). Given, the agent owns
  // the link: up with this address only while a contract with the peer is
  // in force, down otherwise. Left out, the link is someone else's to keep up.
  std::optional<IpPrefix> address;
};

enum class Direction : uint8_t { kDown, kUp, kBoth };

// When and what the device asks the broker for; `enabled` false: never.
struct BorrowPolicy {
  bool enabled = false;
  double saturation = 0.9;          // of the plan: a line this busy is saturated
  int64_t saturated_for_ms = 3000;  // ... when it has been so this long
  uint64_t min_bps = 1'000'000, desired_bps = 0;
  Direction direction = Direction::kBoth;
  bool interruptible = true;
  int64_t duration_ms = 300'000;
  int64_t retry_ms = 10'000;  // after a refusal, before asking again
};

struct CpeConfig {
  std::string file;
  std::string subscriber;
  std::string broker_host = "127.0.0.1";
  uint16_t broker_port = 9470;
  std::string token_file;  // resolved against the configuration's directory
  std::string wan_interface;
  IpPrefix wan_gateway;
  uint64_t down_bps = 0, up_bps = 0;            // the plan
  uint64_t sync_down_bps = 0, sync_up_bps = 0;  // announced when set: the line's sync rates
  // Announced when set: the most this device lends each way (0: nothing),
  // whatever its line could spare.
  std::optional<uint64_t> lend_down_bps, lend_up_bps;
  std::vector<ThirdLinkConfig> third_links;
  BorrowPolicy borrow;
  int64_t measure_interval_ms = 1000;
  // The read-only status and metrics endpoint (GET /v1/status, /metrics);
  // served only when configured.
  std::optional<std::pair<std::string, uint16_t>> status_listen;

  const ThirdLinkConfig* third_link_to(const std::string& peer) const;
};

// Reads and checks the file; false with every error found.
bool load_cpe_config(const std::string& path, CpeConfig* out, std::vector<ConfigError>* errors);

}  // namespace aggr::cpe
