// Subscriber addresses: longest-prefix match from an address to the handle
// of the subscriber that owns it. Used for downstream delivery (destination)
// and upstream anti-spoofing and source-prefix classification (source).
//
// Both families: one exact-match table per prefix length in use, searched
// longest first. Access networks assign prefixes of a handful of lengths
// (/32, /29; /48, /56, /64), so a lookup costs a few probes, an add is O(1)
// (rte_lpm scans the rules of a depth linearly: minutes for 1M /32s), and a
// prefix costs 16 bytes (IPv4, Ipv4ExactTable: one cache line a probe) or
// ~60 (IPv6, lock-free rte_hash) where a trie needs kilobytes for a /56.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>

#include <rte_hash.h>

#include "dataplane/rcu.h"
#include "dataplane/tables/ipv4_exact_table.h"
#include "dataplane/tables/records.h"

namespace aggr {

struct Ipv6Address {
  uint8_t bytes[16];
};

class AddressTable {
 public:
  AddressTable(uint32_t max_ipv4_prefixes, uint32_t max_ipv6_prefixes, Rcu& rcu);
  AddressTable(const AddressTable&) = delete;
  AddressTable& operator=(const AddressTable&) = delete;

  // ---- worker side; kInvalidHandle when no prefix matches ----
  uint32_t lookup_ipv4(uint32_t address_host_order) const {
    uint32_t handle;
    lookup_ipv4_bulk(&address_host_order, 1, &handle);
    return handle;
  }
  // A burst's lookups at once (count <= 64): each prefix length's table is
  // probed for all still unresolved addresses in bulk, which overlaps their
  // cache misses. handles[i] as for one lookup.
  void lookup_ipv4_bulk(const uint32_t* addresses_host_order, unsigned count, uint32_t* handles) const {
    ipv4_.lookup_bulk(addresses_host_order, count, handles);
  }
  void lookup_ipv6_bulk(const uint8_t* const* addresses, unsigned count, uint32_t* handles) const {
    ipv6_.lookup_bulk(addresses, count, handles);
  }

  // ---- control-plane side; false: no room ----
  bool add_ipv4(uint32_t prefix_host_order, uint8_t length, uint32_t handle) {
    return ipv4_.add(prefix_host_order, length, handle);
  }
  void remove_ipv4(uint32_t prefix_host_order, uint8_t length) { ipv4_.remove(prefix_host_order, length); }
  bool add_ipv6(const Ipv6Address& prefix, uint8_t length, uint32_t handle) {
    return ipv6_.add(prefix.bytes, length, handle);
  }
  void remove_ipv6(const Ipv6Address& prefix, uint8_t length) { ipv6_.remove(prefix.bytes, length); }

 private:
  // The prefix lengths of a family in use, longest first, for the workers;
  // republished as a whole when a length comes into or goes out of use.
  class LengthsInUse {
   public:
    struct List {
      uint8_t count;
      uint8_t lengths[129];
    };
    explicit LengthsInUse(Rcu& rcu);
    ~LengthsInUse();
    const List& current() const { return *list_.load(std::memory_order_acquire); }
    void added(uint8_t length);
    void removed(uint8_t length);

   private:
    void publish();
    Rcu& rcu_;
    std::array<uint32_t, 129> count_{};
    std::atomic<const List*> list_;
  };

  // IPv4: keys are the host-order word, masked.
  class Ipv4Prefixes {
   public:
    Ipv4Prefixes(uint32_t max_prefixes, Rcu& rcu);
    void lookup_bulk(const uint32_t* addresses, unsigned count, uint32_t* handles) const;
    bool add(uint32_t prefix, uint8_t length, uint32_t handle);
    void remove(uint32_t prefix, uint8_t length);

   private:
    uint32_t max_prefixes_;
    Rcu& rcu_;
    std::array<std::unique_ptr<Ipv4ExactTable>, 33> by_length_;
    LengthsInUse lengths_;
  };

  // IPv6: keys are the 16 network-order bytes, masked.
  class Ipv6Prefixes {
   public:
    Ipv6Prefixes(uint32_t max_prefixes, Rcu& rcu);
    ~Ipv6Prefixes();
    void lookup_bulk(const uint8_t* const* addresses, unsigned count, uint32_t* handles) const;
    bool add(const uint8_t* prefix, uint8_t length, uint32_t handle);
    void remove(const uint8_t* prefix, uint8_t length);

   private:
    uint32_t max_prefixes_;
    Rcu& rcu_;
    std::array<rte_hash*, 129> by_length_{};
    LengthsInUse lengths_;
  };

  Ipv4Prefixes ipv4_;
  Ipv6Prefixes ipv6_;
};

// Zeroes the bits of `address` beyond `length`.
Ipv6Address mask_ipv6(const uint8_t* address, uint8_t length);

}  // namespace aggr
