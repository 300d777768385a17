// The decisions that turn LDP's bindings into the RIB's entries (source
// ldp), by the router's role in DESIGN.md:
// - a label bound for a FEC this router is the egress for pops: to the
//   ISP whose FEC it is (a tailend) or to the subscribers (a headend's pool);
// - a label bound for a FEC learned from its next hop swaps for that next
//   hop's label towards it (every role can be a transit);
// - the label the next hop gives an ISP's FEC is that ISP's FTN entry (a
//   headend), and the label given a headend's pool is the downstream FTN
//   entry by prefix for destinations in it (a tailend).
// It also answers LDP's one question to routing: the next hop towards a
// FEC, from the kernel's routes the RIB follows.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "controlplane/ldp/fec_policy.h"
#include "controlplane/ldp/label_base.h"
#include "controlplane/rib/rib.h"

namespace aggr::ldp {

class RibFeed {
 public:
  RibFeed(Rib& rib, FecPolicy policy) : rib_(rib), policy_(std::move(policy)) {}

  // The next hop routing gives a FEC: the gateway of the kernel's longest
  // matching route out of a core port. None where the route has no gateway
  // (the FEC is on a link of this router's) or there is none.
  std::optional<NextHop> route(const IpPrefix& fec) const;
  // Changes whenever the kernel's routes do.
  uint64_t routes_version() const { return rib_.kernel_routes_version(); }

  // Applies the changes' bindings and next-hop labels to the RIB. An entry
  // the RIB refuses is reported (and the rest still applied): one bad FEC
  // must not stop the others.
  std::vector<std::string> apply(const LabelBaseChanges& changes);

  const FecPolicy& policy() const { return policy_; }
  // A new policy (a reload): every FEC whose FTN entries it changes is
  // followed again with `labels` (the next hops' labels now), and the
  // ISPs it no longer names for a FEC lose LDP's entry.
  std::vector<std::string> set_policy(FecPolicy policy,
                                      const std::map<IpPrefix, std::optional<NextHopLabel>>& labels);
  // Takes every entry this feed installed out of the RIB (the speaker
  // goes, as a reload that changes its identity replaces it); entries of
  // other sources for the same ISPs and labels take over.
  std::vector<std::string> withdraw_all();

 private:
  Status install(const IpPrefix& fec, const Binding& binding);
  Status follow(const IpPrefix& fec, const std::optional<NextHopLabel>& label);
  bool is_subscriber_fec(const IpPrefix& fec) const;

  Rib& rib_;
  FecPolicy policy_;
  std::map<IpPrefix, uint32_t> installed_;  // each FEC's local label in the ILM
  std::set<IpPrefix> prefix_ftns_;          // FECs with a downstream FTN entry by prefix
};

}  // namespace aggr::ldp
