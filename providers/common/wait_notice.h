// Lets a thread that others depend on hear that it is about to wait (on the network, or on
// another thread's fetch), so it can hand its duty to another thread first. The FUSE loop's
// reader uses it: it answers cached requests itself, and passes the reading on before a request
// that has to wait.
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
