// What graceful restart (RFC 3478) keeps across a restart of aggrd: the
// labels this router had bound to FECs and how it forwarded them, and the
// labels its next hops gave the FECs its FTN entries follow. Written to a
// file (atomically: a new file renamed over the old) while LDP runs, read
// once at start, so that the restarted router forwards as before at once
// and advertises the same labels again.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "controlplane/ldp/label_base.h"
#include "dataplane/net/status.h"

namespace aggr::ldp {

struct SavedBindings {
  std::map<IpPrefix, Binding> bindings;
  std::map<IpPrefix, NextHopLabel> next_hop_labels;
  bool empty() const { return bindings.empty() && next_hop_labels.empty(); }
};

Status save_bindings(const std::string& path, const SavedBindings& saved);
// Nothing saved (no file) is no error; a file that does not read is.
Status load_bindings(const std::string& path, SavedBindings* saved);

}  // namespace aggr::ldp
