// Thread-safe counters of one remote's API traffic, shown in user.snapfs.stats.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace snapfs {

class RequestStats {
 public:
  struct Snapshot {
    std::map<int, std::uint64_t> by_status;  // HTTP status -> count; 0 = no answer
    std::uint64_t requests = 0;
    std::uint64_t retries = 0;
    std::uint64_t errors = 0;
    std::string last_error;      // safe for logs (no secrets)
    bool unreachable = false;    // the API is taken as down (OutageGate): requests fail at once
    std::uint64_t outages = 0;   // times it was found down
    std::uint64_t not_sent = 0;  // requests answered with the outage's error, never sent
    std::uint64_t probes = 0;    // background requests asking whether it is back
  };

  void record_response(int status) {
    std::lock_guard<std::mutex> lock(mu_);
    ++data_.requests;
    ++data_.by_status[status];
  }
  void record_retry() {
    std::lock_guard<std::mutex> lock(mu_);
    ++data_.retries;
  }
  void record_error(const std::string& message) {
    std::lock_guard<std::mutex> lock(mu_);
    ++data_.errors;
    data_.last_error = message;
  }
  void record_reachable(bool reachable) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!reachable && !data_.unreachable) ++data_.outages;
    data_.unreachable = !reachable;
  }
  void record_not_sent() {
    std::lock_guard<std::mutex> lock(mu_);
    ++data_.not_sent;
  }
  void record_probe() {
    std::lock_guard<std::mutex> lock(mu_);
    ++data_.probes;
  }
  Snapshot snapshot() const {
    std::lock_guard<std::mutex> lock(mu_);
    return data_;
  }

 private:
  mutable std::mutex mu_;
  Snapshot data_;
};

}  // namespace snapfs
