#include "dataplane/tables/lockfree_hash.h"

#include <cstring>

#include <rte_hash_crc.h>

namespace aggr {
namespace {

// rte_hash compare functions return 0 when the keys are equal.
int compare_4_bytes(const void* a, const void* b, size_t) {
  uint32_t x, y;
  std::memcpy(&x, a, 4);
  std::memcpy(&y, b, 4);
  return x != y;
}

int compare_8_bytes(const void* a, const void* b, size_t) {
  uint64_t x, y;
  std::memcpy(&x, a, 8);
  std::memcpy(&y, b, 8);
  return x != y;
}

}  // namespace

rte_hash* create_lockfree_hash(const std::string& name, uint32_t entries, uint32_t key_len, Rcu& rcu) {
  rte_hash_parameters params{};
  params.name = name.c_str();
  params.entries = entries < 1024 ? 1024 : entries;
  params.key_len = key_len;
  params.hash_func = rte_hash_crc;
  params.socket_id = 0;
  params.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF;
  rte_hash* table = rte_hash_create(&params);
  if (table == nullptr) return nullptr;
  if (key_len == 4) rte_hash_set_cmp_func(table, compare_4_bytes);
  if (key_len == 8) rte_hash_set_cmp_func(table, compare_8_bytes);
  rte_hash_rcu_config rcu_config{};
  rcu_config.v = rcu.qsbr();
  rcu_config.mode = RTE_HASH_QSBR_MODE_DQ;
  if (rte_hash_rcu_qsbr_add(table, &rcu_config) != 0) {
    rte_hash_free(table);
    return nullptr;
  }
  return table;
}

}  // namespace aggr
