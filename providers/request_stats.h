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
    std::string last_error;  // safe for logs (no secrets)
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
  Snapshot snapshot() const {
    std::lock_guard<std::mutex> lock(mu_);
    return data_;
  }

 private:
  mutable std::mutex mu_;
  Snapshot data_;
};

}  // namespace snapfs
