#include "dataplane/counters.h"

namespace aggr {

WorkerCounters::WorkerCounters(uint32_t max_isps, uint32_t max_subscribers, uint32_t max_contracts) {
  for (unsigned d = 0; d < kDirections; ++d) {
    isps_[d] = make_table_array<TrafficCounter>(max_isps);
    traffic_[d] = make_table_array<TrafficCounter>(max_subscribers);
    meter_drops_[d] = make_table_array<Counter>(max_subscribers);
    contracts_[d] = make_table_array<TrafficCounter>(max_contracts);
  }
}

CounterSet::CounterSet(unsigned workers, uint32_t max_isps, uint32_t max_subscribers, uint32_t max_contracts) {
  for (unsigned i = 0; i < workers; ++i)
    workers_.push_back(std::make_unique<WorkerCounters>(max_isps, max_subscribers, max_contracts));
}

Totals CounterSet::isp(uint16_t isp, Direction d) const {
  Totals t;
  for (const auto& w : workers_) t += w->isp(isp, d);
  return t;
}

Totals CounterSet::subscriber(uint32_t handle, Direction d) const {
  Totals t;
  for (const auto& w : workers_) t += w->subscriber_traffic(handle, d);
  return t;
}

uint64_t CounterSet::subscriber_meter_drops(uint32_t handle, Direction d) const {
  uint64_t n = 0;
  for (const auto& w : workers_) n += w->subscriber_meter_drops(handle, d).get();
  return n;
}

Totals CounterSet::contract(uint32_t slot, Direction d) const {
  Totals t;
  for (const auto& w : workers_) t += w->contract_traffic(slot, d);
  return t;
}

Totals CounterSet::port_rx(uint16_t port) const {
  Totals t;
  for (const auto& w : workers_) t += w->port(port).rx;
  return t;
}

Totals CounterSet::port_tx(uint16_t port) const {
  Totals t;
  for (const auto& w : workers_) t += w->port(port).tx;
  return t;
}

uint64_t CounterSet::drops(DropReason reason) const {
  uint64_t n = 0;
  for (const auto& w : workers_) n += w->drop(reason).get();
  return n;
}

uint64_t CounterSet::total_drops() const {
  uint64_t n = 0;
  for (unsigned r = 1; r < kDropReasonCount; ++r) n += drops(DropReason(r));
  return n;
}

uint64_t CounterSet::punted(PuntKind kind) const {
  uint64_t n = 0;
  for (const auto& w : workers_) n += w->punted[unsigned(kind)].get();
  return n;
}

uint64_t CounterSet::punt_policed(PuntKind kind) const {
  uint64_t n = 0;
  for (const auto& w : workers_) n += w->punt_policed[unsigned(kind)].get();
  return n;
}

void CounterSet::reset_subscriber(uint32_t handle) {
  for (auto& w : workers_) {
    for (unsigned d = 0; d < kDirections; ++d) {
      w->subscriber_traffic(handle, Direction(d)).reset();
      w->subscriber_meter_drops(handle, Direction(d)).reset();
    }
  }
}

void CounterSet::reset_contract(uint32_t slot) {
  for (auto& w : workers_)
    for (unsigned d = 0; d < kDirections; ++d) w->contract_traffic(slot, Direction(d)).reset();
}

}  // namespace aggr
