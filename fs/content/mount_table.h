// Where this host mounts NFS exports: the nfs and nfs4 entries of /proc/self/mountinfo (or of
// the file named by SNAPFS_MOUNTINFO, which tests use: a kernel without an NFS client cannot
// mount one), re-read only when the table changes.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "providers/common/thread_annotations.h"

namespace snapfs::content {

struct NfsMount {
  std::string source;       // "host:/path", trailing slashes removed
  std::string mount_point;  // octal escapes decoded
};

// The NFS mounts of a mountinfo text that are still visible: a mount point that a later entry
// mounts over (of any type) hides the earlier mount. In file order, which is mount order.
std::vector<NfsMount> parse_mountinfo(std::string_view text);

// "host:/a/b//" -> "host:/a/b"; "host:/" stays. Exports compare in this form.
std::string normalize_export(std::string_view text);

class MountTable {
 public:
  // `path` empty: $SNAPFS_MOUNTINFO when set, else /proc/self/mountinfo. `recheck` is how often,
  // at most, a file that is not a /proc mount table is stat'ed for a change (it cannot be polled).
  explicit MountTable(std::string path = "",
                      std::chrono::milliseconds recheck = std::chrono::seconds(1));
  ~MountTable();
  MountTable(const MountTable&) = delete;
  MountTable& operator=(const MountTable&) = delete;

  // The local directory where `nfs_export` is mounted (the most recent mount of it that is
  // still visible), or empty.
  std::string find(std::string_view nfs_export);
  const std::string& path() const { return path_; }
  // How many times the table was read: tests check that an unchanged table is not read again.
  std::uint64_t reads() const;
  // Changes each time the table is read anew, after checking for a change as find() does: what
  // was found under an older generation may be out of date.
  std::uint64_t generation();

 private:
  void refresh_locked() REQUIRES(mu_);
  bool changed_locked() REQUIRES(mu_);
  void load_locked() REQUIRES(mu_);

  std::string path_;
  bool is_proc_ = false;
  std::chrono::milliseconds recheck_;
  mutable Mutex mu_;
  int fd_ GUARDED_BY(mu_) =
      -1;  // the /proc file, held open: poll() reports POLLPRI once the table changed
  bool loaded_ GUARDED_BY(mu_) = false;
  std::chrono::steady_clock::time_point last_check_ GUARDED_BY(mu_){};
  struct FileStamp {
    dev_t dev = 0;
    ino_t ino = 0;
    off_t size = -1;
    std::int64_t mtime_ns = -1;
    bool operator==(const FileStamp&) const = default;
  } stamp_ GUARDED_BY(mu_);
  std::map<std::string, std::string, std::less<>> by_source_ GUARDED_BY(mu_);
  std::uint64_t reads_ GUARDED_BY(mu_) = 0;
};

}  // namespace snapfs::content
