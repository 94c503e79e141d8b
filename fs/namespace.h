// The snapfs namespace: the tree of SEMANTICS.md section 1 over the configured providers, and
// every filesystem operation expressed as errno results. Nothing here knows FUSE
// (fs/fuse_adapter.cc translates) or HTTP (providers/ do that).
//
// Namespace is a front over rooms that each own their state and lock (fs/namespace/): the
// InodeTable (nodes), Listings (listing caches, pending changes, prefetch), Mutations (mkdir,
// rmdir, rename) and Contents (snapshots' files); attributes are fs/attributes.h. The front
// routes each operation, fills attributes and answers the extended attributes.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "fs/attributes.h"
#include "fs/content/content_tree.h"
#include "fs/content/resolver.h"
#include "fs/namespace/contents.h"
#include "fs/namespace/inode_table.h"
#include "fs/namespace/listings.h"
#include "fs/namespace/mutations.h"
#include "fs/namespace/tree.h"
#include "fs/prefetch_pool.h"
#include "fs/stored_snapshot.h"
#include "fs/ttl_cache.h"
#include "providers/common/thread_annotations.h"
#include "providers/provider.h"

namespace snapfs {

class Namespace {
 public:
  static constexpr std::uint64_t kRootIno = 1;
  static constexpr const char* kSnapshotsDirName = ".snapshots";
  static constexpr const char* kXattrPrefix = "user.snapfs.";

  Namespace(std::vector<Remote> remotes, FsOptions options, KernelNotifier* notifier);
  ~Namespace();

  // Each returns 0 or an errno value.
  int lookup(std::uint64_t parent, const std::string& name, const OpContext& ctx, EntryReply* out);
  int getattr(std::uint64_t ino, const OpContext& ctx, struct stat* out);
  int readlink(std::uint64_t ino, std::string* target);
  // Children of a directory (without "." and ".."), each with its inode allocated. `*unchanged`
  // tells whether they are the same as in the previous readdir of this directory.
  int readdir(std::uint64_t ino, const OpContext& ctx, std::vector<DirEntryReply>* out,
              bool* unchanged = nullptr);
  int mkdir(std::uint64_t parent, const std::string& name, const OpContext& ctx, EntryReply* out);
  int rmdir(std::uint64_t parent, const std::string& name, const OpContext& ctx);
  int rename(std::uint64_t parent, const std::string& name, std::uint64_t new_parent,
             const std::string& new_name, unsigned int flags, const OpContext& ctx);
  int getxattr(std::uint64_t ino, const std::string& name, const OpContext& ctx,
               std::string* value);
  int listxattr(std::uint64_t ino, const OpContext& ctx, std::vector<std::string>* names);
  int setxattr(std::uint64_t ino, const std::string& name, const std::string& value,
               const OpContext& ctx);
  int removexattr(std::uint64_t ino, const std::string& name, const OpContext& ctx);
  // The answer to every operation that would create or change file data or metadata.
  int refused() const;
  // The same for a change at or under `ino`: EROFS inside a snapshot's files.
  int refused_at(std::uint64_t ino) const EXCLUDES(inodes_.mu());
  // A snapshot's files (open, read, release and statfs go straight to it).
  content::ContentTree& content() { return contents_.tree(); }
  // Attaches the files of snapshot directory `ino` when it has some here; whether it has.
  bool attach_content(std::uint64_t ino) EXCLUDES(inodes_.mu());

  // The kernel took `n` more references (lookup, readdirplus entry) / dropped `n`. add_lookup
  // is false, and counts nothing, when `ino` is no longer known: a directory's copy taken at
  // opendir may name a leaf forgotten since, which a READDIRPLUS reply must then not hand out.
  bool add_lookup(std::uint64_t ino, std::uint64_t n = 1);
  // add_lookup() of the entry `name` (attributes `attr`) of a listing of `dir` (READDIRPLUS):
  // a snapshot's file listed without a node gets one now.
  bool add_listed(std::uint64_t dir, const std::string& name, const struct stat& attr);
  void forget(std::uint64_t ino, std::uint64_t n);

  double entry_timeout() const;
  bool read_only() const { return options_.read_only; }
  // The value of user.snapfs.stats: JSON counters.
  std::string stats_json() const;
  std::size_t node_count() const;
  // Waits until no background listing is queued or running.
  void wait_background_idle();
  // How many times a snapshot's content location was resolved (not taken from the cache).
  std::uint64_t content_resolves() const { return contents_.resolves(); }

 private:
  using Child = ns::Child;
  using DirListing = ns::DirListing;
  using Node = ns::Node;
  using ListingPtr = ns::ListingPtr;

  // Updates a node from its parent's (cached) listing; ENOENT when the provider dropped it.
  int refresh_node(std::uint64_t ino, const OpContext& ctx);
  Provider* provider_of(const Node& node) const;
  void fill_attr(const Node& node, struct stat* st) const REQUIRES(inodes_.mu());
  int entry_for(std::uint64_t parent, const std::string& name, const ListingPtr& listing,
                EntryReply* out);
  Result<std::string> attribute(const Node& node, const std::string& key, const OpContext& ctx);
  std::vector<std::string> attribute_names(const Node& node) const;
  // The objects `node` shows attributes of; the snapshot's "content" is resolved when asked,
  // with no lock held.
  AttrSubject attr_subject(const Node& node) const;
  const AttrSpec* find_spec(const Node& node, const std::string& key) const;
  int apply_update(std::uint64_t ino, const AttrUpdate& update);

  std::vector<Remote> remotes_;
  FsOptions options_;
  KernelNotifier* notifier_;
  std::int64_t mount_time_us_;

  // The rooms, each owning its state under its own lock. Lock order (a lock is only taken
  // while holding those before it):
  //   1. inodes_.mu() (ns::InodeTable, fs/namespace/inode_table.h): the inode table and the
  //      fields of every node. Never held across a provider call or a wait.
  //   2. listings_' mu_ (ns::Listings, fs/namespace/listings.h): pending changes, aliases and
  //      first-seen times; fill_attr() reads a first-seen time under inodes_.mu().
  //   3. a TtlCache's lock (in listings_): fill_attr() peeks at a listing under inodes_.mu().
  //      No cache calls back into a room while holding its lock.
  //   4. a TtlCache flight's lock (see ttl_cache.h).
  //   5. PrefetchPool's lock (in listings_): schedule() is called with none of the above,
  //      never from inside the pool's.
  //   contents_' locks (ns::Contents, fs/namespace/contents.h: its own, the MountTable's, the
  //   ContentTree's) are taken with none of the above held, and call back into nothing. The
  //   KernelNotifier queues under its own lock, a leaf: called with or without the others; so
  //   is attributes_' lock (default-expiration settings, fs/attributes.h).
  ns::InodeTable inodes_;
  Attributes attributes_;  // xattr tables and default-expiration settings (own lock, a leaf)
  std::atomic<std::uint64_t> readdirs_{0};  // directory reads the kernel could not answer itself
  std::atomic<std::uint64_t> getattrs_{0};  // attribute reads past the kernel's attr timeout
  ns::Contents contents_;                   // snapshots' files
  // Its background workers stop (at its destruction) before anything they use is destroyed.
  ns::Listings listings_;
  ns::Mutations mutations_;  // no state of its own beyond the read-only settings
};

}  // namespace snapfs
