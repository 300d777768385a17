#include "tests/support/router_harness.h"


#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <fstream>

#include <rte_mbuf.h>

#include "controlplane/config_apply.h"
#include "controlplane/config_diff.h"
#include "dataplane/meter_transfer_rings.h"
#include "dataplane/graph.h"

namespace aggr::test {

const char* const kPipelineTestConfig = R"(
workers: {lcores: [1]}
ports:
  - {name: access0, role: access, device: net_null0, mac: "02:00:00:00:a0:00"}
  - {name: access1, role: access, device: net_null1, mac: "02:00:00:00:a1:00", classify: source-prefix}
  - {name: core0, role: core, device: net_null2, mac: "02:00:00:00:c0:00", mtu: 1500}
isps:
  - {id: 1, name: red, labels: [1001], next_hop: {port: core0, mac: "02:00:00:00:ff:01"}}
  - {id: 2, name: green, labels: [16001, 2002, 3003], next_hop: {port: core0, mac: "02:00:00:00:ff:02"}}
local_labels: [{label: 100, action: pop-to-subscriber}]
subscribers:
  - {id: 1, isp: red, line: {port: access0, svlan: 10, cvlan: 1}, cpe_mac: "02:00:00:01:00:01",
     addresses: [100.64.0.1/32, "2001:db8:1::/56"]}
  - {id: 2, isp: green, line: {port: access0, svlan: 20}, cpe_mac: "02:00:00:01:00:02",
     addresses: [100.64.0.8/29]}
  - {id: 3, isp: green, line: {port: access1}, cpe_mac: "02:00:00:01:00:03",
     addresses: [192.0.2.0/28, "2001:db8:2::/48"]}
  - {id: 4, isp: red, line: {port: access0, svlan: 30, cvlan: 5}, cpe_mac: "02:00:00:01:00:04",
     addresses: [100.64.0.4/32], rate: {up: 1Mbit}}
)";

const char* const kTransitTestConfig = R"(
router: {role: transit}
workers: {lcores: [1]}
ports:
  - {name: west, role: core, device: net_null0, mac: "02:00:00:00:1a:00"}
  - {name: east, role: core, device: net_null1, mac: "02:00:00:00:1b:00"}
local_labels:
  - {label: 300, action: swap, out_labels: [1001], next_hop: {port: east, mac: "02:00:00:00:2b:01"}}
  - {label: 310, action: swap, out_labels: [2001], next_hop: {port: east, mac: "02:00:00:00:2b:01"}}
  - {label: 320, action: swap, out_labels: [3], next_hop: {port: east, mac: "02:00:00:00:2b:01"}}
  - {label: 500, action: swap, out_labels: [100], next_hop: {port: west, mac: "02:00:00:00:c0:00"}}
)";

const char* const kTailendTestConfig = R"(
router: {role: tailend}
workers: {lcores: [1]}
ports:
  - {name: core0, role: core, device: net_null0, mac: "02:00:00:00:2b:01"}
  - {name: red0, role: isp, device: net_null1, mac: "02:00:00:00:3d:00"}
  - {name: green0, role: isp, device: net_null2, mac: "02:00:00:00:3e:00"}
isps:
  - {id: 1, name: red, handoff: {port: red0, mac: "02:00:00:00:d0:01"}}
  - {id: 2, name: green, handoff: {port: green0, mac: "02:00:00:00:e0:01"}}
local_labels:
  - {label: 1001, action: pop-to-isp, isp: red}
  - {label: 2001, action: pop-to-isp, isp: green}
prefix_fecs:
  - {prefix: 100.64.0.0/16, labels: [500], next_hop: {port: core0, mac: "02:00:00:00:1b:00"}}
  - {prefix: "2001:db8::/32", labels: [500], next_hop: {port: core0, mac: "02:00:00:00:1b:00"}}
)";

const char* const kNetworkHeadendTestConfig = R"(
workers: {lcores: [1]}
ports:
  - {name: access0, role: access, device: net_null0, mac: "02:00:00:00:a0:00"}
  - {name: core0, role: core, device: net_null1, mac: "02:00:00:00:c0:00"}
isps:
  - {id: 1, name: red, labels: [300], next_hop: {port: core0, mac: "02:00:00:00:1a:00"}}
  - {id: 2, name: green, labels: [310], next_hop: {port: core0, mac: "02:00:00:00:1a:00"}}
local_labels: [{label: 100, action: pop-to-subscriber}]
subscribers:
  - {id: 1, isp: red, line: {port: access0, svlan: 10, cvlan: 1}, cpe_mac: "02:00:00:01:00:01",
     addresses: [100.64.0.1/32, "2001:db8:1::/56"]}
  - {id: 2, isp: green, line: {port: access0, svlan: 20}, cpe_mac: "02:00:00:01:00:02",
     addresses: [100.64.0.8/29]}
)";

LoadResult load_config_text(const std::string& yaml) {
  static std::atomic<unsigned> counter{0};
  std::string path = "/tmp/aggr-config-" + std::to_string(getpid()) + "-" + std::to_string(counter++) + ".yaml";
  std::ofstream(path) << yaml;
  LoadResult result = load_config(path);
  std::remove(path.c_str());
  return result;
}

TableLimits small_limits() {
  TableLimits limits;
  limits.subscribers = 1024;
  limits.isps = 16;
  limits.label_space = 4096;
  return limits;
}

RouterHarness::RouterHarness(RouterConfig c, std::vector<uint16_t> ids, TableLimits limits, unsigned workers)
    : config(std::move(c)), port_ids(std::move(ids)) {
  if (port_ids.empty())
    for (uint16_t p = 0; p < config.ports.size(); ++p) port_ids.push_back(p);
  limits.max_workers = std::max(limits.max_workers, workers);
  tables = std::make_unique<Tables>(limits);
  configure_tables(config, *tables);
  register_transfer_field();
  std::vector<unsigned> owners = port_owner_workers(config);
  for (size_t p = 0; p < config.ports.size(); ++p)
    tables->ports[port_ids[p]] = port_attributes(config.ports[p], rte_ether_addr{}, owners[p]);
  counters = std::make_unique<CounterSet>(workers, limits.isps, limits.subscribers, limits.contracts);
  rib = std::make_unique<Rib>(*tables);
  rib->attach_counters(counters.get());
  for (size_t p = 0; p < config.ports.size(); ++p) rib->name_port(port_ids[p], config.ports[p].name);
  if (Status s = reconcile_config(config, port_ids, *rib); !s.ok()) failures.push_back(s.error);
}

RouterHarness::~RouterHarness() {
  for (auto& [worker, frames] : handed_off)
    for (rte_mbuf* m : frames) rte_pktmbuf_free(m);
  rib.reset();
  tables.reset();
}

void RouterHarness::collect(TxBatch& batch, std::map<uint16_t, std::vector<gen::Bytes>>& out) {
  for (uint64_t ports = batch.used_ports; ports; ports &= ports - 1) {
    unsigned p = unsigned(__builtin_ctzll(ports));
    queued_bytes[uint16_t(p)] += batch.bytes[p];
  }
  for (uint16_t p = 0; p < kMaxPorts; ++p)
    for (uint16_t i = 0; i < batch.count[p]; ++i) {
      rte_mbuf* m = batch.packets[p][i];
      const uint8_t* d = rte_pktmbuf_mtod(m, const uint8_t*);
      out[p].emplace_back(d, d + m->data_len);
      rte_pktmbuf_free(m);
    }
  for (uint32_t workers = batch.transfer_workers; workers; workers &= workers - 1) {
    unsigned w = unsigned(__builtin_ctz(workers));
    handed_off[w].insert(handed_off[w].end(), batch.transfer[w], batch.transfer[w] + batch.transfer_count[w]);
  }
  for (uint16_t i = 0; i < batch.punt_count; ++i) {
    rte_mbuf* m = batch.punt[i];
    const uint8_t* d = rte_pktmbuf_mtod(m, const uint8_t*);
    punted[batch.punt_port].emplace_back(d, d + m->data_len);
    rte_pktmbuf_free(m);
  }
}

std::map<uint16_t, std::vector<gen::Bytes>> RouterHarness::run(rte_mempool* pool, uint16_t in_port,
                                                                 const std::vector<gen::Bytes>& frames, uint64_t now,
                                                                 unsigned worker) {
  std::map<uint16_t, std::vector<gen::Bytes>> out;
  NodeEnv env{*tables, tables->meters, counters->worker(worker), now, uint16_t(worker)};
  for (size_t done = 0; done < frames.size();) {
    Burst burst;
    burst.in_port = in_port;
    while (burst.count < kBurstSize && done < frames.size()) {
      const gen::Bytes& f = frames[done++];
      rte_mbuf* m = rte_pktmbuf_alloc(pool);
      if (m == nullptr) throw std::runtime_error("mbuf pool exhausted");
      char* data = rte_pktmbuf_append(m, uint16_t(f.size()));
      if (data == nullptr) {  // larger than one mbuf: not a frame a port could deliver
        rte_pktmbuf_free(m);
        continue;
      }
      if (!f.empty()) std::memcpy(data, f.data(), f.size());
      burst.packets[burst.count++] = m;
    }
    TxBatch batch;
    process_burst(burst, env, batch);
    collect(batch, out);
  }
  return out;
}

std::map<uint16_t, std::vector<gen::Bytes>> RouterHarness::run_transfers(unsigned worker, uint64_t now) {
  std::map<uint16_t, std::vector<gen::Bytes>> out;
  NodeEnv env{*tables, tables->meters, counters->worker(worker), now, uint16_t(worker)};
  std::vector<rte_mbuf*> frames = std::move(handed_off[worker]);
  handed_off[worker].clear();
  for (size_t done = 0; done < frames.size();) {
    Burst burst;
    while (burst.count < kBurstSize && done < frames.size()) burst.packets[burst.count++] = frames[done++];
    TxBatch batch;
    process_transferred_burst(burst, env, batch);
    collect(batch, out);
  }
  return out;
}

}  // namespace aggr::test
