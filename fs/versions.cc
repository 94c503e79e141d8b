#include "fs/versions.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>

#include "fs/content/mount_table.h"
#include "fs/mountinfo.h"
#include "providers/common/thread_annotations.h"

namespace snapfs {
namespace {

constexpr const char* kUsage = "usage: snapfs versions [--mount DIR]... [--timeout S] FILE\n";
// A snapfs mount answers every call by its deadline (`timeout`, 20 s by default), so one that
// made no progress for longer has a daemon that stopped answering.
constexpr int kDefaultPatience = 30;
// The one reason a snapshot of a volume with file access can have no directory while its
// siblings have one; any other reason holds for the whole volume.
constexpr std::string_view kNoSnapshotDir = "the API gives no directory for this snapshot's files";

bool read_text(const std::string& path, std::string* text) {
  std::ifstream in(path);
  if (!in) return false;
  std::ostringstream buf;
  buf << in.rdbuf();
  *text = buf.str();
  return true;
}

// The NFS mount table as snapfs itself reads it: $SNAPFS_MOUNTINFO, else /proc/self/mountinfo.
std::string nfs_table_path() {
  const char* env = std::getenv("SNAPFS_MOUNTINFO");
  return env != nullptr && *env != '\0' ? env : "/proc/self/mountinfo";
}

// Whether `path` is `dir` or below it, component-wise; *rest gets what follows, without a slash.
bool under(const std::string& path, const std::string& dir, std::string* rest) {
  if (dir == "/") {
    if (path.empty() || path[0] != '/') return false;
    *rest = path.substr(1);
    return true;
  }
  if (path.compare(0, dir.size(), dir) != 0) return false;
  if (path.size() == dir.size()) {
    rest->clear();
    return true;
  }
  if (path[dir.size()] != '/') return false;
  *rest = path.substr(dir.size() + 1);
  return true;
}

// The visible NFS mount holding `path` (the deepest mount point above it), or nullptr.
const content::NfsMount* nfs_mount_of(const std::vector<content::NfsMount>& mounts,
                                      const std::string& path, std::string* rel) {
  const content::NfsMount* best = nullptr;
  for (const content::NfsMount& m : mounts) {
    std::string rest;
    if (under(path, m.mount_point, &rest) &&
        (best == nullptr || m.mount_point.size() >= best->mount_point.size())) {
      best = &m;
      *rel = rest;
    }
  }
  return best;
}

// The absolute path of FILE with its directories resolved (FILE itself is not followed, and
// need not exist any more: a deleted file is what one most often wants back).
bool absolute_path(const std::string& file, std::string* out) {
  std::string dir = ".";
  std::string base = file;
  const std::size_t slash = file.find_last_of('/');
  if (slash != std::string::npos) {
    dir = slash == 0 ? "/" : file.substr(0, slash);
    base = file.substr(slash + 1);
  }
  if (base.empty() || base == "." || base == "..") {
    char resolved[PATH_MAX];
    if (::realpath(file.c_str(), resolved) == nullptr) return false;
    *out = resolved;
    return true;
  }
  char resolved[PATH_MAX];
  if (::realpath(dir.c_str(), resolved) == nullptr) return false;
  *out = std::string(resolved) == "/" ? "/" + base : std::string(resolved) + "/" + base;
  return true;
}

// Calls answered by the snapfs mount this thread searches (MountSearch), watched for progress.
thread_local std::atomic<std::uint64_t>* t_answered = nullptr;

void answered() {
  if (t_answered != nullptr) t_answered->fetch_add(1, std::memory_order_relaxed);
}

// The directory's entries but . and .., sorted; false with errno set when it cannot be read.
bool list_dir(const std::string& path, std::vector<std::string>* names) {
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return false;
  names->clear();
  errno = 0;
  while (dirent* e = ::readdir(dir)) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) {
      names->emplace_back(e->d_name);
    }
  }
  const int saved = errno;
  ::closedir(dir);
  answered();
  errno = saved;
  std::sort(names->begin(), names->end());
  return saved == 0;
}

bool is_real_dir(const std::string& path) {
  struct stat st;
  const bool dir = ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  answered();
  return dir;
}

bool get_xattr(const std::string& path, const char* name, std::string* value) {
  for (int attempt = 0; attempt < 3; ++attempt) {  // the value may grow between the two calls
    ssize_t size = ::lgetxattr(path.c_str(), name, nullptr, 0);
    if (size < 0) return false;
    value->assign(static_cast<std::size_t>(size), '\0');
    ssize_t got = ::lgetxattr(path.c_str(), name, value->data(), value->size());
    answered();
    if (got >= 0) {
      value->resize(static_cast<std::size_t>(got));
      return true;
    }
    if (errno != ERANGE) return false;
  }
  return false;
}

struct Version {
  std::string created;  // the snapshot's user.snapfs.created (RFC 3339 UTC: sorts as text)
  std::string snapshot;
  std::string path;
  struct stat st {};
};

std::string utc(const timespec& t) {
  std::tm tm{};
  ::gmtime_r(&t.tv_sec, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

bool same_version(const struct stat& a, const struct stat& b) {
  return a.st_size == b.st_size && a.st_mtim.tv_sec == b.st_mtim.tv_sec &&
         a.st_mtim.tv_nsec == b.st_mtim.tv_nsec;
}

// The command line: --mount DIR (or --mount=DIR) any number of times, --timeout S, then FILE
// (after "--" when it starts with a dash). False when it is anything else.
bool parse_args(const std::vector<std::string>& args, std::vector<std::string>* snapfs_mounts,
                int* patience, std::string* file) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--mount" && i + 1 < args.size()) {
      snapfs_mounts->push_back(args[++i]);
    } else if (args[i].rfind("--mount=", 0) == 0) {
      snapfs_mounts->push_back(args[i].substr(8));
    } else if (args[i] == "--timeout" && i + 1 < args.size()) {
      char* end = nullptr;
      const long seconds = std::strtol(args[++i].c_str(), &end, 10);
      if (end == args[i].c_str() || *end != '\0' || seconds < 1 || seconds > 86400) return false;
      *patience = static_cast<int>(seconds);
    } else if (args[i] == "--" && i + 2 == args.size()) {
      *file = args[++i];
    } else if (!args[i].empty() && args[i][0] != '-' && file->empty() && i + 1 == args.size()) {
      *file = args[i];
    } else {
      return false;
    }
  }
  return !file->empty();
}

// The file asked about, where it is, and the NFS mount it is on.
struct Target {
  std::string file;  // as given, for messages
  std::string path;  // absolute
  struct stat live {};
  bool live_exists = false;  // a deleted file still has versions
  std::vector<content::NfsMount> nfs;
  const content::NfsMount* mount = nullptr;  // in nfs
  std::string rel;                           // path below mount's mount point

  Target() = default;
  Target(const Target&) = delete;  // mount points into nfs
  Target& operator=(const Target&) = delete;
};

// Fills *target for `file`; 0, or the exit code after the message.
int find_target(const std::string& file, const std::string& table_path, Target* target,
                std::FILE* err) {
  target->file = file;
  if (!absolute_path(file, &target->path)) {
    std::fprintf(err, "snapfs versions: %s: %s\n", file.c_str(), std::strerror(errno));
    return 2;
  }
  target->live_exists = ::lstat(target->path.c_str(), &target->live) == 0;
  if (!target->live_exists && errno != ENOENT) {
    std::fprintf(err, "snapfs versions: %s: %s\n", file.c_str(), std::strerror(errno));
    return 2;
  }
  if (target->live_exists && S_ISDIR(target->live.st_mode)) {
    std::fprintf(err, "snapfs versions: %s: %s\n", file.c_str(), std::strerror(EISDIR));
    return 2;
  }
  std::string table;
  if (!read_text(table_path, &table)) {
    std::fprintf(err, "snapfs versions: cannot read %s: %s\n", table_path.c_str(),
                 std::strerror(errno));
    return 2;
  }
  target->nfs = content::parse_mountinfo(table);
  target->mount = nfs_mount_of(target->nfs, target->path, &target->rel);
  if (target->mount == nullptr || target->rel.empty()) {
    std::fprintf(err, "snapfs versions: %s is not on an NFS mount\n", file.c_str());
    return 2;
  }
  return 0;
}

// The snapfs mounts of this host. The FUSE mounts are real even when a test hands the NFS table
// over; look in both.
std::vector<std::string> find_snapfs_mounts(const std::string& table_path) {
  std::vector<std::string> found;
  std::set<std::string> seen;
  for (const std::string& source : {std::string("/proc/self/mountinfo"), table_path}) {
    std::string text;
    if (!read_text(source, &text)) continue;
    for (std::string& m : snapfs_mounts_in(text)) {
      if (seen.insert(m).second) found.push_back(std::move(m));
    }
  }
  return found;
}

// Calls visit(DIR) for each ROOT/<remote>/<service>/<volume>/.snapshots directory, in name
// order. Directories that cannot be listed are passed over; the root and the .snapshots
// directories, which should always be readable, are named in a message.
void for_each_snapshots_dir(const std::string& root, std::FILE* err,
                            const std::function<void(const std::string&)>& visit) {
  std::vector<std::string> remotes, services, volumes;
  if (!list_dir(root, &remotes)) {
    std::fprintf(err, "snapfs versions: %s: %s\n", root.c_str(), std::strerror(errno));
    return;
  }
  for (const std::string& remote : remotes) {
    const std::string rdir = root + "/" + remote;
    if (!is_real_dir(rdir) || !list_dir(rdir, &services)) continue;
    for (const std::string& service : services) {
      const std::string sdir = rdir + "/" + service;
      if (!is_real_dir(sdir) || !list_dir(sdir, &volumes)) continue;
      for (const std::string& volume : volumes) {
        const std::string snapdir = sdir + "/" + volume + "/.snapshots";
        if (is_real_dir(snapdir)) visit(snapdir);
      }
    }
  }
}

// Where a snapshot's files are, as far as this search cares.
enum class SnapshotFiles {
  kNone,       // not a snapshot directory, or this one has no directory of its files
  kElsewhere,  // not on the target's NFS mount: nor are its siblings'
  kHere,       // on the target's NFS mount
};

SnapshotFiles files_of(const std::string& snapshot_dir, const Target& target) {
  std::string where;
  // Links are the names NAVER's own snapshot names stand behind: seen under those.
  if (!is_real_dir(snapshot_dir) || !get_xattr(snapshot_dir, "user.snapfs.content", &where)) {
    return SnapshotFiles::kNone;
  }
  if (where.empty() || where[0] != '/') {
    // Content off, no local mount, block volume: the same for every snapshot of the volume.
    return where == kNoSnapshotDir ? SnapshotFiles::kNone : SnapshotFiles::kElsewhere;
  }
  std::string unused;
  const content::NfsMount* holder = nfs_mount_of(target.nfs, where, &unused);
  if (holder == nullptr || holder->mount_point != target.mount->mount_point) {
    return SnapshotFiles::kElsewhere;
  }
  return SnapshotFiles::kHere;
}

// The target's version in a snapshot whose files are on its NFS mount; false when the snapshot
// holds no other version of it.
bool version_in(const std::string& snapshot_dir, const std::string& snapshot, const Target& target,
                std::FILE* err, Version* v) {
  v->snapshot = snapshot;
  v->path = snapshot_dir + "/" + target.rel;
  const int rc = ::lstat(v->path.c_str(), &v->st);
  answered();
  if (rc != 0) {
    if (errno != ENOENT && errno != ENOTDIR) {
      std::fprintf(err, "snapfs versions: %s: %s\n", v->path.c_str(), std::strerror(errno));
    }
    return false;
  }
  if (S_ISDIR(v->st.st_mode)) return false;
  if (target.live_exists && same_version(v->st, target.live)) return false;
  get_xattr(snapshot_dir, "user.snapfs.created", &v->created);
  return true;
}

// The versions in one volume's .snapshots directory; *volume_found when its files are on the
// target's NFS mount.
void scan_snapshots(const std::string& snapdir, const Target& target, std::FILE* err,
                    bool* volume_found, std::vector<Version>* versions) {
  std::vector<std::string> snapshots;
  if (!list_dir(snapdir, &snapshots)) {
    std::fprintf(err, "snapfs versions: %s: %s\n", snapdir.c_str(), std::strerror(errno));
    return;
  }
  for (const std::string& snapshot : snapshots) {
    const std::string snapshot_dir = snapdir + "/" + snapshot;
    const SnapshotFiles files = files_of(snapshot_dir, target);
    if (files == SnapshotFiles::kNone) continue;
    if (files == SnapshotFiles::kElsewhere) return;
    *volume_found = true;
    Version v;
    if (version_in(snapshot_dir, snapshot, target, err, &v)) versions->push_back(std::move(v));
  }
}

// One snapfs mount's part of the search, on a thread of its own: a call on a mount whose daemon
// stopped answering never returns, and the search passes over such a mount instead of hanging.
struct MountSearch {
  std::string root;
  std::shared_ptr<const Target> target;
  std::atomic<std::uint64_t> calls{0};  // answered so far
  Mutex mu;
  std::condition_variable finished;
  bool done GUARDED_BY(mu) = false;  // once set, the fields below are the main thread's
  bool volume_found = false;
  std::vector<Version> versions;
  char* messages = nullptr;  // what it would have written to stderr (open_memstream)
  std::size_t messages_size = 0;
};

void search_mount(const std::shared_ptr<MountSearch>& search) {
  t_answered = &search->calls;
  std::FILE* err = open_memstream(&search->messages, &search->messages_size);
  if (err == nullptr) err = stderr;
  for_each_snapshots_dir(search->root, err, [&](const std::string& snapdir) {
    scan_snapshots(snapdir, *search->target, err, &search->volume_found, &search->versions);
  });
  if (err != stderr) std::fclose(err);
  MutexLock lock(search->mu);
  search->done = true;
  search->finished.notify_all();
}

// Waits for `search` as long as it makes progress (a call answered within `patience`); false
// when it stopped.
bool wait_for(MountSearch* search, std::chrono::seconds patience) {
  using Clock = std::chrono::steady_clock;
  UniqueLock lock(search->mu);
  std::uint64_t seen = search->calls.load();
  Clock::time_point quiet_since = Clock::now();
  while (!search->done) {
    search->finished.wait_for(lock.native(), std::chrono::milliseconds(100));
    const std::uint64_t calls = search->calls.load();
    if (calls != seen) {
      seen = calls;
      quiet_since = Clock::now();
    } else if (!search->done && Clock::now() - quiet_since >= patience) {
      return false;
    }
  }
  return true;
}

// The snapfs mounts of `roots` that answer: each is asked for user.snapfs.stats (which the
// kernel never answers from a cache) by a child process, all at once, and a mount whose child
// has not finished within `patience` is passed over (the child is left to end when it may). A
// child, not a thread: over FUSE over io_uring, a request already handed to a stopped daemon
// holds its caller until the daemon answers, and a process cannot exit while one of its
// threads is held.
std::vector<std::string> answering_mounts(const std::vector<std::string>& roots,
                                          std::chrono::seconds patience, std::FILE* err) {
  std::vector<pid_t> children;
  for (const std::string& root : roots) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      // Nothing of the parent's output stays open here: a caller reading it to its end would
      // wait for this child too.
      const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
      for (int fd = 0; fd < 3; ++fd) ::dup2(null, fd);
      ::_exit(::lgetxattr(root.c_str(), "user.snapfs.stats", nullptr, 0) >= 0 ? 0 : 1);
    }
    children.push_back(pid);  // -1: no child; the mount is searched all the same
  }
  const auto deadline = std::chrono::steady_clock::now() + patience;
  std::vector<std::string> answering;
  for (std::size_t i = 0; i < roots.size(); ++i) {
    bool ended = children[i] < 0;
    while (!ended) {
      ended = ::waitpid(children[i], nullptr, WNOHANG) != 0;
      if (ended || std::chrono::steady_clock::now() >= deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (ended) {
      answering.push_back(roots[i]);
    } else {
      std::fprintf(err, "snapfs versions: %s: no answer for %lld s; passed over\n",
                   roots[i].c_str(), static_cast<long long>(patience.count()));
    }
  }
  return answering;
}

// Newest snapshot first (snapshots made within one second of each other: the newer file
// first); a version that several snapshots hold is shown once, with the newest of them.
// The exit code: 0 when a version was printed, 1 when none.
int print_versions(std::vector<Version> versions, const std::string& file, std::FILE* out,
                   std::FILE* err) {
  std::sort(versions.begin(), versions.end(), [](const Version& a, const Version& b) {
    return std::tie(a.created, a.st.st_mtim.tv_sec, a.st.st_mtim.tv_nsec, a.snapshot) >
           std::tie(b.created, b.st.st_mtim.tv_sec, b.st.st_mtim.tv_nsec, b.snapshot);
  });
  std::vector<const Version*> shown;
  for (const Version& v : versions) {
    bool dup = false;
    for (const Version* s : shown) dup = dup || same_version(s->st, v.st);
    if (!dup) shown.push_back(&v);
  }
  for (const Version* v : shown) {
    std::fprintf(out, "%s %lld %s\n", utc(v->st.st_mtim).c_str(),
                 static_cast<long long>(v->st.st_size), v->path.c_str());
  }
  if (shown.empty()) {
    std::fprintf(err, "snapfs versions: no snapshot holds another version of %s\n", file.c_str());
    return 1;
  }
  return 0;
}

}  // namespace

std::vector<std::string> snapfs_mounts_in(std::string_view mountinfo) {
  std::vector<std::string> out;
  for (MountInfoEntry& e : parse_mountinfo_entries(mountinfo)) {
    if (e.type == "fuse.snapfs") out.push_back(std::move(e.mount_point));
  }
  return out;
}

int run_versions(const std::vector<std::string>& args, std::FILE* out, std::FILE* err) {
  std::vector<std::string> snapfs_mounts;
  std::string file;
  int patience = kDefaultPatience;
  if (!parse_args(args, &snapfs_mounts, &patience, &file)) {
    std::fputs(kUsage, err);
    return 2;
  }
  const std::string table_path = nfs_table_path();
  auto target = std::make_shared<Target>();
  if (int rc = find_target(file, table_path, target.get(), err); rc != 0) return rc;
  if (snapfs_mounts.empty()) snapfs_mounts = find_snapfs_mounts(table_path);
  if (snapfs_mounts.empty()) {
    std::fprintf(err,
                 "snapfs versions: no snapfs mount on this host (give one with --mount DIR)\n");
    return 2;
  }

  // Every snapshot, on every snapfs mount that answers, whose files are on the NFS mount holding
  // FILE; the mounts are searched at once. A search that stops making progress (a daemon that
  // stopped meanwhile) is left behind, as is what it found.
  std::vector<std::shared_ptr<MountSearch>> searches;
  for (const std::string& root :
       answering_mounts(snapfs_mounts, std::chrono::seconds(patience), err)) {
    auto search = std::make_shared<MountSearch>();
    search->root = root;
    search->target = target;
    std::thread([search] { search_mount(search); }).detach();
    searches.push_back(std::move(search));
  }
  bool volume_found = false;
  std::vector<Version> versions;
  for (const auto& search : searches) {
    if (!wait_for(search.get(), std::chrono::seconds(patience))) {
      std::fprintf(err, "snapfs versions: %s: no answer for %d s; passed over\n",
                   search->root.c_str(), patience);
      continue;
    }
    if (search->messages_size > 0) std::fwrite(search->messages, 1, search->messages_size, err);
    std::free(search->messages);
    search->messages = nullptr;
    volume_found = volume_found || search->volume_found;
    std::move(search->versions.begin(), search->versions.end(), std::back_inserter(versions));
  }
  if (!volume_found) {
    std::fprintf(err,
                 "snapfs versions: no snapshot on a snapfs mount has its files on %s (mounted "
                 "on %s)\n",
                 target->mount->source.c_str(), target->mount->mount_point.c_str());
    return 2;
  }
  return print_versions(std::move(versions), file, out, err);
}

}  // namespace snapfs
