// A router's tables, counters and RIB built from a configuration (any role),
// without EAL ports: what the pipeline tests, the hitless-update test and the
// pipeline fuzzer share. Needs EAL initialised (tables live in EAL memory).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <rte_mempool.h>

#include "controlplane/config/config.h"
#include "dataplane/counters.h"
#include "dataplane/packet_context.h"
#include "controlplane/rib/rib.h"
#include "tools/aggr-gen/frame_builder.h"

namespace aggr::test {

// Three ports (access0 by line, access1 by source prefix, core0), ISPs red
// (1 label) and green (3 labels), local label 100, four subscribers (QinQ,
// single tag, source prefix, one with a 1 Mbit/s upstream rate).
extern const char* const kPipelineTestConfig;

// A small network, links joined by MAC: a headend (access0, core0; red's
// subscribers get 300, green's 310; label 100 back to them), a transit
// (west towards the headend, east towards the tailend: 300 -> 1001,
// 310 -> 2001, 320 -> implicit null, 500 -> 100) and a tailend (core0;
// red0 and green0, the ISPs' handoffs; 1001 and 2001 pop to them; the
// headend's pools 100.64.0.0/16 and 2001:db8::/32 get 500).
extern const char* const kNetworkHeadendTestConfig;
extern const char* const kTransitTestConfig;
extern const char* const kTailendTestConfig;

// A MAC address written in a test ("02:00:00:00:a0:00"); aborts if malformed.
inline gen::Mac mac(const char* text) { return gen::parse_mac_or_die(text); }

// Parses and validates YAML text as if it were a file in a scratch directory.
LoadResult load_config_text(const std::string& yaml);

TableLimits small_limits();  // 1024 subscribers, 16 ISPs, 4096 labels

class RouterHarness {
 public:
  // port_ids[i] is the DPDK port id of config.ports[i] (0, 1, ... when empty);
  // device MACs are zero, so every port needs a MAC in the configuration.
  // The configuration is installed; failures() lists what did not apply.
  RouterHarness(RouterConfig config, std::vector<uint16_t> port_ids = {}, TableLimits limits = small_limits(),
                 unsigned workers = 1);
  ~RouterHarness();

  // Sends frames received on in_port through the pipeline, in bursts, as
  // `worker` at TSC `now`; returns the frames sent, by out port. Frames
  // handed to other workers wait in handed_off[worker] for run_transfers().
  std::map<uint16_t, std::vector<gen::Bytes>> run(rte_mempool* pool, uint16_t in_port,
                                                  const std::vector<gen::Bytes>& frames, uint64_t now = 1,
                                                  unsigned worker = 0);
  // Processes what other workers handed to `worker`, as that worker.
  std::map<uint16_t, std::vector<gen::Bytes>> run_transfers(unsigned worker, uint64_t now = 1);

  RouterConfig config;
  std::vector<uint16_t> port_ids;
  std::unique_ptr<Tables> tables;
  std::unique_ptr<CounterSet> counters;
  std::unique_ptr<Rib> rib;
  std::vector<std::string> failures;
  std::map<unsigned, std::vector<rte_mbuf*>> handed_off;  // by receiving worker
  std::map<uint16_t, uint64_t> queued_bytes;  // by out port: the TxBatch byte sums, for the tx counter
  std::map<uint16_t, std::vector<gen::Bytes>> punted;  // by in port: frames for the port's kernel mirror

 private:
  // Sends the batch's frames "out": copies them into `out` and frees them.
  void collect(TxBatch& batch, std::map<uint16_t, std::vector<gen::Bytes>>& out);
};

}  // namespace aggr::test
