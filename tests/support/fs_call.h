// Single filesystem calls on a mount, each made by a child process so that a call stuck in the
// kernel (a FUSE request the daemon never answers) cannot hang the test: the child is abandoned
// after a limit. The result carries the call's own errno and how long it took, which is what the
// reliability tests assert on (exact errno, answered within the mount's deadline).
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace snapfs::test {

struct FsEntry {
  std::string name;
  bool is_link = false;
};

struct FsCallResult {
  // errno of the call, 0 on success, kNoAnswer when the call had not returned within the limit.
  int error = 0;
  double seconds = 0;            // wall time from the start of the call to its answer
  std::string value;             // fs_getxattr: the attribute's value
  std::vector<FsEntry> entries;  // fs_list: the directory's entries without "." and ".."
  bool ok() const { return error == 0; }
};

constexpr int kNoAnswer = -1;

FsCallResult fs_stat(const std::string& path, std::chrono::milliseconds limit);
// open(O_DIRECTORY) and getdents64 until the end: what `ls` does.
FsCallResult fs_list(const std::string& dir, std::chrono::milliseconds limit);
FsCallResult fs_mkdir(const std::string& path, std::chrono::milliseconds limit);
FsCallResult fs_rmdir(const std::string& path, std::chrono::milliseconds limit);
FsCallResult fs_rename(const std::string& from, const std::string& to,
                       std::chrono::milliseconds limit);
// readlink: the target in `value`.
FsCallResult fs_readlink(const std::string& path, std::chrono::milliseconds limit);
// getxattr with a buffer large enough for any snapfs attribute (one call, no size probe).
FsCallResult fs_getxattr(const std::string& path, const std::string& name,
                         std::chrono::milliseconds limit);
FsCallResult fs_setxattr(const std::string& path, const std::string& name, const std::string& value,
                         std::chrono::milliseconds limit);

// "EIO", "ETIMEDOUT", ... for an errno value; "ok" for 0 and "no answer" for kNoAnswer.
std::string errno_name(int error);

}  // namespace snapfs::test
