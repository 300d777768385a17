#include "dataplane/fib_writer.h"

#include <algorithm>

#include <rte_cycles.h>

#include "dataplane/frame_ops.h"

namespace aggr {
namespace {

bool add_prefix(AddressTable& table, const IpPrefix& p, uint32_t value) {
  return p.family == 4 ? table.add_ipv4(p.ipv4_host_order(), p.length, value)
                       : table.add_ipv6(mask_ipv6(p.bytes, p.length), p.length, value);
}

void remove_prefix(AddressTable& table, const IpPrefix& p) {
  if (p.family == 4)
    table.remove_ipv4(p.ipv4_host_order(), p.length);
  else
    table.remove_ipv6(mask_ipv6(p.bytes, p.length), p.length);
}

}  // namespace

Nhlfe FibWriter::build_nhlfe(const std::vector<uint32_t>& labels, uint16_t port, const rte_ether_addr& next_hop,
                             bool resolved) const {
  Nhlfe nhlfe{};
  build_nhlfe_header(nhlfe, next_hop.addr_bytes, tables_.ports[port].mac.addr_bytes, labels.data(),
                     unsigned(labels.size()));
  nhlfe.out_port = port;
  // Port MTUs change only with a restart, so the NHLFE can carry the check.
  nhlfe.max_ip_length = resolved ? uint16_t(tables_.ports[port].mtu - 4 * nhlfe.label_count) : 0;
  return nhlfe;
}

uint32_t FibWriter::publish_nhlfe(const Nhlfe& nhlfe) { return tables_.nhlfes.publish(nhlfe); }

void FibWriter::set_ftn(uint16_t isp_index, uint32_t nhlfe) {
  uint32_t old = tables_.ftn.lookup(isp_index);
  tables_.ftn.set(isp_index, nhlfe);
  if (old != kNoNhlfe && old != nhlfe) tables_.nhlfes.retire(old);
}

void FibWriter::set_ilm(uint32_t label, IlmEntry entry) {
  IlmEntry old = tables_.ilm.lookup(label);
  tables_.ilm.set(label, entry);
  if (old.action == IlmAction::kSwap && !(entry.action == IlmAction::kSwap && entry.argument == old.argument))
    tables_.nhlfes.retire(old.argument);
}

void FibWriter::set_handoff(uint16_t isp_index, uint32_t nhlfe) {
  uint32_t old = tables_.handoffs.nhlfe(isp_index);
  tables_.handoffs.set_nhlfe(isp_index, nhlfe);
  if (old != kNoNhlfe && old != nhlfe) tables_.nhlfes.retire(old);
}

ContractRate FibWriter::contract_rate(uint64_t rate_bps) const {
  // As a plan's meter.
  return ContractRate::of(rate_bps, default_burst_bytes(rate_bps), rte_get_tsc_hz());
}

uint32_t FibWriter::allocate_contract(const ContractRate rates[kDirections]) {
  uint32_t slot = tables_.redirects.allocate_slot(rates, rte_rdtsc());
  // Released slots come back only after a grace period: no worker writes them.
  if (slot != kNoContract && counters_ != nullptr) counters_->reset_contract(slot);
  return slot;
}

void FibWriter::set_port_isp(uint16_t port, uint16_t isp_index) { tables_.handoffs.set_port_isp(port, isp_index); }

bool FibWriter::add_prefix_fec(const IpPrefix& p, uint16_t index) { return add_prefix(tables_.prefix_fecs, p, index); }

void FibWriter::remove_prefix_fec(const IpPrefix& p) { remove_prefix(tables_.prefix_fecs, p); }

void FibWriter::set_prefix_ftn(uint16_t index, uint32_t nhlfe) {
  uint32_t old = tables_.prefix_ftn.lookup(index);
  tables_.prefix_ftn.set(index, nhlfe);
  if (old != kNoNhlfe && old != nhlfe) tables_.nhlfes.retire(old);
}

uint32_t FibWriter::allocate_handle() { return tables_.subscribers.allocate_handle(); }

void FibWriter::reset_subscriber_state(uint32_t handle, const uint16_t meter_profiles[kDirections]) {
  tables_.meters.reset(handle, meter_profiles[0], meter_profiles[1]);
  if (counters_ != nullptr) counters_->reset_subscriber(handle);
}

void FibWriter::publish_subscriber(uint32_t handle, const SubscriberRecord& record) {
  tables_.subscribers.publish(handle, record);
}

void FibWriter::remove_subscriber(uint32_t handle) {
  tables_.subscribers.unpublish(handle);
  tables_.subscribers.release_handle(handle);
}

uint32_t FibWriter::meter_profile(uint64_t rate_bps, uint64_t burst_bytes) {
  return tables_.meters.profile_for(rate_bps, burst_bytes);
}

bool FibWriter::add_address(const IpPrefix& p, uint32_t handle) { return add_prefix(tables_.addresses, p, handle); }

void FibWriter::remove_address(const IpPrefix& p) { remove_prefix(tables_.addresses, p); }

bool FibWriter::add_line(uint64_t key, uint32_t handle) { return tables_.subscribers.add_line(key, handle); }

void FibWriter::remove_line(uint64_t key) { tables_.subscribers.remove_line(key); }

uint32_t FibWriter::line_owner(uint64_t key) const {
  uint32_t found = kInvalidHandle;
  tables_.subscribers.lookup_lines(&key, 1, &found);
  return found;
}

}  // namespace aggr
