// A per-remote token bucket in front of every HTTP attempt: at most `max_rps` requests per second
// (bursts of up to one second's worth), and a shared pause when the API says to slow down (a 429,
// Scaleway's X-Envoy-Ratelimited), so that parallel workers back off together instead of each
// discovering the limit on its own.
#pragma once

#include <chrono>
#include <mutex>

#include "providers/op_context.h"

namespace snapfs {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // max_rps <= 0: no rate cap; pauses still apply.
  explicit RateLimiter(double max_rps);

  // Waits for a token (and for any pause to end); false, without waiting, when that would take
  // past ctx's deadline, and false as soon as ctx is cancelled.
  bool acquire(const OpContext& ctx);
  // No request starts before `until` (later pauses extend earlier ones, never shorten them).
  void pause_until(Clock::time_point until);
  double max_rps() const { return rate_; }

 private:
  std::mutex mu_;
  double rate_;
  double burst_;
  double tokens_;
  Clock::time_point refilled_at_;
  Clock::time_point paused_until_{};
};

}  // namespace snapfs
