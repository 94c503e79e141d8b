#include "fs/prefetch_pool.h"

#include <exception>

#include "providers/common/log.h"

namespace snapfs {

PrefetchPool::PrefetchPool(std::size_t workers, std::size_t max_queued)
    : workers_(workers), max_queued_(max_queued) {}

PrefetchPool::~PrefetchPool() {
  shutdown();
}

void PrefetchPool::shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    queue_.clear();
  }
  work_cv_.notify_all();
  idle_cv_.notify_all();
  // threads_ only grows under mu_ while !stopping_, so it is settled now.
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

bool PrefetchPool::schedule(const std::string& key, Job job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (workers_ == 0 || stopping_ || keys_.count(key) != 0) return false;
    if (queue_.size() >= max_queued_) {
      ++dropped_;
      return false;
    }
    if (threads_.empty()) {
      for (std::size_t i = 0; i < workers_; ++i) threads_.emplace_back([this] { run(); });
    }
    keys_.insert(key);
    queue_.push_back({key, std::move(job)});
  }
  work_cv_.notify_one();
  return true;
}

void PrefetchPool::wait_idle() {
  std::unique_lock<std::mutex> lock(mu_);
  idle_cv_.wait(lock, [&] { return stopping_ || (queue_.empty() && running_ == 0); });
}

std::size_t PrefetchPool::completed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return completed_;
}

std::size_t PrefetchPool::dropped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_;
}

void PrefetchPool::run() {
  for (;;) {
    Item item;
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      item = std::move(queue_.front());
      queue_.pop_front();
      ++running_;
    }
    try {
      item.job();
    } catch (const std::exception& e) {
      // A background listing must never take the daemon down; the next access retries it.
      log_warning(std::string("background listing failed: ") + e.what());
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      --running_;
      ++completed_;
      keys_.erase(item.key);
      if (queue_.empty() && running_ == 0) idle_cv_.notify_all();
    }
  }
}

}  // namespace snapfs
