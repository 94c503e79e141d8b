#include "fs/namespace/mutations.h"

#include <algorithm>
#include <cerrno>

#include "fs/errno_map.h"
#include "fs/names.h"
#include "providers/common/log.h"
#include "providers/common/strings.h"
#include "providers/common/time_util.h"

namespace snapfs::ns {

Mutations::Mutations(const std::vector<Remote>& remotes, const FsOptions& options,
                     KernelNotifier* notifier, InodeTable& inodes, Listings& listings,
                     Contents& contents, const Attributes& attributes)
    : remotes_(remotes),
      options_(options),
      notifier_(notifier),
      inodes_(inodes),
      listings_(listings),
      contents_(contents),
      attributes_(attributes) {
  for (const Remote& remote : remotes_) {
    // The configuration loader refused a value that is not a boolean.
    bool read_only = false;
    read_only_remotes_.push_back(parse_bool(remote.config.get("read_only"), &read_only) &&
                                 read_only);
  }
}

double Mutations::entry_timeout() const {
  return std::chrono::duration<double>(options_.cache_ttl).count();
}

Provider* Mutations::provider_of(const Node& node) const {
  if (node.kind == NodeKind::Root || node.remote >= remotes_.size()) return nullptr;
  return remotes_[node.remote].provider.get();
}

bool Mutations::read_only_at(const Node& node) const {
  if (options_.read_only) return true;
  // The root belongs to no remote; every other node carries the index of its own.
  return node.kind != NodeKind::Root && node.remote < read_only_remotes_.size() &&
         read_only_remotes_[node.remote];
}

int Mutations::mutation_precheck(std::uint64_t parent, Node** dir) const {
  *dir = inodes_.find(parent);
  if (*dir == nullptr) return ENOENT;
  if (read_only_at(**dir)) return EROFS;
  if ((*dir)->kind != NodeKind::SnapshotsDir) return EPERM;
  return 0;
}

const Child* Mutations::made_by_create(const DirListing& fresh,
                                       const std::set<std::string, std::less<>>& known,
                                       const std::string& key, const std::string& name,
                                       bool server_names, std::int64_t started_us) const {
  // A server-chosen name is stamped when the API applies the create: allow for clocks that
  // disagree by up to this much, and never claim an older snapshot.
  constexpr std::int64_t kClockSlackUs = 60LL * 1000 * 1000;
  for (const Child& c : fresh.children) {
    if (c.kind != NodeKind::Snapshot || known.count(c.key)) continue;
    if (!server_names) {
      if (c.snapshot()->name() == name) return &c;
      continue;
    }
    // Another mkdir of this mount may have made it: that one is not ours.
    if (listings_.created_here(key, c.key)) continue;
    const std::int64_t created = c.snapshot()->created_us();
    if (created != 0 && created + kClockSlackUs < started_us) continue;
    return &c;
  }
  return nullptr;
}

// The .snapshots directory a mutation works in, read under mu_ once.
struct Mutations::MutationTarget {
  Provider* provider = nullptr;
  std::string key;  // its listing's cache key
  Node dir;         // a copy
  ObjectRef ref;    // the directory's
  std::string remote_name;
};

int Mutations::mutation_target(std::uint64_t parent, MutationTarget* target) {
  if (content::ContentTree::is_content(parent)) return EROFS;
  // Inside a snapshot that shows its files: they are read-only.
  if (!contents_.location(parent).dir.empty()) return EROFS;
  MutexLock lock(inodes_.mu());
  Node* dir = nullptr;
  if (int rc = mutation_precheck(parent, &dir); rc != 0) return rc;
  target->provider = provider_of(*dir);
  target->key = inodes_.cache_key(*dir);
  target->dir = *dir;
  target->ref = inodes_.object_ref(*dir);
  target->remote_name = remotes_[dir->remote].config.name;
  return 0;
}

// Every mutation whose answer was lost, unreadable or a 5xx ends here: it is never re-sent
// blind; a fresh listing of the directory decides what happened (null when that fails too).
ListingPtr Mutations::listing_after_unclear(const MutationTarget& target, std::uint64_t parent,
                                            const std::string& what, const Error& error,
                                            const OpContext& ctx) {
  log_warning(target.remote_name + ": " + what + " had an unclear outcome (" + error.message +
              "); checking the listing");
  listings_.invalidate(target.dir, target.ref);
  auto fresh = listings_.get(parent, ctx);
  return fresh.ok() ? fresh.value() : nullptr;
}

int Mutations::mkdir(std::uint64_t parent, const std::string& name, const OpContext& ctx,
                     EntryReply* out) {
  MutationTarget target;
  if (int rc = mutation_target(parent, &target); rc != 0) return rc;
  Provider* provider = target.provider;
  const std::string& key = target.key;
  const std::string& remote_name = target.remote_name;
  ObjectRef volume_ref = target.ref;
  volume_ref.level = Level::Volume;
  CreateRequest request;
  request.expires_in_seconds = attributes_.default_expiration_seconds(key);
  if (name.size() > 255) return ENAMETOOLONG;
  // A name that would be shown otherwise than typed (or is not UTF-8, which JSON cannot carry)
  // is refused before any request: `stat NAME` must find what `mkdir NAME` made.
  if (!is_creatable_name(name)) return EINVAL;
  auto list = listings_.get(parent, ctx);
  if (!list.ok()) return errno_for(list.error());
  if (list.value()->find(name) != nullptr) return EEXIST;
  request.name = unescape_name(name);
  if (Status valid = provider->validate_name(request.name); !valid.ok()) {
    log_warning(remote_name + ": cannot create snapshot '" + name + "': " + valid.error().message);
    return errno_for(valid.error());
  }
  // Part of the deadline is kept back: if the create's answer is lost, checking a fresh listing
  // must still fit before the kernel gets its answer.
  OpContext create_ctx = keeping_check_time(ctx);
  const std::int64_t create_start_us = now_unix_us();
  auto created = provider->create_snapshot(volume_ref, request, create_ctx);
  // No answer, one that cannot be read (truncated, malformed), or a 5xx (which may come after
  // the work was done): the request may have been applied. Look before reporting anything,
  // never re-send blind. This is where every provider's unclear create is decided.
  if (!created.ok() && create_may_have_applied(created.error())) {
    std::set<std::string, std::less<>> known;
    for (const Child& c : list.value()->children) known.emplace(c.key);
    // The server may have given the new snapshot the name, and so the id, of one deleted here
    // moments ago (NAVER names snapshots by the second, HA-NAS ids are names): from now on the
    // API's listing decides, not this mount's memory of deletes.
    listings_.forget_deletes(key);
    if (ListingPtr fresh = listing_after_unclear(target, parent, "create of '" + name + "'",
                                                 created.error(), ctx)) {
      const Child* made = made_by_create(*fresh, known, key, request.name,
                                         provider->capabilities().server_names, create_start_us);
      if (made != nullptr) created = made->snapshot()->expand();
    }
  }
  if (!created.ok()) {
    log_warning(remote_name + ": cannot create snapshot '" + name +
                "': " + created.error().message);
    return errno_for(created.error());
  }
  SnapshotInfo snapshot = created.value();
  if (snapshot.volume_id.empty()) snapshot.volume_id = volume_ref.volume_id;
  return show_created(parent, name, request.name, key, std::move(snapshot), remote_name, out);
}

// After a create: the new snapshot is pending until the provider lists it, the directory's
// listing is rebuilt from the provider's answer, and the kernel gets the new entry.
int Mutations::show_created(std::uint64_t parent, const std::string& name,
                            const std::string& requested_name, const std::string& key,
                            SnapshotInfo snapshot, const std::string& remote_name,
                            EntryReply* out) {
  // Deflated against a sibling's JSON, like the listed ones.
  ListingPtr current = listings_.peek(key);
  std::shared_ptr<const std::string> dictionary;
  for (std::size_t i = 0; current && i < current->children.size() && !dictionary; ++i) {
    if (const StoredSnapshot* sibling = current->children[i].snapshot()) {
      dictionary = sibling->dictionary();
    }
  }
  auto shared = store_snapshot(snapshot, std::move(dictionary));
  // Pending until the provider lists it; where the provider chose another name, `name` is an
  // alias of it.
  listings_.note_created(key, shared, snapshot.name != requested_name ? name : std::string());
  // Rebuild this directory's listing with the new snapshot, from the provider's answer.
  current = listings_.peek(key);
  std::vector<SnapshotPtr> snapshots;
  if (current) {
    for (const Child& c : current->children) {
      if (c.kind == NodeKind::Snapshot && c.key != snapshot.id) {
        snapshots.push_back(c.shared_snapshot());
      }
    }
  }
  ListingPtr updated = listings_.build_snapshot_listing(key, std::move(snapshots), false);
  listings_.replace(key, updated);
  const Child* child = updated->find_key(snapshot.id);
  if (child == nullptr) return EIO;
  {
    MutexLock lock(inodes_.mu());
    Node* dir = inodes_.find(parent);
    if (dir == nullptr) return ENOENT;
    Node* node = inodes_.child_node(*dir, updated, *child);
    node->nlookup++;
    out->ino = node->ino;
    // Where the provider chose another name, `name` is an alias symlink, not this directory: the
    // kernel must not keep the entry it makes from this reply, or a readlink right after mkdir
    // would find a directory (EINVAL) until the invalidation below arrives.
    out->timeout = child->name == name ? entry_timeout() : 0;
  }
  if (notifier_ != nullptr) {
    // The kernel made a directory entry `name` for the reply; where the provider chose another
    // name, `name` is an alias symlink: drop the kernel's entry so the next lookup sees the link.
    if (child->name != name) notifier_->inval_entry(parent, name);
    notifier_->inval_inode(parent);
  }
  log_info(remote_name + ": created snapshot '" + snapshot.name + "' (" + snapshot.id + ")");
  return 0;
}

bool Mutations::create_may_have_applied(const Error& error) {
  // 501 and 505 refuse the request before any work; any other 5xx may follow it.
  const bool server_error =
      error.http_status >= 500 && error.http_status != 501 && error.http_status != 505;
  return error.may_have_applied() || server_error;
}

OpContext Mutations::keeping_check_time(const OpContext& ctx) const {
  const auto reserve =
      std::min<std::chrono::milliseconds>(std::chrono::milliseconds(2000), options_.timeout / 4);
  return OpContext(std::max(ctx.remaining() - reserve, std::chrono::milliseconds(1)),
                   ctx.cancel_flag());
}

// The cached state may be old: ask again before refusing. Only the API's answer now can say
// "busy"; when it cannot be asked (an outage), that is the error reported. On 0, `*list` and
// `*child` are the new listing and the snapshot's entry in it.
int Mutations::recheck_in_progress(const MutationTarget& target, std::uint64_t parent,
                                   const std::string& name, const std::string& id,
                                   const OpContext& ctx, Result<ListingPtr>* list,
                                   const Child** child) {
  listings_.invalidate(target.dir, target.ref);
  *list = listings_.get(parent, ctx, ListingMode::Verify);
  if (!list->ok()) return errno_for(list->error());
  *child = list->value()->find_key(id);
  if (*child == nullptr) return ENOENT;
  if (in_progress((*child)->snapshot()->state())) {
    log_info(target.remote_name + ": snapshot '" + name + "' is " + (*child)->snapshot()->state() +
             "; not deleting it");
    return EBUSY;
  }
  return 0;
}

int Mutations::rmdir(std::uint64_t parent, const std::string& name, const OpContext& ctx) {
  // rmdir of a volume, service or .snapshots itself is never a provider operation: EROFS or
  // EPERM from the precheck.
  MutationTarget target;
  if (int rc = mutation_target(parent, &target); rc != 0) return rc;
  Provider* provider = target.provider;
  const std::string& key = target.key;
  const std::string& remote_name = target.remote_name;
  auto list = listings_.get(parent, ctx);
  if (!list.ok()) return errno_for(list.error());
  const Child* child = list.value()->find(name);
  if (child == nullptr) return ENOENT;
  if (child->kind == NodeKind::Alias) return ENOTDIR;
  std::string id(child->key);
  if (in_progress(child->snapshot()->state())) {
    if (int rc = recheck_in_progress(target, parent, name, id, ctx, &list, &child); rc != 0) {
      return rc;
    }
  }
  ObjectRef ref;
  {
    MutexLock lock(inodes_.mu());
    Node* dir = inodes_.find(parent);
    if (dir == nullptr) return ENOENT;
    Node* node = inodes_.child_node(*dir, list.value(), *child);
    ref = inodes_.object_ref(*node);
  }
  // As for creates: time is kept back to look at the listing if the answer is unclear.
  OpContext delete_ctx = keeping_check_time(ctx);
  Status deleted = provider->delete_snapshot(ref, delete_ctx);
  if (!deleted.ok() && deleted.error().may_have_applied()) {
    // No answer, or one that cannot be read: the API may have deleted it. What it lists now
    // decides (gone, or on its way), never a second DELETE sent blind.
    if (ListingPtr fresh = listing_after_unclear(target, parent, "delete of '" + name + "'",
                                                 deleted.error(), ctx)) {
      const Child* still = fresh->find_key(id);
      if (still == nullptr || still->snapshot()->state() == "deleting") deleted = Status::Ok();
    }
  }
  if (!deleted.ok()) {
    log_warning(remote_name + ": cannot delete snapshot '" + name +
                "': " + deleted.error().message);
    return errno_for(deleted.error());
  }
  std::vector<std::string> dropped_aliases;
  std::uint64_t deleted_ino = 0;
  {
    MutexLock lock(inodes_.mu());
    deleted_ino = inodes_.child_ino(parent, id);
  }
  dropped_aliases = listings_.note_deleted(key, id);
  std::vector<SnapshotPtr> snapshots;
  for (const Child& c : list.value()->children) {
    if (c.kind == NodeKind::Snapshot && c.key != id) snapshots.push_back(c.shared_snapshot());
  }
  listings_.replace(key, listings_.build_snapshot_listing(key, std::move(snapshots), false));
  if (deleted_ino != 0) contents_.drop(deleted_ino);
  if (notifier_ != nullptr) {
    for (const auto& alias : dropped_aliases) notifier_->inval_entry(parent, alias);
    notifier_->inval_inode(parent);
  }
  log_info(remote_name + ": deleted snapshot '" + name + "' (" + id + ")");
  return 0;
}

// The kernel keeps the inode it renamed: it shows the new entry, and follows the snapshot's
// new id where the API re-keyed it.
void Mutations::follow_rename(std::uint64_t parent, const std::string& old_id,
                              const ListingPtr& renamed_listing, const std::string& new_id) {
  MutexLock lock(inodes_.mu());
  inodes_.rekey(parent, old_id, renamed_listing, renamed_listing->find_key(new_id));
}

int Mutations::rename(std::uint64_t parent, const std::string& name, std::uint64_t new_parent,
                      const std::string& new_name, unsigned int flags, const OpContext& ctx) {
  constexpr unsigned int kRenameExchange = 2;  // RENAME_EXCHANGE
  MutationTarget target;
  if (int rc = mutation_target(parent, &target); rc != 0) return rc;
  {
    MutexLock lock(inodes_.mu());
    Node* target_dir = inodes_.find(new_parent);
    if (target_dir == nullptr) return ENOENT;
    if (new_parent != parent) {
      return target_dir->kind == NodeKind::SnapshotsDir ? EXDEV : EPERM;
    }
  }
  Provider* provider = target.provider;
  const std::string& key = target.key;
  const std::string& remote_name = target.remote_name;
  if (flags & kRenameExchange) return EINVAL;
  if (!provider->capabilities().rename) return ENOTSUP;
  if (new_name.size() > 255) return ENAMETOOLONG;
  if (!is_creatable_name(new_name)) return EINVAL;  // as for mkdir
  auto list = listings_.get(parent, ctx);
  if (!list.ok()) return errno_for(list.error());
  const Child* child = list.value()->find(name);
  if (child == nullptr) return ENOENT;
  if (name == new_name) return 0;
  if (child->kind != NodeKind::Snapshot) return EPERM;
  if (list.value()->find(new_name) != nullptr) return EEXIST;
  std::string provider_name = unescape_name(new_name);
  if (Status valid = provider->validate_name(provider_name); !valid.ok()) {
    return errno_for(valid.error());
  }
  ObjectRef ref;
  {
    MutexLock lock(inodes_.mu());
    Node* dir = inodes_.find(parent);
    if (dir == nullptr) return ENOENT;
    ref = inodes_.object_ref(*inodes_.child_node(*dir, list.value(), *child));
  }
  auto renamed = provider->rename_snapshot(ref, provider_name, ctx);
  if (!renamed.ok()) {
    log_warning(remote_name + ": cannot rename snapshot '" + name +
                "': " + renamed.error().message);
    return errno_for(renamed.error());
  }
  SnapshotInfo updated = renamed.value();
  if (updated.volume_id.empty()) updated.volume_id = child->snapshot()->volume_id();
  // Matched by the id the rename was sent to: an API may re-key the snapshot (EFS hold).
  std::vector<SnapshotPtr> snapshots;
  for (const Child& c : list.value()->children) {
    if (c.kind != NodeKind::Snapshot) continue;
    snapshots.push_back(c.key == ref.snapshot_id
                            ? store_snapshot(updated, c.snapshot()->dictionary())
                            : c.shared_snapshot());
  }
  ListingPtr renamed_listing = listings_.build_snapshot_listing(key, std::move(snapshots), false);
  listings_.replace(key, renamed_listing);
  follow_rename(parent, ref.snapshot_id, renamed_listing, updated.id);
  if (notifier_ != nullptr) notifier_->inval_inode(parent);
  log_info(remote_name + ": renamed snapshot '" + name + "' to '" + new_name + "'");
  return 0;
}

}  // namespace snapfs::ns
