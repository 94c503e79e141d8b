// Threads for the system calls on a snapshot's backing files. A hard NFS mount whose server is
// gone blocks a call for ever: the caller gets its answer at its deadline while the call stays
// in its own thread, and the number of such threads is bounded.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "providers/op_context.h"

namespace snapfs::content {

// Whom a backing call is made for. With allow_other and snapfs running as root, the call runs
// under the caller's filesystem ids and groups, so the backing mount grants or refuses exactly
// what it would grant or refuse the caller directly.
struct Caller {
  bool known = false;  // false: calls run as snapfs itself (tests, background work)
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
};

// The caller of the request the current thread serves, set by the FUSE adapter. `groups` is
// read only when a backing call needs it (it costs a read of /proc/PID/status).
struct CurrentCaller {
  bool set = false;
  uid_t uid = 0;
  gid_t gid = 0;
  std::function<std::vector<gid_t>()> groups;
};
CurrentCaller& current_caller();  // thread-local
Caller caller_of_current_request();

// The calling thread's filesystem ids and groups switched to `caller`'s for this scope (when
// snapfs runs as root and the caller is known), and back at its end. setfsuid, setfsgid and the
// raw setgroups system call act on the calling thread only (glibc's setgroups() would change
// every thread of the process).
class AsCaller {
 public:
  explicit AsCaller(const Caller& caller);
  ~AsCaller();
  AsCaller(const AsCaller&) = delete;
  AsCaller& operator=(const AsCaller&) = delete;

 private:
  bool switched_ = false;
  std::vector<gid_t> saved_groups_;
};

// Waits on `cv` (notified under the mutex `lock` holds) until `done()`, `ctx`'s deadline or its
// cancellation: 0, ETIMEDOUT or EINTR. After BackingPool::kHandOverAfter without `done()`, the
// waiting thread hands its FUSE duty over first (backing_pool.cc says why). For a caller waiting
// on a backing call, whoever makes it.
int wait_for_backing(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                     const std::function<bool()>& done, const OpContext& ctx);

class BackingPool {
 public:
  // How long a caller waits for its call before handing its FUSE duty over (run()).
  static constexpr std::chrono::microseconds kHandOverAfter{1000};

  explicit BackingPool(std::size_t max_threads = 32);
  ~BackingPool();
  BackingPool(const BackingPool&) = delete;
  BackingPool& operator=(const BackingPool&) = delete;

  // Runs `work` (returns 0 or an errno value) on a pool thread as `caller` and waits for it
  // until `ctx`'s deadline or cancellation: then ETIMEDOUT (EINTR when cancelled), and
  // `abandoned`, when given, runs on the pool thread once `work` finishes after all, to release
  // what it acquired. Work still queued when its caller gave up is never run.
  int run(const Caller& caller, const OpContext& ctx, std::function<int()> work,
          std::function<void()> abandoned = {});
  // Runs `work` later, waiting for nothing (closing descriptors, which may block on NFS too).
  void post(std::function<void()> work);

  std::size_t threads() const;
  std::size_t busy() const;

 private:
  struct Job;
  struct State;
  static void worker(const std::shared_ptr<State>& state);
  void submit(const std::shared_ptr<Job>& job);

  std::shared_ptr<State> state_;
};

}  // namespace snapfs::content
