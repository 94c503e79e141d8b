#include "fs/namespace/listings.h"

#include <algorithm>
#include <set>
#include <string_view>
#include <unordered_map>

#include "fs/names.h"
#include "providers/common/log.h"
#include "providers/common/time_util.h"

namespace snapfs::ns {
namespace {

// A listing of provider objects (services or volumes), named as display_names() says of
// `named`: each entry shows the object's own name where that is shown as it is.
template <class Info>
ListingPtr objects_listing(std::vector<Info> objects, NodeKind kind,
                           const std::vector<NamedObject>& named) {
  auto names = display_names(named);
  auto listing = std::make_shared<DirListing>();
  for (std::size_t i = 0; i < objects.size(); ++i) {
    Child c;
    c.kind = kind;
    auto object = std::make_shared<const Info>(std::move(objects[i]));
    c.object = object;
    c.key = object->id;
    c.name = names[i] == object->name ? std::string_view(object->name) : listing->keep(names[i]);
    listing->children.push_back(std::move(c));
  }
  listing->index();
  return listing;
}

}  // namespace

// Mutations made through this mount that a provider's listing may not show yet.
struct Listings::PendingChanges {
  struct Created {
    SnapshotPtr snapshot;
    std::chrono::steady_clock::time_point until;
  };
  std::map<std::string, Created> created;                                // by id
  std::map<std::string, std::chrono::steady_clock::time_point> deleted;  // by id
};

// A service-wide snapshot list (SnapshotListing::PerService), grouped by volume.
struct Listings::ServiceSnapshots {
  std::unordered_map<std::string, std::vector<SnapshotPtr>> by_volume;
};

// Every volume directory holds the same one entry.
const ListingPtr& Listings::volume_listing() {
  static const ListingPtr kListing = [] {
    auto listing = std::make_shared<DirListing>();
    Child c;
    c.name = kSnapshotsDirName;
    c.key = kSnapshotsDirName;
    c.kind = NodeKind::SnapshotsDir;
    listing->children.push_back(std::move(c));
    listing->index();
    listing->serial = DirListing::kStaticSerial;
    return listing;
  }();
  return kListing;
}

Listings::Listings(const std::vector<Remote>& remotes, const FsOptions& options,
                   KernelNotifier* notifier, InodeTable& inodes, Contents& contents,
                   std::int64_t mount_time_us)
    : remotes_(remotes),
      options_(options),
      notifier_(notifier),
      inodes_(inodes),
      contents_(contents),
      mount_time_us_(mount_time_us),
      cache_(&counters_),
      service_snapshots_(&counters_),
      lazy_attrs_(&counters_) {
  auto root_listing = std::make_shared<DirListing>();
  for (std::size_t i = 0; i < remotes_.size(); ++i) {
    Child c;
    c.name = remotes_[i].config.name;
    c.key = root_listing->keep("r" + std::to_string(i));
    c.kind = NodeKind::Remote;
    root_listing->children.push_back(std::move(c));
  }
  root_listing->index();
  root_listing->serial = DirListing::kStaticSerial;
  root_listing_ = root_listing;
  pool_ = std::make_unique<PrefetchPool>(options_.prefetch);
}

Listings::~Listings() {
  shutting_down_->store(true);
  // Running jobs still use this object (and pool_ itself), so they finish before anything goes.
  pool_->shutdown();
}

Provider* Listings::provider_of(const Node& node) const {
  if (node.kind == NodeKind::Root || node.remote >= remotes_.size()) return nullptr;
  return remotes_[node.remote].provider.get();
}

void Listings::note_created(const std::string& key, SnapshotPtr snapshot,
                            const std::string& alias) {
  MutexLock lock(mu_);
  PendingChanges& pending = pending_[key];
  const std::string id(snapshot->id());
  pending.created[id] = {std::move(snapshot),
                         std::chrono::steady_clock::now() + options_.pending_ttl};
  // APIs where the id is the name (HA-NAS) reuse the id of a snapshot just deleted here.
  pending.deleted.erase(id);
  if (!alias.empty()) aliases_[key][alias] = id;
}

std::vector<std::string> Listings::note_deleted(const std::string& key, const std::string& id) {
  MutexLock lock(mu_);
  pending_[key].created.erase(id);
  pending_[key].deleted[id] = std::chrono::steady_clock::now() + options_.pending_ttl;
  return drop_aliases(key, id);
}

void Listings::forget_deletes(const std::string& key) {
  MutexLock lock(mu_);
  pending_[key].deleted.clear();
}

bool Listings::created_here(const std::string& key, std::string_view id) const {
  MutexLock lock(mu_);
  auto pending = pending_.find(key);
  return pending != pending_.end() && pending->second.created.count(std::string(id)) > 0;
}

std::int64_t Listings::first_seen_us(std::string_view id) const {
  MutexLock lock(mu_);
  auto seen = first_seen_us_.find(id);
  return seen == first_seen_us_.end() ? 0 : seen->second;
}

void Listings::invalidate(const Node& dir, const ObjectRef& ref) {
  std::string key;
  {
    MutexLock lock(inodes_.mu());
    key = inodes_.cache_key(dir);
  }
  if (!key.empty()) cache_.invalidate(key);
  // The kernel's readdir cache must go too, or the next `ls` would never reach us.
  if (notifier_ != nullptr) notifier_->inval_inode(dir.ino);
  Provider* provider = provider_of(dir);
  if (dir.kind == NodeKind::SnapshotsDir && provider &&
      provider->capabilities().listing == SnapshotListing::PerService) {
    // The directory is built from the service-wide list: that must be fetched again too.
    service_snapshots_.invalidate(service_snapshots_key(dir.remote, ref.service_id));
  }
}

std::string Listings::service_snapshots_key(std::size_t remote, const std::string& service_id) {
  return "r" + std::to_string(remote) + "/s:" + service_id + "/*";
}

Result<ListingPtr> Listings::get(std::uint64_t dir_ino, const OpContext& ctx, ListingMode mode,
                                 bool watching_transient) {
  static const ListingPtr kEmpty = [] {
    auto empty = std::make_shared<DirListing>();
    empty->serial = DirListing::kStaticSerial;
    return empty;
  }();
  Node dir_copy;
  ObjectRef ref;
  std::string key;
  {
    MutexLock lock(inodes_.mu());
    Node* dir = inodes_.find(dir_ino);
    if (dir == nullptr) return Error(ErrorKind::NotFound, "stale inode");
    if (!is_dir(dir->kind)) return Error(ErrorKind::InvalidArgument, "not a directory");
    // The listings that never change need no reference and no key: most directories a crawl
    // reads are snapshots.
    switch (dir->kind) {
      case NodeKind::Root: return root_listing_;
      case NodeKind::Volume: return volume_listing();
      case NodeKind::Snapshot: return kEmpty;
      default: break;
    }
    dir_copy.ino = dir->ino;
    dir_copy.kind = dir->kind;
    dir_copy.remote = dir->remote;
    dir_copy.listing = dir->listing;
    dir_copy.entry = dir->entry;
    ref = inodes_.object_ref(*dir);
    key = inodes_.cache_key(*dir);
  }
  ListingPtr before = cache_.peek(key);
  const bool verify = mode == ListingMode::Verify;
  // Short-lived while someone watches a snapshot on its way; a refresh that someone's look
  // queued must fetch then too. Other reads (ls, mkdir's name check) keep cache_ttl.
  const std::chrono::milliseconds ttl = watching_transient || mode == ListingMode::Background
                                            ? listing_ttl(before)
                                            : options_.cache_ttl;
  auto fetch = [&]() { return fetch_listing(dir_copy, ref, key, ctx, !verify); };
  // Past its TTL a listing stays usable for one more TTL while a worker refreshes it, so `ls`
  // never waits on a round trip for a directory it has seen recently.
  auto result = mode != ListingMode::Interactive
                    ? cache_.get(key, ttl, ctx, fetch, !verify)
                    : cache_.get_or_revalidate(key, ttl, options_.cache_ttl, ctx, fetch,
                                               [&] { return schedule_refresh(dir_ino, key); });
  if (result.ok() && before && result.value() != before) {
    publish_changes(dir_ino, before.get(), *result.value());
  }
  return result;
}

std::chrono::milliseconds Listings::listing_ttl(const ListingPtr& current) const {
  if (!current || current->transient_rounds == 0) return options_.cache_ttl;
  // A snapshot on its way (creating, deleting, busy) is looked at again soon, so its new state
  // shows within seconds of the API's change: 1 s, then 2, 4, 8, 10 s for as long as it lasts.
  const std::uint32_t doublings = std::min<std::uint32_t>(current->transient_rounds - 1, 4);
  const auto interval = std::min<std::chrono::milliseconds>(
      std::chrono::milliseconds(1000LL << doublings), std::chrono::milliseconds(10000));
  return std::min(options_.cache_ttl, interval);
}

Listings::ListingSource Listings::listing_source(const Node& dir) const {
  return {remotes_[dir.remote].provider.get(), remotes_[dir.remote].config.name};
}

Error Listings::ListingSource::fail(const Error& e) const {
  log_warning(remote_name + ": listing failed: " + e.message);
  return e;
}

Result<ListingPtr> Listings::fetch_listing(const Node& dir, const ObjectRef& ref,
                                           const std::string& key, const OpContext& ctx,
                                           bool serve_stale) {
  const ListingSource source = listing_source(dir);
  if (dir.kind == NodeKind::Remote) {
    auto services = source.provider->list_services(ctx);
    if (!services.ok()) return source.fail(services.error());
    return services_listing(std::move(services.value()));
  }
  if (dir.kind == NodeKind::Service) {
    auto volumes = source.provider->list_volumes(ref, ctx);
    if (!volumes.ok()) return source.fail(volumes.error());
    return volumes_listing(std::move(volumes.value()));
  }
  // A .snapshots directory.
  std::vector<SnapshotPtr> snapshots;
  if (source.provider->capabilities().listing == SnapshotListing::PerService) {
    auto listed = service_wide_snapshots(dir, ref, key, ctx, serve_stale);
    if (!listed.ok()) return listed.error();
    snapshots = std::move(listed.value());
  } else {
    ObjectRef scope = ref;
    scope.level = Level::Volume;
    auto list = source.provider->list_snapshots(scope, ctx);
    if (!list.ok()) return source.fail(list.error());
    for (auto& s : list.value()) {
      if (s.volume_id.empty()) s.volume_id = ref.volume_id;
    }
    snapshots = store_snapshots(std::move(list.value()));
  }
  return build_snapshot_listing(key, std::move(snapshots), true);
}

ListingPtr Listings::services_listing(std::vector<ServiceInfo> services) {
  std::vector<NamedObject> named;
  for (const auto& s : services) named.push_back({s.id, s.name.empty() ? s.id : s.name, 0});
  return objects_listing(std::move(services), NodeKind::Service, named);
}

ListingPtr Listings::volumes_listing(std::vector<VolumeInfo> volumes) {
  std::vector<NamedObject> named;
  for (const auto& v : volumes) named.push_back({v.id, v.name, v.created_us});
  return objects_listing(std::move(volumes), NodeKind::Volume, named);
}

// The snapshots of the volume of `ref`, from its service's whole list (one fetch, shared by
// every volume of the service, cached in service_snapshots_).
Result<std::vector<SnapshotPtr>> Listings::service_wide_snapshots(const Node& dir,
                                                                  const ObjectRef& ref,
                                                                  const std::string& key,
                                                                  const OpContext& ctx,
                                                                  bool serve_stale) {
  const ListingSource source = listing_source(dir);
  std::vector<SnapshotPtr> snapshots;
  {
    ObjectRef scope;
    scope.level = Level::Service;
    scope.service_id = ref.service_id;
    std::string service_key = service_snapshots_key(dir.remote, ref.service_id);
    // The zone's list lives as long as the listing derived from it: no longer when one of this
    // volume's snapshots is in a transient state.
    auto all = service_snapshots_.get(
        service_key, listing_ttl(cache_.peek(key)), ctx,
        [&]() -> Result<std::shared_ptr<const ServiceSnapshots>> {
          // Stored as the pages arrive: a zone's whole
          // list never sits in memory in its full form.
          auto grouped = std::make_shared<ServiceSnapshots>();
          std::shared_ptr<const std::string> dictionary;
          Status listed = source.provider->stream_snapshots(scope, ctx, [&](SnapshotInfo&& s) {
            if (!dictionary && !s.json.empty()) {
              dictionary = std::make_shared<const std::string>(s.json);
            }
            SnapshotPtr stored = store_snapshot(s, dictionary);
            grouped->by_volume[stored->volume_id()].push_back(std::move(stored));
          });
          if (!listed.ok()) return source.fail(listed.error());
          return std::shared_ptr<const ServiceSnapshots>(grouped);
        },
        serve_stale);
    if (!all.ok()) return all.error();
    auto it = all.value()->by_volume.find(ref.volume_id);
    if (it != all.value()->by_volume.end()) snapshots = it->second;
  }
  return snapshots;
}

// Builds a .snapshots listing from the provider's snapshots, with this mount's pending creates
// and deletes applied and its aliases added.
ListingPtr Listings::build_snapshot_listing(const std::string& key,
                                            std::vector<SnapshotPtr> snapshots,
                                            bool from_provider) {
  std::map<std::string, std::string> aliases;
  const ListingPtr previous = cache_.peek(key);
  {
    MutexLock lock(mu_);
    apply_pending(key, from_provider, &snapshots);
    std::int64_t now_us = now_unix_us();
    // Only snapshots without a creation time need one (their mtime is when first listed).
    for (const auto& s : snapshots) {
      if (s->created_us() == 0) first_seen_us_.emplace(s->id(), now_us);
    }
    auto a = aliases_.find(key);
    if (a != aliases_.end()) aliases = a->second;
  }
  auto listing = snapshot_entries(previous.get(), std::move(snapshots), from_provider);
  // The directory's mtime: when its set of snapshots (ids and names) last changed as seen here.
  // Before any change was seen, the mount time, as for the other directories snapfs makes up:
  // stat answers the same before and after the first listing.
  if (previous == nullptr) {
    listing->changed_us = mount_time_us_;
  } else if (same_snapshots(*previous, *listing)) {
    listing->changed_us = previous->changed_us;
  } else {
    listing->changed_us = std::max(now_unix_us(), previous->changed_us);
  }
  if (!aliases.empty()) add_alias_entries(listing.get(), aliases);
  return listing;
}

// Only a provider listing can settle a pending change; a local rebuild keeps it.
void Listings::apply_pending(const std::string& key, bool from_provider,
                             std::vector<SnapshotPtr>* snapshots) {
  auto pending = pending_.find(key);
  if (pending == pending_.end()) return;
  auto now = std::chrono::steady_clock::now();
  std::set<std::string> listed;
  for (const auto& s : *snapshots) listed.emplace(s->id());
  auto& created = pending->second.created;
  for (auto it = created.begin(); it != created.end();) {
    bool settled = listed.count(it->first) && from_provider;  // the provider shows it now
    bool lapsed = it->second.until < now;                     // or it never came
    if (settled || lapsed) {
      it = created.erase(it);
    } else {
      if (!listed.count(it->first)) snapshots->push_back(it->second.snapshot);
      ++it;
    }
  }
  auto& deleted = pending->second.deleted;
  for (auto it = deleted.begin(); it != deleted.end();) {
    if ((!listed.count(it->first) && from_provider) || it->second < now) {
      it = deleted.erase(it);
    } else {
      ++it;
    }
  }
  if (!deleted.empty()) {
    snapshots->erase(
        std::remove_if(snapshots->begin(), snapshots->end(),
                       [&](const auto& s) { return deleted.count(std::string(s->id())) > 0; }),
        snapshots->end());
  }
}

// The snapshots' entries, named as display_names() says, and how long they have shown a
// transient state.
std::shared_ptr<DirListing> Listings::snapshot_entries(const DirListing* previous,
                                                       std::vector<SnapshotPtr> snapshots,
                                                       bool from_provider) {
  // The names the last listing showed: a snapshot keeps its name while it exists, so a path
  // seen in `ls` still resolves after a sibling sharing its name is deleted.
  std::unordered_map<std::string_view, std::string_view> shown;
  if (previous) {
    shown.reserve(previous->children.size());
    for (const Child& c : previous->children) {
      if (c.kind == NodeKind::Snapshot) shown.emplace(c.key, c.name);
    }
  }
  std::vector<NamedObject> named;
  std::vector<std::string> shown_names;
  named.reserve(snapshots.size());
  shown_names.reserve(shown.empty() ? 0 : snapshots.size());
  for (const auto& s : snapshots) {
    named.push_back({std::string(s->id()), std::string(s->name()), s->created_us()});
    if (shown.empty()) continue;
    auto was = shown.find(s->id());
    shown_names.emplace_back(was == shown.end() ? std::string_view() : was->second);
  }
  auto names = display_names(named, shown_names);
  auto listing = std::make_shared<DirListing>();
  listing->children.reserve(snapshots.size());
  bool transient = false;
  for (std::size_t i = 0; i < snapshots.size(); ++i) {
    transient = transient || in_progress(snapshots[i]->state());
    Child c;
    c.key = snapshots[i]->id();
    c.name = names[i] == snapshots[i]->name() ? snapshots[i]->name() : listing->keep(names[i]);
    c.kind = NodeKind::Snapshot;
    c.object = std::move(snapshots[i]);
    listing->children.push_back(std::move(c));
  }
  listing->index();
  // A change made here (a local rebuild) starts the short intervals again; a provider listing
  // that still shows a transient state waits a little longer each time.
  if (transient) {
    listing->transient_rounds =
        from_provider && previous ? std::min(previous->transient_rounds + 1, 100u) : 1;
  }
  return listing;
}

// Whether `after` shows the snapshots of `before`, under the same names.
bool Listings::same_snapshots(const DirListing& before, const DirListing& after) {
  std::size_t count = 0;
  for (const Child& c : before.children) count += c.kind == NodeKind::Snapshot;
  if (count != after.children.size()) return false;
  for (const Child& c : after.children) {
    const Child* old = before.find_key(c.key, c.name);
    if (old == nullptr || old->name != c.name) return false;
  }
  return true;
}

// Adds a symlink entry for each alias whose snapshot is listed and whose name is free.
void Listings::add_alias_entries(DirListing* listing,
                                 const std::map<std::string, std::string>& aliases) {
  std::unordered_map<std::string_view, std::string_view> name_of_id;
  for (const Child& c : listing->children) name_of_id[c.key] = c.name;
  std::vector<Child> links;
  for (const auto& [alias, id] : aliases) {
    auto target = name_of_id.find(id);
    if (target == name_of_id.end() || listing->find(alias) != nullptr) continue;
    Child c;
    c.name = listing->keep(alias);
    c.key = listing->keep("alias:" + alias);
    c.kind = NodeKind::Alias;
    c.object = std::make_shared<const std::string>(target->second);
    links.push_back(std::move(c));
  }
  for (Child& c : links) listing->children.push_back(std::move(c));
  listing->index();
}

// Tells the kernel about names that appeared, vanished or changed since the listing it may have
// cached, so a remote change shows without waiting for the entry timeout.
void Listings::publish_changes(std::uint64_t dir_ino, const DirListing* before,
                               const DirListing& after) {
  if (notifier_ == nullptr || before == nullptr) return;
  std::vector<std::string> changed;
  for (const Child& c : before->children) {
    const Child* now = after.find(c.name);
    if (now == nullptr || now->key != c.key) changed.emplace_back(c.name);
  }
  for (const Child& c : after.children) {
    if (before->find(c.name) == nullptr) changed.emplace_back(c.name);
  }
  for (const auto& name : changed) notifier_->inval_entry(dir_ino, name);
  if (!changed.empty()) notifier_->inval_inode(dir_ino);
  // A snapshot no longer listed takes its files' tree with it.
  std::vector<std::uint64_t> gone;
  {
    MutexLock lock(inodes_.mu());
    for (const Child& c : before->children) {
      if (c.kind != NodeKind::Snapshot || after.find_key(c.key, c.name) != nullptr) continue;
      if (const Node* node = inodes_.find_child(dir_ino, c.key)) gone.push_back(node->ino);
    }
  }
  for (std::uint64_t ino : gone) contents_.drop(ino);
}

bool Listings::schedule_listing(std::uint64_t dir_ino, const std::string& key, int depth,
                                const PrefetchPool::Priority& priority) {
  if (shutting_down_->load()) return false;
  const std::uint64_t generation = priority.generation;
  // A refresh must fetch even when a prefetch of the same directory is queued or running (that
  // one may already have found the listing fresh), so the two are told apart.
  return pool_->schedule(
      depth < 0 ? "refresh|" + key : key,
      [this, dir_ino, depth, generation] { background_listing(dir_ino, depth, generation); },
      priority, depth);
}

bool Listings::schedule_refresh(std::uint64_t dir_ino, const std::string& key) {
  PrefetchPool::Priority priority;
  priority.generation = read_generation_.load();
  {
    MutexLock lock(inodes_.mu());
    if (const Node* dir = inodes_.find(dir_ino)) priority.path = inodes_.tree_path(*dir);
  }
  return schedule_listing(dir_ino, key, -1, priority);
}

void Listings::background_listing(std::uint64_t dir_ino, int depth, std::uint64_t generation) {
  OpContext ctx(options_.timeout, shutting_down_);
  auto list = get(dir_ino, ctx, ListingMode::Background);
  if (list.ok() && depth >= 0) prefetch_children(dir_ino, list.value(), depth - 1, generation);
}

void Listings::prefetch_children(std::uint64_t dir_ino, const ListingPtr& dir_listing, int depth,
                                 std::uint64_t generation) {
  // Most directories read are snapshots, with nothing below them: no lock, no work.
  if (depth < 0 || pool_->workers() == 0 || dir_listing->children.empty()) return;
  struct Target {
    std::uint64_t ino;
    std::string key;
    std::string path;
    int depth;
  };
  std::vector<Target> targets;
  std::string grouped;  // the service's key, when its volumes' listings share one fetch
  std::string dir_path;
  {
    MutexLock lock(inodes_.mu());
    Node* dir = inodes_.find(dir_ino);
    if (dir == nullptr) return;
    const Provider* provider = provider_of(*dir);
    if (dir->kind == NodeKind::Service && provider != nullptr &&
        provider->capabilities().listing == SnapshotListing::PerService) {
      grouped = inodes_.cache_key(*dir);
      dir_path = inodes_.tree_path(*dir);  // the grouped job's priority
    }
    for (const Child& child : dir_listing->children) {
      Node* node = nullptr;
      if (child.kind == NodeKind::Remote || child.kind == NodeKind::Service ||
          child.kind == NodeKind::SnapshotsDir) {
        node = inodes_.child_node(*dir, dir_listing, child);
      } else if (child.kind == NodeKind::Volume) {
        // A volume only holds `.snapshots`; the listing worth having is that one's.
        Node* volume = inodes_.child_node(*dir, dir_listing, child);
        const ListingPtr& inside = volume_listing();
        node = inodes_.child_node(*volume, inside, inside->children.front());
      }
      if (node == nullptr) continue;
      // Nothing below a .snapshots directory is listed ahead, so its listing is the same job
      // whatever the depth asked.
      const int below = node->kind == NodeKind::SnapshotsDir ? 0 : depth;
      targets.push_back({node->ino, inodes_.cache_key(*node), inodes_.tree_path(*node), below});
    }
  }
  // A fresh listing needs no request, but its own children may still be worth listing.
  targets.erase(std::remove_if(targets.begin(), targets.end(),
                               [&](const Target& t) {
                                 return t.depth == 0 && cache_.fresh(t.key, options_.cache_ttl);
                               }),
                targets.end());
  if (!grouped.empty() && !targets.empty()) {
    // Every volume's .snapshots comes from the one service-wide list (a Scaleway zone, many
    // pages): one worker fetches it and derives them all, where one job per volume would hold
    // every worker waiting on that same fetch while other remotes' listings queue behind.
    pool_->schedule("volumes of " + grouped,
                    [this, targets, generation] {
                      for (const Target& t : targets) {
                        if (shutting_down_->load()) return;
                        background_listing(t.ino, t.depth, generation);
                      }
                    },
                    {generation, dir_path});
    return;
  }
  for (const Target& t : targets) {
    schedule_listing(t.ino, t.key, t.depth, {generation, t.path});
  }
}

// The kernel answers `ls` from its own readdir cache and asks nothing until that copy is
// invalidated. A lookup or a getattr of the directory is then the sign that someone still looks
// at it: past its TTL its listing is fetched behind, and a change found invalidates the kernel's
// copy (publish_changes), so the next `ls` shows it.
void Listings::revalidate_if_stale(std::uint64_t ino) {
  std::string key;
  {
    MutexLock lock(inodes_.mu());
    Node* node = inodes_.find(ino);
    if (node == nullptr) return;
    if (node->kind != NodeKind::Remote && node->kind != NodeKind::Service &&
        node->kind != NodeKind::SnapshotsDir) {
      return;  // the other directories' listings never change
    }
    key = inodes_.cache_key(*node);
  }
  // Never listed: the kernel has no copy either, and its first read fetches one.
  if (key.empty() || !cache_.stale(key, options_.cache_ttl)) return;
  if (pool_->workers() > 0) {
    schedule_refresh(ino, key);
  } else if (notifier_ != nullptr) {
    notifier_->inval_inode(ino);  // -o prefetch=0: the next read lists it before answering
  }
}

std::vector<std::string> Listings::drop_aliases(const std::string& key, const std::string& id) {
  std::vector<std::string> dropped;
  auto a = aliases_.find(key);
  if (a == aliases_.end()) return dropped;
  for (auto it = a->second.begin(); it != a->second.end();) {
    if (it->second == id) {
      dropped.push_back(it->first);
      it = a->second.erase(it);
    } else {
      ++it;
    }
  }
  return dropped;
}

}  // namespace snapfs::ns
