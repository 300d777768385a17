#include "tools/aggr-gen/live.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include <nlohmann/json.hpp>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "dataplane/mbuf_pool.h"
#include "dataplane/port.h"
#include "tools/aggr-gen/traffic.h"

namespace aggr::gen {
namespace {

// Sequence (4 bytes) and the low 48 bits of the TSC (6 bytes) at the start of
// the UDP payload: 10 bytes fit the smallest QinQ IPv4 frame (64 bytes).
constexpr unsigned kStampBytes = 10;
constexpr uint64_t kTscMask = (uint64_t(1) << 48) - 1;
constexpr unsigned kBurst = 32;

struct Template {
  Bytes input, expected;
  unsigned input_stamp = 0, expected_stamp = 0;  // UDP payload offsets
  bool valid = true;                             // false: the router must drop it
};

// Offset of the UDP payload in an Ethernet frame (VLAN tags and an MPLS
// stack skipped), or -1.
long payload_offset(const uint8_t* f, size_t length) {
  size_t at = 12;
  if (length < at + 2) return -1;
  uint16_t type = uint16_t(f[at] << 8 | f[at + 1]);
  while ((type == 0x8100 || type == 0x88A8) && length >= at + 6) {
    at += 4;
    type = uint16_t(f[at] << 8 | f[at + 1]);
  }
  at += 2;
  if (type == 0x8847) {
    for (;;) {
      if (length < at + 4) return -1;
      bool bottom = f[at + 2] & 1;
      at += 4;
      if (bottom) break;
    }
    if (length < at + 1) return -1;
    type = (f[at] >> 4) == 4 ? 0x0800 : 0x86DD;
  }
  if (type == 0x0800 && length >= at + 20) return long(at + (f[at] & 0x0F) * 4 + 8);
  if (type == 0x86DD && length >= at + 40) return long(at + 48);
  return -1;
}

void fix_ipv4_checksum(uint8_t* ip) {
  ip[10] = ip[11] = 0;
  uint32_t sum = 0;
  for (unsigned i = 0; i < 20; i += 2) sum += uint32_t(ip[i] << 8 | ip[i + 1]);
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  ip[10] = uint8_t(~sum >> 8), ip[11] = uint8_t(~sum);
}

// A frame the router must drop: its source (upstream) or destination
// (downstream) replaced by an address no subscriber owns (TEST-NET-3,
// 2001:db8:dead::), or, every other one upstream on a tagged line, its
// C-VLAN replaced by one no line has.
Bytes invalid_variant(const Bytes& valid, bool upstream, unsigned n, const RouterConfig& c) {
  Bytes f = valid;
  // The IP header follows the Ethernet type after any VLAN tags (upstream)
  // or the one label (downstream).
  size_t at = 12;
  auto tag_at = [&](size_t i) { uint16_t t = uint16_t(f[i] << 8 | f[i + 1]); return t == 0x8100 || t == 0x88A8; };
  while (tag_at(at)) at += 4;
  size_t ip = at + 2 + (upstream ? 0 : 4);
  bool v6 = (f[ip] >> 4) == 6;
  if (upstream && n % 2 == 1 && at >= 20) {
    // A C-VLAN no line of the configuration has.
    for (uint16_t vid = 4094; vid > 1; --vid) {
      bool used = false;
      for (const SubscriberConfig& s : c.subscribers) used |= s.cvlan == vid;
      if (!used) {
        f[at - 2] = uint8_t((f[at - 2] & 0xF0) | vid >> 8), f[at - 1] = uint8_t(vid);
        return f;
      }
    }
  }
  uint8_t* address = f.data() + ip + (v6 ? (upstream ? 8 : 24) : (upstream ? 12 : 16));
  static const uint8_t v4_nobody[4] = {203, 0, 113, 77};
  static const uint8_t v6_nobody[16] = {0x20, 0x01, 0x0d, 0xb8, 0xde, 0xad, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x77};
  std::memcpy(address, v6 ? v6_nobody : v4_nobody, v6 ? 16 : 4);
  if (!v6) fix_ipv4_checksum(f.data() + ip);
  return f;
}

std::vector<Template> build_templates(const RouterConfig& c, const LiveOptions& o) {
  const PortConfig* send = c.port(o.send_on);
  const PortConfig* receive = c.port(o.receive_on);
  if (send == nullptr || receive == nullptr) throw std::runtime_error("--send-on/--receive-on must name ports of the configuration");
  bool upstream = send->role == PortRole::kAccess;
  if (upstream == (receive->role == PortRole::kAccess))
    throw std::runtime_error("one of --send-on/--receive-on must be an access port and the other a core port");
  const LocalLabelConfig* pop = nullptr;
  for (const LocalLabelConfig& l : c.local_labels)
    if (l.action == IlmAction::kPopToSubscriber) pop = &l;
  if (!upstream && pop == nullptr) throw std::runtime_error("downstream traffic needs a pop-to-subscriber local label");

  std::vector<const SubscriberConfig*> candidates;
  for (const SubscriberConfig& s : c.subscribers) {
    const std::string& access = upstream ? o.send_on : o.receive_on;
    if (s.port != access) continue;
    if (upstream && c.isp(s.isp)->next_hop.port != o.receive_on) continue;
    candidates.push_back(&s);
  }
  if (candidates.empty()) throw std::runtime_error("no subscriber of the configuration sends between these ports");
  size_t stride = std::max<size_t>(1, candidates.size() / std::max<size_t>(1, o.subscribers));

  std::vector<Template> out;
  for (size_t i = 0; i < candidates.size() && out.size() / o.sizes.size() < o.subscribers; i += stride) {
    const SubscriberConfig& s = *candidates[i];
    for (size_t k = 0; k < o.sizes.size(); ++k) {
      uint8_t family = o.families[(i / stride + k) % o.families.size()];
      bool has = std::any_of(s.addresses.begin(), s.addresses.end(), [&](const IpPrefix& p) { return p.family == family; });
      if (!has) family = family == 4 ? 6 : 4;
      unsigned tags = (s.svlan ? 4 : 0) + (s.cvlan ? 4 : 0);
      // Room for the stamp in the smallest frames.
      unsigned needed = 4 + 14 + (upstream ? tags : 4) + (family == 4 ? 20 : 40) + 8 + kStampBytes;
      unsigned size = std::max(o.sizes[k], needed);
      FramePair p = upstream ? upstream_frame(c, s, *c.isp(s.isp), family, size, 0, 64, 0)
                             : downstream_frame(c, s, pop->label, family, size, 64, 64, 0);
      Template t{p.input, p.expected};
      t.input_stamp = unsigned(payload_offset(t.input.data(), t.input.size()));
      t.expected_stamp = unsigned(payload_offset(t.expected.data(), t.expected.size()));
      out.push_back(std::move(t));
    }
  }
  if (o.invalid_share > 0) {
    size_t valid = out.size();
    size_t invalid = size_t(std::llround(o.invalid_share / (1 - o.invalid_share) * double(valid)));
    for (size_t n = 0; n < invalid; ++n) {
      Template t;
      t.input = invalid_variant(out[n % valid].input, upstream, unsigned(n), c);
      t.input_stamp = unsigned(payload_offset(t.input.data(), t.input.size()));
      t.valid = false;
      out.push_back(std::move(t));
    }
    // Interleave, so that invalid frames are spread over the run.
    std::vector<Template> mixed;
    size_t a = 0, b = valid;
    while (a < valid || b < out.size()) {
      if (a < valid && (b == out.size() || a * (out.size() - valid) <= (b - valid) * valid)) mixed.push_back(out[a++]);
      else mixed.push_back(out[b++]);
    }
    out = std::move(mixed);
  }
  return out;
}

std::string device_name(const std::string& device) { return device.substr(0, device.find(',')); }

double percentile(std::vector<uint64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t index = std::min(sorted.size() - 1, size_t(p * double(sorted.size())));
  return double(sorted[index]);
}

}  // namespace

std::vector<unsigned> imix_sizes() {
  std::vector<unsigned> sizes(7, 64);
  sizes.insert(sizes.end(), 4, 570);
  sizes.push_back(1518);
  return sizes;
}

std::string LiveResult::to_json() const {
  return nlohmann::json{{"sent", sent},
                        {"sent_invalid", sent_invalid},
                        {"received", received},
                        {"lost", lost},
                        {"wrong", wrong},
                        {"unexpected", unexpected},
                        {"seconds", seconds},
                        {"mpps", mpps},
                        {"gbps", gbps},
                        {"latency_us",
                         {{"p50", latency_us[0]}, {"p90", latency_us[1]}, {"p99", latency_us[2]},
                          {"p99.9", latency_us[3]}, {"max", latency_us[4]}}}}
      .dump(2);
}

LiveResult run_live(const RouterConfig& config, const LiveOptions& o) {
  std::vector<Template> templates = build_templates(config, o);
  std::string prefix = "aggr-gen-" + std::to_string(getpid());
  std::vector<std::string> args = {"aggr-gen"};
  if (o.eal_args.empty()) args.insert(args.end(), {"--no-huge", "-m", "512", "--no-pci", "-l", "0", "--log-level=lib.eal:error"});
  args.insert(args.end(), o.eal_args.begin(), o.eal_args.end());
  for (const std::string& a : args)
    if (a.rfind("--file-prefix=", 0) == 0) prefix = a.substr(14);
  args.push_back("--file-prefix=" + prefix);  // the last one counts; removed at the end
  for (const std::string& device : {o.tx_device, o.rx_device})
    args.push_back(is_pci_address(device) ? "-a" + device : "--vdev=" + device);
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  if (rte_eal_init(int(argv.size()), argv.data()) < 0) throw std::runtime_error("EAL initialisation failed");

  LiveResult r;
  {
    rte_mempool* pool = create_mbuf_pool("gen_pool", 16383, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, int(rte_socket_id()));
    if (pool == nullptr) throw std::runtime_error("cannot create the mbuf pool");
    uint16_t tx = open_port({"tx", device_name(o.tx_device), 1, 1, 1024, 1024, 9000}, pool).port_id;
    uint16_t rx = open_port({"rx", device_name(o.rx_device), 1, 1, 1024, 1024, 9000}, pool).port_id;

    const uint64_t hz = rte_get_tsc_hz();
    // Links that come up after the start (memif, af_packet, a NIC's
    // autonegotiation) would lose the first frames.
    for (uint64_t deadline = rte_rdtsc() + 10 * hz;;) {
      rte_eth_link tx_link{}, rx_link{};
      rte_eth_link_get_nowait(tx, &tx_link);
      rte_eth_link_get_nowait(rx, &rx_link);
      if (tx_link.link_status == RTE_ETH_LINK_UP && rx_link.link_status == RTE_ETH_LINK_UP) break;
      if (rte_rdtsc() > deadline) throw std::runtime_error("the links of --tx-dev and --rx-dev are not up after 10 s");
      rte_delay_us_sleep(10000);
    }
    const uint64_t start = rte_rdtsc();
    const uint64_t send_until = start + uint64_t(o.duration_s * double(hz));
    const uint64_t quiet_cycles = uint64_t(o.drain_s * double(hz));
    const double cycles_per_frame = o.rate_mpps > 0 ? double(hz) / (o.rate_mpps * 1e6) : 0;
    double next_send = double(start);
    uint64_t next_progress = start + hz;
    std::vector<uint8_t> seen;
    std::vector<uint64_t> latencies;
    uint64_t received_valid = 0, received_bytes = 0, first_rx = 0, last_rx = 0;
    uint32_t sequence = 0;

    // Sending ends by the clock; receiving ends once the receive queue has
    // been polled empty for drain_s on end. Quiet time starts at a poll,
    // never at the clock alone, so that a generator descheduled past its
    // deadline (a busy host) still reads what arrived meanwhile before it
    // calls the rest lost.
    uint64_t quiet_since = 0;
    for (uint64_t now = rte_rdtsc();; now = rte_rdtsc()) {
      if (now < send_until && (cycles_per_frame == 0 || double(now) >= next_send)) {
        rte_mbuf* burst[kBurst];
        if (rte_pktmbuf_alloc_bulk(pool, burst, kBurst) == 0) {
          for (unsigned i = 0; i < kBurst; ++i) {
            const Template& t = templates[(sequence + i) % templates.size()];
            uint8_t* data = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(burst[i], uint16_t(t.input.size())));
            std::memcpy(data, t.input.data(), t.input.size());
            uint32_t seq = sequence + i;
            std::memcpy(data + t.input_stamp, &seq, 4);
            uint64_t stamp = now & kTscMask;
            std::memcpy(data + t.input_stamp + 4, &stamp, 6);
          }
          uint16_t sent = rte_eth_tx_burst(tx, 0, burst, kBurst);
          if (sent < kBurst) rte_pktmbuf_free_bulk(burst + sent, kBurst - sent);
          for (unsigned i = 0; i < sent; ++i) r.sent_invalid += !templates[(sequence + i) % templates.size()].valid;
          sequence += sent;
          r.sent += sent;
          if (cycles_per_frame > 0) next_send += cycles_per_frame * sent;
          seen.resize(sequence, 0);
        }
      }
      rte_mbuf* got[kBurst];
      uint16_t n = rte_eth_rx_burst(rx, 0, got, kBurst);
      uint64_t rx_now = n ? rte_rdtsc() : 0;
      for (unsigned i = 0; i < n; ++i) {
        const uint8_t* f = rte_pktmbuf_mtod(got[i], const uint8_t*);
        size_t length = got[i]->data_len;
        received_bytes += length + 4;
        ++r.received;
        if (first_rx == 0) first_rx = rx_now;
        last_rx = rx_now;
        long at = payload_offset(f, length);
        uint32_t seq = 0;
        if (at < 0 || size_t(at) + kStampBytes > length) {
          ++r.wrong;
        } else if (std::memcpy(&seq, f + at, 4), seq >= sequence || seen[seq]) {
          ++r.wrong;  // never sent, or twice
        } else {
          seen[seq] = 1;
          const Template& t = templates[seq % templates.size()];
          if (!t.valid) {
            ++r.unexpected;  // the router should have dropped it
          } else {
            ++received_valid;
            bool same = length == t.expected.size() && size_t(at) == t.expected_stamp &&
                        std::memcmp(f, t.expected.data(), size_t(at)) == 0 &&
                        std::memcmp(f + at + kStampBytes, t.expected.data() + at + kStampBytes,
                                    length - size_t(at) - kStampBytes) == 0;
            if (!same) ++r.wrong;
            uint64_t stamp = 0;
            std::memcpy(&stamp, f + at + 4, 6);
            latencies.push_back((rx_now - stamp) & kTscMask);
          }
        }
        rte_pktmbuf_free(got[i]);
      }
      // `now` was read before this poll, so a poll that comes late only
      // makes the quiet time longer.
      if (now >= send_until) {
        if (n != 0 || quiet_since == 0) quiet_since = now;
        else if (now - quiet_since >= quiet_cycles) break;
      }
      if (o.progress && now >= next_progress) {
        double t = double(now - start) / double(hz);
        std::fprintf(stderr, "\raggr-gen: %5.1f s  sent %llu  received %llu  wrong %llu  %.2f Mpps", t,
                     (unsigned long long)r.sent, (unsigned long long)r.received, (unsigned long long)r.wrong,
                     double(r.received) / t / 1e6);
        std::fflush(stderr);
        next_progress += hz;
      }
    }
    if (o.progress) std::fprintf(stderr, "\n");
    r.lost = r.sent - r.sent_invalid - received_valid;
    r.seconds = first_rx && last_rx > first_rx ? double(last_rx - first_rx) / double(hz) : 0;
    r.mpps = r.seconds > 0 ? double(r.received) / r.seconds / 1e6 : 0;
    r.gbps = r.seconds > 0 ? double(received_bytes) * 8 / r.seconds / 1e9 : 0;
    std::sort(latencies.begin(), latencies.end());
    const double ps[] = {0.5, 0.9, 0.99, 0.999, 1.0};
    for (unsigned i = 0; i < 5; ++i) r.latency_us[i] = percentile(latencies, ps[i]) * 1e6 / double(hz);

    close_port(tx);
    close_port(rx);
    rte_mempool_free(pool);
  }
  rte_eal_cleanup();
  std::error_code ignored;
  std::filesystem::remove_all("/var/run/dpdk/" + prefix, ignored);
  return r;
}

}  // namespace aggr::gen
