#include "fs/passthrough.h"

#include <linux/capability.h>
#include <linux/fuse.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "fs/device_io.h"
#include "providers/common/log.h"

namespace snapfs {
namespace {

// The kernel ABI of passthrough (include/uapi/linux/fuse.h, protocol 7.40), which the system's
// headers may predate.
constexpr std::uint64_t kInitPassthrough = 1ULL << 37;  // FUSE_PASSTHROUGH, an INIT flag
constexpr std::uint32_t kOpenPassthrough = 1u << 7;     // FOPEN_PASSTHROUGH
// The only other open flags the kernel allows beside it (FOPEN_PASSTHROUGH_MASK: DIRECT_IO,
// NOFLUSH, PARALLEL_DIRECT_WRITES); with any other (KEEP_CACHE, which snapfs sets on every open)
// the open fails with EIO. The page cache is the backing file's then.
constexpr std::uint32_t kOpenPassthroughAllows = (1u << 0) | (1u << 5) | (1u << 6);
// The deepest filesystem stack a backing file may sit on is one below this; the FUSE mount's
// own depth becomes this. 1: backing files on plain filesystems (NFS, ext4, ...), and the mount
// can still be an overlayfs layer; a backing file on an overlayfs is refused (ELOOP) and read
// the old way.
constexpr std::uint32_t kMaxStackDepth = 1;

struct BackingMap {  // struct fuse_backing_map
  std::int32_t fd;
  std::uint32_t flags;
  std::uint64_t padding;
};
struct OpenOut {  // struct fuse_open_out, 7.40
  std::uint64_t fh;
  std::uint32_t open_flags;
  std::int32_t backing_id;
};
static_assert(sizeof(BackingMap) == 16, "fuse_backing_map is 16 bytes");
static_assert(sizeof(OpenOut) == sizeof(fuse_open_out), "fuse_open_out is 16 bytes");
static_assert(sizeof(fuse_init_out) == 64, "max_stack_depth is fuse_init_out's unused[0]");

constexpr unsigned long kBackingOpen = _IOW(229, 1, BackingMap);      // FUSE_DEV_IOC_BACKING_OPEN
constexpr unsigned long kBackingClose = _IOW(229, 2, std::uint32_t);  // FUSE_DEV_IOC_BACKING_CLOSE

struct Marked {
  std::int32_t backing_id = 0;
  std::uint64_t unique = 0;
};
thread_local Marked t_marked;

// Registering a backing file needs CAP_SYS_ADMIN (a backing file is not in any process's
// descriptor table, so lsof cannot show it). Without it, passthrough is not even accepted.
bool has_sys_admin() {
  __user_cap_header_struct header{};
  header.version = _LINUX_CAPABILITY_VERSION_3;
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  if (syscall(SYS_capget, &header, data) != 0) return false;
  return (data[CAP_SYS_ADMIN / 32].effective & (1u << (CAP_SYS_ADMIN % 32))) != 0;
}

}  // namespace

Passthrough::Passthrough(fuse_session* session, bool wanted)
    : device_(fuse_session_fd(session)), wanted_(wanted), capable_(wanted && has_sys_admin()) {}

void Passthrough::accept_init_reply(std::uint64_t offered, fuse_init_out* init) {
  offered_ = (offered & kInitPassthrough) != 0;
  // The kernel refuses passthrough beside the writeback cache (snapfs never asks for it).
  if (!capable_ || !offered_.load() || (init->flags & FUSE_WRITEBACK_CACHE) != 0) return;
  init->flags2 |= static_cast<std::uint32_t>(kInitPassthrough >> 32);
  init->unused[0] = kMaxStackDepth;
  init_changed_ = true;
}

void Passthrough::init_answered() {
  accepted_ = init_changed_.load();
  if (!wanted_ || accepted_.load()) return;
  log_info(std::string("FUSE passthrough not used: ") +
           (!capable_          ? "snapfs lacks CAP_SYS_ADMIN"
            : !offered_.load() ? "the kernel does not offer it"
                               : "the INIT answer cannot carry it") +
           "; reads of snapshot files go through snapfs");
}

std::int32_t Passthrough::register_file(int fd) {
  BackingMap map{};
  map.fd = fd;
  const int id = ioctl(device_, kBackingOpen, &map);
  if (id > 0) {
    if (!announced_.exchange(true)) log_info("FUSE passthrough: the kernel reads snapshot files");
    return id;
  }
  const int err = id < 0 ? errno : EIO;
  if (err == EPERM) refused_ = true;  // the kernel's answer for every file from now on
  // ELOOP: the backing file's filesystem is stacked on another (kMaxStackDepth).
  const std::string why =
      err == ELOOP ? "its filesystem is stacked (overlayfs)" : std::string(strerror(err));
  if (!told_.exchange(true)) {
    log_info("FUSE passthrough not used for a snapshot file: " + why +
             "; its reads go through snapfs");
  } else {
    log_debug("FUSE passthrough not used for a snapshot file: " + why);
  }
  return 0;
}

std::int32_t Passthrough::open(std::uint64_t ino, const std::function<int()>& backing_fd) {
  if (!accepted_.load()) return 0;
  std::lock_guard<std::mutex> lock(mu_);
  Backing& backing = inodes_[ino];
  if (backing.opens++ > 0 || refused_.load()) return backing.id;
  const int fd = backing_fd();
  if (fd >= 0) {
    // A quick call (the kernel takes a reference on the open file): under mu_, so that a second
    // open of the inode waits for the id it must share.
    backing.id = register_file(fd);
    close(fd);
  }
  return backing.id;
}

void Passthrough::release(std::uint64_t ino) {
  if (!accepted_.load()) return;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = inodes_.find(ino);
  if (it == inodes_.end() || --it->second.opens > 0) return;
  // The kernel's open files hold the backing file themselves: the id is only needed for opens.
  if (it->second.id > 0) {
    std::uint32_t id = static_cast<std::uint32_t>(it->second.id);
    if (ioctl(device_, kBackingClose, &id) != 0) {
      log_debug("FUSE passthrough: closing backing file " + std::to_string(id) + ": " +
                strerror(errno));
    }
  }
  inodes_.erase(it);
}

Passthrough::Answer::Answer(std::int32_t backing_id) {
  t_marked.backing_id = backing_id;
  t_marked.unique = DeviceIo::current_request();
}

Passthrough::Answer::~Answer() {
  t_marked = {};
}

void Passthrough::change_open_reply(struct iovec* iov, int count) {
  if (t_marked.backing_id <= 0) return;
  const auto* out = static_cast<const fuse_out_header*>(iov[0].iov_base);
  // Only the open's own answer: a success with a fuse_open_out after the header.
  if ((t_marked.unique != 0 && out->unique != t_marked.unique) || out->error != 0 || count < 2 ||
      iov[1].iov_len != sizeof(OpenOut)) {
    return;
  }
  auto* open = static_cast<OpenOut*>(iov[1].iov_base);
  open->open_flags = (open->open_flags & kOpenPassthroughAllows) | kOpenPassthrough;
  open->backing_id = t_marked.backing_id;
  t_marked = {};
}

}  // namespace snapfs
