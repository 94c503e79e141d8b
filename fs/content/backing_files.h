// System calls on a snapshot's backing files: every path is opened beneath the snapshot's root
// directory and never through a symbolic link, as the calling thread's filesystem ids.
#pragma once

#include <unistd.h>

#include <string>
#include <vector>

namespace snapfs {
struct DirEntryReply;
}  // namespace snapfs

namespace snapfs::content {

// A descriptor, closed when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

// `path` below the directory `dirfd`, never leaving it and never through a symbolic link: a
// trailing one is opened itself with O_PATH | O_NOFOLLOW, refused (ELOOP) otherwise.
int open_beneath(int dirfd, const std::string& path, int flags);

// The node at `path` under the root directory `root_dir`, opened as the calling thread's
// filesystem ids: the root is opened anew each time, so that the directories above it are
// searched as the caller too (a user refused /mnt/nas is refused its snapshots).
int open_in_root(const std::string& root_dir, const std::string& path, int flags);

// The entries of directory `path` under `root_dir` but . and .., each with its lstat; an errno
// value or 0. Runs on a backing thread.
int list_backing_dir(const std::string& root_dir, const std::string& path,
                     std::vector<DirEntryReply>* entries);

}  // namespace snapfs::content
