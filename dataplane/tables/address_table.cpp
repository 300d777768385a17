#include "dataplane/tables/address_table.h"

#include <cstring>
#include <stdexcept>
#include <string>

#include <rte_errno.h>
#include <rte_jhash.h>

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

AddressTable::AddressTable(uint32_t max_ipv4_prefixes, uint32_t ipv4_tbl8_groups,
                           uint32_t max_ipv6_prefixes, Rcu& rcu)
    : rcu_(rcu), max_ipv6_prefixes_(max_ipv6_prefixes), ipv6_lengths_(new LengthList{}) {
  std::string name = "aggr_v4_" + std::to_string(next_table_id());
  rte_lpm_config config{};
  config.max_rules = max_ipv4_prefixes < 64 ? 64 : max_ipv4_prefixes;
  config.number_tbl8s = ipv4_tbl8_groups;
  ipv4_ = rte_lpm_create(name.c_str(), 0, &config);
  if (ipv4_ == nullptr)
    throw std::runtime_error("cannot create the IPv4 address table: " +
                             std::string(rte_strerror(rte_errno)));
  rte_lpm_rcu_config rcu_config{};
  rcu_config.v = rcu_.qsbr();
  rcu_config.mode = RTE_LPM_QSBR_MODE_DQ;
  if (rte_lpm_rcu_qsbr_add(ipv4_, &rcu_config) != 0)
    throw std::runtime_error("cannot attach RCU to the IPv4 address table");
}

AddressTable::~AddressTable() {
  rte_lpm_free(ipv4_);
  for (rte_hash* h : ipv6_by_length_)
    if (h != nullptr) rte_hash_free(h);
  delete ipv6_lengths_.load();
}

uint32_t AddressTable::lookup_ipv6(const uint8_t* address) const {
  const LengthList* list = ipv6_lengths_.load(std::memory_order_acquire);
  for (unsigned i = 0; i < list->count; ++i) {
    uint8_t length = list->lengths[i];
    Ipv6Address key = mask_ipv6(address, length);
    void* data;
    if (rte_hash_lookup_data(ipv6_by_length_[length], &key, &data) >= 0)
      return uint32_t(reinterpret_cast<uintptr_t>(data));
  }
  return kInvalidHandle;
}

bool AddressTable::add_ipv4(uint32_t prefix, uint8_t length, uint32_t handle) {
  return rte_lpm_add(ipv4_, prefix, length, handle) == 0;
}

void AddressTable::remove_ipv4(uint32_t prefix, uint8_t length) {
  rte_lpm_delete(ipv4_, prefix, length);
}

bool AddressTable::add_ipv6(const Ipv6Address& prefix, uint8_t length, uint32_t handle) {
  rte_hash*& table = ipv6_by_length_[length];
  if (table == nullptr) {
    std::string name = "aggr_v6_" + std::to_string(next_table_id());
    rte_hash_parameters params{};
    params.name = name.c_str();
    params.entries = max_ipv6_prefixes_ < 1024 ? 1024 : max_ipv6_prefixes_;
    params.key_len = sizeof(Ipv6Address);
    params.hash_func = rte_jhash;
    params.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF | RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
    table = rte_hash_create(&params);
    if (table == nullptr) return false;
    rte_hash_rcu_config rcu_config{};
    rcu_config.v = rcu_.qsbr();
    rcu_config.mode = RTE_HASH_QSBR_MODE_DQ;
    if (rte_hash_rcu_qsbr_add(table, &rcu_config) != 0) return false;
  }
  Ipv6Address key = mask_ipv6(prefix.bytes, length);
  bool existed = rte_hash_lookup(table, &key) >= 0;
  if (rte_hash_add_key_data(table, &key, reinterpret_cast<void*>(uintptr_t(handle))) != 0)
    return false;
  if (!existed && ipv6_count_by_length_[length]++ == 0) publish_lengths();
  return true;
}

void AddressTable::remove_ipv6(const Ipv6Address& prefix, uint8_t length) {
  rte_hash* table = ipv6_by_length_[length];
  if (table == nullptr) return;
  Ipv6Address key = mask_ipv6(prefix.bytes, length);
  if (rte_hash_del_key(table, &key) < 0) return;
  if (--ipv6_count_by_length_[length] == 0) publish_lengths();
}

void AddressTable::publish_lengths() {
  auto* list = new LengthList{};
  for (int length = 128; length >= 0; --length)
    if (ipv6_count_by_length_[length] > 0) list->lengths[list->count++] = uint8_t(length);
  const LengthList* old = ipv6_lengths_.exchange(list, std::memory_order_acq_rel);
  rcu_.defer([](void*, uint64_t p) { delete reinterpret_cast<const LengthList*>(p); }, nullptr,
             reinterpret_cast<uint64_t>(old));
}

}  // namespace aggr
