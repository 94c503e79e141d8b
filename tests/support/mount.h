// A real snapfs FUSE mount for tests: the snapfs binary in the foreground on a fresh directory,
// unmounted with fusermount3 on destruction.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace snapfs::test {

// Whether this machine can mount FUSE filesystems; `why` says what is missing.
bool fuse_available(std::string* why);

// Skips the test loudly when FUSE is missing, except under CI=true, where it fails.
#define SNAPFS_REQUIRE_FUSE()                                                      \
  do {                                                                             \
    std::string why_;                                                              \
    if (!::snapfs::test::fuse_available(&why_)) {                                  \
      const char* ci_ = std::getenv("CI");                                         \
      if (ci_ != nullptr && std::string(ci_) == "true") {                          \
        FAIL() << "FUSE is required under CI=true: " << why_;                      \
      }                                                                            \
      std::fprintf(stderr, "\n*** SKIPPING MOUNT TEST: %s ***\n\n", why_.c_str()); \
      GTEST_SKIP() << "FUSE unavailable: " << why_;                                \
    }                                                                              \
  } while (0)

class SnapfsMount {
 public:
  // Writes `config_text` to a private file (mode 0600), then runs
  // `snapfs -f --config FILE -o OPTIONS MOUNTPOINT` with `extra_env` added to the environment
  // (HOME points at a private directory unless extra_env sets it). ok() tells whether the mount
  // appeared within 15 s; the daemon's log is kept in a file. Session::Own runs it in a session
  // of its own, as a daemonized mount runs.
  explicit SnapfsMount(const std::string& config_text, const std::vector<std::string>& options = {},
                       const std::vector<std::string>& extra_env = {},
                       Session session = Session::Same);
  ~SnapfsMount();
  SnapfsMount(const SnapfsMount&) = delete;
  SnapfsMount& operator=(const SnapfsMount&) = delete;

  bool ok() const { return mounted_; }
  const std::string& path() const { return mountpoint_; }
  const std::string& config_path() const { return config_path_; }
  std::string log() const;
  // Runs a shell command with the mount point as working directory.
  CommandResult sh(const std::string& command,
                   std::chrono::milliseconds timeout = std::chrono::seconds(60)) const;
  // Unmounts (fusermount3 -u) and waits for the daemon; true when both went cleanly.
  bool unmount();
  // Waits for the daemon to end on its own (after an unmount made outside, e.g. a lazy one);
  // returns its wait status, or -1 when it still runs after `timeout`.
  int wait_for_exit(std::chrono::milliseconds timeout);
  pid_t pid() const { return process_ ? process_->pid() : -1; }

 private:
  TempDir dir_;
  std::string mountpoint_;
  std::string config_path_;
  std::string log_path_;
  std::unique_ptr<Subprocess> process_;
  bool mounted_ = false;
};

}  // namespace snapfs::test
