// Lets a thread that others depend on hear that it is about to wait (on the network, or on
// another thread's fetch), so it can hand its duty to another thread first. The FUSE loop's
// reader uses it: it answers cached requests itself, and passes the reading on before a request
// that has to wait.
//
// Why a thread-local and not a callback carried down in OpContext: the duty belongs to the
// thread, not to an operation. The reader sets its notice before handing a buffer to libfuse
// (fuse_session_process_buf, or a ring's dispatch), and libfuse calls the operation through its
// table with nothing per call but the fuse_req_t, so there is no way to pass it through that
// boundary other than the thread. Below it, every wait on that thread must hand over, whichever
// context it waits under: contexts are derived (a mutation's keeping_check_time(), a fetch
// joined from another request's TtlCache flight), and one derivation that dropped the callback
// would leave the device unread behind a network wait. A thread without a notice (a prefetch
// worker, a test) calls nothing, so the default is safe. Finally fs/fuse_uring.cc asks armed()
// after the operation returned, i.e. whether this thread waited at all, which is the thread's
// state again.
#pragma once

namespace snapfs {

class WaitNotice {
 public:
  using Callback = void (*)(void* arg);

  // Calls the current thread's callback, if any, once: the duty is handed over the first time.
  static void before_waiting() {
    Slot& slot = current();
    if (slot.callback == nullptr) return;
    Callback callback = slot.callback;
    slot.callback = nullptr;
    callback(slot.arg);
  }

  // True while the calling thread has a callback that has not run yet: it still holds its duty.
  static bool armed() { return current().callback != nullptr; }

  // Sets the calling thread's callback for this scope.
  WaitNotice(Callback callback, void* arg) : saved_(current()) { current() = Slot{callback, arg}; }
  ~WaitNotice() { current() = saved_; }
  WaitNotice(const WaitNotice&) = delete;
  WaitNotice& operator=(const WaitNotice&) = delete;

 private:
  struct Slot {
    Callback callback = nullptr;
    void* arg = nullptr;
  };
  static Slot& current() {
    thread_local Slot slot;
    return slot;
  }
  Slot saved_;
};

}  // namespace snapfs
