// Clang's thread-safety analysis (-Wthread-safety): which lock guards which member, which
// functions need a lock held, and in what order nested locks are taken. The macros expand to
// nothing on other compilers; scripts/thread-safety.sh checks them with clang.
//
// libstdc++'s std::mutex carries no annotations, so guarded state uses the `Mutex` below, and
// is locked with `MutexLock` (a scope) or `UniqueLock` (a scope that a condition variable may
// release and take again while it waits).
//
// It lives in providers/common/ because providers/ never include fs/; fs/ uses it too.
#pragma once

#include <mutex>

#if defined(__clang__)
#define SNAPFS_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define SNAPFS_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(x) SNAPFS_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY SNAPFS_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(x) SNAPFS_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) SNAPFS_THREAD_ANNOTATION(pt_guarded_by(x))
#define ACQUIRED_BEFORE(...) SNAPFS_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
#define ACQUIRED_AFTER(...) SNAPFS_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))
#define REQUIRES(...) SNAPFS_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define ACQUIRE(...) SNAPFS_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define RELEASE(...) SNAPFS_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...) SNAPFS_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#define EXCLUDES(...) SNAPFS_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define ASSERT_CAPABILITY(x) SNAPFS_THREAD_ANNOTATION(assert_capability(x))
#define RETURN_CAPABILITY(x) SNAPFS_THREAD_ANNOTATION(lock_returned(x))
#define NO_THREAD_SAFETY_ANALYSIS SNAPFS_THREAD_ANNOTATION(no_thread_safety_analysis)

namespace snapfs {

// A std::mutex the analysis knows as a capability.
class CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void lock() ACQUIRE() { mu_.lock(); }
  void unlock() RELEASE() { mu_.unlock(); }
  bool try_lock() TRY_ACQUIRE(true) { return mu_.try_lock(); }

  // The underlying mutex, for std::unique_lock and condition variables (see UniqueLock).
  std::mutex& native() RETURN_CAPABILITY(this) { return mu_; }

 private:
  std::mutex mu_;
};

// Holds `mu` for its scope.
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) ACQUIRE(mu) : mu_(mu) { mu_.lock(); }
  ~MutexLock() RELEASE() { mu_.unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mu_;
};

// Holds `mu` for its scope, as a std::unique_lock that a std::condition_variable can wait on
// (the wait releases and retakes it, which the analysis does not see: to it, the lock is held
// throughout, which is what the code after the wait may assume).
class SCOPED_CAPABILITY UniqueLock {
 public:
  explicit UniqueLock(Mutex& mu) ACQUIRE(mu) : lock_(mu.native()) {}
  ~UniqueLock() RELEASE() {}
  UniqueLock(const UniqueLock&) = delete;
  UniqueLock& operator=(const UniqueLock&) = delete;

  void lock() ACQUIRE() { lock_.lock(); }
  void unlock() RELEASE() { lock_.unlock(); }
  std::unique_lock<std::mutex>& native() { return lock_; }

 private:
  std::unique_lock<std::mutex> lock_;
};

}  // namespace snapfs
