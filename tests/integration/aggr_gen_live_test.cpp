// aggr-gen's live mode against the real aggrd: two processes wired by
// net_memif (shared memory, no hugepages). aggr-gen sends subscriber traffic
// with a share of frames the router must drop, receives what aggrd sends,
// and checks every frame; aggrd's counters must agree with what aggr-gen
// saw. A generator that expects other labels than the router pushes must
// report every frame wrong.
//
// Usage: aggr_gen_live_test <aggrd> <aggr-gen> [gtest flags]
#include <gtest/gtest.h>

#include <csignal>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/support/integration_main.h"
#include "tests/support/process.h"

namespace aggr {
namespace {

using nlohmann::json;

std::string g_aggrd, g_aggr_gen;

const char* const kConfig = R"(router: {name: live-test}
eal:
  args: [--no-huge, -m, "256", --no-pci, --log-level=lib.eal:error]
workers: {lcores: [1], idle_polls: 64, idle_sleep_us: 100}
ports:
  - {name: access0, role: access, mac: "02:00:00:00:a0:00", device: "net_memif0,role=server,id=0,socket-abstract=no,socket=@DIR@/access0.sock"}
  - {name: core0, role: core, mac: "02:00:00:00:c0:00", device: "net_memif1,role=server,id=0,socket-abstract=no,socket=@DIR@/core0.sock"}
isps:
  - {id: 1, name: red, labels: [@RED_LABEL@], next_hop: {port: core0, mac: "02:00:00:00:ff:01"}}
  - {id: 2, name: green, labels: [16001, 2002], next_hop: {port: core0, mac: "02:00:00:00:ff:02"}}
local_labels: [{label: 100, action: pop-to-subscriber}]
subscribers:
  - {id: 1, isp: red, line: {port: access0, svlan: 100, cvlan: 1}, cpe_mac: "02:00:00:01:00:01", addresses: [100.64.0.1/32, "2001:db8:1:100::/56"]}
  - {id: 2, isp: green, line: {port: access0, svlan: 100, cvlan: 2}, cpe_mac: "02:00:00:01:00:02", addresses: [100.64.0.2/32, "2001:db8:1:200::/56"]}
  - {id: 3, isp: green, line: {port: access0, svlan: 200}, cpe_mac: "02:00:00:01:00:03", addresses: [100.64.1.0/29]}
  - {id: 4, isp: red, line: {port: access0}, cpe_mac: "02:00:00:01:00:04", addresses: [100.64.2.0/29, "2001:db8:2::/48"]}
management: {listen: "off"}
metrics: {listen: "off"}
)";

class AggrGenLiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    write_config("router.yaml", "1001");
    aggrd_ = std::make_unique<test::BackgroundProcess>(
        std::vector<std::string>{g_aggrd, "--config", dir_.file("router.yaml"), "--summary-json",
                                 dir_.file("summary.json"), "-E", "--file-prefix=" + dir_.file_prefix()});
    // The memif sockets exist from EAL's start; traffic waits for the
    // worker, which runs once the configuration is installed.
    for (int i = 0; i < 200 && aggrd_->output().find("worker 0 running") == std::string::npos; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ASSERT_NE(aggrd_->output().find("worker 0 running"), std::string::npos) << aggrd_->output();
  }

  void write_config(const std::string& name, const std::string& red_label) {
    std::string text = test::substitute(kConfig, "DIR", dir_.path());
    test::write_file(dir_.file(name), test::substitute(text, "RED_LABEL", red_label));
  }

  // aggr-gen's command line to send live from `from` to `to`.
  std::vector<std::string> live_command(const std::string& config, const std::string& from, const std::string& to,
                                        const std::vector<std::string>& extra) {
    // aggr-gen, the memif client, sizes the rings. A CI run lost 25 frames
    // as aggrd's tx_failed: its ring towards aggr-gen was full. Frames in
    // flight are at most aggrd's rx ring (1,024 slots by default) plus a
    // burst or two, because aggr-gen receives a burst for every burst it
    // sends; a receiving ring of 4,096 slots can then never fill, however
    // the host schedules the two processes.
    auto memif = [&](const std::string& port, const std::string& ring) {
      return "net_memif" + std::string(port == "access0" ? "0" : "1") + ",role=client,id=0," + ring +
             "socket-abstract=no,socket=" + dir_.file(port + ".sock");
    };
    std::vector<std::string> argv = {g_aggr_gen, "--config", dir_.file(config), "--live", "--no-progress",
                                     "--tx-dev", memif(from, ""), "--rx-dev", memif(to, "rsize=12,"), "--send-on", from,
                                     "--receive-on", to, "--json-out", dir_.file("live.json"),
                                     "--eal=--no-huge", "--eal=-m", "--eal=256", "--eal=--no-pci", "--eal=-l", "--eal=0",
                                     "--eal=--log-level=lib.eal:error", "--eal=--file-prefix=" + dir_.file_prefix() + "g"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  }

  // Runs aggr-gen live from `from` to `to`; returns its JSON result.
  json live(const std::string& config, const std::string& from, const std::string& to, int expected_exit,
            std::vector<std::string> extra = {}) {
    test::ProcessResult r = test::run_process(live_command(config, from, to, extra));
    EXPECT_EQ(r.exit_code, expected_exit) << r.output;
    return live_result();
  }
  json live_result() { return json::parse(test::read_file(dir_.file("live.json")), nullptr, false); }

  json stop_aggrd() {
    EXPECT_EQ(aggrd_->stop(SIGINT), 0) << aggrd_->output();
    return json::parse(test::read_file(dir_.file("summary.json")), nullptr, false);
  }

  test::ScratchDir dir_{"live-test"};
  std::unique_ptr<test::BackgroundProcess> aggrd_;
};

TEST_F(AggrGenLiveTest, EveryFrameComesBackRightAndTheRouterCountsTheDrops) {
  // Upstream and downstream, IPv4 and IPv6, IMIX, one frame in five to be dropped.
  std::vector<std::string> profile = {"--rate", "0.1", "--duration", "1", "--imix", "--families", "4,6",
                                      "--invalid-share", "0.2"};
  json up = live("router.yaml", "access0", "core0", 0, profile);
  json down = live("router.yaml", "core0", "access0", 0, profile);
  json summary = stop_aggrd();
  for (const json& r : {up, down}) {
    SCOPED_TRACE("aggrd's drops: " + summary["drops"].dump());
    EXPECT_GT(r["sent"].get<uint64_t>(), 50000u) << r.dump();
    EXPECT_GT(r["sent_invalid"].get<uint64_t>(), 0u);
    EXPECT_EQ(r["received"], r["sent"].get<uint64_t>() - r["sent_invalid"].get<uint64_t>());
    EXPECT_EQ(r["lost"], 0);
    EXPECT_EQ(r["wrong"], 0);
    EXPECT_EQ(r["unexpected"], 0);
    EXPECT_GT(r["latency_us"]["p50"].get<double>(), 0.0);
    EXPECT_LE(r["latency_us"]["p50"].get<double>(), r["latency_us"]["max"].get<double>());
  }
  EXPECT_EQ(summary["drops"]["unknown_line"].get<uint64_t>() + summary["drops"]["spoofed_source"].get<uint64_t>(),
            up["sent_invalid"].get<uint64_t>());
  EXPECT_EQ(summary["drops"]["unknown_destination"], down["sent_invalid"]);
  EXPECT_EQ(summary["ports"]["core0"]["tx"]["packets"], up["received"]);
  EXPECT_EQ(summary["ports"]["access0"]["tx"]["packets"], down["received"]);
}

TEST_F(AggrGenLiveTest, FramesWithOtherLabelsThanExpectedAreReportedWrong) {
  // The generator believes ISP red's label is 1002; the router pushes 1001.
  write_config("generator.yaml", "1002");
  json r = live("generator.yaml", "access0", "core0", 3, {"--rate", "0.05", "--duration", "0.5"});
  json summary = stop_aggrd();
  SCOPED_TRACE("aggrd's drops: " + summary["drops"].dump() + ", ports: " + summary["ports"].dump());
  EXPECT_GT(r["wrong"].get<uint64_t>(), 0u) << r.dump();
  EXPECT_EQ(r["lost"], 0);
  // Half the sampled subscribers are red's: their frames, and only theirs, are wrong.
  EXPECT_LT(r["wrong"].get<uint64_t>(), r["received"].get<uint64_t>());
  // What the generator saw is what the router did: everything it sent was
  // forwarded, nothing was dropped.
  EXPECT_EQ(summary["ports"]["access0"]["rx"]["packets"], r["sent"]);
  EXPECT_EQ(summary["ports"]["core0"]["tx"]["packets"], r["received"]);
  for (const auto& [reason, count] : summary["drops"].items()) EXPECT_EQ(count, 0) << reason;
}

TEST_F(AggrGenLiveTest, AGeneratorDescheduledPastItsDeadlineStillReadsWhatArrived) {
  // A busy host deschedules both programs for a while: first the router, so
  // that frames queue in front of it, then the generator, for longer than it
  // had left to send and drain. The router forwards the queue meanwhile; the
  // frames wait in the generator's receive ring, and the generator must read
  // them when it runs again rather than call them lost because its clock
  // says the drain is over.
  test::BackgroundProcess generator(
      live_command("router.yaml", "access0", "core0", {"--rate", "0.05", "--duration", "1.5"}));
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  aggrd_->signal(SIGSTOP);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  generator.signal(SIGSTOP);
  aggrd_->signal(SIGCONT);
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  EXPECT_EQ(generator.stop(SIGCONT), 0) << generator.output();
  json r = live_result();
  json summary = stop_aggrd();
  SCOPED_TRACE("aggrd's drops: " + summary["drops"].dump());
  EXPECT_GT(r["received"].get<uint64_t>(), 0u) << r.dump();
  EXPECT_EQ(r["lost"], 0) << r.dump();
  EXPECT_EQ(summary["ports"]["access0"]["rx"]["packets"], r["sent"]);
  EXPECT_EQ(summary["ports"]["core0"]["tx"]["packets"], r["received"]);
}

}  // namespace
}  // namespace aggr

int main(int argc, char** argv) {
  return aggr::test::run_integration_tests(argc, argv, {"aggrd", "aggr-gen"}, {&aggr::g_aggrd, &aggr::g_aggr_gen});
}
