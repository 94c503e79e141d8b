#include "fs/content/unlisted.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>

namespace snapfs::content {

namespace {

// Reads `dir` into `found`; 0 or an errno value. Runs on a pool thread.
int read_snapshot_dir(const std::string& dir, const std::set<std::string, std::less<>>& listed,
                      std::vector<UnlistedSnapshot>* found) {
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return errno;
  DIR* d = fdopendir(fd);
  if (d == nullptr) {
    const int err = errno;
    close(fd);
    return err;
  }
  errno = 0;
  while (const dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    if (name == "." || name == ".." || listed.count(name) > 0) continue;
    if (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN) continue;
    struct stat st {};
    // AT_NO_AUTOMOUNT: the attributes of the mount point, not of the snapshot mounted there.
    if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT) != 0) continue;
    if (!S_ISDIR(st.st_mode)) continue;
    found->push_back({name, std::int64_t{st.st_mtim.tv_sec} * 1000000 + st.st_mtim.tv_nsec / 1000});
  }
  const int err = errno;
  closedir(d);
  return err;
}

}  // namespace

int list_unlisted(BackingPool& pool, const OpContext& ctx, const std::string& dir,
                  const std::set<std::string, std::less<>>& listed,
                  std::vector<UnlistedSnapshot>* out, std::shared_ptr<const void> busy) {
  // Shared with the pool thread: a call abandoned at the deadline still writes somewhere.
  auto found = std::make_shared<std::vector<UnlistedSnapshot>>();
  auto names = std::make_shared<const std::set<std::string, std::less<>>>(listed);
  const int rc = pool.run(Caller{}, ctx, [dir, names, found, busy = std::move(busy)] {
    return read_snapshot_dir(dir, *names, found.get());
  });
  if (rc != 0) return rc;
  std::sort(found->begin(), found->end(),
            [](const UnlistedSnapshot& a, const UnlistedSnapshot& b) { return a.name < b.name; });
  *out = std::move(*found);
  return 0;
}

}  // namespace snapfs::content
