// Request counters behind GET /_emulator/stats: one count per (api, method, route template,
// status actually sent). Control routes are not counted.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

namespace snapfs::emu {

class RequestCounter {
 public:
  void record(const std::string& api, const std::string& method, const std::string& route,
              int status);
  void reset();
  // {"total": N, "requests": [{"api", "method", "route", "status", "count"}, ...]}
  std::string to_json() const;

 private:
  using Key = std::tuple<std::string, std::string, std::string, int>;
  mutable std::mutex mu_;
  std::map<Key, std::int64_t> counts_;
  std::int64_t total_ = 0;
};

}  // namespace snapfs::emu
