// The configuration's ldp section (config/README.md documents its keys).
#pragma once

#include "controlplane/config/config.h"
#include "controlplane/config/yaml_reader.h"

namespace aggr {

void read_ldp(YamlReader& r, const YAML::Node& node, LdpConfig& ldp);
// The defaults that come from the rest of the configuration: the LSR id
// (router.router_id), the transport address (the LSR id), the interfaces
// (every core port with a mirror), each ISP's FEC at a tailend (its
// handoff gateway's mirror subnet).
void complete_ldp(RouterConfig& c);

}  // namespace aggr
