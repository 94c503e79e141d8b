#include "fs/session_loop.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#include "fs/fuse_uring.h"
#include "providers/common/log.h"
#include "providers/common/wait_notice.h"

namespace snapfs {
namespace {

using Clock = std::chrono::steady_clock;

// How often the reader, asleep on the device, looks whether the session was told to exit: a
// signal handler can only set libfuse's flag, and it may run on another thread.
constexpr int kExitCheckMs = 500;
// Pauses between two looks at the device while polling. Each look takes the kernel's queue
// lock, which the thread sending the next request also needs.
constexpr int kPausesPerLook = 64;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// Leader and followers: one worker at a time, the reader, takes requests from the device and
// answers them itself, so a request answered from the cache wakes no other thread. Before a
// request waits on the network, the reader hands the device to a follower and carries on with
// its request as an ordinary worker. Followers sleep on a condition variable, not on the device,
// so the kernel has no one to wake while the reader polls.
//
// With FUSE over io_uring there is one more role per CPU: serving that CPU's ring, from a thread
// kept on that CPU. The device then carries only INIT, FORGET and INTERRUPT, and is not polled.
class SessionLoop {
 public:
  SessionLoop(fuse_session* session, const SessionLoopOptions& options, FuseUring* uring)
      : session_(session), device_(fuse_session_fd(session)), options_(options), uring_(uring) {}

  int run() {
    // The reader polls without blocking, then sleeps in epoll.
    const int flags = fcntl(device_, F_GETFL);
    if (flags < 0 || fcntl(device_, F_SETFL, flags | O_NONBLOCK) < 0) return -errno;
    stop_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    if (stop_ < 0 || epoll_ < 0 || !watch(device_) || !watch(stop_)) {
      const int err = -errno;
      close_fds();
      return err;
    }
    sched_getaffinity(0, sizeof anywhere_, &anywhere_);
    unsigned n = options_.threads == 0 ? 1 : options_.threads;
    // Each ring needs its own thread, and the device one, with some left for waiting requests.
    if (uring_ != nullptr) n = std::max(n, static_cast<unsigned>(get_nprocs_conf()) + 4);
    taken_.assign(1, false);
    std::vector<std::thread> workers;
    workers.reserve(n - 1);
    for (unsigned i = 1; i < n; ++i) workers.emplace_back([this] { work(); });
    std::thread watcher([this] { watch_for_exit(); });
    work();
    for (std::thread& t : workers) t.join();
    watcher.join();
    close_fds();
    if (uring_ != nullptr && uring_->active()) {
      log_info("FUSE over io_uring answered " + std::to_string(uring_->requests()) + " requests");
    }
    return error_;
  }

 private:
  bool watch(int fd) {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = fd;
    return epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &event) == 0;
  }

  void close_fds() {
    if (epoll_ >= 0) close(epoll_);
    if (stop_ >= 0) close(stop_);
  }

  void work() {
    fuse_buf buf{};
    for (;;) {
      std::size_t role = 0;
      {
        std::unique_lock<std::mutex> lock(mu_);
        role_cv_.wait(lock, [&] { return stopping_ || free_role(&role); });
        if (stopping_) break;
        taken_[role] = true;
      }
      current_role() = role;
      if (role == 0) {
        place(nullptr);
        read_requests(&buf);
      } else {
        const int cpu = uring_->cpu_of(role - 1);
        place(&cpu);
        serve_ring(role - 1);
      }
    }
    free(buf.mem);
  }

  bool free_role(std::size_t* role) const {
    for (std::size_t i = 0; i < taken_.size(); ++i) {
      if (!taken_[i]) {
        *role = i;
        return true;
      }
    }
    return false;
  }

  // Keeps the thread on one CPU (a ring's), or lets it run anywhere again.
  void place(const int* cpu) {
    thread_local int placed = -1;
    const int want = cpu == nullptr ? -1 : *cpu;
    if (placed == want) return;
    if (cpu == nullptr) {
      sched_setaffinity(0, sizeof anywhere_, &anywhere_);
    } else {
      cpu_set_t one;
      CPU_ZERO(&one);
      CPU_SET(*cpu, &one);
      sched_setaffinity(0, sizeof one, &one);
    }
    placed = want;
  }

  void serve_ring(std::size_t q) {
    WaitNotice notice(&SessionLoop::hand_over, this);
    while (!fuse_session_exited(session_)) {
      switch (uring_->serve_one(q)) {
        case FuseUring::Served::Request:
          if (handed_over_here()) return;
          break;
        case FuseUring::Served::Nothing: break;
        case FuseUring::Served::Stop: return;
        case FuseUring::Served::Gone: finish(0); return;
        case FuseUring::Served::Error:
          // Requests queued on this CPU's ring could never be answered: end the mount rather
          // than leave its callers hanging.
          log_error("FUSE over io_uring: ring " + std::to_string(q) +
                    " failed; unmounting (mount with -o io_uring=0 to keep /dev/fuse)");
          finish(-EIO);
          return;
      }
    }
    finish(0);
  }

  // The reader's state between two receives.
  struct Reader {
    Clock::time_point last_request;
    bool poll = false;  // busy-polling the device while requests keep coming (busy_poll)
  };

  // Serves as the reader until it hands the device over or the session ends.
  void read_requests(fuse_buf* buf) {
    WaitNotice notice(&SessionLoop::hand_over, this);
    // Once the rings carry the requests, the device carries too few to be worth polling.
    Reader reader{Clock::now(),
                  options_.busy_poll.count() > 0 && (uring_ == nullptr || !uring_->active())};
    while (!fuse_session_exited(session_)) {
      const int r = fuse_session_receive_buf(session_, buf);
      if (r > 0) {
        if (process(buf, &reader)) return;
        continue;
      }
      if (r == 0) break;  // unmounted: libfuse marked the session exited
      if (r == -EINTR) continue;
      if (r != -EAGAIN) {
        finish(r);
        return;
      }
      wait_for_request(reader);
    }
    finish(0);
  }

  // Answers one request; true when this thread handed its role over meanwhile (the request
  // waited), so that it stops reading.
  bool process(fuse_buf* buf, Reader* reader) {
    fuse_session_process_buf(session_, buf);
    if (!init_answered_.load(std::memory_order_relaxed) && !init_answered_.exchange(true) &&
        options_.after_init) {
      options_.after_init();
    }
    if (uring_ != nullptr && uring_->setup_due()) {
      start_rings();
      reader->poll = reader->poll && !uring_->active();
    }
    if (handed_over_here()) return true;
    if (reader->poll) reader->last_request = Clock::now();
    return false;
  }

  // Nothing to read: spins a little while requests came recently (busy_poll), or sleeps until
  // the device is readable or the exit flag is due a look.
  void wait_for_request(const Reader& reader) {
    if (reader.poll && Clock::now() - reader.last_request < options_.busy_poll) {
      for (int i = 0; i < kPausesPerLook; ++i) cpu_relax();
      return;
    }
    epoll_event events[2];
    epoll_wait(epoll_, events, 2, kExitCheckMs);
  }

  // Right after the INIT answer accepted io_uring: one role per ring, for the idle workers.
  void start_rings() {
    if (!uring_->set_up(stop_)) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      taken_.resize(1 + uring_->queue_count(), false);
    }
    role_cv_.notify_all();
  }

  static std::size_t& current_role() {
    thread_local std::size_t role = 0;
    return role;
  }

  // WaitNotice callback, on the thread of a request about to wait: another worker takes over
  // this thread's role (the device, or a ring).
  static void hand_over(void* self) {
    auto* loop = static_cast<SessionLoop*>(self);
    {
      std::lock_guard<std::mutex> lock(loop->mu_);
      loop->taken_[current_role()] = false;
    }
    handed_over() = true;
    loop->role_cv_.notify_one();
    // The ring's CPU is its next server's now; what this thread still does (wait for the API,
    // start the threads a provider lists with) may run anywhere.
    loop->place(nullptr);
  }

  static bool& handed_over() {
    thread_local bool flag = false;
    return flag;
  }
  static bool handed_over_here() {
    const bool was = handed_over();
    handed_over() = false;
    return was;
  }

  // When every worker waits on the API, none reads the device or looks at the exit flag a signal
  // handler set: this thread does, so that the waiting requests are cancelled (on_exit).
  void watch_for_exit() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopping_) {
      stop_cv_.wait_for(lock, std::chrono::milliseconds(kExitCheckMs));
      if (!stopping_ && fuse_session_exited(session_)) {
        lock.unlock();
        finish(0);
        return;
      }
    }
  }

  // The first worker to see the end tells the session and wakes every other worker.
  void finish(int result) {
    bool first = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (result != 0 && error_ == 0) error_ = result;
      first = !stopping_;
      stopping_ = true;
    }
    fuse_session_exit(session_);
    if (first && options_.on_exit) options_.on_exit();
    role_cv_.notify_all();
    stop_cv_.notify_all();
    const std::uint64_t one = 1;
    (void)!write(stop_, &one, sizeof one);
  }

  fuse_session* session_;
  int device_;
  SessionLoopOptions options_;
  int stop_ = -1;
  int epoll_ = -1;
  std::mutex mu_;
  std::condition_variable role_cv_;
  std::condition_variable stop_cv_;  // wakes watch_for_exit() at the end
  FuseUring* uring_;
  cpu_set_t anywhere_{};
  std::vector<bool> taken_;  // role 0: the device; role 1 + q: ring q
  bool stopping_ = false;
  int error_ = 0;
  std::atomic<bool> init_answered_{false};  // the first request (INIT) was answered
};

}  // namespace

int run_session_loop(fuse_session* session, const SessionLoopOptions& options, FuseUring* uring) {
  return SessionLoop(session, options, uring).run();
}

}  // namespace snapfs
