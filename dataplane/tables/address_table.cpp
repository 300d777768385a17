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

uint32_t AddressTable::PrefixHashes::lookup(const uint8_t* address) const {
  const LengthList* list = lengths_.load(std::memory_order_acquire);
  for (unsigned i = 0; i < list->count; ++i) {
    uint8_t length = list->lengths[i];
    Ipv6Address k = key(address, length);
    void* data;
    if (rte_hash_lookup_data(by_length_[length], &k, &data) >= 0)
      return uint32_t(reinterpret_cast<uintptr_t>(data));
  }
  return kInvalidHandle;
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
