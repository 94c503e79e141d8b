// The inode table: every node the kernel may name, by inode number and by (parent, key), the
// next inode number, and the kernel's lookup counts. Nodes point into the listings they were
// last seen in (fs/namespace/tree.h); this room never lists anything itself.
//
// Owns: nodes_, by_parent_key_, next_ino_ and every field of every Node, all guarded by mu_.
// mu_ is never held across a provider call or a wait; callers hold it (MutexLock on mu()) for
// the few steps that must see one state of the table, and copy out what they need.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>

#include "fs/namespace/tree.h"
#include "fs/pointer_index.h"
#include "providers/common/thread_annotations.h"

namespace snapfs::ns {

class InodeTable {
 public:
  static constexpr std::uint64_t kRootIno = 1;

  InodeTable();
  InodeTable(const InodeTable&) = delete;
  InodeTable& operator=(const InodeTable&) = delete;

  Mutex& mu() const RETURN_CAPABILITY(mu_) { return mu_; }

  Node* find(std::uint64_t ino) const REQUIRES(mu_);
  // The node of `child`, an entry of `listing` (a listing of `parent`), made on first sight;
  // an existing one shows that entry from now on.
  Node* child_node(const Node& parent, const ListingPtr& listing, const Child& child) REQUIRES(mu_);
  Node* find_child(std::uint64_t parent, std::string_view key) const REQUIRES(mu_);
  // The inode of `parent`'s child `key`, or 0 when it has none.
  std::uint64_t child_ino(std::uint64_t parent, std::string_view key) const REQUIRES(mu_);
  // `parent`'s child `old_key` shows `entry` of `listing` from now on, under its new key.
  void rekey(std::uint64_t parent, std::string_view old_key, const ListingPtr& listing,
             const Child* entry) REQUIRES(mu_);

  // The key of a directory's listing in the Listings caches ("" for one that has none).
  std::string cache_key(const Node& dir) const REQUIRES(mu_);
  // The provider's address of the node's object.
  ObjectRef object_ref(const Node& node) const REQUIRES(mu_);
  // The names from the root down to `node`, each ended by a NUL byte: in byte order, these sort
  // as a depth-first walk in name order meets the directories.
  std::string tree_path(const Node& node) const REQUIRES(mu_);

  // The kernel took `n` more references / dropped `n`. add_lookup() is false when `ino` is
  // unknown; forget() drops a leaf (snapshot, alias) the kernel no longer knows, and says
  // whether that was a snapshot.
  bool add_lookup(std::uint64_t ino, std::uint64_t n) EXCLUDES(mu_);
  bool forget(std::uint64_t ino, std::uint64_t n) EXCLUDES(mu_);
  std::size_t size() const EXCLUDES(mu_);

  // What a snapshot node's files are resolved from (the Contents room): its listed snapshot,
  // its volume's listed object and its remote; null `snapshot` when `ino` is no snapshot.
  struct SnapshotSource {
    std::shared_ptr<const void> snapshot;  // a StoredSnapshot
    std::shared_ptr<const void> volume;    // a VolumeInfo, or null
    std::uint32_t remote = 0;
  };
  SnapshotSource snapshot_source(std::uint64_t ino) const EXCLUDES(mu_);

 private:
  Node* add(std::uint64_t ino) REQUIRES(mu_);
  static std::size_t parent_key_hash(std::uint64_t parent, std::string_view key);
  struct ParentKeyHash {
    std::size_t operator()(const Node& node) const;
  };
  // Nodes hashed and compared by inode number, and found by it alone. Noexcept, so that the
  // table keeps no hash beside each node.
  struct InoHash {
    using is_transparent = void;
    std::size_t operator()(const Node& node) const noexcept { return (*this)(node.ino); }
    std::size_t operator()(std::uint64_t ino) const noexcept {
      return std::hash<std::uint64_t>()(ino);
    }
  };
  struct InoEqual {
    using is_transparent = void;
    bool operator()(const Node& a, const Node& b) const noexcept { return a.ino == b.ino; }
    bool operator()(std::uint64_t ino, const Node& n) const noexcept { return ino == n.ino; }
    bool operator()(const Node& n, std::uint64_t ino) const noexcept { return n.ino == ino; }
  };

  mutable Mutex mu_;
  // Node-based: a Node's address is stable while it exists. Mutable: find() is const.
  // A set, not a map: the inode number in each node is its key, held once.
  mutable std::unordered_set<Node, InoHash, InoEqual> nodes_ GUARDED_BY(mu_);
  // Nodes by (parent, key), under parent_key_hash(): holds no copy of the keys.
  PointerIndex<Node, ParentKeyHash> by_parent_key_ GUARDED_BY(mu_);
  std::uint64_t next_ino_ GUARDED_BY(mu_) = kRootIno + 1;
};

}  // namespace snapfs::ns
