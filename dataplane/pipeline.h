// The headend's two pipelines over one received burst, without any ethdev
// call: the worker hands in a burst and gets frames grouped by out port.
//
//   access port:  parse_access -> classify -> police(up) -> mpls_push -> account
//   core port:    mpls_pop -> deliver -> police(down) -> account
//
// Dropped packets are counted by reason and freed here.
#pragma once

#include "dataplane/stages/stages.h"

namespace aggr {

void process_burst(Burst& burst, const StageEnv& env, TxBatch& out);

}  // namespace aggr
