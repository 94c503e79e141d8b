#include "fs/content/content_tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <malloc.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "fs/content/backing_files.h"
#include "fs/content/calls_under_way.h"
#include "fs/namespace.h"

namespace snapfs::content {

struct ContentTree::Root {
  std::uint64_t ino = 0;
  std::string dir;
  std::atomic<bool> dead{false};
  std::shared_ptr<CallsUnderWay> calls;
};

struct ContentTree::Node {
  std::uint64_t root = 0;
  std::uint64_t parent = 0;  // a content inode, or `root` for the root's own entries
  std::string name;
  mode_t type = 0;
  std::uint64_t nlookup = 0;
  std::uint32_t children = 0;  // nodes whose parent this is: they need its path
  BackingKey backing;
  // A directory's attributes as last read. The kernel asks for them again after every listing
  // it reads (it drops a directory's atime then), although the snapshot does not change; files
  // keep theirs in the kernel for kTimeout and do not carry this.
  std::unique_ptr<struct stat> dir_attr;
};

// A directory's entries as one caller read them, sorted by name. After a plain READDIR (the
// kernel asks for READDIRPLUS only for a directory's first page) a crawl looks up every name it
// was given: those lookups are answered from here, without a backing call each.
struct ContentTree::Listing {
  std::uint64_t dir = 0;
  std::shared_ptr<Root> root;
  bool caller_known = false;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<DirEntryReply> entries;
};

struct ContentTree::TrimState {
  std::atomic<std::int64_t> last_forget_ms{0};
  std::atomic<bool> pending{false};
};

struct ContentTree::OpenFile {
  std::shared_ptr<Root> root;
  int fd = -1;
  ~OpenFile() {
    if (fd >= 0) close(fd);
  }
};

namespace {

// Whom the current request is for, as far as a listing's reuse goes.
struct CallerIds {
  bool known;
  uid_t uid;
  gid_t gid;
};
CallerIds current_ids() {
  const CurrentCaller& c = current_caller();
  return c.set ? CallerIds{true, c.uid, c.gid} : CallerIds{false, 0, 0};
}

std::string join(const std::string& dir, const std::string& name) {
  return dir == "." ? name : dir + "/" + name;
}

int xattr_read(const std::string& proc_path, const std::string& name, std::string* value) {
  for (int attempt = 0; attempt < 4; ++attempt) {
    ssize_t n = getxattr(proc_path.c_str(), name.c_str(), nullptr, 0);
    if (n < 0) return errno;
    value->resize(static_cast<std::size_t>(n));
    n = getxattr(proc_path.c_str(), name.c_str(), value->data(), value->size());
    if (n >= 0) {
      value->resize(static_cast<std::size_t>(n));
      return 0;
    }
    if (errno != ERANGE) return errno;
  }
  return ERANGE;
}

}  // namespace

ContentTree::ContentTree(KernelNotifier* notifier, std::size_t max_threads)
    : notifier_(notifier),
      pool_(max_threads),
      ahead_(kListingThreads),
      trim_(std::make_shared<TrimState>()) {}

ContentTree::~ContentTree() = default;

void ContentTree::attach(std::uint64_t root_ino, const std::string& dir) {
  {
    MutexLock lock(mu_);
    auto it = roots_.find(root_ino);
    if (it != roots_.end() && it->second->dir == dir) return;
  }
  detach(root_ino);
  auto root = std::make_shared<Root>();
  root->ino = root_ino;
  root->dir = dir;
  root->calls = std::make_shared<CallsUnderWay>(dir);
  MutexLock lock(mu_);
  roots_[root_ino] = std::move(root);
}

bool ContentTree::attached(std::uint64_t root_ino) const {
  MutexLock lock(mu_);
  return roots_.count(root_ino) > 0;
}

void ContentTree::detach(std::uint64_t root_ino, bool tell_kernel) {
  std::vector<std::uint64_t> forgotten;
  std::vector<std::shared_ptr<OpenFile>> closing;
  {
    MutexLock lock(mu_);
    auto it = roots_.find(root_ino);
    if (it == roots_.end()) return;
    it->second->dead = true;
    roots_.erase(it);
    ahead_.drop_root(root_ino);
    for (auto l = listings_.begin(); l != listings_.end();) {
      auto next = std::next(l);
      if (l->root->ino == root_ino) forget_listing(l);
      l = next;
    }
    for (auto n = nodes_.begin(); n != nodes_.end();) {
      if (n->second.root == root_ino) {
        forgotten.push_back(n->first);
        n = nodes_.erase(n);
      } else {
        ++n;
      }
    }
    for (auto e = elsewhere_.begin(); e != elsewhere_.end();) {
      e = std::get<0>(e->first) == root_ino ? elsewhere_.erase(e) : std::next(e);
    }
    for (auto f = open_.begin(); f != open_.end();) {
      if (f->second->root->ino == root_ino) {
        closing.push_back(std::move(f->second));
        f = open_.erase(f);
      } else {
        ++f;
      }
    }
  }
  // The kernel drops the attributes and cached pages it holds: reads of files still open end
  // here and fail (ESTALE), not in a page cache that outlives the snapshot.
  if (notifier_ != nullptr && tell_kernel) {
    for (std::uint64_t ino : forgotten) notifier_->inval_inode(ino);
    notifier_->inval_inode(root_ino);
  }
  // Closing a file of a dead NFS server may block: not in the caller's thread.
  for (auto& file : closing) {
    pool_.post([f = std::move(file)]() mutable { f.reset(); });
  }
}

std::string ContentTree::path_of(const Node& node) const {
  std::vector<const std::string*> names;
  const Node* cur = &node;
  for (;;) {
    names.push_back(&cur->name);
    if (cur->parent == cur->root) break;
    auto it = nodes_.find(cur->parent);
    if (it == nodes_.end()) return "";
    cur = &it->second;
  }
  std::string path;
  for (auto it = names.rbegin(); it != names.rend(); ++it) {
    if (!path.empty()) path.push_back('/');
    path += **it;
  }
  return path;
}

int ContentTree::target_of(std::uint64_t ino, Target* out) const {
  if (!is_content(ino)) {
    auto root = roots_.find(ino);
    if (root == roots_.end()) return ENOENT;
    out->root = root->second;
    out->path = ".";
    out->type = S_IFDIR;
    return 0;
  }
  auto it = nodes_.find(ino);
  if (it == nodes_.end()) return ESTALE;  // its snapshot went away
  auto root = roots_.find(it->second.root);
  if (root == roots_.end()) return ESTALE;
  out->root = root->second;
  out->path = path_of(it->second);
  if (out->path.empty()) return ESTALE;
  out->type = it->second.type;
  return 0;
}

namespace {
constexpr std::uint64_t kNumberBits = ContentTree::kFirstIno - 1;

std::uint64_t mix(std::uint64_t x) {  // splitmix64's finaliser
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Differs from root to root and device to device: their files, numbered from 1 up each, do not
// share numbers here.
std::uint64_t salt(std::uint64_t root, dev_t dev) {
  return mix(root ^ mix(static_cast<std::uint64_t>(dev))) & kNumberBits;
}
}  // namespace

// The backing inode number with its low 56 bits scrambled by a salt: files of one root and
// device never share a number, and those of two roots or devices only when their inode numbers
// differ by exactly the two salts' difference. A plain READDIR gives the kernel this number
// without a node, and the lookup that follows (or comes a day later) gives the same.
std::uint64_t ContentTree::number_of(const BackingKey& key) {
  const auto ino = static_cast<std::uint64_t>(std::get<2>(key));
  return kFirstIno | ((ino ^ salt(std::get<0>(key), std::get<1>(key))) & kNumberBits);
}

bool ContentTree::foldable(const BackingKey& key) {
  return static_cast<std::uint64_t>(std::get<2>(key)) <= kNumberBits;
}

std::uint64_t ContentTree::node_of(const BackingKey& key) const {
  if (!elsewhere_.empty()) {
    if (auto found = elsewhere_.find(key); found != elsewhere_.end()) return found->second;
  }
  const std::uint64_t ino = number_of(key);
  auto it = nodes_.find(ino);
  return it != nodes_.end() && it->second.backing == key ? ino : 0;
}

void ContentTree::make_node(std::uint64_t ino, std::uint64_t parent, const BackingKey& key,
                            const std::string& name, const struct stat& st) {
  Node node;
  node.root = std::get<0>(key);
  node.parent = parent;
  node.name = name;
  node.type = st.st_mode & S_IFMT;
  node.backing = key;
  if (S_ISDIR(st.st_mode)) {
    node.dir_attr = std::make_unique<struct stat>(st);
    node.dir_attr->st_ino = ino;
  }
  nodes_.emplace(ino, std::move(node));
  if (is_content(parent)) {
    if (auto p = nodes_.find(parent); p != nodes_.end()) ++p->second.children;
  }
}

std::uint64_t ContentTree::node_for(std::uint64_t parent, const std::shared_ptr<Root>& root,
                                    const std::string& name, struct stat* st) {
  const BackingKey key = std::make_tuple(root->ino, st->st_dev, st->st_ino);
  std::uint64_t ino = node_of(key);
  if (ino == 0) {
    ino = number_of(key);
    if (!foldable(key) || nodes_.count(ino) > 0) {
      // Taken by another file, or not foldable: the next free number, remembered by file.
      do {
        ino = kFirstIno | ((ino + 1) & kNumberBits);
      } while (nodes_.count(ino) > 0);
      elsewhere_.emplace(key, ino);
    }
    make_node(ino, parent, key, name, *st);
  }
  st->st_ino = ino;
  return ino;
}

bool ContentTree::listed(std::uint64_t parent, const std::string& name, struct stat* st) {
  auto found = listing_of_.find(parent);
  if (found == listing_of_.end()) return false;
  const auto l = found->second;
  const CallerIds ids = current_ids();
  if (l->caller_known != ids.known || l->uid != ids.uid || l->gid != ids.gid || l->root->dead) {
    return false;
  }
  auto it =
      std::lower_bound(l->entries.begin(), l->entries.end(), name,
                       [](const DirEntryReply& e, const std::string& n) { return e.name < n; });
  if (it == l->entries.end() || it->name != name) return false;
  *st = it->attr;
  // The most recently used listing stays longest: find lists the subdirectories it was given
  // with READDIRPLUS before it looks up the first name of a later page.
  listings_.splice(listings_.begin(), listings_, l);
  return true;
}

void ContentTree::forget_listing(std::list<Listing>::iterator l) {
  listed_entries_ -= l->entries.size();
  listing_of_.erase(l->dir);
  listings_.erase(l);
}

void ContentTree::remember_listing(std::uint64_t dir, const std::shared_ptr<Root>& root,
                                   const std::vector<DirEntryReply>& entries) {
  if (auto old = listing_of_.find(dir); old != listing_of_.end()) forget_listing(old->second);
  if (entries.empty() || entries.size() > kListedEntries) return;
  const CallerIds ids = current_ids();
  Listing l;
  l.dir = dir;
  l.root = root;
  l.caller_known = ids.known;
  l.uid = ids.uid;
  l.gid = ids.gid;
  l.entries = entries;
  std::sort(l.entries.begin(), l.entries.end(),
            [](const DirEntryReply& a, const DirEntryReply& b) { return a.name < b.name; });
  listed_entries_ += l.entries.size();
  listings_.push_front(std::move(l));
  listing_of_[dir] = listings_.begin();
  while (listed_entries_ > kListedEntries) forget_listing(std::prev(listings_.end()));
}

int ContentTree::call_backing(const Root& root, const Caller& caller, const OpContext& ctx,
                              std::function<int()> work, std::function<void()> abandoned) {
  if (root.calls->stuck_for(ctx)) return ETIMEDOUT;
  return pool_.run(
      caller, ctx,
      [calls = root.calls, work = std::move(work)] {
        CallsUnderWay::Call call(calls);
        return work();
      },
      std::move(abandoned));
}

int ContentTree::run_backing(const Root& root, const OpContext& ctx, std::function<int()> work,
                             std::function<void()> abandoned) {
  ++backing_calls_;
  return call_backing(root, caller_of_current_request(), ctx, std::move(work),
                      std::move(abandoned));
}

void ContentTree::drop_node(std::uint64_t ino) {
  while (is_content(ino)) {
    auto it = nodes_.find(ino);
    if (it == nodes_.end() || it->second.nlookup > 0 || it->second.children > 0) return;
    const std::uint64_t parent = it->second.parent;
    if (!elsewhere_.empty()) elsewhere_.erase(it->second.backing);
    nodes_.erase(it);
    auto p = nodes_.find(parent);
    if (p == nodes_.end()) return;
    --p->second.children;
    ino = parent;  // a parent kept only for this child's path may go too
  }
}

bool ContentTree::add_lookup(std::uint64_t ino, std::uint64_t n) {
  MutexLock lock(mu_);
  auto it = nodes_.find(ino);
  if (it == nodes_.end()) return false;
  it->second.nlookup += n;
  return true;
}

bool ContentTree::add_listed(std::uint64_t dir, const std::string& name, const struct stat& attr) {
  MutexLock lock(mu_);
  if (auto it = nodes_.find(attr.st_ino); it != nodes_.end()) {
    it->second.nlookup++;
    return true;
  }
  // Listed without a node: its number gives its backing inode number back.
  std::uint64_t root = dir;
  if (is_content(dir)) {
    auto d = nodes_.find(dir);
    if (d == nodes_.end()) return false;
    root = d->second.root;
  }
  if (roots_.count(root) == 0) return false;
  const auto folded = static_cast<ino_t>((attr.st_ino ^ salt(root, attr.st_dev)) & kNumberBits);
  const BackingKey key = std::make_tuple(root, attr.st_dev, folded);
  if (!is_content(attr.st_ino) || number_of(key) != attr.st_ino || node_of(key) != 0) return false;
  make_node(attr.st_ino, dir, key, name, attr);
  nodes_[attr.st_ino].nlookup++;
  return true;
}

void ContentTree::forget(std::uint64_t ino, std::uint64_t n) {
  bool shrunk = false;
  {
    MutexLock lock(mu_);
    auto it = nodes_.find(ino);
    if (it == nodes_.end()) return;
    it->second.nlookup = it->second.nlookup > n ? it->second.nlookup - n : 0;
    drop_node(ino);
    shrunk = shrink_if_emptied();
  }
  // A trim waits for the end of the kernel's forgets: each one that freed memory pushes it on.
  if (shrunk || trim_->pending.load()) give_back_memory();
}

// A crawl of a big snapshot leaves, once the kernel forgets it, a table sized for its peak: the
// tables are rehashed down when they hold a quarter of that peak or less.
bool ContentTree::shrink_if_emptied() {
  peak_nodes_ = std::max(peak_nodes_, nodes_.size());
  if (peak_nodes_ < kShrinkFrom || nodes_.size() * 4 > peak_nodes_) return false;
  nodes_.rehash(0);
  listings_.clear();
  listing_of_ = {};
  listed_entries_ = 0;
  ahead_.clear();
  peak_nodes_ = nodes_.size();
  return true;
}

namespace {
std::atomic<std::uint64_t> g_trims{0};
}  // namespace

std::uint64_t ContentTree::memory_trims() {
  return g_trims.load();
}

// Each setting also stops glibc's dynamic thresholds: after a crawl of 1,000,000 entries freed
// its 16 MiB hash table, the trim threshold became 32 MiB, and with requests served by ring
// threads the arena they share kept 2 MiB of a 10 MiB top resident once everything was
// forgotten (malloc_trim gives back the main arena's top, and free pages inside the others).
// With a fixed threshold a free that grows an arena's top past it shrinks that arena's heap.
void ContentTree::fix_allocator_thresholds() {
  mallopt(M_MMAP_THRESHOLD, kMmapThreshold);
  mallopt(M_TRIM_THRESHOLD, kTrimThreshold);
}

// glibc keeps freed memory in its arenas; after a big forget it is handed back to the system.
// The kernel forgets a crawl in batches over a while, and a trim walks every arena: one trim,
// once a table shrank and then nothing was forgotten for kTrimQuietMs, on a pool thread (the
// state outlives the tree). The kernel sends a crawl's forgets back to back: a pause that short
// is their end, and the memory is back well before anyone looks at the resident set.
void ContentTree::give_back_memory() {
  using Clock = std::chrono::steady_clock;
  auto now_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
        .count();
  };
  trim_->last_forget_ms = now_ms();
  if (trim_->pending.exchange(true)) return;  // the waiting trim sees the new time
  pool_.post([state = trim_, now_ms] {
    for (;;) {
      const std::int64_t wait = state->last_forget_ms.load() + kTrimQuietMs - now_ms();
      if (wait <= 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(wait));
    }
    state->pending = false;
    malloc_trim(0);
    ++g_trims;
  });
}

std::size_t ContentTree::node_count() const {
  MutexLock lock(mu_);
  return nodes_.size();
}

std::size_t ContentTree::open_files() const {
  MutexLock lock(mu_);
  return open_.size();
}

int ContentTree::lookup(std::uint64_t parent, const std::string& name, const OpContext& ctx,
                        EntryReply* out) {
  Target dir;
  {
    MutexLock lock(mu_);
    if (int rc = target_of(parent, &dir); rc != 0) return rc;
    if (dir.type == S_IFDIR && listed(parent, name, &out->attr)) {
      out->timeout = kTimeout;
      out->ino = node_for(parent, dir.root, name, &out->attr);
      nodes_[out->ino].nlookup++;
      return 0;
    }
  }
  if (dir.type != S_IFDIR) return ENOTDIR;
  auto st = std::make_shared<struct stat>();
  const std::string path = join(dir.path, name);
  auto root_missing = std::make_shared<bool>(false);
  int rc = run_backing(*dir.root, ctx, [root = dir.root, path, st, root_missing] {
    if (access(root->dir.c_str(), F_OK) != 0 && errno == ENOENT) {
      *root_missing = true;
      return ENOENT;
    }
    Fd fd(open_in_root(root->dir, path, O_PATH));
    if (fd.get() < 0 || fstat(fd.get(), st.get()) != 0) return errno;
    return 0;
  });
  out->timeout = kTimeout;
  // A snapshot directory not (or no longer) there says nothing about the names in it: no
  // negative entry the kernel would keep once it is back.
  if (rc == ENOENT && *root_missing) out->timeout = 0;
  if (rc == ENOENT) {
    out->ino = 0;  // a negative entry: the snapshot will not grow that name
    return ENOENT;
  }
  if (rc != 0) return rc;
  MutexLock lock(mu_);
  if (dir.root->dead) return ENOENT;
  out->attr = *st;
  out->ino = node_for(parent, dir.root, name, &out->attr);
  nodes_[out->ino].nlookup++;
  return 0;
}

int ContentTree::readdir(std::uint64_t ino, const OpContext& ctx, std::vector<DirEntryReply>* out) {
  Target dir;
  {
    MutexLock lock(mu_);
    if (int rc = target_of(ino, &dir); rc != 0) return rc;
  }
  if (dir.type != S_IFDIR) return ENOTDIR;
  if (dir.root->calls->stuck_for(ctx)) return ETIMEDOUT;
  const Caller caller = caller_of_current_request();
  auto entries = std::make_shared<std::vector<DirEntryReply>>();
  int rc = ahead_.take(dir.root->ino, dir.path, caller, ctx, entries.get());
  if (rc == ListingAhead::kNotAhead) {
    ++backing_calls_;
    rc = call_backing(*dir.root, caller, ctx, [root = dir.root, path = dir.path, entries] {
      return list_backing_dir(root->dir, path, entries.get());
    });
  }
  if (rc != 0) return rc;
  std::vector<std::string> subdirs;
  for (const DirEntryReply& entry : *entries) {
    if (S_ISDIR(entry.attr.st_mode)) subdirs.push_back(join(dir.path, entry.name));
  }
  ahead_.wish(dir.root->ino, dir.root->dir, dir.root->calls, caller, subdirs);
  MutexLock lock(mu_);
  if (dir.root->dead) return ENOENT;
  remember_listing(ino, dir.root, *entries);  // with the backing inode numbers node_for needs
  // No node for a name the kernel is only shown (plain READDIR: `ls` of a big directory would
  // leave one per entry until the snapshot is forgotten); READDIRPLUS makes one (add_listed).
  for (DirEntryReply& entry : *entries) {
    const BackingKey key = std::make_tuple(dir.root->ino, entry.attr.st_dev, entry.attr.st_ino);
    if (std::uint64_t known = node_of(key); known != 0) {
      entry.attr.st_ino = known;
    } else if (const std::uint64_t n = number_of(key); foldable(key) && nodes_.count(n) == 0) {
      entry.attr.st_ino = n;
    } else {
      node_for(ino, dir.root, entry.name, &entry.attr);  // a number of its own: kept
    }
  }
  *out = std::move(*entries);
  return 0;
}

int ContentTree::getattr(std::uint64_t ino, const OpContext& ctx, struct stat* out) {
  Target node;
  {
    MutexLock lock(mu_);
    if (int rc = target_of(ino, &node); rc != 0) return rc;
    auto it = nodes_.find(ino);
    if (it != nodes_.end() && it->second.dir_attr) {
      *out = *it->second.dir_attr;
      out->st_ino = ino;
      return 0;
    }
  }
  auto st = std::make_shared<struct stat>();
  int rc = run_backing(*node.root, ctx, [root = node.root, path = node.path, st] {
    Fd fd(open_in_root(root->dir, path, O_PATH));
    if (fd.get() < 0 || fstat(fd.get(), st.get()) != 0) return errno;
    return 0;
  });
  if (rc == ENOENT) rc = ESTALE;  // known, and gone from under us: the snapshot was removed
  if (rc != 0) return rc;
  *out = *st;
  out->st_ino = ino;
  return 0;
}

int ContentTree::readlink(std::uint64_t ino, const OpContext& ctx, std::string* target) {
  Target node;
  {
    MutexLock lock(mu_);
    if (int rc = target_of(ino, &node); rc != 0) return rc;
  }
  if (node.type != S_IFLNK) return EINVAL;
  auto text = std::make_shared<std::string>();
  int rc = run_backing(*node.root, ctx, [root = node.root, path = node.path, text] {
    Fd fd(open_in_root(root->dir, path, O_PATH));
    if (fd.get() < 0) return errno;
    text->resize(4096);
    ssize_t n = readlinkat(fd.get(), "", text->data(), text->size());
    if (n < 0) return errno;
    text->resize(static_cast<std::size_t>(n));
    return 0;
  });
  if (rc != 0) return rc;
  *target = std::move(*text);
  return 0;
}

int ContentTree::open(std::uint64_t ino, int flags, const OpContext& ctx, std::uint64_t* fh) {
  if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC) != 0) return EROFS;
  Target node;
  {
    MutexLock lock(mu_);
    if (int rc = target_of(ino, &node); rc != 0) return rc;
  }
  if (node.type != S_IFREG) return node.type == S_IFDIR ? EISDIR : EACCES;
  auto fd = std::make_shared<int>(-1);
  int rc = call_backing(
      *node.root, caller_of_current_request(), ctx,
      [root = node.root, path = node.path, fd] {
        *fd = open_in_root(root->dir, path, O_RDONLY | O_NOCTTY);
        return *fd < 0 ? errno : 0;
      },
      [fd] { close(*fd); });  // opened after its caller gave up
  if (rc != 0) return rc;
  auto file = std::make_shared<OpenFile>();
  file->root = node.root;
  file->fd = *fd;
  MutexLock lock(mu_);
  if (node.root->dead) return ESTALE;
  *fh = next_fh_++;
  open_[*fh] = std::move(file);
  return 0;
}

int ContentTree::read(std::uint64_t fh, std::size_t size, off_t offset, const OpContext& ctx,
                      bool into_pipe, ReadData* data) {
  reads_++;
  std::shared_ptr<OpenFile> file;
  {
    MutexLock lock(mu_);
    auto it = open_.find(fh);
    if (it == open_.end()) return ESTALE;  // its snapshot went away (detach)
    file = it->second;
  }
  if (file->root->dead) return ESTALE;
  // Shared with the pool thread, which may finish after its caller gave up.
  auto result = std::make_shared<ReadData>();
  if (!into_pipe) result->buffer = thread_read_buffer(size);
  // As snapfs itself, not as the caller: the descriptor was opened as the caller, which is where
  // the backing mount grants or refuses reading (an NFS client sends its reads with the opener's
  // credentials, whoever reads). So a read costs no change of identity and no look at the
  // caller's groups, and still happens on a pool thread: a dead server blocks it there.
  ++backing_calls_;
  int rc = call_backing(*file->root, Caller{}, ctx, [file, result, offset, size, into_pipe] {
    return read_backing(file->fd, offset, size, into_pipe, result.get());
  });
  if (rc != 0) return rc;
  if (result->pipe.valid()) spliced_reads_++;
  *data = std::move(*result);
  return 0;
}

void ContentTree::release(std::uint64_t fh) {
  std::shared_ptr<OpenFile> file;
  {
    MutexLock lock(mu_);
    auto it = open_.find(fh);
    if (it == open_.end()) return;
    file = std::move(it->second);
    open_.erase(it);
  }
  pool_.post([f = std::move(file)]() mutable { f.reset(); });
}

int ContentTree::backing_fd(std::uint64_t fh) const {
  MutexLock lock(mu_);
  auto it = open_.find(fh);
  return it == open_.end() ? -1 : fcntl(it->second->fd, F_DUPFD_CLOEXEC, 0);
}

int ContentTree::statfs(std::uint64_t ino, const OpContext& ctx, struct statvfs* out) {
  Target node;
  {
    MutexLock lock(mu_);
    if (int rc = target_of(ino, &node); rc != 0) return rc;
  }
  auto st = std::make_shared<struct statvfs>();
  int rc = run_backing(*node.root, ctx, [root = node.root, st] {
    Fd fd(open_in_root(root->dir, ".", O_PATH));
    if (fd.get() < 0 || fstatvfs(fd.get(), st.get()) != 0) return errno;
    return 0;
  });
  if (rc != 0) return rc;
  *out = *st;
  out->f_flag |= ST_RDONLY;
  return 0;
}

int ContentTree::getxattr(std::uint64_t ino, const std::string& name, const OpContext& ctx,
                          std::string* value) {
  Target node;
  {
    MutexLock lock(mu_);
    if (int rc = target_of(ino, &node); rc != 0) return rc;
  }
  if (node.type == S_IFLNK) return ENODATA;
  auto text = std::make_shared<std::string>();
  int rc = run_backing(*node.root, ctx, [root = node.root, path = node.path, name, text] {
    Fd fd(open_in_root(root->dir, path, O_PATH));
    if (fd.get() < 0) return errno;
    // An O_PATH descriptor has no xattr calls of its own; its /proc name
    // reaches the very file it holds.
    return xattr_read("/proc/self/fd/" + std::to_string(fd.get()), name, text.get());
  });
  if (rc != 0) return rc;
  *value = std::move(*text);
  return 0;
}

int ContentTree::listxattr(std::uint64_t ino, const OpContext& ctx,
                           std::vector<std::string>* names) {
  Target node;
  {
    MutexLock lock(mu_);
    if (int rc = target_of(ino, &node); rc != 0) return rc;
  }
  names->clear();
  if (node.type == S_IFLNK) return 0;
  auto list = std::make_shared<std::string>();
  int rc = run_backing(*node.root, ctx, [root = node.root, path = node.path, list] {
    Fd fd(open_in_root(root->dir, path, O_PATH));
    if (fd.get() < 0) return errno;
    const std::string proc = "/proc/self/fd/" + std::to_string(fd.get());
    for (int attempt = 0; attempt < 4; ++attempt) {
      ssize_t n = ::listxattr(proc.c_str(), nullptr, 0);
      if (n < 0) return errno;
      list->resize(static_cast<std::size_t>(n));
      n = ::listxattr(proc.c_str(), list->data(), list->size());
      if (n >= 0) {
        list->resize(static_cast<std::size_t>(n));
        return 0;
      }
      if (errno != ERANGE) return errno;
    }
    return ERANGE;
  });
  if (rc != 0) return rc;
  for (std::size_t pos = 0; pos < list->size();) {
    std::size_t end = list->find('\0', pos);
    if (end == std::string::npos) end = list->size();
    if (end > pos) names->push_back(list->substr(pos, end - pos));
    pos = end + 1;
  }
  return 0;
}

}  // namespace snapfs::content
