#include "controlplane/command_queue.h"

namespace aggr {

bool CommandQueue::post(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closed_) return false;
    tasks_.push_back(std::move(task));
  }
  posted_.notify_one();
  return true;
}

void CommandQueue::wait(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  posted_.wait_for(lock, timeout, [this] { return !tasks_.empty() || closed_; });
}

void CommandQueue::run_pending() {
  std::deque<std::function<void()>> batch;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    batch.swap(tasks_);
  }
  for (auto& task : batch) task();
}

void CommandQueue::close() {
  std::deque<std::function<void()>> dropped;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    dropped.swap(tasks_);
  }
  posted_.notify_all();
  // Destroying the tasks destroys their promises: waiting callers get
  // broken_promise instead of waiting out their timeout.
}

}  // namespace aggr
