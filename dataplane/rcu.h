// Quiescent-state-based reclamation shared by every table.
//
// Workers are RCU readers: each reports a quiescent state once per loop (it
// holds no table pointer between loops) and goes offline while it sleeps.
// The control-plane thread is the only writer: it publishes a new object with
// a release store, then hands the old one to defer(), which frees it once
// every reader has passed a quiescent state.
#pragma once

#include <cstdint>
#include <thread>

#include <rte_rcu_qsbr.h>

namespace aggr {

class Rcu {
 public:
  using FreeFn = void (*)(void* owner, uint64_t arg);

  Rcu(unsigned max_readers, uint32_t defer_capacity);
  ~Rcu();
  Rcu(const Rcu&) = delete;
  Rcu& operator=(const Rcu&) = delete;

  rte_rcu_qsbr* qsbr() const { return qsbr_; }

  // Reader side: called from the worker's own thread.
  void register_reader(unsigned reader_id);
  void unregister_reader(unsigned reader_id);
  void reader_online(unsigned reader_id) { rte_rcu_qsbr_thread_online(qsbr_, reader_id); }
  void reader_offline(unsigned reader_id) { rte_rcu_qsbr_thread_offline(qsbr_, reader_id); }
  void reader_quiescent(unsigned reader_id) { rte_rcu_qsbr_quiescent(qsbr_, reader_id); }

  // Writer side: control-plane thread only.
  // Calls fn(owner, arg) after a grace period. Never fails: when the defer
  // queue is full it waits for a grace period and reclaims.
  void defer(FreeFn fn, void* owner, uint64_t arg);
  // Frees whatever is past its grace period; cheap, call it periodically.
  void reclaim();
  // Waits for a full grace period and frees everything deferred before it.
  void synchronize();
  // For objects the writer reuses in place rather than frees: a token taken
  // when one is retired, and a wait until every reader has passed a
  // quiescent state since (at once if they have; token 0: nothing retired).
  uint64_t retire_token() { return rte_rcu_qsbr_start(qsbr_); }
  // Yields while it waits, for a reader that may share the writer's CPU.
  void wait_for(uint64_t token) {
    while (token != 0 && !rte_rcu_qsbr_check(qsbr_, token, false)) std::this_thread::yield();
  }

 private:
  rte_rcu_qsbr* qsbr_ = nullptr;
  rte_rcu_qsbr_dq* defer_queue_ = nullptr;
};

}  // namespace aggr
