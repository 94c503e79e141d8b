#include "fs/prefetch_pool.h"

#include <exception>

#include "providers/common/log.h"

namespace snapfs {

PrefetchPool::PrefetchPool(std::size_t workers, std::size_t max_queued)
    : workers_(workers), max_queued_(max_queued) {
  CPU_ZERO(&cpus_);
  sched_getaffinity(0, sizeof cpus_, &cpus_);
}

PrefetchPool::~PrefetchPool() {
  shutdown();
}

void PrefetchPool::shutdown() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
    queue_.clear();
    queued_.clear();
  }
  work_cv_.notify_all();
  idle_cv_.notify_all();
  // threads_ only grows under mu_ while !stopping_, so it is settled now.
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

bool PrefetchPool::Order::operator<(const Order& o) const {
  if (generation != o.generation) return generation > o.generation;
  if (path != o.path) return path < o.path;
  return seq < o.seq;
}

bool PrefetchPool::schedule(const std::string& key, Job job, const Priority& priority, int rank) {
  {
    MutexLock lock(mu_);
    if (workers_ == 0 || stopping_) return false;
    if (auto q = queued_.find(key); q != queued_.end()) {
      Queue::iterator at = q->second;
      const Order& was = at->first;
      const bool higher = priority.generation > was.generation ||
                          (priority.generation == was.generation && priority.path < was.path);
      if (rank <= at->second.rank && !higher) return false;
      Order order = higher ? Order{priority.generation, priority.path, next_seq_++} : at->first;
      Item item = std::move(at->second);
      if (rank > item.rank) {
        item.rank = rank;
        item.job = std::move(job);
      }
      queue_.erase(at);
      q->second = queue_.emplace(std::move(order), std::move(item)).first;
      return true;
    }
    auto [first, last] = running_ranks_.equal_range(key);
    for (auto r = first; r != last; ++r) {
      if (r->second >= rank) return false;  // the running job covers this one
    }
    if (queue_.size() >= max_queued_) {
      ++dropped_;
      return false;
    }
    if (threads_.empty()) {
      for (std::size_t i = 0; i < workers_; ++i) threads_.emplace_back([this] { run(); });
    }
    auto at = queue_.emplace(Order{priority.generation, priority.path, next_seq_++},
                             Item{key, std::move(job), rank});
    queued_.emplace(key, at.first);
  }
  work_cv_.notify_one();
  return true;
}

void PrefetchPool::wait_idle() {
  UniqueLock lock(mu_);
  // A loop, not a predicate: the analysis sees the guarded reads under the lock.
  while (!stopping_ && !(queue_.empty() && running_ == 0)) idle_cv_.wait(lock.native());
}

std::size_t PrefetchPool::completed() const {
  MutexLock lock(mu_);
  return completed_;
}

std::size_t PrefetchPool::dropped() const {
  MutexLock lock(mu_);
  return dropped_;
}

void PrefetchPool::run() {
  if (CPU_COUNT(&cpus_) > 0) sched_setaffinity(0, sizeof cpus_, &cpus_);
  for (;;) {
    Item item;
    {
      UniqueLock lock(mu_);
      while (!stopping_ && queue_.empty()) work_cv_.wait(lock.native());
      if (stopping_) return;
      auto first = queue_.begin();
      item = std::move(first->second);
      queue_.erase(first);
      queued_.erase(item.key);
      running_ranks_.emplace(item.key, item.rank);
      ++running_;
    }
    try {
      item.job();
    } catch (const std::exception& e) {
      // A background listing must never take the daemon down; the next access retries it.
      log_warning(std::string("background listing failed: ") + e.what());
    }
    {
      MutexLock lock(mu_);
      --running_;
      ++completed_;
      auto [first, last] = running_ranks_.equal_range(item.key);
      for (auto r = first; r != last; ++r) {
        if (r->second == item.rank) {
          running_ranks_.erase(r);
          break;
        }
      }
      if (queue_.empty() && running_ == 0) idle_cv_.notify_all();
    }
  }
}

}  // namespace snapfs
