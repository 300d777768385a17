#include "dataplane/mbuf_pool.h"

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mbuf_pool_ops.h>

namespace aggr {

bool mbuf_pool_is_packed() { return !rte_eal_has_hugepages() && rte_eal_iova_mode() == RTE_IOVA_VA; }

rte_mempool* create_mbuf_pool(const char* name, unsigned count, unsigned cache_size, uint16_t priv_size,
                              uint16_t data_room_size, int socket_id) {
  // The by-ops variant, not rte_pktmbuf_pool_create: the benchmarks' preload
  // library (benchmarks/src/packed_pool_preload.cpp) replaces that one with this.
  if (!mbuf_pool_is_packed())
    return rte_pktmbuf_pool_create_by_ops(name, count, cache_size, priv_size, data_room_size, socket_id, nullptr);
  if (RTE_ALIGN(priv_size, RTE_MBUF_PRIV_ALIGN) != priv_size) {
    rte_errno = EINVAL;
    return nullptr;
  }
  unsigned element_size = sizeof(rte_mbuf) + unsigned(priv_size) + data_room_size;
  rte_mempool* pool = rte_mempool_create_empty(name, count, element_size, cache_size,
                                               sizeof(rte_pktmbuf_pool_private), socket_id,
                                               RTE_MEMPOOL_F_NO_IOVA_CONTIG);
  if (pool == nullptr) return nullptr;
  int error = rte_mempool_set_ops_byname(pool, rte_mbuf_best_mempool_ops(), nullptr);
  if (error == 0) {
    rte_pktmbuf_pool_private private_data{};
    private_data.mbuf_data_room_size = data_room_size;
    private_data.mbuf_priv_size = priv_size;
    rte_pktmbuf_pool_init(pool, &private_data);
    int populated = rte_mempool_populate_default(pool);
    error = populated < 0 ? populated : 0;
  }
  if (error != 0) {
    rte_mempool_free(pool);
    rte_errno = -error;
    return nullptr;
  }
  rte_mempool_obj_iter(pool, rte_pktmbuf_init, nullptr);
  return pool;
}

}  // namespace aggr
