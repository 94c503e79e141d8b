#include "providers/http/outage_gate.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "providers/common/log.h"

namespace snapfs {
namespace {

std::string whole_seconds(std::chrono::milliseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f s", std::max(0.0, d.count() / 1000.0));
  return buf;
}

// "https://host:port" of a URL; the whole text when it has no path.
std::string origin_of(const std::string& url) {
  const std::size_t scheme = url.find("://");
  const std::size_t path = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  return path == std::string::npos ? url : url.substr(0, path);
}

// The process-wide table of origins some gate is down on. Lock order: a gate's mu_, then
// g_table_mu (never the other way: the table calls no gate).
struct SharedOutage {
  Error error;
  int gates_down = 0;  // gates down on this origin; the entry goes with the last one
};
std::mutex g_table_mu;
std::map<std::string, SharedOutage>& table() {
  static auto* t = new std::map<std::string, SharedOutage>();  // never destroyed: gates may
  return *t;                                                   // outlive static destructors
}

// The outage another gate knows of on `origin`, if any.
std::optional<Error> shared_outage(const std::string& origin) {
  std::lock_guard<std::mutex> lock(g_table_mu);
  auto it = table().find(origin);
  if (it == table().end()) return std::nullopt;
  return it->second.error;
}

}  // namespace

OutageGate::OutageGate(OutagePolicy policy, Probe probe, RequestStats* stats)
    : policy_(policy), probe_(std::move(probe)), stats_(stats) {}

OutageGate::~OutageGate() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_->store(true);  // also ends a probe in flight
    if (down_) {
      // Leaves the table without ending the outage for the other gates down on it.
      std::lock_guard<std::mutex> table_lock(g_table_mu);
      auto it = table().find(origin_);
      if (it != table().end() && --it->second.gates_down <= 0) table().erase(it);
    }
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool OutageGate::down() const {
  std::lock_guard<std::mutex> lock(mu_);
  return down_;
}

std::optional<Error> OutageGate::refusal(const std::string& target) {
  const std::string origin = origin_of(target);
  Error refused;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (down_ && origin == origin_ && !shared_outage(origin)) {
      go_up(false);  // another gate down on this origin saw it answer
    } else if (!down_) {
      // Another remote of the same API found it dead: this one does not wait on it again.
      std::optional<Error> known = shared_outage(origin);
      if (!known) return std::nullopt;
      go_down(origin, *known);
    }
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

void OutageGate::go_down(const std::string& origin, const Error& error) {
  down_ = true;
  origin_ = origin;
  backoff_ = policy_.initial_backoff;
  next_probe_ = Clock::now() + backoff_;
  error_ = error;
  error_.outcome_unknown = false;
  bool first = false;
  {
    std::lock_guard<std::mutex> table_lock(g_table_mu);
    auto [it, added] = table().try_emplace(origin);
    first = added;
    if (added) it->second.error = error_;
    ++it->second.gates_down;
  }
  if (first) {
    log_warning("API unreachable (" + error.message + "): requests fail at once until it " +
                "answers again; asking it every " + whole_seconds(backoff_) + " or more");
  }
  if (probe_url_.empty()) probe_url_ = origin + "/";
  if (probe_timeout_.count() == 0) probe_timeout_ = std::chrono::milliseconds(5000);
  if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
  if (stats_ != nullptr) stats_->record_reachable(false);
  cv_.notify_all();
}

void OutageGate::go_up(bool seen_answer) {
  down_ = false;
  std::lock_guard<std::mutex> table_lock(g_table_mu);
  auto it = table().find(origin_);
  if (it == table().end()) return;
  // An answer seen here ends the outage for every gate: the entry goes, and the others find
  // it gone at their next request.
  if (seen_answer || --it->second.gates_down <= 0) table().erase(it);
}

void OutageGate::failed(const Error& error, const std::string& probe_url,
                        std::chrono::milliseconds probe_timeout) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_->load()) return;
    probe_url_ = probe_url;
    probe_timeout_ = probe_timeout;
    if (!down_) {
      go_down(origin_of(probe_url), error);
      return;
    }
    error_ = error;
    error_.outcome_unknown = false;
  }
  cv_.notify_all();
}

void OutageGate::answered(const std::string& target) {
  bool was_down = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    was_down = down_;
    if (down_ && origin_of(target) == origin_) go_up(true);
    else if (down_) was_down = false;  // an answer from another API of this client
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
    if (back) answered(url);
    lock.lock();
    if (!back && down_) {
      backoff_ = std::min(backoff_ * 2, policy_.max_backoff);
      next_probe_ = Clock::now() + backoff_;
    }
  }
}

}  // namespace snapfs
