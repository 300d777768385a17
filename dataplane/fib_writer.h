// The dataplane side of every table change: writes what the workers read,
// by index only (ISP index, subscriber handle, NHLFE index, label), on the
// control-plane thread (single writer). It holds no names, ids or specs:
// the RIB (controlplane/rib/) owns the running state, decides, and calls
// this to publish. Each call leaves the tables consistent for readers.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <rte_ether.h>

#include "dataplane/counters.h"
#include "dataplane/net/ip_prefix.h"
#include "dataplane/tables/tables.h"

namespace aggr {

class FibWriter {
 public:
  explicit FibWriter(Tables& tables) : tables_(tables) {}

  // Counters whose per-subscriber entries are zeroed when a handle is reused.
  void attach_counters(CounterSet* counters) { counters_ = counters; }
  const Tables& tables() const { return tables_; }

  // ---- NHLFEs, FTN, ILM ----
  // The NHLFE that pushes `labels` (0..3, already checked; none for a pop
  // or a handoff) out of `port` to `next_hop`: its header, out port and MTU
  // check. An unresolved next hop (no MAC known) gets an NHLFE that refuses
  // every packet, counted as unresolved_next_hop.
  Nhlfe build_nhlfe(const std::vector<uint32_t>& labels, uint16_t port, const rte_ether_addr& next_hop,
                    bool resolved = true) const;
  uint32_t publish_nhlfe(const Nhlfe& nhlfe);  // kNoNhlfe: the table is full
  // Points the ISP's FTN entry at `nhlfe` (kNoNhlfe: none) and retires the
  // NHLFE it named before.
  void set_ftn(uint16_t isp_index, uint32_t nhlfe);
  // Replaces the label's ILM entry and retires the NHLFE of a swap it replaces.
  void set_ilm(uint32_t label, IlmEntry entry);
  // Points the ISP's handoff at `nhlfe` (kNoNhlfe: none), retiring the old one.
  void set_handoff(uint16_t isp_index, uint32_t nhlfe);
  // The ISP (kNoIsp: none) whose handoff the port is.
  void set_port_isp(uint16_t port, uint16_t isp_index);
  // Prefix FECs: the prefix leads to FEC `index`, whose NHLFE set_prefix_ftn
  // names (set it first). false: the table is full.
  bool add_prefix_fec(const IpPrefix& prefix, uint16_t index);
  void remove_prefix_fec(const IpPrefix& prefix);
  void set_prefix_ftn(uint16_t index, uint32_t nhlfe);

  // ---- subscribers ----
  uint32_t allocate_handle();  // kInvalidHandle: the table is full
  // A handle no worker can reach yet: meters and counters from zero.
  void reset_subscriber_state(uint32_t handle, const uint16_t meter_profiles[kDirections]);
  void publish_subscriber(uint32_t handle, const SubscriberRecord& record);
  // Unpublishes and releases the handle (reused after a grace period).
  void remove_subscriber(uint32_t handle);
  // The meter profile for a rate and burst; MeterTable::kMaxProfiles: too many.
  uint32_t meter_profile(uint64_t rate_bps, uint64_t burst_bytes);
  bool add_address(const IpPrefix& prefix, uint32_t handle);  // false: the table is full
  void remove_address(const IpPrefix& prefix);
  bool add_line(uint64_t key, uint32_t handle);  // false: the table is full
  void remove_line(uint64_t key);
  uint32_t line_owner(uint64_t key) const;  // kInvalidHandle: none

  // ---- link-sharing contracts ----
  ContractRate contract_rate(uint64_t rate_bps) const;
  // A contract slot, its counters zeroed and buckets full; kNoContract: none free.
  uint32_t allocate_contract(const ContractRate rates[kDirections]);
  void release_contract(uint32_t slot) { tables_.redirects.release_slot(slot); }
  // A token for what workers may still see now, and the wait until none can.
  uint64_t retire_token() { return tables_.rcu.retire_token(); }
  void wait_for(uint64_t token) const { tables_.rcu.wait_for(token); }
  void publish_redirects(uint32_t handle, std::unique_ptr<RedirectSet> set) {
    tables_.redirects.publish(handle, std::move(set));
  }

  // Frees superseded table memory whose grace period is over.
  void reclaim() { tables_.rcu.reclaim(); }

 private:
  Tables& tables_;
  CounterSet* counters_ = nullptr;
};

}  // namespace aggr
