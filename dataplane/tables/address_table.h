// Subscriber addresses: longest-prefix match from an address to the handle
// of the subscriber that owns it. Used for downstream delivery (destination)
// and upstream anti-spoofing and source-prefix classification (source).
//
// IPv4: rte_lpm with RCU-deferred tbl8 reclamation.
// IPv6: one lock-free rte_hash per prefix length in use, searched longest
// first. Access networks delegate prefixes of a handful of lengths (/48,
// /56, /64, /128), so a lookup costs a few hash probes, and the memory per
// prefix is ~40 bytes where a trie would need kilobytes for a /56.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>

#include <rte_hash.h>
#include <rte_lpm.h>

#include "dataplane/rcu.h"
#include "dataplane/tables/records.h"

namespace aggr {

struct Ipv6Address {
  uint8_t bytes[16];
};

class AddressTable {
 public:
  AddressTable(uint32_t max_ipv4_prefixes, uint32_t ipv4_tbl8_groups,
               uint32_t max_ipv6_prefixes, Rcu& rcu);
  ~AddressTable();
  AddressTable(const AddressTable&) = delete;
  AddressTable& operator=(const AddressTable&) = delete;

  // ---- worker side; kInvalidHandle when no prefix matches ----
  uint32_t lookup_ipv4(uint32_t address_host_order) const {
    uint32_t handle;
    return rte_lpm_lookup(ipv4_, address_host_order, &handle) == 0 ? handle : kInvalidHandle;
  }
  uint32_t lookup_ipv6(const uint8_t* address) const;

  // ---- control-plane side; false: no room ----
  bool add_ipv4(uint32_t prefix_host_order, uint8_t length, uint32_t handle);
  void remove_ipv4(uint32_t prefix_host_order, uint8_t length);
  bool add_ipv6(const Ipv6Address& prefix, uint8_t length, uint32_t handle);
  void remove_ipv6(const Ipv6Address& prefix, uint8_t length);

 private:
  // Prefix lengths in use, longest first; replaced as a whole.
  struct LengthList {
    uint8_t count;
    uint8_t lengths[129];
  };
  void publish_lengths();

  Rcu& rcu_;
  uint32_t max_ipv6_prefixes_;
  rte_lpm* ipv4_ = nullptr;
  std::array<rte_hash*, 129> ipv6_by_length_{};
  std::array<uint32_t, 129> ipv6_count_by_length_{};
  std::atomic<const LengthList*> ipv6_lengths_;
};

// Zeroes the bits of `address` beyond `length`.
Ipv6Address mask_ipv6(const uint8_t* address, uint8_t length);

}  // namespace aggr
