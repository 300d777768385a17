// What the configuration makes of LDP's FECs, by the router's role
// (DESIGN.md): the FECs it originates and what their labels pop to, and
// the FECs whose next-hop labels become its FTN entries.
#pragma once

#include <map>
#include <vector>

#include "controlplane/config/config.h"

namespace aggr::ldp {

struct FecPolicy {
  std::map<IpPrefix, uint32_t> isp_egress;            // a tailend's ISP FECs: popped to that ISP
  std::vector<IpPrefix> pool_egress;                  // a headend's pools: popped to subscribers
  std::map<IpPrefix, std::vector<uint32_t>> isp_ftn;  // a headend: the ISPs whose FTN follows each FEC
  std::vector<IpPrefix> subscriber_fecs;              // a tailend: FTN by prefix for FECs within these
  // Every FEC this router originates.
  std::vector<IpPrefix> egress() const;
  bool operator==(const FecPolicy&) const = default;
};

// A tailend originates each ISP's FEC, popped to the ISP; a headend its
// subscriber pools, popped to the subscribers, and follows each ISP's FEC
// for the ISP's FTN entry.
FecPolicy fec_policy(const RouterConfig& config);

}  // namespace aggr::ldp
