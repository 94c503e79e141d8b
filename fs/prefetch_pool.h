// A bounded pool of background workers for listings nobody waits on yet: the children of a
// directory just listed (so `ls -R`, `find` and file managers meet warm caches) and refreshes of
// listings served stale after their TTL. Jobs are keyed, so a directory queued twice is listed
// once; when the queue is full new jobs are dropped (a later access lists on demand).
//
// Queued jobs run in priority order, not in the order they came: first those of the most recent
// generation (the namespace starts one with each directory a user reads, so the listings under
// the directory just opened come first), then in path order, the order in which `ls -R` and
// `find` walk a tree. A first-come queue would list every remote's volumes before the snapshots
// of the volume the crawl is about to enter.
#pragma once

#include <sched.h>

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "providers/common/thread_annotations.h"

namespace snapfs {

class PrefetchPool {
 public:
  using Job = std::function<void()>;
  struct Priority {
    std::uint64_t generation = 0;  // higher runs first
    std::string path;              // then lower (byte order), for equal generations
  };

  // `workers` threads (0: no thread, every schedule() is dropped); at most `max_queued` jobs wait.
  // Threads start with the first job, so a pool made before the daemon forks still works.
  explicit PrefetchPool(std::size_t workers, std::size_t max_queued = 4096);
  ~PrefetchPool();  // shutdown()
  // Drops queued jobs and waits for running ones; schedule() refuses everything afterwards.
  void shutdown();
  PrefetchPool(const PrefetchPool&) = delete;
  PrefetchPool& operator=(const PrefetchPool&) = delete;

  // Queues `job` unless a job with the same key is queued or running. A job of higher `rank`
  // (one that does more, such as listing more levels) is not held back by one of lower rank: it
  // replaces the queued one, or is queued behind the running one. A key scheduled again while
  // queued keeps the higher of the two priorities. False when nothing was queued or changed.
  bool schedule(const std::string& key, Job job, const Priority& priority, int rank = 0);
  bool schedule(const std::string& key, Job job) { return schedule(key, std::move(job), {}); }
  // Blocks until no job is queued or running (tests and benchmarks use it to reach a quiet
  // state before counting requests).
  void wait_idle();
  std::size_t workers() const { return workers_; }
  // Jobs run so far, and jobs dropped because the queue was full.
  std::size_t completed() const;
  std::size_t dropped() const;

 private:
  struct Order {
    std::uint64_t generation;
    std::string path;
    std::uint64_t seq;  // first come first served among equals
    bool operator<(const Order& o) const;
  };
  struct Item {
    std::string key;
    Job job;
    int rank = 0;
  };
  using Queue = std::map<Order, Item>;
  void run();

  // Guards the queue and the counters. A leaf: jobs run without it, and it is never held while
  // calling out (the scheduler's own locks, Namespace::mu_, are released before schedule()).
  mutable Mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable idle_cv_;
  Queue queue_ GUARDED_BY(mu_);
  std::unordered_map<std::string, Queue::iterator> queued_ GUARDED_BY(mu_);
  std::unordered_multimap<std::string, int> running_ranks_ GUARDED_BY(mu_);  // by key
  std::uint64_t next_seq_ GUARDED_BY(mu_) = 0;
  std::size_t running_ GUARDED_BY(mu_) = 0;
  std::size_t completed_ GUARDED_BY(mu_) = 0;
  std::size_t dropped_ GUARDED_BY(mu_) = 0;
  std::size_t workers_;  // set once
  std::size_t max_queued_;
  bool stopping_ GUARDED_BY(mu_) = false;
  // The CPUs the process may use when the pool is made. Workers start on the first job, from
  // whichever thread scheduled it, often one kept on a single CPU for its FUSE ring; they would
  // inherit that and all run on one CPU.
  cpu_set_t cpus_;
  std::vector<std::thread> threads_;
};

}  // namespace snapfs
