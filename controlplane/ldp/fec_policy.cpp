#include "controlplane/ldp/fec_policy.h"

namespace aggr::ldp {

std::vector<IpPrefix> FecPolicy::egress() const {
  std::vector<IpPrefix> all = pool_egress;
  for (const auto& [fec, isp] : isp_egress) all.push_back(fec);
  return all;
}

FecPolicy fec_policy(const RouterConfig& config) {
  FecPolicy policy;
  if (!config.ldp.enabled) return policy;
  for (const IspConfig& isp : config.isps) {
    if (!isp.fec) continue;
    if (config.role == RouterRole::kTailend && isp.handoff) policy.isp_egress[*isp.fec] = isp.id;
    if (config.role == RouterRole::kHeadend) policy.isp_ftn[*isp.fec].push_back(isp.id);
  }
  if (config.role == RouterRole::kHeadend) policy.pool_egress = config.subscriber_pools;
  if (config.role == RouterRole::kTailend) policy.subscriber_fecs = config.ldp.subscriber_fecs;
  return policy;
}

}  // namespace aggr::ldp
