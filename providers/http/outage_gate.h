// One remote's reachability, shared by every request of its HTTP client. When a request finds the
// API unreachable (its connections refused, or nothing answered before the deadline), the API is
// taken as down: every later request fails at once with that same error instead of waiting on it
// again, and one background probe per back-off period (2 s, doubling up to 30 s) asks the API
// until any answer comes back. So a dead API costs one deadline per outage, not one per
// operation, and a create or delete is never queued behind it or sent again blind.
//
// An outage belongs to the API's origin (scheme, host and port), not to one client: remotes that
// share an API (Scaleway Instance and Block, HA-NAS and Enterprise File Storage) learn of it from
// each other through a process-wide table, so a crawl of the mount waits on a dead API once, not
// once per remote. The table holds an origin only while some gate is down on it; each such gate
// probes on its own schedule, and the first answer any of them sees ends the outage for all.
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

  // While the API of `target` (a URL without credentials) is down, for this client or another:
  // the error to answer at once, without sending anything.
  std::optional<Error> refusal(const std::string& target);
  // A request found the API unreachable. `probe_url` is asked again by the probe (without its
  // query or credentials), waiting up to `probe_timeout` for an answer.
  void failed(const Error& error, const std::string& probe_url,
              std::chrono::milliseconds probe_timeout);
  // Any HTTP answer from `target`'s API: it is reachable.
  void answered(const std::string& target);
  bool down() const;

 private:
  void run();
  // Takes this gate down on `origin`; requires mu_. `error` is the failure to repeat.
  void go_down(const std::string& origin, const Error& error);
  // Takes this gate up; requires mu_. `seen_answer`: this gate saw the API answer (so the
  // outage ends for every gate); otherwise it learnt that from the table.
  void go_up(bool seen_answer);

  const OutagePolicy policy_;
  const Probe probe_;
  RequestStats* const stats_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool down_ = false;
  std::string origin_;  // while down: the origin it is down on
  Error error_;  // the failure that started the outage (or the last probe's)
  std::string probe_url_;
  std::chrono::milliseconds probe_timeout_{0};
  std::chrono::milliseconds backoff_{0};
  Clock::time_point next_probe_{};
  std::shared_ptr<std::atomic<bool>> stop_ = std::make_shared<std::atomic<bool>>(false);
  std::thread thread_;  // started at the first outage
};

}  // namespace snapfs
