// Work for the control-plane thread, posted from other threads.
//
// The RIB and the control plane's bookkeeping have one owner, the
// control-plane thread. The management API, the Prometheus exposer and DPDK
// telemetry run on threads of their own, so they do not touch that state:
// they post a function here and wait for its result. The control-plane loop
// runs what is pending between its other duties.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>

namespace aggr {

class CommandQueue {
 public:
  // From any thread but the control-plane thread: runs `fn` there and returns
  // its result (rethrowing what it throws), or nothing when the queue is closed or `timeout` passes first
  // (the function may then still run later; it must own what it uses).
  template <typename R>
  std::optional<R> call(std::function<R()> fn, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    auto promise = std::make_shared<std::promise<R>>();
    std::future<R> result = promise->get_future();
    // Only the task holds the promise: dropping the task breaks it.
    bool posted = post([promise = std::move(promise), fn = std::move(fn)] {
      try {
        promise->set_value(fn());
      } catch (...) {
        promise->set_exception(std::current_exception());  // rethrown to the caller
      }
    });
    if (!posted || result.wait_for(timeout) != std::future_status::ready) return std::nullopt;
    try {
      return result.get();
    } catch (const std::future_error&) {
      return std::nullopt;  // dropped by close()
    }
  }

  // Control-plane thread: waits until work is posted or `timeout` passes.
  void wait(std::chrono::milliseconds timeout);
  // Control-plane thread: runs everything posted so far.
  void run_pending();
  // Refuses further work and drops what is pending (its callers time out
  // or see a broken promise, never a hang).
  void close();

 private:
  bool post(std::function<void()> task);

  std::mutex mutex_;
  std::condition_variable posted_;
  std::deque<std::function<void()>> tasks_;
  bool closed_ = false;
};

}  // namespace aggr
