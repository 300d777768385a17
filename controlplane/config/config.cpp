#include <algorithm>
#include <tuple>

#include "controlplane/config/config.h"

namespace aggr {

const PortConfig* RouterConfig::port(const std::string& port_name) const {
  for (const PortConfig& p : ports)
    if (p.name == port_name) return &p;
  return nullptr;
}

const IspConfig* RouterConfig::isp(const std::string& isp_name) const {
  for (const IspConfig& i : isps)
    if (i.name == isp_name) return &i;
  return nullptr;
}

std::vector<unsigned> RouterConfig::port_workers() const {
  std::vector<unsigned> out;
  for (size_t i = 0; i < ports.size(); ++i) {
    if (ports[i].worker)
      out.push_back(*ports[i].worker);
    else
      out.push_back(worker_lcores.empty() ? 0 : worker_lcores[i % worker_lcores.size()]);
  }
  return out;
}

LoadResult load_config(const std::string& path) {
  LoadResult result;
  parse_yaml_config(path, result.config, result.errors);
  if (result.errors.empty()) validate_config(result.config, result.errors);
  std::stable_sort(result.errors.begin(), result.errors.end(), [](const ConfigError& a, const ConfigError& b) {
    return std::tie(a.where.file, a.where.line, a.where.column) < std::tie(b.where.file, b.where.line, b.where.column);
  });
  return result;
}

std::string_view router_role_name(RouterRole role) {
  switch (role) {
    case RouterRole::kHeadend: return "headend";
    case RouterRole::kTransit: return "transit";
    case RouterRole::kTailend: return "tailend";
  }
  return "unknown";
}

}  // namespace aggr
