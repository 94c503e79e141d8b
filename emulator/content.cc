#include "emulator/content.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

namespace snapfs::emu {
namespace {

// The demo tree's owner for everything but the root-only file, when the emulator runs as root.
constexpr uid_t kDemoUid = 1000;
constexpr gid_t kDemoGid = 1000;
// 2024-06-01T10:00:00Z: the demo files' times, so that a copy's times can be told from "now".
constexpr time_t kDemoTime = 1717236000;
constexpr int kFilesPerFolder = 100;

std::atomic<unsigned> g_temp_counter{0};

bool fail(std::string* error, const std::string& what) {
  if (error != nullptr) *error = what + ": " + std::strerror(errno);
  return false;
}

bool exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

std::string parent_of(const std::string& path) {
  std::size_t slash = path.rfind('/');
  return slash == std::string::npos || slash == 0 ? "/" : path.substr(0, slash);
}

std::string base_of(const std::string& path) {
  std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// mkdir -p, 0755.
bool make_dirs(const std::string& path, std::string* error) {
  if (path.empty() || exists(path)) return true;
  if (!make_dirs(parent_of(path), error)) return false;
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) return fail(error, "mkdir " + path);
  return true;
}

// A path relative to a volume root that stays under it.
bool valid_relative(const std::string& rel) {
  if (rel.empty() || rel.front() == '/') return false;
  std::size_t start = 0;
  while (start <= rel.size()) {
    std::size_t end = rel.find('/', start);
    if (end == std::string::npos) end = rel.size();
    const std::string part = rel.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  return true;
}

bool copy_file_data(int in, int out, const std::string& from, std::string* error) {
  // A clone shares no link with the source: a later write to either side copies the block.
  if (::ioctl(out, FICLONE, in) == 0) return true;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(in, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(error, "read " + from);
    if (n == 0) return true;
    for (ssize_t done = 0; done < n;) {
      ssize_t w = ::write(out, buf + done, static_cast<std::size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return fail(error, "write a copy of " + from);
      done += w;
    }
  }
}

// Owner, mode and times of `st` onto the new entry `to` (times last: setting the others, and
// for a directory adding its entries, changes them). An owner that cannot be set (not root) is
// left as it is.
bool copy_attributes(const std::string& to, const struct stat& st, std::string* error) {
  const bool link = S_ISLNK(st.st_mode);
  if (::lchown(to.c_str(), st.st_uid, st.st_gid) != 0 && errno != EPERM) {
    return fail(error, "chown " + to);
  }
  if (!link && ::chmod(to.c_str(), st.st_mode & 07777) != 0) return fail(error, "chmod " + to);
  struct timespec times[2] = {st.st_atim, st.st_mtim};
  if (::utimensat(AT_FDCWD, to.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
    return fail(error, "set the times of " + to);
  }
  return true;
}

bool copy_node(const std::string& from, const std::string& to,
               const std::vector<std::string>* hidden, std::string* error) {
  struct stat st;
  if (::lstat(from.c_str(), &st) != 0) return fail(error, "lstat " + from);
  if (S_ISDIR(st.st_mode)) {
    if (::mkdir(to.c_str(), 0700) != 0) return fail(error, "mkdir " + to);
    DIR* dir = ::opendir(from.c_str());
    if (dir == nullptr) return fail(error, "opendir " + from);
    std::vector<std::string> names;
    while (dirent* e = ::readdir(dir)) {
      std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      if (hidden != nullptr && std::find(hidden->begin(), hidden->end(), name) != hidden->end()) {
        continue;
      }
      names.push_back(std::move(name));
    }
    ::closedir(dir);
    for (const std::string& name : names) {
      if (!copy_node(from + "/" + name, to + "/" + name, nullptr, error)) return false;
    }
  } else if (S_ISREG(st.st_mode)) {
    int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (in < 0) return fail(error, "open " + from);
    int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (out < 0) {
      ::close(in);
      return fail(error, "create " + to);
    }
    bool ok = copy_file_data(in, out, from, error);
    ::close(in);
    if (::close(out) != 0 && ok) ok = fail(error, "close " + to);
    if (!ok) return false;
  } else if (S_ISLNK(st.st_mode)) {
    std::string target(static_cast<std::size_t>(st.st_size) + 1, '\0');
    ssize_t n = ::readlink(from.c_str(), target.data(), target.size());
    if (n < 0) return fail(error, "readlink " + from);
    target.resize(static_cast<std::size_t>(n));
    if (::symlink(target.c_str(), to.c_str()) != 0) return fail(error, "symlink " + to);
  } else {
    return true;  // sockets, fifos, devices: a NAS export holds none worth copying
  }
  return copy_attributes(to, st, error);
}

int remove_entry(const char* path, const struct stat*, int type, struct FTW*) {
  int rc = type == FTW_DP ? ::rmdir(path) : ::unlink(path);
  return rc == 0 || errno == ENOENT ? 0 : -1;
}

bool write_file(const std::string& path, const std::string& text, mode_t mode, uid_t uid, gid_t gid,
                std::string* error) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return fail(error, "create " + path);
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  if (!ok) fail(error, "write " + path);
  ::close(fd);
  if (!ok) return false;
  if (::chown(path.c_str(), uid, gid) != 0 && errno != EPERM) return fail(error, "chown " + path);
  return ::chmod(path.c_str(), mode) == 0 || fail(error, "chmod " + path);
}

bool make_dir(const std::string& path, uid_t uid, gid_t gid, std::string* error) {
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) return fail(error, "mkdir " + path);
  if (::chown(path.c_str(), uid, gid) != 0 && errno != EPERM) return fail(error, "chown " + path);
  return true;
}

// Sets the times of every entry under `path` (symlinks themselves, not their targets).
void settle_times(const std::string& path, time_t when) {
  static time_t stamp;
  stamp = when;
  ::nftw(
      path.c_str(),
      [](const char* p, const struct stat*, int, struct FTW*) {
        struct timespec times[2] = {{stamp, 0}, {stamp, 0}};
        ::utimensat(AT_FDCWD, p, times, AT_SYMLINK_NOFOLLOW);
        return 0;
      },
      16, FTW_PHYS | FTW_DEPTH);
}

}  // namespace

bool copy_tree(const std::string& from, const std::string& to,
               const std::vector<std::string>& hidden, std::string* error) {
  if (!make_dirs(parent_of(to), error)) return false;
  const std::string temp = parent_of(to) + "/.copying-" + base_of(to) + "." +
                           std::to_string(::getpid()) + "." + std::to_string(++g_temp_counter);
  if (!copy_node(from, temp, &hidden, error)) {
    std::string ignored;
    remove_tree(temp, &ignored);
    return false;
  }
  if (::rename(temp.c_str(), to.c_str()) != 0) {
    bool failed = fail(error, "rename " + temp + " to " + to);
    std::string ignored;
    remove_tree(temp, &ignored);
    return failed;
  }
  return true;
}

bool remove_tree(const std::string& path, std::string* error) {
  if (!exists(path)) return true;
  const std::string aside = parent_of(path) + "/.removing-" + base_of(path) + "." +
                            std::to_string(::getpid()) + "." + std::to_string(++g_temp_counter);
  if (::rename(path.c_str(), aside.c_str()) != 0) return fail(error, "rename " + path);
  if (::nftw(aside.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0) {
    return fail(error, "remove " + aside);
  }
  return true;
}

ContentStore::ContentStore(std::string root, int files) : root_(std::move(root)), files_(files) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
  worker_ = std::thread([this] { run(); });
}

ContentStore::~ContentStore() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

std::string ContentStore::volume_dir(const std::string& nfs_export) const {
  const std::size_t colon = nfs_export.find(":/");
  if (colon == std::string::npos || colon == 0) return "";
  const std::string host = nfs_export.substr(0, colon);
  if (host.find('/') != std::string::npos || host == "." || host == "..") return "";
  std::string path = nfs_export.substr(colon + 2);
  while (!path.empty() && path.back() == '/') path.pop_back();
  if (!path.empty() && !valid_relative(path)) return "";
  return root_ + "/" + host + (path.empty() ? "" : "/" + path);
}

void ContentStore::reconcile(const std::vector<ContentVolume>& volumes) {
  std::vector<Job> jobs;
  std::map<std::string, const ContentVolume*> by_root;
  std::set<std::pair<std::string, std::string>> expected;
  for (const ContentVolume& v : volumes) {
    const std::string dir = volume_dir(v.nfs_export);
    if (dir.empty()) continue;
    by_root.emplace(dir, &v);
    if (volumes_.insert(dir).second && !exists(dir)) {
      Job seed;
      seed.kind = Job::Kind::Seed;
      seed.volume = dir;
      seed.hidden = v.hidden;
      for (const std::string& a : v.automatic) {
        if (valid_relative(a)) seed.automatic.push_back(a);
      }
      jobs.push_back(std::move(seed));
    }
    for (const std::string& s : v.snapshot_dirs) {
      if (valid_relative(s)) expected.emplace(dir, s);
    }
  }
  // Removals first: a name deleted and made again in one step is removed, then copied anew.
  for (const auto& entry : copies_) {
    if (expected.count(entry)) continue;
    Job job;
    job.kind = Job::Kind::Remove;
    job.volume = entry.first;
    job.dir = entry.second;
    jobs.push_back(std::move(job));
  }
  for (const auto& entry : expected) {
    if (copies_.count(entry)) continue;
    Job job;
    job.kind = Job::Kind::Copy;
    job.volume = entry.first;
    job.dir = entry.second;
    job.hidden = by_root.at(entry.first)->hidden;
    jobs.push_back(std::move(job));
  }
  copies_ = std::move(expected);
  if (jobs.empty()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (Job& job : jobs) jobs_.push_back(std::move(job));
  }
  cv_.notify_all();
}

std::size_t ContentStore::pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return jobs_.size() + running_;
}

void ContentStore::run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // stopping, and the queue is done
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    ++running_;
    lock.unlock();
    perform(job);
    lock.lock();
    --running_;
  }
}

void ContentStore::perform(const Job& job) {
  std::string error;
  bool ok = true;
  switch (job.kind) {
    case Job::Kind::Seed: seed(job); return;
    case Job::Kind::Copy: {
      const std::string to = job.volume + "/" + job.dir;
      // Already there: a restart on the same content root keeps the copies it made.
      if (exists(to) || !exists(job.volume)) return;
      ok = copy_tree(job.volume, to, job.hidden, &error);
      break;
    }
    case Job::Kind::Remove: ok = remove_tree(job.volume + "/" + job.dir, &error); break;
  }
  if (!ok) std::fprintf(stderr, "snapfs-emulator: content root: %s\n", error.c_str());
}

void ContentStore::seed(const Job& job) {
  std::string error;
  const std::string& dir = job.volume;
  bool ok = make_dirs(dir, &error);
  const bool root = ::geteuid() == 0;
  const uid_t uid = root ? kDemoUid : ::geteuid();
  const gid_t gid = root ? kDemoGid : ::getegid();
  if (ok && files_ == kDemoFiles) {
    const std::string name = base_of(dir);
    std::string photo;
    for (int i = 0; i < 70000; ++i) photo.push_back(static_cast<char>((i * 31 + 7) & 0xff));
    ok = make_dir(dir, uid, gid, &error) && make_dir(dir + "/docs", uid, gid, &error) &&
         make_dir(dir + "/photos", uid, gid, &error) &&
         make_dir(dir + "/photos/2024", uid, gid, &error) &&
         make_dir(dir + "/private", uid, gid, &error) &&
         write_file(dir + "/README.txt", "The files of " + name + ".\n", 0644, uid, gid, &error) &&
         write_file(dir + "/docs/report.txt", "Quarterly report\n\nAll systems nominal.\n", 0644,
                    uid, gid, &error) &&
         write_file(dir + "/docs/notes.md", "# Notes\n\n- keep snapshots\n", 0664, uid, gid,
                    &error) &&
         write_file(dir + "/photos/2024/beach.jpg", photo, 0644, uid, gid, &error) &&
         // Readable by root alone, whatever reads it.
         write_file(dir + "/private/secret.key", "not for everyone\n", 0600, 0, 0, &error);
    if (ok && ::symlink("docs/report.txt", (dir + "/latest-report").c_str()) != 0) {
      ok = fail(&error, "symlink " + dir + "/latest-report");
    }
    if (ok && ::lchown((dir + "/latest-report").c_str(), uid, gid) != 0 && errno != EPERM) {
      ok = fail(&error, "chown " + dir + "/latest-report");
    }
    if (ok) settle_times(dir, kDemoTime);
  } else if (ok && files_ > 0) {
    for (int i = 0; ok && i < files_; ++i) {
      char folder[32];
      char file[32];
      std::snprintf(folder, sizeof folder, "/dir-%03d", i / kFilesPerFolder);
      std::snprintf(file, sizeof file, "/file-%05d.txt", i);
      if (i % kFilesPerFolder == 0) ok = make_dir(dir + folder, uid, gid, &error);
      if (ok) {
        ok = write_file(dir + folder + file, "file " + std::to_string(i) + "\n", 0644, uid, gid,
                        &error);
      }
    }
  }
  for (const std::string& a : job.automatic) {
    if (!ok) break;
    ok = exists(dir + "/" + a) || copy_tree(dir, dir + "/" + a, job.hidden, &error);
  }
  if (!ok) std::fprintf(stderr, "snapfs-emulator: content root: %s\n", error.c_str());
}

}  // namespace snapfs::emu
