// One remote's reachability, shared by every request of its HTTP client. When a request finds the
// API unreachable (its connections refused, or nothing answered before the deadline), the API is
// taken as down: every later request fails at once with that same error instead of waiting on it
// again, and one background probe per back-off period (2 s, doubling up to 30 s) asks the API
// until any answer comes back. So a dead API costs one deadline per outage, not one per
// operation, and a create or delete is never queued behind it or sent again blind.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "providers/request_stats.h"
#include "providers/result.h"

namespace snapfs {

struct OutagePolicy {
  std::chrono::milliseconds initial_backoff{2000};  // from the failure to the first probe
  std::chrono::milliseconds max_backoff{30000};     // between probes, doubling up to this
};

class OutageGate {
 public:
  using Clock = std::chrono::steady_clock;
  // Sends one probe to `url` (no credentials), waiting at most `timeout` or until `stop` is set;
  // true when any HTTP answer came back.
  using Probe = std::function<bool(const std::string& url, std::chrono::milliseconds timeout,
                                   const std::shared_ptr<std::atomic<bool>>& stop)>;

  OutageGate(OutagePolicy policy, Probe probe, RequestStats* stats);
  ~OutageGate();
  OutageGate(const OutageGate&) = delete;
  OutageGate& operator=(const OutageGate&) = delete;

  // While the API is down: the error to answer at once, without sending anything.
  std::optional<Error> refusal(const std::string& target) const;
  // A request found the API unreachable. `probe_url` is asked again by the probe (without its
  // query or credentials), waiting up to `probe_timeout` for an answer.
  void failed(const Error& error, const std::string& probe_url,
              std::chrono::milliseconds probe_timeout);
  // Any HTTP answer: the API is reachable.
  void answered();
  bool down() const;

 private:
  void run();

  const OutagePolicy policy_;
  const Probe probe_;
  RequestStats* const stats_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool down_ = false;
  Error error_;  // the failure that started the outage (or the last probe's)
  std::string probe_url_;
  std::chrono::milliseconds probe_timeout_{0};
  std::chrono::milliseconds backoff_{0};
  Clock::time_point next_probe_{};
  std::shared_ptr<std::atomic<bool>> stop_ = std::make_shared<std::atomic<bool>>(false);
  std::thread thread_;  // started at the first outage
};

}  // namespace snapfs
