// The tree's shared vocabulary: the mount's options and remotes, the kernel notifier, a
// directory listing as shown (DirListing, its entries Child) and an inode (Node). Listings are
// immutable once indexed and shared (ListingPtr) by the Listings room that caches them and the
// InodeTable whose nodes point into them; nothing here owns a lock.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <forward_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fs/stored_snapshot.h"
#include "providers/provider.h"

namespace snapfs {

enum class NodeKind { Root, Remote, Service, Volume, SnapshotsDir, Snapshot, Alias };

struct FsOptions {
  uid_t uid = 0;
  gid_t gid = 0;
  mode_t umask = 0;
  bool read_only = false;
  std::chrono::milliseconds cache_ttl{30000};
  std::chrono::milliseconds timeout{20000};  // per operation, all retries included
  // How long an entry created or deleted through this mount overrides provider listings that
  // do not show the change yet (APIs that apply mutations asynchronously).
  std::chrono::seconds pending_ttl{600};
  // Background listing workers (children of listed directories, refreshes of listings past their
  // TTL); 0 turns both off.
  std::size_t prefetch = 8;
};

// Cache invalidations for the kernel. Implementations must not call back into the filesystem
// from the calling thread (libfuse deadlocks when a notification is sent from the handler of a
// related operation), so the FUSE implementation queues them to a thread of its own.
class KernelNotifier {
 public:
  virtual ~KernelNotifier() = default;
  virtual void inval_entry(std::uint64_t parent, const std::string& name) = 0;
  virtual void inval_inode(std::uint64_t ino) = 0;
};

struct Remote {
  RemoteConfig config;
  std::unique_ptr<Provider> provider;
};

struct EntryReply {
  std::uint64_t ino = 0;  // 0: negative entry (the name does not exist)
  struct stat attr {};
  double timeout = 0;  // seconds, for both entry and attributes
};

struct DirEntryReply {
  std::string name;
  struct stat attr {};
};

namespace ns {

inline bool is_dir(NodeKind kind) {
  return kind != NodeKind::Alias;
}

// A snapshot on its way: creating, deleting or busy.
inline bool in_progress(const std::string& state) {
  return state == "creating" || state == "busy" || state == "deleting";
}

// One entry of a directory listing, as shown. Its strings are views: into its own object
// (a snapshot's id and name), into the listing's `strings`, or into static text, so an entry
// costs no allocation of its own; it is only ever used through the listing that holds it.
struct Child {
  std::string_view name;  // display name
  std::string_view key;   // identity within the directory: provider id, "r<n>", or ".snapshots"
  NodeKind kind = NodeKind::Snapshot;
  // The object shown, of the type `kind` says: a ServiceInfo, VolumeInfo, StoredSnapshot, or
  // for an Alias the display name of the snapshot it points to (a std::string).
  std::shared_ptr<const void> object;

  const ServiceInfo* service() const { return as<ServiceInfo>(NodeKind::Service); }
  const VolumeInfo* volume() const { return as<VolumeInfo>(NodeKind::Volume); }
  const StoredSnapshot* snapshot() const { return as<StoredSnapshot>(NodeKind::Snapshot); }
  std::string_view alias_target() const {
    const auto* target = as<std::string>(NodeKind::Alias);
    return target ? std::string_view(*target) : std::string_view();
  }
  SnapshotPtr shared_snapshot() const {
    return kind == NodeKind::Snapshot ? std::static_pointer_cast<const StoredSnapshot>(object)
                                      : nullptr;
  }

 private:
  template <class T>
  const T* as(NodeKind k) const {
    return kind == k ? static_cast<const T*>(object.get()) : nullptr;
  }
};

struct DirListing {
  // Listings that never change (the root, a volume, a snapshot) all carry this serial.
  static constexpr std::uint64_t kStaticSerial = 1;

  DirListing() = default;
  DirListing(const DirListing&) = delete;  // by_name points into children
  DirListing& operator=(const DirListing&) = delete;

  std::vector<Child> children;
  // Indexes of `children` in name order: a lookup is a binary search, at 4 bytes an entry.
  std::vector<std::uint32_t> by_name;
  // Text the entries' views point to when their objects do not hold it (disambiguated names).
  std::forward_list<std::string> strings;
  // The listing this one was copied from, whose text its entries may still point to.
  std::shared_ptr<const DirListing> base;
  // Tells listings apart, so the kernel may keep its copy of a directory while it is unchanged.
  std::uint64_t serial = 0;
  // .snapshots: how many listings in a row showed a snapshot creating, deleting or busy (0:
  // none), which shortens the listing's life (listing_ttl); and when its snapshots last changed
  // as seen from here (a create, delete or rename, made here or found in a new listing), its mtime.
  std::uint32_t transient_rounds = 0;
  std::int64_t changed_us = 0;

  std::string_view keep(std::string text) {
    strings.push_front(std::move(text));
    return strings.front();
  }
  void index() {
    static std::atomic<std::uint64_t> next_serial{kStaticSerial + 1};
    serial = next_serial++;
    by_name.resize(children.size());
    for (std::size_t i = 0; i < children.size(); ++i) by_name[i] = static_cast<std::uint32_t>(i);
    std::stable_sort(by_name.begin(), by_name.end(), [this](std::uint32_t a, std::uint32_t b) {
      return children[a].name < children[b].name;
    });
  }
  const Child* find(std::string_view name) const {
    auto it = std::lower_bound(
        by_name.begin(), by_name.end(), name,
        [this](std::uint32_t i, std::string_view n) { return children[i].name < n; });
    return it == by_name.end() || children[*it].name != name ? nullptr : &children[*it];
  }
  // `name_hint`, the name the child had when last seen, makes the usual case one hash lookup.
  const Child* find_key(std::string_view key, std::string_view name_hint = {}) const {
    if (const Child* c = find(name_hint); c != nullptr && c->key == key) return c;
    for (const Child& c : children) {
      if (c.key == key) return &c;
    }
    return nullptr;
  }
};

using ListingPtr = std::shared_ptr<const DirListing>;

// An inode. What it shows (name, key, object) is its entry in the listing it was last seen in;
// holding that listing keeps the entry valid after its directory was listed anew.
struct Node {
  std::uint64_t ino = 0;
  std::uint64_t parent = 0;
  NodeKind kind = NodeKind::Root;
  std::uint32_t remote = 0;  // index in remotes_
  std::uint64_t nlookup = 0;
  std::uint64_t served_serial = 0;  // the listing last handed to the kernel (directories)
  ListingPtr listing;               // null for the root
  const Child* entry = nullptr;     // in `listing`

  std::string_view key() const { return entry ? entry->key : std::string_view(); }
  std::string_view name() const { return entry ? entry->name : std::string_view(); }
  const ServiceInfo* service() const { return entry ? entry->service() : nullptr; }
  const VolumeInfo* volume() const { return entry ? entry->volume() : nullptr; }
  const StoredSnapshot* snapshot() const { return entry ? entry->snapshot() : nullptr; }
  std::string_view alias_target() const {
    return entry ? entry->alias_target() : std::string_view();
  }
};

}  // namespace ns
}  // namespace snapfs
