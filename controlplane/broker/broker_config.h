// aggr-broker's configuration, from YAML: where it listens, its database,
// who may call it, the lines it brokers and their third links, and the
// sharing policy. Errors name file, line and column.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "controlplane/config/config_error.h"

namespace aggr::broker {

enum class CallerRole { kRouter, kDevice, kOperator };
const char* role_name(CallerRole role);

// A caller and its credential. A router acts for the lines it serves, a
// customer device for its own subscriber only, an operator for all.
struct Caller {
  std::string name;
  CallerRole role = CallerRole::kOperator;
  std::string token;       // read from token_file
  std::string router;      // role router: the router's name (lines[].router)
  std::string subscriber;  // role device: its subscriber
};

// A subscriber's access line, as the broker knows it.
struct LineConfig {
  std::string subscriber;
  std::string router;  // the router that serves it
  uint64_t down_bps = 0, up_bps = 0;  // the plan
};

struct SharingPolicy {
  double headroom = 0.1;               // of capacity, never lent
  int64_t lease_ms = 30'000;           // a grant lapses unless renewed within this
  int64_t notice_ms = 10'000;          // an interruptible contract's notice before revocation
  int64_t rating_interval_ms = 10'000; // counted bytes are rated (posted) at most this often, and at the end
  int64_t max_duration_ms = 3'600'000; // the longest contract granted at once
  int64_t price_per_gb = 1'000'000;    // micro-units per 10^9 bytes, to the borrower
  int64_t fee_ppm = 100'000;           // the provider's share
  double ewma_weight = 0.3;            // of each new rate sample in the recent use
  double saturation = 0.9;             // of capacity: a line this busy is saturated
  int64_t saturated_for_ms = 10'000;   // ... when it has been so this long: the broker offers
};

struct BrokerConfig {
  std::string file;
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 9470;
  std::string database;  // sqlite:PATH (default: broker.db beside the file) or a PostgreSQL connection
  std::vector<Caller> callers;
  std::vector<LineConfig> lines;
  std::vector<std::pair<std::string, std::string>> third_links;  // subscribers whose devices are linked
  SharingPolicy sharing;

  // Lookups by subscriber, through the index build_index makes (the
  // loader and the broker make it; call it after changing the lists).
  const LineConfig* line(const std::string& subscriber) const;
  const Caller* caller_by_token(const std::string& token) const;
  bool linked(const std::string& a, const std::string& b) const;
  // The subscribers whose devices share a third link with `subscriber`.
  const std::vector<std::string>& linked_to(const std::string& subscriber) const;
  void build_index();

 private:
  std::unordered_map<std::string, size_t> line_index_;
  std::unordered_map<std::string, std::vector<std::string>> links_;
};

// Reads and checks the file; false with every error found.
bool load_broker_config(const std::string& path, BrokerConfig* out, std::vector<ConfigError>* errors);

}  // namespace aggr::broker
