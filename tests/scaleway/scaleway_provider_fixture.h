// Shared pieces of the Scaleway tests that run against snapfs-emulator.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "providers/provider.h"
#include "tests/support/process.h"

namespace snapfs::test {

// The credentials the emulator's seeds accept.
inline constexpr const char* kScalewaySecret = "00000000-0000-4000-8000-000000000001";
inline constexpr const char* kScalewayProject = "00000000-0000-4000-8000-0000000000aa";

// An environment with no variables and an empty home, so no developer config leaks in.
inline ProviderEnv empty_provider_env(const std::string& home) {
  ProviderEnv env;
  env.home = home;
  env.getenv = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  return env;
}

inline RemoteConfig scaleway_remote(const EmulatorProcess& emu, const std::string& type,
                                    std::map<std::string, std::string> extra = {}) {
  RemoteConfig remote;
  remote.name = "scw-test";
  remote.type = type;
  remote.keys = {
      {"secret_key", kScalewaySecret}, {"api_url", emu.base_url()}, {"zones", "fr-par-1"}};
  for (auto& [k, v] : extra) remote.keys[k] = v;
  return remote;
}

inline OpContext op(std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  return OpContext(timeout);
}

// Counter differences between two RequestStats snapshots.
struct StatsDelta {
  std::uint64_t requests = 0;
  std::uint64_t retries = 0;
  std::map<int, std::uint64_t> by_status;
};

inline StatsDelta stats_delta(const RequestStats::Snapshot& before,
                              const RequestStats::Snapshot& after) {
  StatsDelta d;
  d.requests = after.requests - before.requests;
  d.retries = after.retries - before.retries;
  for (auto& [status, count] : after.by_status) {
    auto it = before.by_status.find(status);
    std::uint64_t diff = count - (it == before.by_status.end() ? 0 : it->second);
    if (diff != 0) d.by_status[status] = diff;
  }
  return d;
}

// Polls `check` every 100 ms until it returns true or `timeout` passes.
template <class Check>
bool eventually(Check check, std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (check()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return check();
}

}  // namespace snapfs::test
