// The exception path with a real kernel peer: aggrd (a transit) in a
// network namespace of its own, its core port on net_af_packet over a veth
// whose far end is a kernel host in another namespace, and a kernel mirror
// (net_tap) carrying the router's address. The host resolves the router by
// ARP and pings it; a TCP session to the router survives an ICMP flood on
// the same port, whose excess the punt policer drops and counts. A next hop
// named by address is resolved by the kernel on the mirror and followed
// when the neighbour's MAC changes or it stops answering; one named by
// address alone goes where the kernel's routes say.
#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "tests/support/integration_main.h"
#include "tests/support/process.h"

namespace aggr {
namespace {

using nlohmann::json;

std::string g_aggrd;
std::string g_label_probe;  // tools/label_probe.py
std::string g_punt_flood;   // tools/punt_flood.py

test::ProcessResult sh(const std::string& command) { return test::run_process({"sh", "-c", command}); }

// Two namespaces joined by a veth pair: the router's end (used by
// net_af_packet, so its own kernel must ignore it: no IPv6, no ARP
// replies, and strict reverse-path filtering, as the router's address
// lives on the mirror) and the host's, with an address on the link.
class Link {
 public:
  explicit Link(const std::string& tag)
      : router_ns_("ex-r-" + tag), host_ns_("ex-h-" + tag), router_if_("exr" + tag), host_if_("exh" + tag) {
    const std::string r = "ip -n " + router_ns_ + " ", h = "ip -n " + host_ns_ + " ";
    const std::string script =
        "set -e; ip netns add " + router_ns_ + "; ip netns add " + host_ns_ + "; ip link add " + router_if_ +
        " type veth peer name " + host_if_ + "; ip link set " + router_if_ + " netns " + router_ns_ +
        "; ip link set " + host_if_ + " netns " + host_ns_ + "; " + r + "link set lo up; " + h + "link set lo up; " +
        "ip netns exec " + router_ns_ + " sysctl -qw net.ipv6.conf." + router_if_ + ".disable_ipv6=1 net.ipv4.conf.all.rp_filter=1 net.ipv4.conf." +
        router_if_ + ".rp_filter=1 net.ipv4.conf." + router_if_ + ".arp_ignore=8; " + r + "link set " + router_if_ +
        " up; " + h + "addr add 10.77.0.2/24 dev " + host_if_ + "; " + h + "link set " + host_if_ + " up; " +
        // A veth leaves TCP checksums to an offload that never comes; a NIC's wire carries them whole.
        "ip netns exec " + host_ns_ + " ethtool -K " + host_if_ + " tx off >/dev/null";
    test::ProcessResult made = sh(script);
    ok_ = made.exit_code == 0;
    error_ = made.output;
  }
  ~Link() { sh("ip netns del " + router_ns_ + " 2>/dev/null; ip netns del " + host_ns_ + " 2>/dev/null"); }

  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }
  std::string in_router(const std::string& command) const { return "ip netns exec " + router_ns_ + " " + command; }
  std::string in_host(const std::string& command) const { return "ip netns exec " + host_ns_ + " " + command; }
  const std::string& router_if() const { return router_if_; }
  const std::string& host_if() const { return host_if_; }

 private:
  std::string router_ns_, host_ns_, router_if_, host_if_, error_;
  bool ok_ = false;
};

class ExceptionPathTest : public ::testing::Test {
 protected:
  // What a test adds to the router's configuration.
  virtual std::string more_config() const { return ""; }

  void SetUp() override {
    const std::string tag = std::to_string(getpid() % 100000);
    link_ = std::make_unique<Link>(tag);
    ASSERT_TRUE(link_->ok()) << link_->error();
    mirror_ = "exm" + tag;
    test::write_file(dir_.file("transit.yaml"), R"(
router: {name: exception-test, role: transit}
eal: {args: [--no-huge, -m, "512", --no-pci, --log-level=lib.eal:warning]}
workers: {lcores: [1], idle_polls: 64, idle_sleep_us: 100}
ports:
  - name: west
    role: core
    device: net_af_packet0,iface=)" + link_->router_if() + R"(
    mirror: {interface: )" + mirror_ + R"(, addresses: [10.77.0.1/24]}
  - {name: east, role: core, device: "net_null0,no-rx=1"}
management: {listen: "off"}
metrics: {listen: "off"}
punt_rates: {icmp: 50}
)" + more_config());
    aggrd_ = std::make_unique<test::BackgroundProcess>(std::vector<std::string>{
        "ip", "netns", "exec", "ex-r-" + tag, g_aggrd, "--config", dir_.file("transit.yaml"), "--summary-json",
        dir_.file("summary.json"), "-E", "--file-prefix=" + dir_.file_prefix()});
    for (int i = 0; i < 100 && !mirror_ready(); ++i) usleep(100000);
    ASSERT_TRUE(mirror_ready()) << aggrd_->output();
  }

  bool mirror_ready() {
    return sh(link_->in_router("ip -4 addr show dev " + mirror_) + " | grep -q 10.77.0.1").exit_code == 0;
  }

  json stop_and_read_summary() {
    EXPECT_EQ(aggrd_->stop(SIGTERM), 0) << aggrd_->output();
    return json::parse(test::read_file(dir_.file("summary.json")));
  }

  test::ScratchDir dir_{"exception-path-test"};
  std::unique_ptr<Link> link_;
  std::string mirror_;
  std::unique_ptr<test::BackgroundProcess> aggrd_;
};

TEST_F(ExceptionPathTest, AKernelHostResolvesAndPingsTheRouterThroughItsMirror) {
  test::ProcessResult ping = sh(link_->in_host("ping -c 5 -i 0.2 -W 2 10.77.0.1"));
  EXPECT_EQ(ping.exit_code, 0) << ping.output << aggrd_->output();
  EXPECT_NE(ping.output.find("5 packets transmitted, 5 received, 0% packet loss"), std::string::npos) << ping.output;
  // The host learnt the router's MAC: the port's (the veth's), which the mirror wears.
  test::ProcessResult neighbour = sh(link_->in_host("ip neigh show 10.77.0.1"));
  test::ProcessResult port_mac = sh(link_->in_router("cat /sys/class/net/" + link_->router_if() + "/address"));
  ASSERT_GE(port_mac.output.size(), 17u);
  EXPECT_NE(neighbour.output.find(port_mac.output.substr(0, 17)), std::string::npos) << neighbour.output;

  json summary = stop_and_read_summary();
  EXPECT_GE(summary["punted"]["arp"], 1);
  EXPECT_GE(summary["punted"]["icmp"], 5);
  EXPECT_EQ(summary["drops"]["not_mpls"], 0);
  EXPECT_EQ(summary["drops"]["punt_policed"], 0);
}

// A TCP session to the router while `flood` runs on the host: within its
// kind's rate (2 Mbit/s: some 200 frames a second both ways), as a routing
// protocol's is, it must get all of it through.
void expect_session_through_flood(const Link& link, const std::string& flood_command, test::BackgroundProcess& aggrd) {
  test::BackgroundProcess server({"sh", "-c", link.in_router("iperf3 -s -1 -B 10.77.0.1 -p 5299")});
  usleep(500000);
  test::BackgroundProcess flood({"sh", "-c", link.in_host(flood_command)});
  usleep(300000);
  test::ProcessResult client = sh(link.in_host("iperf3 -c 10.77.0.1 -p 5299 -t 3 -b 2M -J"));
  ASSERT_EQ(client.exit_code, 0) << client.output << aggrd.output();
  json report = json::parse(client.output);
  EXPECT_GT(report["end"]["sum_received"]["bytes"].get<double>(), 600000.0) << client.output;
  EXPECT_EQ(report["end"]["sum_sent"]["retransmits"], 0) << client.output;
  flood.stop(SIGINT);
}

TEST_F(ExceptionPathTest, ATcpSessionToTheRouterSurvivesAnIcmpFloodOnTheSamePort) {
  // The flood: as fast as the host can send, far over the ICMP rate (50/s).
  expect_session_through_flood(*link_, "ping -f -q -w 6 10.77.0.1", *aggrd_);

  json summary = stop_and_read_summary();
  EXPECT_GT(summary["punt_policed"]["icmp"], 0);
  EXPECT_EQ(summary["drops"]["punt_policed"], summary["punt_policed"]["icmp"]);  // the flood's kind alone
  EXPECT_EQ(summary["punt_policed"]["other"], 0);                                // TCP passed
  EXPECT_GT(summary["punted"]["other"], 100);
}

// Ten times the ARP and ND rates, twice LDP's, all at once.
TEST_F(ExceptionPathTest, ATcpSessionToTheRouterSurvivesArpNdAndLdpFloods) {
  const std::string port_mac =
      sh(link_->in_router("cat /sys/class/net/" + link_->router_if() + "/address")).output.substr(0, 17);
  expect_session_through_flood(
      *link_, "python3 " + g_punt_flood + " " + link_->host_if() + " " + port_mac + " 10.77.0.1 5 10000", *aggrd_);

  // Each flooded kind was held to its rate on its own; the session's kind was not touched.
  json summary = stop_and_read_summary();
  for (const char* kind : {"arp", "nd", "ldp"}) {
    EXPECT_GT(summary["punt_policed"][kind], 0) << kind;
    EXPECT_GT(summary["punted"][kind], 0) << kind;
  }
  EXPECT_EQ(summary["punt_policed"]["other"], 0);
  EXPECT_EQ(summary["drops"]["mirror_full"], 0);
}

// ------------------------------------------------ next hops by address

class NextHopByAddressTest : public ExceptionPathTest {
 protected:
  std::string more_config() const override {
    return "local_labels:\n"
           "  - {label: 300, action: swap, out_labels: [1001], next_hop: {port: west, address: 10.77.0.2}}\n"
           "  - {label: 310, action: swap, out_labels: [1002], next_hop: {address: 10.88.0.9}}\n";
  }

  std::string port_mac() const {
    return sh(link_->in_router("cat /sys/class/net/" + link_->router_if() + "/address")).output.substr(0, 17);
  }
  std::string host_mac() const {
    return sh(link_->in_host("cat /sys/class/net/" + link_->host_if() + "/address")).output.substr(0, 17);
  }
  // The router's kernel's entry for the next hop, as `ip neigh` shows it.
  std::string router_neighbour() const {
    return sh(link_->in_router("ip neigh show 10.77.0.2 dev " + mirror_)).output;
  }
  bool router_neighbour_is(const std::string& text) const {
    for (int i = 0; i < 100; ++i) {
      if (router_neighbour().find(text) != std::string::npos) return true;
      usleep(100000);
    }
    return false;
  }
  // Sends `count` frames with `label` from the host; the labelled frames it gets back.
  json probe(int count, int label = 300) const {
    test::ProcessResult r = sh(link_->in_host("python3 " + g_label_probe + " " + link_->host_if() + " " + port_mac() +
                                              " " + std::to_string(label) + " " + std::to_string(count) + " 1"));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return json::parse(r.output);
  }
  // Frames in `report` to `dst` with `label`.
  static int swapped_to(const json& report, const std::string& dst, int label = 1001) {
    int n = 0;
    for (const json& f : report["received"]) n += f["dst"] == dst && f["label"] == label;
    return n;
  }
};

TEST_F(NextHopByAddressTest, TheKernelsNeighboursAndRoutesAreFollowed) {
  // aggrd asks its kernel, which resolves the host by ARP through the mirror.
  const std::string first_mac = host_mac();
  ASSERT_TRUE(router_neighbour_is(first_mac)) << router_neighbour() << aggrd_->output();
  usleep(100000);  // the notification reaches the RIB within a poll
  json report = probe(20);
  EXPECT_EQ(swapped_to(report, first_mac), 20) << report.dump();
  EXPECT_EQ(report["received"].size(), 20u) << report.dump();

  // A next hop by address alone: dropped until the kernel has a route to
  // it, then sent to the route's gateway (the host).
  EXPECT_EQ(probe(5, 310)["received"].size(), 0u);
  ASSERT_EQ(sh(link_->in_router("ip route add 10.88.0.0/24 via 10.77.0.2 dev " + mirror_)).exit_code, 0);
  usleep(200000);
  report = probe(20, 310);
  EXPECT_EQ(swapped_to(report, first_mac, 1002), 20) << report.dump();
  ASSERT_EQ(sh(link_->in_router("ip route del 10.88.0.0/24")).exit_code, 0);
  usleep(200000);
  EXPECT_EQ(probe(5, 310)["received"].size(), 0u);

  // The host's card replaced: a new MAC, announced when the host next
  // resolves the router (its ARP request carries the new MAC).
  const std::string second_mac = "02:00:00:77:00:99";
  ASSERT_EQ(sh(link_->in_host("ip link set " + link_->host_if() + " address " + second_mac) + " && " +
               link_->in_host("ip neigh flush dev " + link_->host_if()) + " && " +
               link_->in_host("ping -c 1 -W 2 10.77.0.1"))
                .exit_code,
            0);
  ASSERT_TRUE(router_neighbour_is(second_mac)) << router_neighbour();
  usleep(100000);
  report = probe(20);
  EXPECT_EQ(swapped_to(report, second_mac), 20) << report.dump();
  EXPECT_EQ(swapped_to(report, first_mac), 0) << report.dump();  // nothing to the old MAC

  // The host stops answering ARP and the router's entry is flushed: the
  // kernel fails to resolve it, and the router drops rather than guess.
  ASSERT_EQ(sh(link_->in_host("ip link set " + link_->host_if() + " arp off") + " && " +
               link_->in_router("ip neigh flush dev " + mirror_))
                .exit_code,
            0);
  ASSERT_TRUE(router_neighbour_is("FAILED") || router_neighbour_is("INCOMPLETE")) << router_neighbour();
  usleep(100000);
  report = probe(10);
  EXPECT_EQ(report["received"].size(), 0u) << report.dump();

  json summary = stop_and_read_summary();
  EXPECT_EQ(summary["drops"]["unresolved_next_hop"], 5 + 5 + 10);
}

}  // namespace
}  // namespace aggr

int main(int argc, char** argv) {
  return aggr::test::run_integration_tests(
      argc, argv, {"path to aggrd", "path to tools/label_probe.py", "path to tools/punt_flood.py"},
      {&aggr::g_aggrd, &aggr::g_label_probe, &aggr::g_punt_flood});
}
