// The files of snapshots, read-only, under their snapshot directories. Each snapshot directory
// the namespace attaches is the root of a tree served from a local directory (the snapshot's
// directory on this host's NFS mount of its volume). Content inodes have numbers of their own
// (from kFirstIno up) so that requests are routed by inode number; a backing file keeps its
// inode number while known, whatever path reaches it. Backing system calls run on BackingPool
// threads as the caller, relative to the root's directory descriptor, and never follow a
// symbolic link.
#pragma once

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "fs/content/backing_pool.h"
#include "fs/content/listing_ahead.h"
#include "fs/content/read_data.h"
#include "providers/common/thread_annotations.h"
#include "providers/op_context.h"

namespace snapfs {
class KernelNotifier;
struct EntryReply;
struct DirEntryReply;
}  // namespace snapfs

namespace snapfs::content {

class ContentTree {
 public:
  static constexpr std::uint64_t kFirstIno = std::uint64_t{1} << 56;
  static bool is_content(std::uint64_t ino) { return ino >= kFirstIno; }
  // Snapshots never change: the kernel may keep what it was told for this long (seconds); a
  // snapshot that goes away is invalidated explicitly (detach).
  static constexpr double kTimeout = 86400;

  ContentTree(KernelNotifier* notifier, std::size_t max_threads = 32);
  ~ContentTree();

  // Makes the snapshot directory `root_ino` show `dir` (idempotent). A new `dir` for the same
  // root detaches the old tree first.
  void attach(std::uint64_t root_ino, const std::string& dir);
  // The snapshot directory went away (deleted, no longer listed): the kernel forgets its tree,
  // its open files fail from now on (ESTALE), and its descriptors are closed. `tell_kernel`
  // false: the kernel already forgot the directory, and so everything below it.
  void detach(std::uint64_t root_ino, bool tell_kernel = true);
  bool attached(std::uint64_t root_ino) const;

  // `parent`: an attached root or a content directory. Each returns 0 or an errno value.
  int lookup(std::uint64_t parent, const std::string& name, const OpContext& ctx, EntryReply* out);
  int readdir(std::uint64_t dir, const OpContext& ctx, std::vector<DirEntryReply>* out);
  int getattr(std::uint64_t ino, const OpContext& ctx, struct stat* out);
  int readlink(std::uint64_t ino, const OpContext& ctx, std::string* target);
  // Read-only opens only (EROFS otherwise); `*fh` names the open file for read and release.
  int open(std::uint64_t ino, int flags, const OpContext& ctx, std::uint64_t* fh);
  // Into a pipe when `into_pipe` (read_data.h says when one may be used), else into memory.
  int read(std::uint64_t fh, std::size_t size, off_t offset, const OpContext& ctx, bool into_pipe,
           ReadData* data);
  void release(std::uint64_t fh);
  // A new descriptor of the open file `fh` (the caller closes it), or -1.
  int backing_fd(std::uint64_t fh) const;
  // Reads that reached snapfs (not those the kernel passed through to the backing file).
  std::uint64_t reads() const { return reads_.load(); }
  // Of those, the reads answered from a pipe (read_data.h).
  std::uint64_t spliced_reads() const { return spliced_reads_.load(); }
  int statfs(std::uint64_t ino, const OpContext& ctx, struct statvfs* out);
  // The backing file's own extended attributes (none on symbolic links).
  int getxattr(std::uint64_t ino, const std::string& name, const OpContext& ctx,
               std::string* value);
  int listxattr(std::uint64_t ino, const OpContext& ctx, std::vector<std::string>* names);

  bool add_lookup(std::uint64_t ino, std::uint64_t n);  // false: `ino` is not known (any more)
  // The kernel takes a reference to the entry `name` (attributes `attr`) of a listing of `dir`
  // (READDIRPLUS): its node is made now if the listing did not make one. False when that entry
  // no longer stands for the number it was listed with (or `dir` is gone).
  bool add_listed(std::uint64_t dir, const std::string& name, const struct stat& attr);
  void forget(std::uint64_t ino, std::uint64_t n);

  std::size_t node_count() const;
  std::size_t open_files() const;
  // Backing calls handed to the pool so far, opens aside (tests check what is answered from
  // memory).
  std::uint64_t backing_calls() const { return backing_calls_.load(); }
  // Listings given from those read ahead (listing_ahead.h).
  std::uint64_t listings_ahead() const { return ahead_.taken(); }
  // Listings made ahead so far, given or not (for tests).
  std::uint64_t listings_made_ahead() const { return ahead_.listed(); }
  // Freed memory handed back to the system (all trees of the process), for tests.
  static std::uint64_t memory_trims();
  // Fixes the allocator's thresholds for the whole process (called once, at start): glibc
  // otherwise raises them after any big block is freed, and a thread arena (where the threads
  // of FUSE over io_uring allocate) then keeps up to twice that freed at its top, which
  // malloc_trim does not give back. Blocks above kMmapThreshold get mappings of their own.
  static void fix_allocator_thresholds();
  static constexpr int kMmapThreshold = 4 << 20;
  // An arena keeps at most this much free at its top; the main arena's goes at the trim after
  // a crawl is forgotten. Larger than glibc's 128 KiB so that a listing freed and made again
  // does not shrink and regrow the heap each time.
  static constexpr int kTrimThreshold = 512 << 10;

 private:
  struct Root;
  struct Node;
  struct OpenFile;
  struct Listing;
  // What a backing call needs, copied under mu_: the root's directory and the node's path in it.
  struct Target {
    std::shared_ptr<Root> root;
    std::string path;  // relative to the root's directory; "." for the root itself
    mode_t type = 0;   // S_IFMT bits; S_IFDIR for a root
  };
  int target_of(std::uint64_t ino, Target* out) const REQUIRES(mu_);
  std::string path_of(const Node& node) const REQUIRES(mu_);
  using BackingKey = std::tuple<std::uint64_t, dev_t, ino_t>;  // (root, st_dev, st_ino)
  // A backing file's inode number here: its own, folded with its root and device, so that a
  // name listed without a node (plain READDIR) shows the number a later lookup gives it.
  static std::uint64_t number_of(const BackingKey& key);
  static bool foldable(const BackingKey& key);  // number_of() can be undone
  // The content inode of `key`'s node, or 0 when it has none.
  std::uint64_t node_of(const BackingKey& key) const REQUIRES(mu_);
  // The node for a backing entry of `parent` (a root or a content directory), made on first
  // sight; its attributes in `st` with the content inode number.
  std::uint64_t node_for(std::uint64_t parent, const std::shared_ptr<Root>& root,
                         const std::string& name, struct stat* st) REQUIRES(mu_);
  void make_node(std::uint64_t ino, std::uint64_t parent, const BackingKey& key,
                 const std::string& name, const struct stat& st) REQUIRES(mu_);
  void drop_node(std::uint64_t ino) REQUIRES(mu_);
  bool shrink_if_emptied() REQUIRES(mu_);
  struct TrimState;
  void give_back_memory();
  static constexpr std::int64_t kTrimQuietMs = 200;
  static constexpr std::size_t kShrinkFrom = 4096;  // nodes; smaller tables are not worth it
  // Runs `work` on the pool as `caller`, a call under way beneath `root` (calls_under_way.h:
  // ETIMEDOUT at once while an older call there has outrun what `ctx` leaves).
  int call_backing(const Root& root, const Caller& caller, const OpContext& ctx,
                   std::function<int()> work, std::function<void()> abandoned = {});
  // The same as the current request's caller, counted in backing_calls().
  int run_backing(const Root& root, const OpContext& ctx, std::function<int()> work,
                  std::function<void()> abandoned = {});
  // The entry `name` of a listing of `parent` that this caller made last; false when none.
  bool listed(std::uint64_t parent, const std::string& name, struct stat* st) REQUIRES(mu_);
  void remember_listing(std::uint64_t dir, const std::shared_ptr<Root>& root,
                        const std::vector<DirEntryReply>& entries) REQUIRES(mu_);
  void forget_listing(std::list<Listing>::iterator l) REQUIRES(mu_);
  // Listings kept for the lookups that follow a plain READDIR: at most this many entries in
  // all (about 0.7 MiB), the least recently used go first; one listing per directory.
  static constexpr std::size_t kListedEntries = 4096;
  // Threads listing subdirectories ahead of a crawl (listing_ahead.h).
  static constexpr std::size_t kListingThreads = 2;

  KernelNotifier* notifier_;
  BackingPool pool_;
  ListingAhead ahead_;
  // Lock order: mu_, then ahead_'s own (detach and the tables' shrinking call into ahead_).
  mutable Mutex mu_;
  std::unordered_map<std::uint64_t, std::shared_ptr<Root>> roots_
      GUARDED_BY(mu_);  // by snapshot inode
  std::unordered_map<std::uint64_t, Node> nodes_ GUARDED_BY(mu_);
  // The nodes that could not have number_of() (another node has it, or an inode number too
  // large to fold): rare, and only these are looked up by their backing file.
  std::map<BackingKey, std::uint64_t> elsewhere_ GUARDED_BY(mu_);
  std::unordered_map<std::uint64_t, std::shared_ptr<OpenFile>> open_ GUARDED_BY(mu_);
  std::size_t peak_nodes_ GUARDED_BY(mu_) = 0;  // the most nodes since the tables were last shrunk
  std::uint64_t next_fh_ GUARDED_BY(mu_) = 1;
  std::list<Listing> listings_ GUARDED_BY(mu_);  // most recently used first
  std::unordered_map<std::uint64_t, std::list<Listing>::iterator> listing_of_
      GUARDED_BY(mu_);  // by directory
  std::size_t listed_entries_ GUARDED_BY(mu_) = 0;
  std::atomic<std::uint64_t> reads_{0};
  std::atomic<std::uint64_t> spliced_reads_{0};
  std::atomic<std::uint64_t> backing_calls_{0};
  std::shared_ptr<TrimState> trim_;
};

}  // namespace snapfs::content
