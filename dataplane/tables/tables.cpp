#include "dataplane/tables/tables.h"

namespace aggr {

Tables::Tables(const TableLimits& l)
    : limits(l),
      rcu(l.max_workers, 1u << 16),
      subscribers(l.subscribers, rcu),
      addresses(l.ipv4_prefixes ? l.ipv4_prefixes : l.subscribers,
                l.ipv6_prefixes ? l.ipv6_prefixes : l.subscribers, rcu),
      nhlfes(l.nhlfes, rcu),
      ftn(l.isps),
      ilm(l.label_space),
      handoffs(l.isps),
      prefix_fecs(l.prefix_fecs, l.prefix_fecs, rcu),
      prefix_ftn(l.prefix_fecs),
      local_addresses(256, 256, rcu),
      meters(l.subscribers),
      redirects(l.subscribers, l.contracts, rcu) {}

Tables::~Tables() { rcu.synchronize(); }

}  // namespace aggr
