#include "dataplane/tables/address_table.h"

#include <array>
#include <cstring>
#include <string>

#include "dataplane/tables/lockfree_hash.h"

namespace aggr {
namespace {

unsigned next_table_id() {
  static unsigned id = 0;
  return id++;
}

uint32_t ipv4_mask(uint8_t length) { return length == 0 ? 0 : ~uint32_t(0) << (32 - length); }

// The lengths' tables probed in turn, longest first, each for the addresses
// still unresolved; lookup(length, indexes, n, found) resolves n of them.
template <typename LookupFn>
void longest_first(const uint8_t* lengths, unsigned length_count, unsigned count, uint32_t* handles,
                   LookupFn lookup) {
  static constexpr auto kAll = [] {
    std::array<uint8_t, 64> all{};
    for (unsigned i = 0; i < all.size(); ++i) all[i] = uint8_t(i);
    return all;
  }();
  if (length_count == 1) {  // one length in use, as with /32s only: no second round to prepare
    lookup(lengths[0], kAll.data(), count, handles);
    return;
  }
  uint8_t pending[64];
  for (unsigned i = 0; i < count; ++i) {
    handles[i] = kInvalidHandle;
    pending[i] = uint8_t(i);
  }
  unsigned pending_count = count;
  uint32_t found[64];
  for (unsigned l = 0; l < length_count && pending_count > 0; ++l) {
    lookup(lengths[l], pending, pending_count, found);
    unsigned still = 0;
    for (unsigned j = 0; j < pending_count; ++j) {
      if (found[j] != kInvalidHandle)
        handles[pending[j]] = found[j];
      else
        pending[still++] = pending[j];
    }
    pending_count = still;
  }
}

}  // namespace

Ipv6Address mask_ipv6(const uint8_t* address, uint8_t length) {
  Ipv6Address out{};
  unsigned full = length / 8;
  std::memcpy(out.bytes, address, full);
  if (length % 8) out.bytes[full] = address[full] & uint8_t(0xFF << (8 - length % 8));
  return out;
}

AddressTable::AddressTable(uint32_t max_ipv4_prefixes, uint32_t max_ipv6_prefixes, Rcu& rcu)
    : ipv4_(max_ipv4_prefixes, rcu), ipv6_(max_ipv6_prefixes, rcu) {}

// ---------------------------------------------------------------- lengths

AddressTable::LengthsInUse::LengthsInUse(Rcu& rcu) : rcu_(rcu), list_(new List{}) {}

AddressTable::LengthsInUse::~LengthsInUse() { delete list_.load(); }

void AddressTable::LengthsInUse::added(uint8_t length) {
  if (count_[length]++ == 0) publish();
}

void AddressTable::LengthsInUse::removed(uint8_t length) {
  if (--count_[length] == 0) publish();
}

void AddressTable::LengthsInUse::publish() {
  auto* list = new List{};
  for (int length = 128; length >= 0; --length)
    if (count_[length] > 0) list->lengths[list->count++] = uint8_t(length);
  const List* old = list_.exchange(list, std::memory_order_acq_rel);
  rcu_.defer([](void*, uint64_t p) { delete reinterpret_cast<const List*>(p); }, nullptr,
             reinterpret_cast<uint64_t>(old));
}

// ---------------------------------------------------------------- IPv4

AddressTable::Ipv4Prefixes::Ipv4Prefixes(uint32_t max_prefixes, Rcu& rcu)
    : max_prefixes_(max_prefixes), rcu_(rcu), lengths_(rcu) {}

void AddressTable::Ipv4Prefixes::lookup_bulk(const uint32_t* addresses, unsigned count, uint32_t* handles) const {
  const LengthsInUse::List& list = lengths_.current();
  longest_first(list.lengths, list.count, count, handles,
                [&](uint8_t length, const uint8_t* indexes, unsigned n, uint32_t* found) {
                  uint32_t keys[64];
                  uint32_t mask = ipv4_mask(length);
                  for (unsigned j = 0; j < n; ++j) keys[j] = addresses[indexes[j]] & mask;
                  by_length_[length]->lookup_bulk(keys, n, found);
                });
}

bool AddressTable::Ipv4Prefixes::add(uint32_t prefix, uint8_t length, uint32_t handle) {
  std::unique_ptr<Ipv4ExactTable>& table = by_length_[length];
  if (table == nullptr) {
    try {
      table = std::make_unique<Ipv4ExactTable>(max_prefixes_, rcu_);
    } catch (const std::bad_alloc&) {
      return false;
    }
  }
  uint32_t before = table->size();
  if (!table->insert(prefix & ipv4_mask(length), handle)) return false;
  if (table->size() != before) lengths_.added(length);
  return true;
}

void AddressTable::Ipv4Prefixes::remove(uint32_t prefix, uint8_t length) {
  if (by_length_[length] != nullptr && by_length_[length]->erase(prefix & ipv4_mask(length))) lengths_.removed(length);
}

// ---------------------------------------------------------------- IPv6

AddressTable::Ipv6Prefixes::Ipv6Prefixes(uint32_t max_prefixes, Rcu& rcu)
    : max_prefixes_(max_prefixes), rcu_(rcu), lengths_(rcu) {}

AddressTable::Ipv6Prefixes::~Ipv6Prefixes() {
  for (rte_hash* h : by_length_)
    if (h != nullptr) rte_hash_free(h);
}

void AddressTable::Ipv6Prefixes::lookup_bulk(const uint8_t* const* addresses, unsigned count,
                                             uint32_t* handles) const {
  const LengthsInUse::List& list = lengths_.current();
  longest_first(list.lengths, list.count, count, handles,
                [&](uint8_t length, const uint8_t* indexes, unsigned n, uint32_t* found) {
                  Ipv6Address keys[64];
                  const void* key_pointers[64];
                  void* data[64];
                  for (unsigned j = 0; j < n; ++j) {
                    keys[j] = mask_ipv6(addresses[indexes[j]], length);
                    key_pointers[j] = &keys[j];
                  }
                  uint64_t hits = 0;
                  rte_hash_lookup_bulk_data(by_length_[length], key_pointers, n, &hits, data);
                  for (unsigned j = 0; j < n; ++j)
                    found[j] = hits >> j & 1 ? uint32_t(reinterpret_cast<uintptr_t>(data[j])) : kInvalidHandle;
                });
}

bool AddressTable::Ipv6Prefixes::add(const uint8_t* prefix, uint8_t length, uint32_t handle) {
  rte_hash*& table = by_length_[length];
  if (table == nullptr) {
    std::string name = "aggr_pfx" + std::to_string(next_table_id());
    table = create_lockfree_hash(name, max_prefixes_, sizeof(Ipv6Address), rcu_);
    if (table == nullptr) return false;
  }
  Ipv6Address k = mask_ipv6(prefix, length);
  bool existed = rte_hash_lookup(table, &k) >= 0;
  if (rte_hash_add_key_data(table, &k, reinterpret_cast<void*>(uintptr_t(handle))) != 0) return false;
  if (!existed) lengths_.added(length);
  return true;
}

void AddressTable::Ipv6Prefixes::remove(const uint8_t* prefix, uint8_t length) {
  rte_hash* table = by_length_[length];
  if (table == nullptr) return;
  Ipv6Address k = mask_ipv6(prefix, length);
  if (rte_hash_del_key(table, &k) >= 0) lengths_.removed(length);
}

}  // namespace aggr
