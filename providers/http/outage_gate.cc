#include "providers/http/outage_gate.h"

#include <algorithm>
#include <cstdio>

#include "providers/common/log.h"

namespace snapfs {
namespace {

std::string whole_seconds(std::chrono::milliseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f s", std::max(0.0, d.count() / 1000.0));
  return buf;
}

}  // namespace

OutageGate::OutageGate(OutagePolicy policy, Probe probe, RequestStats* stats)
    : policy_(policy), probe_(std::move(probe)), stats_(stats) {}

OutageGate::~OutageGate() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_->store(true);  // also ends a probe in flight
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool OutageGate::down() const {
  std::lock_guard<std::mutex> lock(mu_);
  return down_;
}

std::optional<Error> OutageGate::refusal(const std::string& target) const {
  Error refused;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!down_) return std::nullopt;
    auto next = std::chrono::duration_cast<std::chrono::milliseconds>(next_probe_ - Clock::now());
    // Same kind, so the same errno as the failure that started the outage. Nothing was sent:
    // the outcome is known (nothing happened), and the caller may report it as it is.
    refused =
        Error(error_.kind, "not sent to " + target + ": the API is unreachable (" + error_.message +
                               "); asked again in the background, next in " + whole_seconds(next));
  }
  if (stats_ != nullptr) stats_->record_not_sent();
  return refused;
}

void OutageGate::failed(const Error& error, const std::string& probe_url,
                        std::chrono::milliseconds probe_timeout) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_->load()) return;
    if (!down_) {
      down_ = true;
      backoff_ = policy_.initial_backoff;
      next_probe_ = Clock::now() + backoff_;
      log_warning("API unreachable (" + error.message + "): requests fail at once until it " +
                  "answers again; asking it every " + whole_seconds(backoff_) + " or more");
    }
    error_ = error;
    error_.outcome_unknown = false;
    probe_url_ = probe_url;
    probe_timeout_ = probe_timeout;
    if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
  }
  if (stats_ != nullptr) stats_->record_reachable(false);
  cv_.notify_all();
}

void OutageGate::answered() {
  bool was_down = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    was_down = down_;
    down_ = false;
  }
  if (was_down) {
    log_info("API reachable again");
    if (stats_ != nullptr) stats_->record_reachable(true);
  }
}

void OutageGate::run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_->load()) {
    if (!down_) {
      cv_.wait(lock);
      continue;
    }
    if (Clock::now() < next_probe_) {
      cv_.wait_until(lock, next_probe_);
      continue;
    }
    const std::string url = probe_url_;
    const std::chrono::milliseconds timeout = probe_timeout_;
    lock.unlock();
    if (stats_ != nullptr) stats_->record_probe();
    const bool back = probe_(url, timeout, stop_);
    if (back) answered();
    lock.lock();
    if (!back && down_) {
      backoff_ = std::min(backoff_ * 2, policy_.max_backoff);
      next_probe_ = Clock::now() + backoff_;
    }
  }
}

}  // namespace snapfs
