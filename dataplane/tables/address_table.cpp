#include "dataplane/tables/address_table.h"

#include <cstring>
#include <stdexcept>
#include <string>

#include <rte_errno.h>
#include "dataplane/tables/lockfree_hash.h"

namespace aggr {
namespace {

unsigned next_table_id() {
  static unsigned id = 0;
  return id++;
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
    : ipv4_(4, max_ipv4_prefixes, rcu), ipv6_(16, max_ipv6_prefixes, rcu) {}

AddressTable::PrefixHashes::PrefixHashes(unsigned key_bytes, uint32_t max_prefixes, Rcu& rcu)
    : key_bytes_(key_bytes), max_prefixes_(max_prefixes), rcu_(rcu), lengths_(new LengthList{}) {}

AddressTable::PrefixHashes::~PrefixHashes() {
  for (rte_hash* h : by_length_)
    if (h != nullptr) rte_hash_free(h);
  delete lengths_.load();
}

Ipv6Address AddressTable::PrefixHashes::key(const uint8_t* address, uint8_t length) const {
  if (key_bytes_ == 16) return mask_ipv6(address, length);
  uint32_t word;
  std::memcpy(&word, address, 4);
  word = length == 0 ? 0 : word & ~((uint64_t(1) << (32 - length)) - 1);
  Ipv6Address out{};
  std::memcpy(out.bytes, &word, 4);
  return out;
}

void AddressTable::PrefixHashes::lookup_bulk(const uint8_t* const* addresses, unsigned count,
                                             uint32_t* handles) const {
  uint8_t pending[RTE_HASH_LOOKUP_BULK_MAX];  // indexes not yet resolved
  unsigned pending_count = 0;
  for (unsigned i = 0; i < count; ++i) {
    handles[i] = kInvalidHandle;
    pending[pending_count++] = uint8_t(i);
  }
  const LengthList* list = lengths_.load(std::memory_order_acquire);
  Ipv6Address keys[RTE_HASH_LOOKUP_BULK_MAX];
  const void* key_pointers[RTE_HASH_LOOKUP_BULK_MAX];
  void* data[RTE_HASH_LOOKUP_BULK_MAX];
  for (unsigned l = 0; l < list->count && pending_count > 0; ++l) {
    uint8_t length = list->lengths[l];
    for (unsigned j = 0; j < pending_count; ++j) {
      keys[j] = key(addresses[pending[j]], length);
      key_pointers[j] = &keys[j];
    }
    uint64_t hits = 0;
    rte_hash_lookup_bulk_data(by_length_[length], key_pointers, pending_count, &hits, data);
    unsigned still = 0;
    for (unsigned j = 0; j < pending_count; ++j) {
      if (hits >> j & 1)
        handles[pending[j]] = uint32_t(reinterpret_cast<uintptr_t>(data[j]));
      else
        pending[still++] = pending[j];
    }
    pending_count = still;
  }
}

void AddressTable::lookup_ipv4_bulk(const uint32_t* addresses_host_order, unsigned count, uint32_t* handles) const {
  const uint8_t* pointers[RTE_HASH_LOOKUP_BULK_MAX];
  for (unsigned i = 0; i < count; ++i) pointers[i] = reinterpret_cast<const uint8_t*>(&addresses_host_order[i]);
  ipv4_.lookup_bulk(pointers, count, handles);
}

bool AddressTable::PrefixHashes::add(const uint8_t* prefix, uint8_t length, uint32_t handle) {
  rte_hash*& table = by_length_[length];
  if (table == nullptr) {
    std::string name = "aggr_pfx" + std::to_string(next_table_id());
    table = create_lockfree_hash(name, max_prefixes_, key_bytes_, rcu_);
    if (table == nullptr) return false;
  }
  Ipv6Address k = key(prefix, length);
  bool existed = rte_hash_lookup(table, &k) >= 0;
  if (rte_hash_add_key_data(table, &k, reinterpret_cast<void*>(uintptr_t(handle))) != 0) return false;
  if (!existed && count_by_length_[length]++ == 0) publish_lengths();
  return true;
}

void AddressTable::PrefixHashes::remove(const uint8_t* prefix, uint8_t length) {
  rte_hash* table = by_length_[length];
  if (table == nullptr) return;
  Ipv6Address k = key(prefix, length);
  if (rte_hash_del_key(table, &k) < 0) return;
  if (--count_by_length_[length] == 0) publish_lengths();
}

void AddressTable::PrefixHashes::publish_lengths() {
  auto* list = new LengthList{};
  for (int length = 128; length >= 0; --length)
    if (count_by_length_[length] > 0) list->lengths[list->count++] = uint8_t(length);
  const LengthList* old = lengths_.exchange(list, std::memory_order_acq_rel);
  rcu_.defer([](void*, uint64_t p) { delete reinterpret_cast<const LengthList*>(p); }, nullptr,
             reinterpret_cast<uint64_t>(old));
}

}  // namespace aggr
