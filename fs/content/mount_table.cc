#include "fs/content/mount_table.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "fs/mountinfo.h"

namespace snapfs::content {
namespace {

constexpr const char* kProcMountinfo = "/proc/self/mountinfo";

bool read_all(int fd, std::string* out) {
  out->clear();
  if (lseek(fd, 0, SEEK_SET) < 0) return false;
  char buf[16384];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) return true;
    out->append(buf, static_cast<std::size_t>(n));
  }
}

}  // namespace

std::string normalize_export(std::string_view text) {
  std::string out(text);
  // "host:/" keeps its one slash: the root export.
  while (out.size() > 1 && out.back() == '/' && out[out.size() - 2] != ':') out.pop_back();
  return out;
}

std::vector<NfsMount> parse_mountinfo(std::string_view text) {
  const std::vector<MountInfoEntry> entries = parse_mountinfo_entries(text);
  std::vector<NfsMount> out;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const MountInfoEntry& e = entries[i];
    // Bind mounts of a subdirectory of an NFS mount carry the subdirectory as their root: the
    // export's root is not there.
    if ((e.type != "nfs" && e.type != "nfs4") || e.root != "/") continue;
    bool hidden = false;
    for (std::size_t j = i + 1; j < entries.size() && !hidden; ++j) {
      hidden = entries[j].mount_point == e.mount_point;
    }
    if (!hidden) out.push_back({normalize_export(e.source), e.mount_point});
  }
  return out;
}

MountTable::MountTable(std::string path, std::chrono::milliseconds recheck)
    : path_(std::move(path)), recheck_(recheck) {
  if (path_.empty()) {
    const char* env = std::getenv("SNAPFS_MOUNTINFO");
    path_ = env != nullptr && *env != '\0' ? env : kProcMountinfo;
  }
  is_proc_ = path_.rfind("/proc/", 0) == 0;
}

MountTable::~MountTable() {
  if (fd_ >= 0) close(fd_);
}

std::uint64_t MountTable::reads() const {
  MutexLock lock(mu_);
  return reads_;
}

std::uint64_t MountTable::generation() {
  MutexLock lock(mu_);
  refresh_locked();
  return reads_;
}

bool MountTable::changed_locked() {
  if (!loaded_) return true;
  if (is_proc_) {
    if (fd_ < 0) return true;
    // The kernel flags a mount table that changed since it was last polled.
    pollfd p{fd_, POLLPRI, 0};
    return poll(&p, 1, 0) > 0 && (p.revents & (POLLPRI | POLLERR)) != 0;
  }
  const auto now = std::chrono::steady_clock::now();
  if (now - last_check_ < recheck_) return false;
  last_check_ = now;
  struct stat st {};
  FileStamp stamp;
  if (stat(path_.c_str(), &st) == 0) {
    stamp = {st.st_dev, st.st_ino, st.st_size,
             static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
  }
  return !(stamp == stamp_);
}

void MountTable::load_locked() {
  loaded_ = true;
  ++reads_;
  std::string text;
  if (is_proc_) {
    if (fd_ < 0) fd_ = open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ >= 0) {
      pollfd p{fd_, POLLPRI, 0};
      poll(&p, 1, 0);  // takes the pending change, so the next poll reports only later ones
      read_all(fd_, &text);
    }
  } else {
    last_check_ = std::chrono::steady_clock::now();
    int fd = open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    stamp_ = {};
    if (fd >= 0) {
      struct stat st {};
      if (fstat(fd, &st) == 0) {
        stamp_ = {st.st_dev, st.st_ino, st.st_size,
                  static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
      }
      read_all(fd, &text);
      close(fd);
    }
  }
  by_source_.clear();
  // Later entries are more recent mounts: they win.
  for (NfsMount& m : parse_mountinfo(text)) by_source_[m.source] = std::move(m.mount_point);
}

void MountTable::refresh_locked() {
  if (changed_locked()) load_locked();
}

std::string MountTable::find(std::string_view nfs_export) {
  MutexLock lock(mu_);
  refresh_locked();
  auto it = by_source_.find(normalize_export(nfs_export));
  return it == by_source_.end() ? std::string() : it->second;
}

}  // namespace snapfs::content
