#include "fs/fuse_adapter.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "fs/fuse_uring.h"
#include "providers/common/log.h"

namespace snapfs {

// --- FuseNotifier ------------------------------------------------------------------------------

FuseNotifier::~FuseNotifier() {
  stop();
}

void FuseNotifier::start(fuse_session* session) {
  session_ = session;
  {
    MutexLock lock(mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { run(); });
}

void FuseNotifier::stop() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void FuseNotifier::inval_entry(std::uint64_t parent, const std::string& name) {
  MutexLock lock(mu_);
  if (session_ == nullptr || stopping_) return;
  queue_.push_back({parent, name});
  cv_.notify_one();
}

void FuseNotifier::inval_inode(std::uint64_t ino) {
  MutexLock lock(mu_);
  if (session_ == nullptr || stopping_) return;
  queue_.push_back({ino, ""});
  cv_.notify_one();
}

void FuseNotifier::run() {
  for (;;) {
    Item item;
    {
      UniqueLock lock(mu_);
      while (!stopping_ && queue_.empty()) cv_.wait(lock.native());
      if (stopping_) return;
      item = std::move(queue_.front());
      queue_.pop_front();
    }
    // Offset 0, length 0: the attributes and every cached page, which for a directory is the
    // kernel's readdir cache (a negative offset would leave that in place).
    int rc = item.name.empty() ? fuse_lowlevel_notify_inval_inode(session_, item.ino, 0, 0)
                               : fuse_lowlevel_notify_inval_entry(
                                     session_, item.ino, item.name.c_str(), item.name.size());
    // ENOENT: the kernel had nothing cached, which is fine.
    if (rc != 0 && rc != -ENOENT) {
      log_debug("kernel invalidation failed: " + std::string(std::strerror(-rc)));
    }
  }
}

// --- DirReads -----------------------------------------------------------------------------------

DirReads::CopyPtr DirReads::continued(std::uint64_t ino, off_t offset) {
  if (offset == 0) return nullptr;  // a new read (opendir, rewinddir) sees the current listing
  MutexLock lock(mu_);
  auto it = open_.find(generation_of(offset));
  return it == open_.end() || it->second->ino != ino ? nullptr : it->second;
}

DirReads::CopyPtr DirReads::started(std::shared_ptr<Copy> copy) {
  MutexLock lock(mu_);
  // 0 is left to offsets without a generation (reads through a directory handle); after 2^15
  // reads the numbers come round again, long after those copies were dropped (at most kMaxOpen
  // are kept).
  last_generation_ = last_generation_ >= (1u << 15) - 1 ? 1 : last_generation_ + 1;
  copy->generation = last_generation_;
  open_.erase(copy->generation);
  if (open_.size() >= kMaxOpen) open_.erase(open_.begin());
  CopyPtr kept = std::move(copy);
  open_[kept->generation] = kept;
  return kept;
}

std::uint16_t DirReads::mark_of_name(const std::string& name) {
  std::uint32_t hash = 2166136261u;  // FNV-1a
  for (unsigned char c : name) hash = (hash ^ c) * 16777619u;
  const auto mark = static_cast<std::uint16_t>(hash ^ (hash >> 16));
  return mark == 0 ? 1 : mark;
}

std::uint64_t DirReads::resume_at(const Copy& fresh, off_t offset) {
  const std::uint64_t index = index_of(offset);
  const std::uint16_t mark = mark_of(offset);
  // Listing indexes count "." and ".." first: the name read last was entry index - 3.
  if (mark == 0 || index < 3) return index;
  const std::uint64_t was = index - 3;
  std::uint64_t best = 0;
  std::uint64_t best_distance = UINT64_MAX;
  for (std::uint64_t p = 0; p < fresh.entries.size(); ++p) {
    if (mark_of_name(fresh.entries[p].name) != mark) continue;
    const std::uint64_t distance = p > was ? p - was : was - p;
    if (distance < best_distance) {
      best = p;
      best_distance = distance;
    }
  }
  return best_distance == UINT64_MAX ? index : best + 3;
}

void DirReads::finished(const Copy& copy) {
  MutexLock lock(mu_);
  auto it = open_.find(copy.generation);
  if (it != open_.end() && it->second.get() == &copy) open_.erase(it);
}

// --- RequestFlags -------------------------------------------------------------------------------

void RequestFlags::add(fuse_req_t req, Flag flag) {
  {
    MutexLock lock(mu_);
    if (shutting_down_.load()) flag->store(true);
    flags_[req] = std::move(flag);
  }
  // Not under mu_: libfuse calls on_interrupt from here when the INTERRUPT came first.
  fuse_req_interrupt_func(req, &RequestFlags::on_interrupt, this);
}

void RequestFlags::remove(fuse_req_t req, const Flag& flag) {
  MutexLock lock(mu_);
  auto it = flags_.find(req);
  // After the reply libfuse may already have given the same address to a new request, which
  // then registered its own flag: that one stays.
  if (it != flags_.end() && it->second == flag) flags_.erase(it);
}

void RequestFlags::cancel_all() {
  MutexLock lock(mu_);
  shutting_down_.store(true);
  for (auto& [req, flag] : flags_) flag->store(true);
}

void RequestFlags::on_interrupt(fuse_req_t req, void* self) {
  // libfuse holds the request alive (and its address unused by any other) while this runs.
  auto* flags = static_cast<RequestFlags*>(self);
  MutexLock lock(flags->mu_);
  auto it = flags->flags_.find(req);
  if (it != flags->flags_.end()) it->second->store(true);
}

// --- Operations --------------------------------------------------------------------------------

namespace {

FuseAdapterConfig* config_of(fuse_req_t req) {
  return static_cast<FuseAdapterConfig*>(fuse_req_userdata(req));
}

// The caller of `req`, for backing calls made for it. Its supplementary groups cost a read of
// /proc/PID/status, so they are read only when a snapshot's file needs them.
void set_current_caller(fuse_req_t req) {
  const fuse_ctx* caller = fuse_req_ctx(req);
  content::CurrentCaller& current = content::current_caller();
  current.set = true;
  current.uid = caller->uid;
  current.gid = caller->gid;
  current.groups = [req] {
    std::vector<gid_t> groups(64);
    int n = fuse_req_getgroups(req, static_cast<int>(groups.size()), groups.data());
    if (n > static_cast<int>(groups.size())) {
      groups.resize(static_cast<std::size_t>(n));
      n = fuse_req_getgroups(req, n, groups.data());
    }
    // Unknown groups grant nothing: the caller is refused what only a group would allow.
    groups.resize(n < 0 ? 0 : std::min(static_cast<std::size_t>(n), groups.size()));
    return groups;
  };
}

// A deadline for the request, cancelled when the kernel interrupts it (Ctrl-C on `ls`) or the
// mount shuts down. libfuse never sees the flag itself, only the mount's RequestFlags, so an
// INTERRUPT that arrives while or after the request is answered, when this context may be gone,
// touches nothing freed.
class RequestContext : public OpContext {
 public:
  explicit RequestContext(fuse_req_t req)
      : OpContext(config_of(req)->timeout), req_(req), flags_(&config_of(req)->requests) {
    flags_->add(req_, cancel_flag());
    set_current_caller(req);  // whom a snapshot's file is read for
  }
  // Often after the reply: req_ then only names the registration, it is not used.
  ~RequestContext() {
    content::current_caller() = {};
    flags_->remove(req_, cancel_flag());
  }
  RequestContext(const RequestContext&) = delete;
  RequestContext& operator=(const RequestContext&) = delete;

 private:
  fuse_req_t req_;
  RequestFlags* flags_;
};

// A request cancelled because the mount is going away is answered as the kernel answers calls
// on a mount whose daemon is gone, not as one the caller interrupted.
void reply_err(fuse_req_t req, int rc) {
  if (rc == EINTR && config_of(req)->requests.shutting_down()) rc = ENOTCONN;
  fuse_reply_err(req, rc);
}

void reply_entry(fuse_req_t req, int rc, const EntryReply& entry) {
  if (rc != 0 && !(rc == ENOENT && entry.ino == 0 && entry.timeout > 0)) {
    reply_err(req, rc);
    return;
  }
  fuse_entry_param e{};
  e.ino = entry.ino;
  e.attr = entry.attr;
  e.attr_timeout = entry.timeout;
  e.entry_timeout = entry.timeout;
  fuse_reply_entry(req, &e);  // ino 0: a negative entry the kernel may cache
}

void op_init(void* userdata, fuse_conn_info* conn) {
  // There is no file data, so nothing for the kernel to invalidate on an mtime change; with this
  // capability it would also ask for a directory's attributes before using its cached listing.
  // (No FUSE_CAP_POSIX_ACL either: there are no ACLs, and getxattr says so with ENOTSUP.)
  conn->want &= ~FUSE_CAP_AUTO_INVAL_DATA;
  // A directory handle would hold nothing a listing does not: without OPENDIR and RELEASEDIR a
  // crawl makes half the round trips, and the kernel keeps its readdir cache across opens (we
  // invalidate it when a listing changes). With cache_ttl=0 every opendir lists instead.
  auto* config = static_cast<FuseAdapterConfig*>(userdata);
  if ((conn->capable & FUSE_CAP_NO_OPENDIR_SUPPORT) != 0 && config->ns->entry_timeout() > 0) {
    conn->want |= FUSE_CAP_NO_OPENDIR_SUPPORT;
    config->handle_free_dirs = true;
  }
  // libfuse insists on hearing the mount's max_read option again here.
  if (config->max_read != 0) conn->max_read = config->max_read;
  // Reads of snapshot files answer from a pipe of the backing file's pages (read_data.h).
  if ((conn->capable & FUSE_CAP_SPLICE_WRITE) != 0) {
    conn->want |= FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_MOVE;
    config->splice_reads = true;
  }
}

void op_lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
  RequestContext ctx(req);
  EntryReply entry;
  int rc = config_of(req)->ns->lookup(parent, name, ctx, &entry);
  reply_entry(req, rc, entry);
}

void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup) {
  config_of(req)->ns->forget(ino, nlookup);
  fuse_reply_none(req);
}

void op_forget_multi(fuse_req_t req, size_t count, fuse_forget_data* forgets) {
  for (size_t i = 0; i < count; ++i) config_of(req)->ns->forget(forgets[i].ino, forgets[i].nlookup);
  fuse_reply_none(req);
}

void op_getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info*) {
  RequestContext ctx(req);
  struct stat st {};
  Namespace* ns = config_of(req)->ns;
  int rc = ns->getattr(ino, ctx, &st);
  if (rc != 0) {
    reply_err(req, rc);
  } else {
    fuse_reply_attr(req, &st,
                    content::ContentTree::is_content(ino) ? content::ContentTree::kTimeout
                                                          : ns->entry_timeout());
  }
}

void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat*, int, fuse_file_info*) {
  reply_err(req, config_of(req)->ns->refused_at(ino));
}

void op_readlink(fuse_req_t req, fuse_ino_t ino) {
  RequestContext ctx(req);
  std::string target;
  int rc = config_of(req)->ns->readlink(ino, &target);
  if (rc != 0) {
    reply_err(req, rc);
  } else {
    fuse_reply_readlink(req, target.c_str());
  }
}

void op_mknod(fuse_req_t req, fuse_ino_t parent, const char*, mode_t, dev_t) {
  reply_err(req, config_of(req)->ns->refused_at(parent));
}

void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t) {
  RequestContext ctx(req);
  EntryReply entry;
  int rc = config_of(req)->ns->mkdir(parent, name, ctx, &entry);
  if (rc != 0) {
    reply_err(req, rc);
  } else {
    reply_entry(req, 0, entry);
  }
}

void op_refuse_name(fuse_req_t req, fuse_ino_t parent, const char*) {
  reply_err(req, config_of(req)->ns->refused_at(parent));
}

void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char* name) {
  RequestContext ctx(req);
  reply_err(req, config_of(req)->ns->rmdir(parent, name, ctx));
}

void op_symlink(fuse_req_t req, const char*, fuse_ino_t parent, const char*) {
  reply_err(req, config_of(req)->ns->refused_at(parent));
}

void op_rename(fuse_req_t req, fuse_ino_t parent, const char* name, fuse_ino_t newparent,
               const char* newname, unsigned int flags) {
  RequestContext ctx(req);
  reply_err(req, config_of(req)->ns->rename(parent, name, newparent, newname, flags, ctx));
}

void op_link(fuse_req_t req, fuse_ino_t, fuse_ino_t newparent, const char*) {
  reply_err(req, config_of(req)->ns->refused_at(newparent));
}

void op_create(fuse_req_t req, fuse_ino_t parent, const char*, mode_t, fuse_file_info*) {
  reply_err(req, config_of(req)->ns->refused_at(parent));
}

// Files exist only inside snapshots: opened read-only (as the caller), read through the
// descriptor, kept in the kernel's page cache (they never change). With passthrough the kernel
// reads the descriptor itself: the open still decides who may read.
void op_open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  RequestContext ctx(req);
  std::uint64_t fh = 0;
  content::ContentTree& content = config_of(req)->ns->content();
  int rc = content::ContentTree::is_content(ino) ? content.open(ino, fi->flags, ctx, &fh) : EACCES;
  if (rc != 0) {
    reply_err(req, rc);
    return;
  }
  fi->fh = fh;
  fi->keep_cache = 1;
  Passthrough* passthrough = config_of(req)->passthrough;
  const std::int32_t backing =
      passthrough == nullptr ? 0 : passthrough->open(ino, [&] { return content.backing_fd(fh); });
  int sent = 0;
  {
    Passthrough::Answer answer(backing);
    sent = fuse_reply_open(req, fi);
  }
  if (sent == -ENOENT) {  // the caller gave up: no RELEASE will come
    content.release(fh);
    if (passthrough != nullptr) passthrough->release(ino);
  }
}

void op_read(fuse_req_t req, fuse_ino_t, size_t size, off_t offset, fuse_file_info* fi) {
  RequestContext ctx(req);
  FuseAdapterConfig* config = config_of(req);
  content::ReadData data;
  const bool into_pipe = config->splice_reads && !FuseUring::answering_over_ring();
  int rc = config->ns->content().read(fi->fh, size, offset, ctx, into_pipe, &data);
  if (rc != 0) {
    reply_err(req, rc);
  } else if (!data.pipe.valid()) {
    fuse_reply_buf(req, data.bytes(), data.size);
  } else {
    // libfuse moves the pipe's page references on into the device; should it not manage to
    // (a pipe of its own too small), it reads the pipe into memory and writes that instead.
    fuse_bufvec bytes = FUSE_BUFVEC_INIT(data.size);
    bytes.buf[0].flags = FUSE_BUF_IS_FD;
    bytes.buf[0].fd = data.pipe.read_end();
    fuse_reply_data(req, &bytes, FUSE_BUF_SPLICE_MOVE);
  }
}

void op_release(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  config_of(req)->ns->content().release(fi->fh);
  if (Passthrough* passthrough = config_of(req)->passthrough) passthrough->release(ino);
  reply_err(req, 0);
}

void op_opendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  FuseAdapterConfig* config = config_of(req);
  if (config->handle_free_dirs) {
    reply_err(req, ENOSYS);  // the kernel stops sending OPENDIR and RELEASEDIR
    return;
  }
  RequestContext ctx(req);
  auto handle = std::make_unique<DirReads::Copy>();
  handle->ino = ino;
  // The listing is taken once per open so that offsets stay stable while `ls` reads it.
  bool unchanged = false;
  int rc = config->ns->readdir(ino, ctx, &handle->entries, &unchanged);
  if (rc != 0) {
    reply_err(req, rc);
    return;
  }
  // The kernel may cache what it reads and, while the listing is the one it read last time,
  // answer the next `ls` from that copy; changes found later are sent as inode invalidations.
  fi->cache_readdir = 1;
  fi->keep_cache = unchanged ? 1 : 0;
  fi->fh = reinterpret_cast<uint64_t>(handle.release());
  if (fuse_reply_open(req, fi) == -ENOENT) {
    delete reinterpret_cast<DirReads::Copy*>(fi->fh);  // the request was interrupted
  }
}

// Without a directory handle (no OPENDIR), the reader's own copy of the listing, named by the
// offset; a new copy when the read starts or its copy is gone. *index: where the read goes on
// in that copy. 0 or the errno of listing the directory.
int handle_free_copy(fuse_req_t req, fuse_ino_t ino, off_t offset, DirReads::CopyPtr* taken,
                     std::uint64_t* index) {
  FuseAdapterConfig* config = config_of(req);
  *taken = config->dir_reads.continued(ino, offset);
  if (*taken) {
    *index = DirReads::index_of(offset);
    return 0;
  }
  auto copy = std::make_shared<DirReads::Copy>();
  copy->ino = ino;
  RequestContext ctx(req);
  if (int rc = config->ns->readdir(ino, ctx, &copy->entries); rc != 0) return rc;
  *taken = config->dir_reads.started(std::move(copy));
  // A read past offset 0 whose copy is gone goes on after the name it read last.
  *index = offset == 0 ? 0 : DirReads::resume_at(**taken, offset);
  return 0;
}

// Entry `i` of a listing as a reader sees it: "." and ".." first, then the listing's entries.
struct ListedEntry {
  std::string name;
  struct stat st {};
  bool dot = false;
};

ListedEntry listed_entry(const DirReads::Copy& listing, std::uint64_t i) {
  ListedEntry entry;
  entry.dot = i < 2;
  if (entry.dot) {
    entry.name = i == 0 ? "." : "..";
    entry.st.st_ino = listing.ino;
    entry.st.st_mode = S_IFDIR;
  } else {
    entry.name = listing.entries[i - 2].name;
    entry.st = listing.entries[i - 2].attr;
  }
  return entry;
}

// Adds `entry` to the reply at `buf` (`room` bytes left); its size, more than `room` when it
// did not fit. `timeout`: the namespace's entry timeout. `referenced`: whether the kernel gets a
// lookup reference to the entry's inode; without one, the entry carries no inode (node id 0: the
// kernel shows the name and looks it up when it needs it).
size_t add_listed_entry(fuse_req_t req, char* buf, size_t room, const ListedEntry& entry,
                        off_t next, bool plus, double timeout, bool referenced) {
  if (!plus) return fuse_add_direntry(req, buf, room, entry.name.c_str(), &entry.st, next);
  fuse_entry_param e{};
  e.attr = entry.st;
  if (!entry.dot && referenced) {
    e.ino = entry.st.st_ino;  // "." and ".." carry no lookup reference
    const bool file = content::ContentTree::is_content(entry.st.st_ino);  // a snapshot's
    e.attr_timeout = file ? content::ContentTree::kTimeout : timeout;
    e.entry_timeout = e.attr_timeout;
  }
  return fuse_add_direntry_plus(req, buf, room, entry.name.c_str(), &e, next);
}

// Fills `buf` (`size` bytes) with the entries of `listing` from `index` on, as many as fit; the
// bytes used.
// *referenced: the inodes a READDIRPLUS reply gives the kernel a lookup reference to, counted in
// `ns` already. The copy was taken at opendir: an inode it names may have been forgotten since
// (the kernel dropped its last reference and snapfs the leaf), and handing that number out again
// would leave the kernel holding an inode snapfs no longer knows (a readlink or getattr of it
// would fail with ENOENT): such an entry goes without its inode.
size_t fill_listing(fuse_req_t req, Namespace* ns, const DirReads::Copy& listing,
                    std::uint64_t index, bool plus, char* buf, size_t size,
                    std::vector<std::uint64_t>* referenced) {
  const std::uint64_t end = listing.entries.size() + 2;  // with "." and ".."
  const double timeout = ns->entry_timeout();
  size_t used = 0;
  for (std::uint64_t i = index; i < end; ++i) {
    const ListedEntry entry = listed_entry(listing, i);
    // The next offset marks the name read last, for a reader whose copy is gone to go on after it.
    const off_t next = DirReads::offset_of(
        listing.generation, i + 1,
        entry.dot || listing.generation == 0 ? 0 : DirReads::mark_of_name(entry.name));
    // Counted before the reply can reach the kernel, and so before the kernel can forget it.
    const bool held = plus && !entry.dot && ns->add_listed(listing.ino, entry.name, entry.st);
    const size_t entry_size =
        add_listed_entry(req, buf + used, size - used, entry, next, plus, timeout, held);
    if (entry_size > size - used) {
      if (held) ns->forget(entry.st.st_ino, 1);
      break;
    }
    used += entry_size;
    if (held) referenced->push_back(entry.st.st_ino);
  }
  return used;
}

void do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t offset, fuse_file_info* fi,
                bool plus) {
  FuseAdapterConfig* config = config_of(req);
  Namespace* ns = config->ns;
  DirReads::CopyPtr taken;
  const DirReads::Copy* listing = reinterpret_cast<const DirReads::Copy*>(fi->fh);
  // With a handle, offsets are plain indexes; without one they also name the reader's copy.
  std::uint64_t index = static_cast<std::uint64_t>(offset);
  if (listing == nullptr) {
    if (int rc = handle_free_copy(req, ino, offset, &taken, &index); rc != 0) {
      reply_err(req, rc);
      return;
    }
    listing = taken.get();
  }
  // Not zeroed: only the bytes the entries fill are sent. A directory read is `ls`'s buffer
  // (32 KiB here), and zeroing it was a third of snapfs's instructions in a cold crawl.
  std::unique_ptr<char[]> buf(new char[size]);
  std::vector<std::uint64_t> referenced;
  const size_t used = fill_listing(req, ns, *listing, index, plus, buf.get(), size, &referenced);
  if (taken && used == 0) config->dir_reads.finished(*taken);  // the end was read
  if (fuse_reply_buf(req, buf.get(), used) != 0) {
    for (std::uint64_t child : referenced) ns->forget(child, 1);
  }
}

void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t offset, fuse_file_info* fi) {
  do_readdir(req, ino, size, offset, fi, false);
}

void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t offset, fuse_file_info* fi) {
  do_readdir(req, ino, size, offset, fi, true);
}

void op_releasedir(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  delete reinterpret_cast<DirReads::Copy*>(fi->fh);
  reply_err(req, 0);
}

void op_statfs(fuse_req_t req, fuse_ino_t ino) {
  struct statvfs st {};
  Namespace* ns = config_of(req)->ns;
  if (content::ContentTree::is_content(ino) || ns->content().attached(ino)) {
    RequestContext ctx(req);  // inside a snapshot: the backing filesystem's figures
    if (ns->content().statfs(ino, ctx, &st) == 0) {
      fuse_reply_statfs(req, &st);
      return;
    }
  }
  st.f_bsize = 4096;
  st.f_frsize = 4096;
  st.f_namemax = 255;
  fuse_reply_statfs(req, &st);
}

void op_setxattr(fuse_req_t req, fuse_ino_t ino, const char* name, const char* value, size_t size,
                 int) {
  RequestContext ctx(req);
  reply_err(req, config_of(req)->ns->setxattr(ino, name, std::string(value, size), ctx));
}

void op_getxattr(fuse_req_t req, fuse_ino_t ino, const char* name, size_t size) {
  RequestContext ctx(req);
  std::string value;
  int rc = config_of(req)->ns->getxattr(ino, name, ctx, &value);
  if (rc != 0) {
    reply_err(req, rc);
  } else if (size == 0) {
    fuse_reply_xattr(req, value.size());
  } else if (size < value.size()) {
    reply_err(req, ERANGE);
  } else {
    fuse_reply_buf(req, value.data(), value.size());
  }
}

void op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size) {
  RequestContext ctx(req);
  std::vector<std::string> names;
  int rc = config_of(req)->ns->listxattr(ino, ctx, &names);
  if (rc != 0) {
    reply_err(req, rc);
    return;
  }
  std::string list;
  for (const auto& n : names) list.append(n).push_back('\0');
  if (size == 0) {
    fuse_reply_xattr(req, list.size());
  } else if (size < list.size()) {
    reply_err(req, ERANGE);
  } else {
    fuse_reply_buf(req, list.data(), list.size());
  }
}

void op_removexattr(fuse_req_t req, fuse_ino_t ino, const char* name) {
  RequestContext ctx(req);
  reply_err(req, config_of(req)->ns->removexattr(ino, name, ctx));
}

}  // namespace

fuse_lowlevel_ops make_lowlevel_ops() {
  fuse_lowlevel_ops ops{};
  ops.init = op_init;
  ops.lookup = op_lookup;
  ops.forget = op_forget;
  ops.forget_multi = op_forget_multi;
  ops.getattr = op_getattr;
  ops.setattr = op_setattr;
  ops.readlink = op_readlink;
  ops.mknod = op_mknod;
  ops.mkdir = op_mkdir;
  ops.unlink = op_refuse_name;
  ops.rmdir = op_rmdir;
  ops.symlink = op_symlink;
  ops.rename = op_rename;
  ops.link = op_link;
  ops.create = op_create;
  ops.open = op_open;
  ops.read = op_read;
  ops.release = op_release;
  ops.opendir = op_opendir;
  ops.readdir = op_readdir;
  ops.readdirplus = op_readdirplus;
  ops.releasedir = op_releasedir;
  ops.statfs = op_statfs;
  ops.setxattr = op_setxattr;
  ops.getxattr = op_getxattr;
  ops.listxattr = op_listxattr;
  ops.removexattr = op_removexattr;
  return ops;
}

}  // namespace snapfs
