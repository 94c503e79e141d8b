#include "providers/http/rate_limiter.h"

#include <algorithm>
#include <thread>

namespace snapfs {

RateLimiter::RateLimiter(double max_rps)
    : rate_(max_rps > 0 ? max_rps : 0),
      burst_(std::max(1.0, rate_)),
      tokens_(burst_),
      refilled_at_(Clock::now()) {}

bool RateLimiter::acquire(const OpContext& ctx) {
  Clock::time_point start_at;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const Clock::time_point now = Clock::now();
    Clock::duration wait = std::max(Clock::duration::zero(), paused_until_ - now);
    if (rate_ > 0) {
      tokens_ = std::min(
          burst_, tokens_ + std::chrono::duration<double>(now - refilled_at_).count() * rate_);
      refilled_at_ = now;
      if (tokens_ < 1) {
        wait = std::max(wait, std::chrono::duration_cast<Clock::duration>(
                                  std::chrono::duration<double>((1 - tokens_) / rate_)));
      }
    }
    if (now + wait > ctx.deadline()) return false;
    // The token is taken now (the balance may go negative): later callers queue behind it.
    if (rate_ > 0) tokens_ -= 1;
    start_at = now + wait;
  }
  while (Clock::now() < start_at) {
    if (ctx.cancelled()) return false;
    std::this_thread::sleep_for(
        std::min<Clock::duration>(std::chrono::milliseconds(50), start_at - Clock::now()));
  }
  return !ctx.cancelled();
}

void RateLimiter::pause_until(Clock::time_point until) {
  std::lock_guard<std::mutex> lock(mu_);
  paused_until_ = std::max(paused_until_, until);
}

}  // namespace snapfs
