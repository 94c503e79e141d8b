#include "fs/content/backing_pool.h"

#include <sys/fsuid.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <thread>

#include "providers/common/thread_annotations.h"
#include "providers/common/wait_notice.h"

namespace snapfs::content {

CurrentCaller& current_caller() {
  thread_local CurrentCaller caller;
  return caller;
}

Caller caller_of_current_request() {
  Caller out;
  const CurrentCaller& current = current_caller();
  if (!current.set) return out;
  out.known = true;
  out.uid = current.uid;
  out.gid = current.gid;
  if (current.groups) out.groups = current.groups();
  return out;
}

struct BackingPool::Job {
  Caller caller;
  std::function<int()> work;
  std::function<void()> abandoned;
  // Its caller waits on this one alone: a job's end wakes no other caller.
  std::condition_variable done_cv;
  // Guarded by State::mu (of another object: the analysis cannot name it).
  bool started = false;
  bool done = false;
  bool gone = false;  // the caller stopped waiting
  int rc = 0;
};

struct BackingPool::State {
  std::size_t max_threads;
  mutable Mutex mu;
  std::condition_variable work_cv;  // a job was queued, or stopping
  std::deque<std::shared_ptr<Job>> queue GUARDED_BY(mu);
  std::size_t threads GUARDED_BY(mu) = 0;
  std::size_t idle GUARDED_BY(mu) = 0;
  bool stopping GUARDED_BY(mu) = false;
};

AsCaller::AsCaller(const Caller& caller) {
  if (!caller.known || geteuid() != 0) return;  // not root: every call is snapfs's user's own
  switched_ = true;
  saved_groups_.resize(static_cast<std::size_t>(std::max(0, getgroups(0, nullptr))));
  if (!saved_groups_.empty()) {
    getgroups(static_cast<int>(saved_groups_.size()), saved_groups_.data());
  }
  syscall(SYS_setgroups, caller.groups.size(), caller.groups.data());
  setfsgid(caller.gid);
  setfsuid(caller.uid);
}

AsCaller::~AsCaller() {
  if (!switched_) return;
  setfsuid(0);
  setfsgid(0);
  syscall(SYS_setgroups, saved_groups_.size(), saved_groups_.data());
}

BackingPool::BackingPool(std::size_t max_threads) : state_(std::make_shared<State>()) {
  state_->max_threads = max_threads == 0 ? 1 : max_threads;
}

BackingPool::~BackingPool() {
  MutexLock lock(state_->mu);
  state_->stopping = true;
  state_->queue.clear();
  state_->work_cv.notify_all();
  // Threads are detached: one stuck in a system call on a dead server cannot be joined. They
  // hold the state, not this object.
}

std::size_t BackingPool::threads() const {
  MutexLock lock(state_->mu);
  return state_->threads;
}

std::size_t BackingPool::busy() const {
  MutexLock lock(state_->mu);
  return state_->threads - state_->idle;
}

void BackingPool::worker(const std::shared_ptr<State>& state) {
  UniqueLock lock(state->mu);
  for (;;) {
    ++state->idle;
    while (!state->stopping && state->queue.empty()) state->work_cv.wait(lock.native());
    --state->idle;
    if (state->stopping) break;
    std::shared_ptr<Job> job = std::move(state->queue.front());
    state->queue.pop_front();
    if (job->gone) continue;  // its caller already had its answer
    job->started = true;
    lock.unlock();
    int rc = 0;
    {
      AsCaller as(job->caller);
      rc = job->work();
    }
    lock.lock();
    job->done = true;
    job->rc = rc;
    if (job->gone && job->abandoned) {
      auto cleanup = std::move(job->abandoned);
      lock.unlock();
      cleanup();
      lock.lock();
    }
    job->done_cv.notify_one();
  }
  --state->threads;
}

// Requires state_->mu, which the header cannot name (State is defined here): its callers hold it.
void BackingPool::submit(const std::shared_ptr<Job>& job) NO_THREAD_SAFETY_ANALYSIS {
  state_->queue.push_back(job);
  // A new thread when none is idle: a stuck call never holds up the next one, up to the bound.
  if (state_->idle < state_->queue.size() && state_->threads < state_->max_threads) {
    ++state_->threads;
    std::thread([state = state_] { worker(state); }).detach();
  }
  state_->work_cv.notify_one();
}

// A backing call may take long (a disk read, a dead NFS server): the thread's duty to the FUSE
// loop (reading the device, or serving a ring) then goes to another worker, so that the other
// requests, the next READs of the same file among them, are served meanwhile. A call that ends
// within kHandOverAfter (pages already cached: tens of microseconds) is answered without: a
// hand-over costs a thread's wakeup, which a fast backing file does not repay (1 GiB from a file
// on a RAM-backed loop device, two CPUs: 1,350-1,900 MiB/s with every READ handed over,
// 1,800-2,800 with this wait), while reads that wait for a disk overlap (this VM's disk:
// 850-1,500 MiB/s against 370-1,650, mostly 450-700, one READ at a time).
int wait_for_backing(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                     const std::function<bool()>& done, const OpContext& ctx) {
  const auto hand_over_at = OpContext::Clock::now() + BackingPool::kHandOverAfter;
  if (!cv.wait_until(lock, std::min(ctx.deadline(), hand_over_at), done)) {
    lock.unlock();
    WaitNotice::before_waiting();
    lock.lock();
  }
  // A cancellation is seen within the slice.
  while (!done()) {
    if (ctx.cancelled()) return EINTR;
    const auto now = OpContext::Clock::now();
    if (now >= ctx.deadline()) return ETIMEDOUT;
    cv.wait_until(lock, std::min(ctx.deadline(), now + std::chrono::milliseconds(100)));
  }
  return 0;
}

int BackingPool::run(const Caller& caller, const OpContext& ctx, std::function<int()> work,
                     std::function<void()> abandoned) {
  auto job = std::make_shared<Job>();
  job->caller = caller;
  job->work = std::move(work);
  job->abandoned = std::move(abandoned);
  UniqueLock lock(state_->mu);
  if (state_->stopping) return ENOTCONN;
  submit(job);
  const int rc = wait_for_backing(
      lock.native(), job->done_cv, [&job]() NO_THREAD_SAFETY_ANALYSIS { return job->done; }, ctx);
  if (rc == 0) return job->rc;
  job->gone = true;
  return rc;
}

void BackingPool::post(std::function<void()> work) {
  auto job = std::make_shared<Job>();
  job->work = [w = std::move(work)] {
    w();
    return 0;
  };
  MutexLock lock(state_->mu);
  if (state_->stopping) return;
  submit(job);
}

}  // namespace snapfs::content
