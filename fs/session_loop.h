#pragma once
// The loop that reads FUSE requests and hands them to the operation table.
#include <fuse_lowlevel.h>

#include <chrono>
#include <functional>

namespace snapfs {

struct SessionLoopOptions {
  // Worker threads: an operation that waits on the network holds one, so this many can wait at
  // once while the others keep answering the kernel.
  unsigned threads = 10;
  // After each request, one worker keeps polling the device this long before it sleeps. A crawl
  // sends its next request within microseconds; waking a sleeping thread on another CPU costs
  // tens of them, and is paid twice per request when both sides sleep. 0 = always sleep.
  std::chrono::microseconds busy_poll{0};
  // Called once when the session ends (unmount, SIGTERM), before the workers are waited for:
  // requests still waiting on the API are cancelled here, or the daemon would outlive its mount
  // by their deadlines.
  std::function<void()> on_exit;
  // Called once, by the reader, right after the first request was answered. The kernel sends
  // nothing before INIT is answered, and takes INIT's answer in as it is written: what INIT sets
  // (the readahead, say) can be changed from here on, and is not yet before.
  std::function<void()> after_init;
};

class FuseUring;

// Runs until the file system is unmounted or the session is told to exit (fuse_session_exit, as
// the signal handlers do). Returns 0, or a negative errno read from the device. With `uring`
// (installed on the session), requests move to FUSE over io_uring once INIT has accepted it.
int run_session_loop(fuse_session* session, const SessionLoopOptions& options,
                     FuseUring* uring = nullptr);

}  // namespace snapfs
