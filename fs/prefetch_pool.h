// A bounded pool of background workers for listings nobody waits on yet: the children of a
// directory just listed (so `ls -R`, `find` and file managers meet warm caches) and refreshes of
// listings served stale after their TTL. Jobs are keyed, so a directory queued twice is listed
// once; when the queue is full new jobs are dropped (a later access lists on demand).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

namespace snapfs {

class PrefetchPool {
 public:
  using Job = std::function<void()>;

  // `workers` threads (0: no thread, every schedule() is dropped); at most `max_queued` jobs wait.
  // Threads start with the first job, so a pool made before the daemon forks still works.
  explicit PrefetchPool(std::size_t workers, std::size_t max_queued = 4096);
  ~PrefetchPool();  // shutdown()
  // Drops queued jobs and waits for running ones; schedule() refuses everything afterwards.
  void shutdown();
  PrefetchPool(const PrefetchPool&) = delete;
  PrefetchPool& operator=(const PrefetchPool&) = delete;

  // Queues `job` unless a job with the same key is queued or running; false when not queued.
  bool schedule(const std::string& key, Job job);
  // Blocks until no job is queued or running (tests and benchmarks use it to reach a quiet
  // state before counting requests).
  void wait_idle();
  std::size_t workers() const { return workers_; }
  // Jobs run so far, and jobs dropped because the queue was full.
  std::size_t completed() const;
  std::size_t dropped() const;

 private:
  struct Item {
    std::string key;
    Job job;
  };
  void run();

  mutable std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable idle_cv_;
  std::deque<Item> queue_;
  std::unordered_set<std::string> keys_;  // queued or running
  std::size_t running_ = 0;
  std::size_t completed_ = 0;
  std::size_t dropped_ = 0;
  std::size_t workers_;
  std::size_t max_queued_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace snapfs
