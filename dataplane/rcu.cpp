#include "dataplane/rcu.h"

#include <cerrno>
#include <stdexcept>
#include <string>

#include <rte_errno.h>
#include <rte_malloc.h>

namespace aggr {
namespace {

struct DeferredFree {
  Rcu::FreeFn fn;
  void* owner;
  uint64_t arg;
};
static_assert(sizeof(DeferredFree) % 4 == 0, "rte_rcu_qsbr_dq needs 4-byte multiples");

void run_deferred(void*, void* elements, unsigned int count) {
  auto* items = static_cast<DeferredFree*>(elements);
  for (unsigned i = 0; i < count; ++i) items[i].fn(items[i].owner, items[i].arg);
}

unsigned next_queue_id() {
  static unsigned id = 0;
  return id++;
}

}  // namespace

Rcu::Rcu(unsigned max_readers, uint32_t defer_capacity) {
  size_t size = rte_rcu_qsbr_get_memsize(max_readers);
  qsbr_ = static_cast<rte_rcu_qsbr*>(rte_zmalloc("aggr_rcu", size, RTE_CACHE_LINE_SIZE));
  if (qsbr_ == nullptr || rte_rcu_qsbr_init(qsbr_, max_readers) != 0)
    throw std::runtime_error("cannot allocate the RCU state");

  std::string name = "aggr_rcu_dq" + std::to_string(next_queue_id());
  rte_rcu_qsbr_dq_parameters params{};
  params.name = name.c_str();
  params.size = defer_capacity;
  params.esize = sizeof(DeferredFree);
  params.trigger_reclaim_limit = defer_capacity / 4;
  params.max_reclaim_size = defer_capacity;
  params.free_fn = run_deferred;
  params.v = qsbr_;
  defer_queue_ = rte_rcu_qsbr_dq_create(&params);
  if (defer_queue_ == nullptr)
    throw std::runtime_error("cannot create the RCU defer queue: " +
                             std::string(rte_strerror(rte_errno)));
}

Rcu::~Rcu() {
  // Readers are gone by now; run every pending free. Owners that the frees
  // touch must drain the queue (synchronize) before they are destroyed.
  if (defer_queue_ != nullptr) rte_rcu_qsbr_dq_delete(defer_queue_);
  rte_free(qsbr_);
}

void Rcu::register_reader(unsigned reader_id) {
  rte_rcu_qsbr_thread_register(qsbr_, reader_id);
  rte_rcu_qsbr_thread_online(qsbr_, reader_id);
}

void Rcu::unregister_reader(unsigned reader_id) {
  rte_rcu_qsbr_thread_offline(qsbr_, reader_id);
  rte_rcu_qsbr_thread_unregister(qsbr_, reader_id);
}

void Rcu::defer(FreeFn fn, void* owner, uint64_t arg) {
  DeferredFree item{fn, owner, arg};
  while (rte_rcu_qsbr_dq_enqueue(defer_queue_, &item) != 0) synchronize();
}

void Rcu::reclaim() {
  unsigned freed = 0, pending = 0, available = 0;
  rte_rcu_qsbr_dq_reclaim(defer_queue_, UINT32_MAX, &freed, &pending, &available);
}

void Rcu::synchronize() {
  rte_rcu_qsbr_synchronize(qsbr_, RTE_QSBR_THRID_INVALID);
  reclaim();
}

}  // namespace aggr
