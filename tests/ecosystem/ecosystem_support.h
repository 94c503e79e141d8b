// Shared pieces of the ecosystem tests: the demo configuration, the artifacts directory, polling,
// required commands, and the emulator's request counters and data set read as JSON.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace snapfs::test {

// The configuration scripts/demo.sh writes: the five demo remotes, all served by one emulator.
std::string demo_config(const std::string& emulator_url);

// Where screenshots and screen captures go: $SNAPFS_TEST_ARTIFACTS, else <build
// dir>/test-artifacts. Created when missing.
std::string artifacts_dir();

// Writes `content` into the artifacts directory as `name`; returns the full path.
std::string save_artifact(const std::string& name, const std::string& content);

// Calls `done` every `interval` until it answers true or `timeout` has passed; returns its last
// answer.
bool poll_until(const std::function<bool()>& done, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval = std::chrono::milliseconds(100));

// The commands of `names` that are not on PATH.
std::vector<std::string> missing_commands(const std::vector<std::string>& names);

// Whether CI=true, where a missing prerequisite fails a test instead of skipping it.
bool under_ci();

// Skips the test loudly when one of the commands is missing, except under CI=true, where
// scripts/install-deps.sh has installed them and their absence is a failure.
#define SNAPFS_REQUIRE_COMMANDS(...)                                                              \
  do {                                                                                            \
    std::vector<std::string> missing_ = ::snapfs::test::missing_commands(__VA_ARGS__);            \
    if (!missing_.empty()) {                                                                      \
      std::string list_;                                                                          \
      for (const auto& m_ : missing_) list_ += " " + m_;                                          \
      if (::snapfs::test::under_ci()) FAIL() << "missing commands under CI:" << list_;            \
      std::fprintf(stderr, "\n*** SKIPPING: missing commands:%s ***\n\n", list_.c_str());         \
      GTEST_SKIP() << "missing commands:" << list_ << " (scripts/install-deps.sh installs them)"; \
    }                                                                                             \
  } while (0)

// Skips the test loudly unless it runs as root (mount namespaces, bind mounts); fails under CI.
#define SNAPFS_REQUIRE_ROOT()                                                       \
  do {                                                                              \
    if (geteuid() != 0) {                                                           \
      if (::snapfs::test::under_ci()) FAIL() << "this test needs root under CI";    \
      std::fprintf(stderr, "\n*** SKIPPING: needs root (mount namespace) ***\n\n"); \
      GTEST_SKIP() << "needs root";                                                 \
    }                                                                               \
  } while (0)

// The emulator's request counters (GET /_emulator/stats), summed three ways.
struct RequestCounts {
  long long total = 0;
  std::map<std::string, long long> by_method;  // "GET" -> n
  std::map<std::string, long long> by_route;   // "GET /instance/v1/zones/{zone}/snapshots" -> n
  std::map<std::string, long long> by_api;     // "scaleway" -> n
  std::string json;                            // the raw answer, for messages
};
RequestCounts request_counts(const EmulatorProcess& emulator);

// Waits until the emulator's total stays the same for `quiet` (background listings settled),
// at most `timeout`; returns the last counts.
RequestCounts settled_request_counts(const EmulatorProcess& emulator,
                                     std::chrono::milliseconds quiet,
                                     std::chrono::milliseconds timeout);

// The `state` of the Scaleway Instance snapshot named `name` in the emulator's data set, or
// nullopt when there is none.
std::optional<std::string> instance_snapshot_state(const EmulatorProcess& emulator,
                                                   const std::string& name);

// A Scaleway Instance volume of zone fr-par-1 in the emulator's data set, with the name of one of
// its snapshots that is shown as is (no escaping, no duplicate); empty names when there is none.
struct VolumeWithSnapshot {
  std::string volume;
  std::string snapshot;
};
VolumeWithSnapshot instance_volume_with_snapshot(const EmulatorProcess& emulator);

// Processes whose command line has `argument` as one of its words (from /proc/PID/cmdline),
// zombies excluded.
std::vector<pid_t> processes_with_argument(const std::string& argument);

// Whether process `pid` has exited (gone, or a zombie nobody reaped yet).
bool process_gone(pid_t pid);

// Kills (SIGKILL) every process with `argument` on its command line; returns how many there were.
int kill_processes_with_argument(const std::string& argument);

// Lines of `text`, without their newlines.
std::vector<std::string> split_lines(const std::string& text);

// Reads a whole file; empty when it cannot be read.
std::string read_file_text(const std::string& path);

}  // namespace snapfs::test
