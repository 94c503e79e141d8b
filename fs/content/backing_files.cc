#include "fs/content/backing_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "fs/namespace/tree.h"

namespace snapfs::content {

int open_beneath(int dirfd, const std::string& path, int flags) {
  struct open_how how {};
  how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC | O_NOFOLLOW);
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  long fd = syscall(SYS_openat2, dirfd, path.c_str(), &how, sizeof how);
  return fd < 0 ? -1 : static_cast<int>(fd);
}

int open_in_root(const std::string& root_dir, const std::string& path, int flags) {
  Fd root(open(root_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (root.get() < 0) return -1;
  if (path == ".") {
    if ((flags & O_PATH) != 0) return root.release();
    return openat(root.get(), ".", flags | O_CLOEXEC);
  }
  return open_beneath(root.get(), path, flags);
}

int list_backing_dir(const std::string& root_dir, const std::string& path,
                     std::vector<DirEntryReply>* entries) {
  int fd = open_in_root(root_dir, path, O_RDONLY | O_DIRECTORY);
  if (fd < 0) return errno;
  DIR* d = fdopendir(fd);
  if (d == nullptr) {
    int err = errno;
    close(fd);
    return err;
  }
  int err = 0;
  for (;;) {
    errno = 0;
    dirent* e = ::readdir(d);
    if (e == nullptr) {
      err = errno;
      break;
    }
    if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
    DirEntryReply entry;
    entry.name = e->d_name;
    // One name, no path: nothing here can follow a link.
    if (fstatat(dirfd(d), e->d_name, &entry.attr, AT_SYMLINK_NOFOLLOW) != 0) continue;
    entries->push_back(std::move(entry));
  }
  closedir(d);
  return err;
}

}  // namespace snapfs::content
