// The router's configuration as loaded from YAML (and a subscribers file),
// before anything is applied. Every element remembers where it was written so
// that errors can name file, line and column.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rte_ether.h>

#include "controlplane/config/config_error.h"
#include "controlplane/rib/rib.h"
#include "dataplane/tables/tables.h"

namespace aggr {

// A port's kernel mirror (the exception path): a tap interface, created by
// aggrd, carrying the router's addresses on the port's link. What the
// kernel sends on it goes out of the port; frames for these addresses (and
// ARP, ND, link-local multicast; on a core port anything not MPLS) come in
// on it.
struct MirrorConfig {
  std::string interface;
  std::vector<IpPrefix> addresses;  // address/length: host bits are the address
  SourceLocation where;
};

struct PortConfig {
  std::string name;
  std::string device;
  PortRole role = PortRole::kAccess;
  ClassifyMode classify = ClassifyMode::kLine;
  uint16_t mtu = 1500;
  uint16_t outer_tpid = 0x88A8;
  std::optional<rte_ether_addr> mac;
  std::optional<unsigned> worker;  // lcore that polls it; default round-robin
  std::optional<MirrorConfig> mirror;
  // Access ports: the subscribers' gateway, at most one IPv4 and one IPv6
  // address (host prefixes), for which the router answers ARP, neighbour
  // solicitations and echo requests on every line, from the line's
  // subscriber's own addresses only.
  std::vector<IpPrefix> gateways;
  SourceLocation gateways_where;
  SourceLocation where;
};

// A neighbour on one of the router's ports, by its MAC or by its IP
// address, which the kernel resolves (ARP, ND) on the port's mirror; or by
// its address alone, reached as the kernel's routes say.
struct NextHopConfig {
  std::string port;  // empty: by route
  rte_ether_addr mac{};
  std::optional<IpPrefix> address;  // a host prefix; set: `mac` is unused
  SourceLocation where;
  SourceLocation port_where;
};

struct IspConfig {
  uint32_t id = 0;
  std::string name;
  // LDP's FEC for the ISP: its handoff prefix. A tailend originates it (by
  // default the mirror subnet its handoff gateway is on); a headend's FTN
  // entry takes the label its next hop towards it gives.
  std::optional<IpPrefix> fec;
  SourceLocation fec_where;
  // The headend's FTN entry: the labels its subscribers' traffic gets and
  // the core next hop (none: no static entry, as where LDP provides it).
  std::vector<uint32_t> labels;
  NextHopConfig next_hop;
  // The tailend's handoff: the ISP's gateway on an isp port.
  std::optional<NextHopConfig> handoff;
  SourceLocation where;
  SourceLocation labels_where;
  bool has_ftn() const { return !labels.empty(); }
};

struct SubscriberConfig {
  uint32_t id = 0;
  std::string isp;  // ISP name
  std::string port;
  uint16_t svlan = 0;
  uint16_t cvlan = 0;
  rte_ether_addr cpe_mac{};
  std::vector<IpPrefix> addresses;
  std::vector<SourceLocation> address_where;
  uint64_t rate_bps[kDirections] = {0, 0};
  SourceLocation where;
  SourceLocation isp_where;
  SourceLocation line_where;
};

// A label this router binds: popped to its subscribers (headend), popped
// to an ISP (tailend), or swapped towards a next hop (transit).
struct LocalLabelConfig {
  uint32_t label = 0;
  IlmAction action = IlmAction::kPopToSubscriber;
  std::string isp;                  // pop-to-isp
  std::vector<uint32_t> out_labels;  // swap: 1..3 labels, or [3] (implicit null: pop)
  NextHopConfig next_hop;           // swap
  SourceLocation where;
  SourceLocation isp_where;
  SourceLocation out_labels_where;
};

// The tailend's downstream FTN: traffic from ISPs to a destination in
// `prefix` (a headend's subscriber pool) gets `labels` towards `next_hop`.
struct PrefixFecConfig {
  IpPrefix prefix;
  std::vector<uint32_t> labels;
  NextHopConfig next_hop;
  SourceLocation where;
  SourceLocation labels_where;
};

// What the router is in the network; it labels metrics and views, and the
// validator holds each role to the ports it needs.
enum class RouterRole : uint8_t { kHeadend = 0, kTransit, kTailend };
std::string_view router_role_name(RouterRole role);

// A TCP listening address, "host:port"; disabled when `enabled` is false
// ("off" in the configuration).
struct ListenAddress {
  bool enabled = true;
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string to_string() const { return enabled ? host + ":" + std::to_string(port) : "off"; }
  bool operator==(const ListenAddress&) const = default;
};

// The management API (aggrctl). Reading needs nothing; every change needs
// the token in token_file, and without a token_file changes are refused.
struct ManagementConfig {
  ListenAddress listen{true, "127.0.0.1", 9465};
  std::string token_file;  // resolved against the configuration's directory
};

// aggr-broker, whose link-sharing contracts this router enforces and
// reports on (controlplane/broker_client/). Off unless configured.
struct BrokerClientConfig {
  bool enabled = false;
  ListenAddress server{true, "127.0.0.1", 9470};
  std::string router;      // this router's name at the broker
  std::string token_file;  // its credential, resolved against the configuration's directory
  uint32_t report_interval_ms = 2000;
  SourceLocation where;
};

// Which subscribers get their own Prometheus series (cardinality).
enum class SubscriberMetrics : uint8_t { kOff = 0, kAll, kTop };

struct MetricsConfig {
  ListenAddress listen{true, "127.0.0.1", 9464};
  SubscriberMetrics subscribers = SubscriberMetrics::kOff;
  uint32_t top_subscribers = 0;  // with kTop: the N with the most bytes
  SourceLocation listen_where;
};

enum class LogLevel { kDebug = 0, kInfo, kWarning, kError };

struct LoggingConfig {
  LogLevel level = LogLevel::kInfo;
  bool syslog = false;
};

// An LDP peer by its LSR id: the TCP MD5 key its session must carry
// (RFC 5036 section 2.9), and the address targeted Hellos go to.
struct LdpNeighborConfig {
  IpPrefix lsr_id;                    // a host prefix
  std::optional<IpPrefix> targeted;   // send targeted Hellos to this address
  std::string password;               // read from password_file; empty: none
  std::string password_file;
  SourceLocation where;
};

// Graceful restart (RFC 3478), as helper and as restarting router: peers
// keep this router's labels for reconnect_time after its session is lost,
// and it keeps theirs; the bindings it had are saved in state_file and
// installed again at start, then refreshed within recovery_time.
struct LdpGracefulRestartConfig {
  bool enabled = false;
  uint32_t reconnect_time = 120;  // seconds
  uint32_t recovery_time = 120;   // seconds
  std::string state_file;         // resolved against the configuration's directory
  bool operator==(const LdpGracefulRestartConfig&) const = default;
};

// The LDP speaker (RFC 5036). Off unless the section is there.
struct LdpConfig {
  bool enabled = false;
  IpPrefix router_id;          // its LSR id; default: router.router_id
  IpPrefix transport_address;  // default: the LSR id; put on the loopback unless a mirror has it
  // Ports whose mirrors speak LDP (link Hellos); default: every core port with a mirror.
  std::vector<std::string> interfaces;
  SourceLocation interfaces_where;
  uint16_t hello_interval = 5, hello_hold_time = 15;
  uint16_t targeted_hello_interval = 15, targeted_hello_hold_time = 45;
  uint16_t keepalive_time = 180;  // the session hold time proposed
  uint32_t first_label = 16;      // labels it allocates: from here upward
  SourceLocation first_label_where;
  // A tailend: FECs learned within these (the headends' subscriber pools)
  // get a downstream FTN entry by prefix.
  std::vector<IpPrefix> subscriber_fecs;
  std::vector<LdpNeighborConfig> neighbors;
  LdpGracefulRestartConfig graceful_restart;
  SourceLocation where;
};

struct RouterConfig {
  std::string file;
  std::string name = "aggrd";
  std::string router_id;
  RouterRole role = RouterRole::kHeadend;
  TtlModel ttl_model = TtlModel::kUniform;
  std::vector<std::string> eal_args;
  std::vector<unsigned> worker_lcores;
  SourceLocation workers_where;
  unsigned idle_polls = 256;
  unsigned idle_sleep_us = 0;
  uint32_t mbufs = 16384;
  TableLimits limits;
  std::vector<PortConfig> ports;
  std::vector<IspConfig> isps;
  std::vector<SubscriberConfig> subscribers;
  std::vector<LocalLabelConfig> local_labels;
  std::vector<PrefixFecConfig> prefix_fecs;
  // A headend's subscriber address pools: the FECs it advertises, whose
  // traffic comes back to it; every subscriber address lies in one.
  std::vector<IpPrefix> subscriber_pools;
  SourceLocation pools_where;
  // Frames a second each port may punt to its mirror, by kind (PuntKind).
  std::array<uint32_t, kPuntKinds> punt_rates = {1000, 1000, 1000, 5000, 5000};
  LdpConfig ldp;
  ManagementConfig management;
  BrokerClientConfig broker;
  MetricsConfig metrics;
  LoggingConfig logging;

  const PortConfig* port(const std::string& name) const;
  const IspConfig* isp(const std::string& name) const;
  // lcore polling each port (index into ports), after defaults.
  std::vector<unsigned> port_workers() const;
};

struct LoadResult {
  RouterConfig config;
  std::vector<ConfigError> errors;
  bool ok() const { return errors.empty(); }
};

// Reads, parses and validates; nothing is applied. Errors are in file order.
LoadResult load_config(const std::string& path);

// Parts, exposed for tests and tools.
void parse_yaml_config(const std::string& path, RouterConfig& config,
                       std::vector<ConfigError>& errors);
void load_subscribers_file(const std::string& path, RouterConfig& config,
                           std::vector<ConfigError>& errors);
void validate_config(const RouterConfig& config, std::vector<ConfigError>& errors);

}  // namespace aggr
