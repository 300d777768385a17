// aggr-gen's live mode: sends generated subscriber traffic out of one DPDK
// port (any vdev or NIC) at a chosen rate or flat out, receives what the
// router under test sends on another, and checks every received frame byte
// for byte against the frame a correct headend sends for it (label stack,
// MACs, TTL, VLAN tags). Each sent frame carries a sequence number and a
// TSC timestamp in its UDP payload: the sequence names the expected frame,
// the timestamp gives the latency.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "controlplane/config/config.h"

namespace aggr::gen {

struct LiveOptions {
  std::string tx_device, rx_device;  // EAL vdev strings or PCI addresses
  std::string send_on, receive_on;   // the router's ports (configuration names) they are wired to
  std::vector<std::string> eal_args;
  double rate_mpps = 0;              // 0: flat out
  double duration_s = 5;
  double drain_s = 0.5;              // after sending: give up on missing frames after this long with none received
  std::vector<unsigned> sizes = {64};  // frame sizes with FCS, cycled (IMIX: repeated by weight)
  std::vector<uint8_t> families = {4};
  size_t subscribers = 1024;         // sampled evenly from the configuration
  double invalid_share = 0;          // frames the router must drop (unknown line/destination, spoofed source)
  bool progress = true;              // a progress line on stderr each second
};

struct LiveResult {
  uint64_t sent = 0, sent_invalid = 0, received = 0, lost = 0, wrong = 0, unexpected = 0;
  double seconds = 0, mpps = 0, gbps = 0;  // received rate; Gbit/s of Ethernet frames with FCS
  double latency_us[5] = {};               // p50, p90, p99, p99.9, max
  std::string to_json() const;
  bool ok() const { return lost == 0 && wrong == 0 && unexpected == 0; }
};

// Runs EAL with the two devices, sends for duration_s, drains, checks.
// Throws std::runtime_error on setup errors.
LiveResult run_live(const RouterConfig& config, const LiveOptions& options);

// Simple IMIX: 64, 570 and 1518-byte frames in the ratio 7:4:1.
std::vector<unsigned> imix_sizes();

}  // namespace aggr::gen
