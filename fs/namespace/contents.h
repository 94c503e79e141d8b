// The files of snapshot directories: which snapshot node shows which local directory (the
// resolver over the remotes' content settings and the NFS mount table), the ContentTree that
// serves them, and what the kernel was last shown of each (so that it may keep its copy).
//
// Owns: the resolver and its MountTable, the ContentTree, and resolved_ (by snapshot inode: the
// location, what it was resolved from, the directory last served), guarded by mu_. mu_ is a
// leaf, and so are the MountTable's and the ContentTree's locks: each is taken with no lock of
// another room held (the node's sources are copied out of the InodeTable first), and none calls
// back.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "fs/content/content_tree.h"
#include "fs/content/resolver.h"
#include "fs/namespace/inode_table.h"
#include "providers/common/thread_annotations.h"

namespace snapfs::ns {

class Contents {
 public:
  // `remotes`: the mounted remotes' configurations, by index; `inodes`: where snapshot nodes
  // are looked up (it outlives this).
  Contents(const std::vector<RemoteConfig>& remotes, KernelNotifier* notifier,
           const InodeTable& inodes);
  ~Contents();
  Contents(const Contents&) = delete;
  Contents& operator=(const Contents&) = delete;

  content::ContentTree& tree() { return *tree_; }
  const content::ContentTree& tree() const { return *tree_; }
  std::shared_ptr<content::MountTable> mounts() const { return mounts_; }

  // Where the files of snapshot node `ino` are on this host, or why they are not shown (an
  // empty Location when `ino` is no snapshot). Reused while the snapshot's entry, its volume's
  // entry and the mount table's generation stay those it was resolved from.
  content::Location location(std::uint64_t ino) const EXCLUDES(mu_, inodes_.mu());
  // Attaches the files of snapshot node `ino` when it has some here (detaches them when it no
  // longer has): the directory attached, or empty.
  std::string attach(std::uint64_t ino) EXCLUDES(mu_, inodes_.mu());
  // Records that a readdir of snapshot `ino` showed the files of `dir`; whether the one before
  // (since they were attached) showed the same.
  bool served(std::uint64_t ino, const std::string& dir) EXCLUDES(mu_);
  // The snapshot `ino` went away (`tell_kernel` as ContentTree::detach): its files' tree and
  // its resolved location go.
  void drop(std::uint64_t ino, bool tell_kernel = true) EXCLUDES(mu_);
  // How many times a location was resolved rather than taken from the cache (a snapshot of a
  // remote that never shows files is neither).
  std::uint64_t resolves() const { return resolves_.load(); }

 private:
  struct Resolved;

  // location(), and whether `ino` is a snapshot at all.
  content::Location locate(std::uint64_t ino, bool* is_snapshot) const EXCLUDES(mu_, inodes_.mu());

  const InodeTable& inodes_;
  // By remote: whether its snapshots can show files here at all (a type with file access, and
  // content not turned off). Set once.
  std::vector<bool> may_have_files_;
  std::shared_ptr<content::MountTable> mounts_;  // the resolver's; its generation dates a location
  std::unique_ptr<content::Resolver> resolver_;
  mutable Mutex mu_;
  mutable std::unordered_map<std::uint64_t, Resolved> resolved_ GUARDED_BY(mu_);
  mutable std::atomic<std::uint64_t> resolves_{0};
  std::unique_ptr<content::ContentTree> tree_;
};

}  // namespace snapfs::ns
