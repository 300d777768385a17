// The tailend's handoffs to ISPs, both ways. Upstream, each ISP's handoff
// NHLFE: the Ethernet header towards the ISP's gateway on the ISP's port,
// with no label (an index into NhlfeTable). Downstream, the ISP whose
// handoff each port is, for the packets the ISP sends in. Each entry is
// replaced by one atomic store.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "dataplane/tables/ftn_table.h"
#include "dataplane/tables/records.h"

namespace aggr {

constexpr uint16_t kNoIsp = 0xFFFF;

class HandoffTable {
 public:
  explicit HandoffTable(uint32_t max_isps) : nhlfes_(max_isps) {
    for (auto& isp : port_isp_) isp.store(kNoIsp, std::memory_order_relaxed);
  }

  // ---- worker side ----
  // kNoNhlfe: the ISP has no handoff here.
  uint32_t nhlfe(uint16_t isp) const { return nhlfes_.lookup(isp); }
  // kNoIsp: the port is no ISP's handoff.
  uint16_t isp_of_port(uint16_t port) const { return port_isp_[port].load(std::memory_order_acquire); }

  // ---- control-plane side; the caller retires an NHLFE it replaces ----
  void set_nhlfe(uint16_t isp, uint32_t nhlfe) { nhlfes_.set(isp, nhlfe); }
  void set_port_isp(uint16_t port, uint16_t isp) { port_isp_[port].store(isp, std::memory_order_release); }

 private:
  FtnTable nhlfes_;  // by ISP index, as the FTN
  std::array<std::atomic<uint16_t>, kMaxPorts> port_isp_;
};

}  // namespace aggr
