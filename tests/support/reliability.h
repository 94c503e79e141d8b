// Shared pieces of the reliability tests (fault matrix, duplicate creates, soak, resilience):
// request counters on both sides of the wire, the emulator's fault list, JSON lookups in the
// emulator's state, polling, and where test artifacts go.
#pragma once

#include <rapidjson/document.h>

#include <chrono>
#include <functional>
#include <string>

#include "tests/support/process.h"

namespace snapfs::test {

// What the daemon counted for one remote (user.snapfs.stats at the mount root, no API call).
struct DaemonCounters {
  bool ok = false;
  long long requests = 0;  // attempts that ended (answered, failed or abandoned)
  long long retries = 0;
  long long stale = 0;  // cached listings served after a failed refresh (all remotes)
};
DaemonCounters daemon_counters(const std::string& mount_root, const std::string& remote);

// What the emulator counted (GET /_emulator/stats): every API request it finished.
struct EmulatorCounters {
  long long total = 0;
  long long posts = 0;
};
EmulatorCounters emulator_counters(const EmulatorProcess& emulator);

// How many fault SPECs are still armed (a count-limited one is dropped once used up).
int armed_faults(const EmulatorProcess& emulator);

// The first JSON object (depth first) whose string member `key` equals `value`, or null.
const rapidjson::Value* find_object(const rapidjson::Value& root, const char* key,
                                    const std::string& value);
// A string member, or "" when absent or not a string.
std::string json_text(const rapidjson::Value& object, const char* key);

// While `stuck` (a process blocked on the API inside the mount at `root`) still waits: three
// getxattr calls of user.snapfs.stats, which the kernel never caches and snapfs answers from
// memory, must all be answered within a quarter of `timeout_seconds`. Then Ctrl-C ends `stuck`.
// Failures are reported as test failures.
void expect_answers_while_stuck(const std::string& root, Subprocess* stuck, int timeout_seconds);

// Polls `condition` every 50 ms until it holds or `timeout` passes; true when it held.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

// $SNAPFS_TEST_ARTIFACTS, else ./test-artifacts (the build directory under ctest); created.
std::string artifacts_dir();

// The last `lines` lines of a log, for failure messages.
std::string log_tail(const std::string& log, std::size_t lines = 25);

}  // namespace snapfs::test
