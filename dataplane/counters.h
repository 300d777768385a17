// Per-worker counters. Each worker writes only its own WorkerCounters (single
// writer, no atomic read-modify-write: a relaxed load and store compile to
// plain moves); readers on other threads sum all workers with relaxed loads.
//
// Bytes counted:
//  - per ISP and per subscriber: IP bytes (IPv4 total length, IPv6 40 +
//    payload length), the same in both directions and independent of the
//    Ethernet, VLAN and MPLS headers around them: the unit of wholesale
//    billing.
//  - per port: Ethernet frame bytes as received or sent, without FCS.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include <rte_prefetch.h>

#include "dataplane/drop_reason.h"
#include "dataplane/tables/punt_table.h"
#include "dataplane/tables/records.h"
#include "dataplane/tables/table_array.h"

namespace aggr {

class Counter {
 public:
  void add(uint64_t n) { value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  uint64_t get() const { return value_.load(std::memory_order_relaxed); }
  // Only when no worker can be writing (see CounterSet::reset_subscriber).
  void reset() { value_.store(0, std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

struct TrafficCounter {
  Counter packets;
  Counter bytes;
  void add(uint64_t byte_count) {
    packets.add(1);
    bytes.add(byte_count);
  }
  // A burst at once: one store each, where adding packet by packet would
  // chain every add on the store before it.
  void add(uint64_t packet_count, uint64_t byte_count) {
    packets.add(packet_count);
    bytes.add(byte_count);
  }
  // Only when no worker can be writing (see CounterSet::reset_subscriber).
  void reset() {
    packets.reset();
    bytes.reset();
  }
};

struct Totals {
  uint64_t packets = 0;
  uint64_t bytes = 0;
  Totals& operator+=(const TrafficCounter& c) {
    packets += c.packets.get();
    bytes += c.bytes.get();
    return *this;
  }
  bool operator==(const Totals&) const = default;
};

struct PortCounters {
  TrafficCounter rx;
  TrafficCounter tx;
};

class alignas(64) WorkerCounters {
 public:
  WorkerCounters(uint32_t max_isps, uint32_t max_subscribers, uint32_t max_contracts);

  PortCounters& port(uint16_t port) { return ports_[port]; }
  Counter& drop(DropReason reason) { return drops_[unsigned(reason)]; }
  TrafficCounter& isp(uint16_t isp, Direction d) { return isps_[unsigned(d)][isp]; }
  // A subscriber's counters are kept by direction, 16 bytes a subscriber, so
  // that at scale a direction's traffic spans a third of the lines that all
  // of a subscriber's counters together would.
  TrafficCounter& subscriber_traffic(uint32_t handle, Direction d) { return traffic_[unsigned(d)][handle]; }
  Counter& subscriber_meter_drops(uint32_t handle, Direction d) { return meter_drops_[unsigned(d)][handle]; }
  // The direction's counters of every handle, indexed by handle: for a node
  // to hold in a register over a burst.
  TrafficCounter* subscriber_traffic_array(Direction d) { return traffic_[unsigned(d)].get(); }
  // The same for ISPs, by ISP index.
  TrafficCounter* isp_traffic_array(Direction d) { return isps_[unsigned(d)].get(); }
  // What a link-sharing contract carried over the donor's line (IP bytes,
  // the unit it is billed in), by contract slot.
  TrafficCounter& contract_traffic(uint32_t slot, Direction d) { return contracts_[unsigned(d)][slot]; }
  Counter loops;       // poll loops run
  Counter busy_loops;  // poll loops that received at least one packet
  Counter cycles;      // TSC cycles spent in the poll loop (sleeps included)
  Counter busy_cycles; // of which in loops that received at least one packet
  Counter punted[kPuntKinds];        // frames for the router, queued to a mirror or answered
  Counter punt_policed[kPuntKinds];  // of which over the rate (also drops: punt_policed)

  const PortCounters& port(uint16_t port) const { return ports_[port]; }
  const Counter& drop(DropReason reason) const { return drops_[unsigned(reason)]; }
  const TrafficCounter& isp(uint16_t isp, Direction d) const {
    return isps_[unsigned(d)][isp];
  }
  const TrafficCounter& subscriber_traffic(uint32_t handle, Direction d) const {
    return traffic_[unsigned(d)][handle];
  }
  const Counter& subscriber_meter_drops(uint32_t handle, Direction d) const {
    return meter_drops_[unsigned(d)][handle];
  }
  const TrafficCounter& contract_traffic(uint32_t slot, Direction d) const { return contracts_[unsigned(d)][slot]; }

 private:
  PortCounters ports_[kMaxPorts];
  Counter drops_[kDropReasonCount];
  TableArray<TrafficCounter> isps_[kDirections];     // by ISP index
  TableArray<TrafficCounter> traffic_[kDirections];  // by handle
  TableArray<Counter> meter_drops_[kDirections];      // by handle
  TableArray<TrafficCounter> contracts_[kDirections]; // by contract slot
};

// All workers' counters, and the sums that summaries and metrics read.
class CounterSet {
 public:
  CounterSet(unsigned workers, uint32_t max_isps, uint32_t max_subscribers, uint32_t max_contracts);

  unsigned workers() const { return unsigned(workers_.size()); }
  WorkerCounters& worker(unsigned i) { return *workers_[i]; }
  const WorkerCounters& worker(unsigned i) const { return *workers_[i]; }

  Totals isp(uint16_t isp, Direction d) const;
  Totals subscriber(uint32_t handle, Direction d) const;
  uint64_t subscriber_meter_drops(uint32_t handle, Direction d) const;
  Totals contract(uint32_t slot, Direction d) const;
  Totals port_rx(uint16_t port) const;
  Totals port_tx(uint16_t port) const;
  uint64_t drops(DropReason reason) const;
  uint64_t total_drops() const;
  uint64_t punted(PuntKind kind) const;
  uint64_t punt_policed(PuntKind kind) const;

  // Zeroes a subscriber handle's counters before it is reused. Only valid
  // while the handle is unpublished and past its grace period, when no worker
  // can write them; the record's later release publication orders it.
  void reset_subscriber(uint32_t handle);
  // The same for a contract slot.
  void reset_contract(uint32_t slot);

 private:
  std::vector<std::unique_ptr<WorkerCounters>> workers_;
};

}  // namespace aggr
