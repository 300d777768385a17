// Every table the workers read, with the RCU state that protects them.
// Workers get a `const Tables&`; only FibWriter (control plane) changes them.
#pragma once

#include <cstdint>

#include "dataplane/rcu.h"
#include "dataplane/tables/address_table.h"
#include "dataplane/tables/ftn_table.h"
#include "dataplane/tables/handoff_table.h"
#include "dataplane/tables/ilm_table.h"
#include "dataplane/tables/meter_table.h"
#include "dataplane/tables/nhlfe_table.h"
#include "dataplane/tables/port_table.h"
#include "dataplane/tables/punt_table.h"
#include "dataplane/tables/redirect_table.h"
#include "dataplane/tables/subscriber_table.h"

namespace aggr {

enum class TtlModel : uint8_t {
  kUniform = 0,  // RFC 3443: MPLS TTL copied from IP on push, back on pop
  kPipe,         // RFC 3443 (short) pipe: MPLS TTL 255, IP TTL untouched by the LSP
};

struct TableLimits {
  uint32_t subscribers = 65536;
  uint32_t isps = 1024;
  uint32_t label_space = 1u << 20;
  uint32_t nhlfes = 4096;
  uint32_t contracts = 4096;  // link-sharing contracts in force at once
  uint32_t prefix_fecs = 1024;  // tailend: destination prefixes with a label towards a headend
  uint32_t ipv4_prefixes = 0;  // 0: as many as subscribers
  uint32_t ipv6_prefixes = 0;  // 0: as many as subscribers
  unsigned max_workers = 16;
};

struct Tables {
  explicit Tables(const TableLimits& limits);
  // Runs every pending deferred free while the tables they return memory to
  // still exist (members are destroyed after this body, rcu last). Readers
  // must be gone.
  ~Tables();
  Tables(const Tables&) = delete;
  Tables& operator=(const Tables&) = delete;

  TableLimits limits;
  TtlModel ttl_model = TtlModel::kUniform;
  Rcu rcu;
  PortTable ports{};
  SubscriberTable subscribers;
  AddressTable addresses;
  NhlfeTable nhlfes;
  FtnTable ftn;  // ISP index -> NHLFE (headend upstream)
  IlmTable ilm;
  HandoffTable handoffs;
  // Tailend downstream: destination -> prefix FEC index (longest match) ->
  // NHLFE, so that replacing a FEC's NHLFE is one store.
  AddressTable prefix_fecs;
  FtnTable prefix_ftn;
  // The router's own addresses on mirrored ports (host prefixes -> port):
  // what an ISP port punts to the kernel rather than drops.
  AddressTable local_addresses;
  PuntTable punt;
  MeterTable meters;
  RedirectTable redirects;
};

}  // namespace aggr
