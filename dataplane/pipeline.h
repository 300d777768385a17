// The paths of one received burst through the nodes, chosen by the kind of
// port it arrived on, without any ethdev call: the worker hands in a burst
// and gets frames grouped by out port.
//
//   access port:  parse_access -> classify -> police(up) -> mpls_push -> account_and_output
//   core port:    mpls_input -> deliver -> handoff -> police(down) -> account_and_output
//                           \-> label_swap -> output            (ILM entries that swap)
//   handed off:   resume_handoff -> police(down) -> account_and_output   (on the meter's owner)
//
// Dropped packets are counted by reason and freed by the last stage; frames
// for another worker's meter are left in out.handoff (dataplane/handoff.h).
#pragma once

#include "dataplane/stages/stages.h"

namespace aggr {

void process_burst(Burst& burst, const StageEnv& env, TxBatch& out);
// Frames another worker handed to this one (burst.in_port is not used).
void process_handoff_burst(Burst& burst, const StageEnv& env, TxBatch& out);

}  // namespace aggr
