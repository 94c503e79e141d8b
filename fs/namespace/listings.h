// The directory listings: every directory's listing as fetched from its provider (or made up:
// the root, a volume, a snapshot), cached with a TTL, with this mount's own creates, deletes
// and aliases laid over the provider's .snapshots listings until the provider shows them; the
// background workers that list ahead (prefetch) and refresh listings past their TTL; and the
// kernel notes when a new listing differs from the one before.
//
// Owns: the TtlCaches (listings, service-wide snapshot lists, lazily fetched attributes) and
// their counters, the PrefetchPool, the root listing; and pending_, aliases_ and first_seen_us_,
// guarded by mu_. mu_ is taken after the InodeTable's lock (a node's attributes read a
// first-seen time under it) and never held across a provider call, a cache's fetch or a call
// into another room. The caches' locks come after both (a listing is peeked at under the
// InodeTable's lock); the pool's lock is taken with none of these held.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "fs/namespace/contents.h"
#include "fs/namespace/inode_table.h"
#include "fs/namespace/tree.h"
#include "fs/prefetch_pool.h"
#include "fs/ttl_cache.h"
#include "providers/common/thread_annotations.h"

namespace snapfs::ns {

// Interactive listings may be served past their TTL while refreshed in the background;
// background ones (prefetch, refresh) always fetch once the TTL has passed. Verify: fetched
// now unless fresh, and a failure is the answer, never the old listing.
enum class ListingMode { Interactive, Background, Verify };

class Listings {
 public:
  static constexpr const char* kSnapshotsDirName = ".snapshots";

  // `remotes`, `inodes` and `contents` outlive this. `mount_time_us`: the mount's, the mtime of
  // a .snapshots directory before any change was seen in it (as of the directories made up).
  Listings(const std::vector<Remote>& remotes, const FsOptions& options, KernelNotifier* notifier,
           InodeTable& inodes, Contents& contents, std::int64_t mount_time_us);
  ~Listings();  // stops the background workers first
  Listings(const Listings&) = delete;
  Listings& operator=(const Listings&) = delete;

  // The listing of directory `dir_ino`. `watching_transient`: the caller looks at a snapshot in
  // a transient state, so the listing lives only listing_ttl() (background refreshes always
  // use that). A listing that differs from the cached one is published to the kernel.
  Result<ListingPtr> get(std::uint64_t dir_ino, const OpContext& ctx,
                         ListingMode mode = ListingMode::Interactive,
                         bool watching_transient = false) EXCLUDES(mu_, inodes_.mu());
  ListingPtr peek(const std::string& key) const { return cache_.peek(key); }
  void replace(const std::string& key, ListingPtr listing) {
    cache_.replace(key, std::move(listing));
  }
  // Makes the next access list `dir` again (and the service-wide list it is built from), and
  // drops the kernel's copy.
  void invalidate(const Node& dir, const ObjectRef& ref) EXCLUDES(inodes_.mu());
  // A .snapshots listing from `snapshots`, with this mount's pending changes applied and its
  // aliases added; `from_provider` false for a local rebuild, which settles nothing pending.
  ListingPtr build_snapshot_listing(const std::string& key, std::vector<SnapshotPtr> snapshots,
                                    bool from_provider) EXCLUDES(mu_);
  // Every volume directory holds the same one entry.
  static const ListingPtr& volume_listing();

  // This mount's own changes to the .snapshots directory `key`, shown until the provider does.
  // A create (with the alias `alias` for it, unless empty); a delete, which returns the aliases
  // of the snapshot that went with it; and the deletes forgotten (the API's listing decides).
  void note_created(const std::string& key, SnapshotPtr snapshot, const std::string& alias)
      EXCLUDES(mu_);
  std::vector<std::string> note_deleted(const std::string& key, const std::string& id)
      EXCLUDES(mu_);
  void forget_deletes(const std::string& key) EXCLUDES(mu_);
  // Whether a create of this mount made snapshot `id` and is still pending.
  bool created_here(const std::string& key, std::string_view id) const EXCLUDES(mu_);
  // When snapshot `id` (one without a creation time) was first listed, or 0.
  std::int64_t first_seen_us(std::string_view id) const EXCLUDES(mu_);

  // Queues the listings of `dir`'s child directories; `depth` more levels follow each of them,
  // ranked by `generation` (that of the directory read they follow from: next_read()).
  void prefetch_children(std::uint64_t dir_ino, const ListingPtr& dir_listing, int depth,
                         std::uint64_t generation) EXCLUDES(inodes_.mu());
  std::uint64_t next_read() { return ++read_generation_; }
  // A lookup or getattr of a directory whose listing is past its TTL: refreshed behind.
  void revalidate_if_stale(std::uint64_t ino) EXCLUDES(inodes_.mu());
  // Waits until no background listing is queued or running.
  void wait_idle() { pool_->wait_idle(); }

  TtlCache<AttrList>& lazy_attrs() { return lazy_attrs_; }
  const CacheCounters& counters() const { return counters_; }
  const PrefetchPool& pool() const { return *pool_; }

 private:
  struct PendingChanges;
  struct ServiceSnapshots;

  Provider* provider_of(const Node& node) const;
  // Where a listing of `dir` (not the root) comes from: its remote's provider; a failure of it
  // is logged with the remote's name, then is the answer.
  struct ListingSource {
    Provider* provider;
    const std::string& remote_name;
    Error fail(const Error& e) const;
  };
  ListingSource listing_source(const Node& dir) const;
  static std::string service_snapshots_key(std::size_t remote, const std::string& service_id);
  // Queues a background listing of `dir_ino` (depth -1: a refresh, nothing below it); false
  // when the pool is off or full.
  bool schedule_listing(std::uint64_t dir_ino, const std::string& key, int depth,
                        const PrefetchPool::Priority& priority);
  // A refresh of `dir_ino` ranks with the most recent directory read: someone is using it now.
  bool schedule_refresh(std::uint64_t dir_ino, const std::string& key) EXCLUDES(inodes_.mu());
  void background_listing(std::uint64_t dir_ino, int depth, std::uint64_t generation);
  // How long `current` (a cached listing, or null) is fresh: cache_ttl, or less while one of its
  // snapshots is in a transient state.
  std::chrono::milliseconds listing_ttl(const ListingPtr& current) const;
  Result<ListingPtr> fetch_listing(const Node& dir_copy, const ObjectRef& ref,
                                   const std::string& key, const OpContext& ctx,
                                   bool serve_stale = true);
  static ListingPtr services_listing(std::vector<ServiceInfo> services);
  static ListingPtr volumes_listing(std::vector<VolumeInfo> volumes);
  Result<std::vector<SnapshotPtr>> service_wide_snapshots(const Node& dir, const ObjectRef& ref,
                                                          const std::string& key,
                                                          const OpContext& ctx, bool serve_stale);
  void apply_pending(const std::string& key, bool from_provider,
                     std::vector<SnapshotPtr>* snapshots) REQUIRES(mu_);
  static std::shared_ptr<DirListing> snapshot_entries(const DirListing* previous,
                                                      std::vector<SnapshotPtr> snapshots,
                                                      bool from_provider);
  static bool same_snapshots(const DirListing& before, const DirListing& after);
  static void add_alias_entries(DirListing* listing,
                                const std::map<std::string, std::string>& aliases);
  // Forgets the aliases of snapshot `id` in the .snapshots directory `key`; returns their names.
  std::vector<std::string> drop_aliases(const std::string& key, const std::string& id)
      REQUIRES(mu_);
  // Tells the kernel about names that appeared, vanished or changed since `before`.
  void publish_changes(std::uint64_t dir_ino, const DirListing* before, const DirListing& after)
      EXCLUDES(inodes_.mu());

  const std::vector<Remote>& remotes_;
  const FsOptions options_;
  KernelNotifier* notifier_;
  InodeTable& inodes_;
  Contents& contents_;
  const std::int64_t mount_time_us_;
  ListingPtr root_listing_;  // set in the constructor, then only read

  mutable Mutex mu_ ACQUIRED_AFTER(inodes_.mu());
  // By snapshots-dir cache key.
  std::map<std::string, PendingChanges> pending_ GUARDED_BY(mu_);
  // key -> alias -> id
  std::map<std::string, std::map<std::string, std::string>> aliases_ GUARDED_BY(mu_);
  // snapshot id -> when first listed
  std::map<std::string, std::int64_t, std::less<>> first_seen_us_ GUARDED_BY(mu_);

  CacheCounters counters_;
  std::atomic<std::uint64_t> read_generation_{0};  // directory reads so far: prefetch priority
  TtlCache<DirListing> cache_;
  TtlCache<ServiceSnapshots> service_snapshots_;
  TtlCache<AttrList> lazy_attrs_;
  // Set at destruction: background listings still running give up at once.
  std::shared_ptr<std::atomic<bool>> shutting_down_ = std::make_shared<std::atomic<bool>>(false);
  // Last member: its workers stop before anything they use is destroyed.
  std::unique_ptr<PrefetchPool> pool_;
};

}  // namespace snapfs::ns
