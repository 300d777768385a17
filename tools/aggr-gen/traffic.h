// Traffic for a configuration's subscribers, and what a correct headend must
// send for it: frames and per-ISP / per-subscriber totals.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "controlplane/config/config.h"
#include "tools/aggr-gen/frame_builder.h"

namespace aggr::gen {

struct TrafficProfile {
  unsigned packets_per_subscriber = 4;
  std::vector<unsigned> frame_sizes = {64, 128, 512, 1518};  // with FCS, as Ethernet counts them
  uint8_t ip_ttl = 64;
  uint8_t mpls_ttl = 64;        // downstream frames' label TTL
  std::vector<uint8_t> dscps = {0, 46, 10, 26};
  std::vector<uint8_t> families = {4, 6};  // IP versions to send
  size_t sample_subscribers = 0;          // 0: all; else about this many, spread evenly
};

struct ExpectedTotals {
  uint64_t packets = 0;
  uint64_t bytes = 0;  // IP bytes
  void add(uint64_t b) { ++packets; bytes += b; }
};

struct GeneratedTraffic {
  std::map<std::string, std::vector<Bytes>> upstream;         // by access port name
  std::vector<Bytes> expected_core;                            // out of the core port
  std::vector<Bytes> downstream;                               // into the core port
  std::map<std::string, std::vector<Bytes>> expected_access;  // by access port name
  std::map<std::string, ExpectedTotals> isp_up, isp_down;          // by ISP name
  std::map<uint32_t, ExpectedTotals> subscriber_up, subscriber_down;  // by subscriber id
};

// Port MACs must be set in the configuration (the expected frames carry them).
// Downstream traffic needs a pop-to-subscriber local label.
GeneratedTraffic generate(const RouterConfig& config, const TrafficProfile& profile);

// One subscriber's upstream frame and the core frame it must become.
struct FramePair {
  Bytes input;
  Bytes expected;
  uint16_t ip_length;
};
FramePair upstream_frame(const RouterConfig& config, const SubscriberConfig& s, const IspConfig& isp,
                         uint8_t family, unsigned frame_size, uint8_t dscp, uint8_t ttl, uint32_t sequence);
FramePair downstream_frame(const RouterConfig& config, const SubscriberConfig& s, uint32_t label,
                           uint8_t family, unsigned frame_size, uint8_t mpls_ttl, uint8_t ip_ttl, uint32_t sequence);

}  // namespace aggr::gen
