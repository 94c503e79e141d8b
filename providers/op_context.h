// Per-operation deadline and cancellation, passed from the FUSE request down to every HTTP
// attempt, so no operation blocks longer than its deadline and an interrupted request is
// abandoned promptly.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>

namespace snapfs {

class OpContext {
 public:
  using Clock = std::chrono::steady_clock;

  explicit OpContext(std::chrono::milliseconds timeout)
      : deadline_(Clock::now() + timeout), cancelled_(std::make_shared<std::atomic<bool>>(false)) {}
  // A context cancelled through a flag shared with others (e.g. every background job of a
  // filesystem that is shutting down).
  OpContext(std::chrono::milliseconds timeout, std::shared_ptr<std::atomic<bool>> cancelled)
      : deadline_(Clock::now() + timeout), cancelled_(std::move(cancelled)) {}

  Clock::time_point deadline() const { return deadline_; }
  std::chrono::milliseconds remaining() const {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now());
    return left.count() > 0 ? left : std::chrono::milliseconds(0);
  }
  bool expired() const { return Clock::now() >= deadline_; }

  void cancel() const { cancelled_->store(true); }
  bool cancelled() const { return cancelled_->load(); }
  // Shared flag, so an interrupt handler can outlive the stack frame that made the context.
  std::shared_ptr<std::atomic<bool>> cancel_flag() const { return cancelled_; }

 private:
  Clock::time_point deadline_;
  std::shared_ptr<std::atomic<bool>> cancelled_;
};

}  // namespace snapfs
