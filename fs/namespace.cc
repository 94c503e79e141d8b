#include "fs/namespace.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <forward_list>
#include <functional>
#include <optional>
#include <set>
#include <string_view>

#include "fs/errno_map.h"
#include "fs/names.h"
#include "providers/common/log.h"
#include "providers/common/strings.h"
#include "providers/common/time_util.h"

namespace snapfs {



namespace {

bool is_dir(NodeKind kind) {
  return kind != NodeKind::Alias;
}

void json_escape_into(std::string* out, const std::string& s) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buf);
  writer.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
  out->append(buf.GetString(), buf.GetSize());
}

// The level of the provider's attribute specs that a node shows; none for the root, a remote
// and an alias, which show none of them.
std::optional<Level> attr_level(NodeKind kind) {
  switch (kind) {
    case NodeKind::Service: return Level::Service;
    case NodeKind::Volume: return Level::Volume;
    case NodeKind::SnapshotsDir: return Level::SnapshotsDir;
    case NodeKind::Snapshot: return Level::Snapshot;
    default: return std::nullopt;
  }
}

const std::set<std::string>& common_keys() {
  static const std::set<std::string> kKeys = {
      "id",          "name",       "state", "created", "size",     "type",
      "description", "expiration", "tags",  "json",    "schedule", "default-expiration",
      "refresh",     "stats"};
  return kKeys;
}

std::vector<RemoteConfig> configs_of(const std::vector<Remote>& remotes) {
  std::vector<RemoteConfig> configs;
  for (const Remote& remote : remotes) configs.push_back(remote.config);
  return configs;
}

}  // namespace

Namespace::Namespace(std::vector<Remote> remotes, FsOptions options, KernelNotifier* notifier)
    : remotes_(std::move(remotes)),
      options_(options),
      notifier_(notifier),
      mount_time_us_(now_unix_us()),
      contents_(configs_of(remotes_), notifier_, inodes_),
      listings_(remotes_, options_, notifier_, inodes_, contents_, mount_time_us_) {
  for (const Remote& remote : remotes_) {
    // The configuration loader refused a value that is not a boolean.
    bool read_only = false;
    read_only_remotes_.push_back(parse_bool(remote.config.get("read_only"), &read_only) &&
                                 read_only);
  }
}

// The background workers stop first (Listings is the last member).
Namespace::~Namespace() = default;

void Namespace::wait_background_idle() {
  listings_.wait_idle();
}

Provider* Namespace::provider_of(const Node& node) const {
  if (node.kind == NodeKind::Root || node.remote >= remotes_.size()) return nullptr;
  return remotes_[node.remote].provider.get();
}


int Namespace::refused() const {
  return options_.read_only ? EROFS : EPERM;
}

int Namespace::refused_at(std::uint64_t ino) const {
  if (content::ContentTree::is_content(ino)) return EROFS;
  const bool files = !contents_.location(ino).dir.empty();
  return files ? EROFS : refused();
}

bool Namespace::attach_content(std::uint64_t ino) {
  return !contents_.attach(ino).empty();
}

double Namespace::entry_timeout() const {
  return std::chrono::duration<double>(options_.cache_ttl).count();
}

// ---------------------------------------------------------------------------------------------
// Listings


// ---------------------------------------------------------------------------------------------
// Attributes

void Namespace::fill_attr(const Node& node, struct stat* st) const {
  *st = {};
  st->st_ino = node.ino;
  st->st_uid = options_.uid;
  st->st_gid = options_.gid;
  st->st_nlink = 1;
  st->st_blksize = 4096;
  std::int64_t time_us = mount_time_us_;
  mode_t perm = 0555;
  switch (node.kind) {
    case NodeKind::SnapshotsDir:
      perm = read_only_at(node) ? 0555 : 0755;
      // Changes to its snapshots show as the directory's mtime (ls -lt, file managers).
      if (ListingPtr own = listings_.peek(inodes_.cache_key(node)); own && own->changed_us != 0) {
        time_us = own->changed_us;
      }
      break;
    case NodeKind::Volume:
      if (node.volume() && node.volume()->created_us != 0) time_us = node.volume()->created_us;
      break;
    case NodeKind::Snapshot:
      if (const StoredSnapshot* s = node.snapshot()) {
        if (s->created_us() != 0) {
          time_us = s->created_us();
        } else {
          if (std::int64_t seen = listings_.first_seen_us(node.key()); seen != 0) time_us = seen;
        }
        st->st_size = static_cast<off_t>(s->size().value_or(0));
      }
      break;
    default: break;
  }
  if (node.kind == NodeKind::Alias) {
    st->st_mode = S_IFLNK | 0777;
    st->st_size = static_cast<off_t>(node.alias_target().size());
  } else {
    st->st_mode = S_IFDIR | (perm & ~options_.umask);
  }
  st->st_mtim.tv_sec = static_cast<time_t>(time_us / 1000000);
  st->st_mtim.tv_nsec = static_cast<long>((time_us % 1000000) * 1000);
  st->st_ctim = st->st_mtim;
  st->st_atim = st->st_mtim;
}

int Namespace::refresh_node(std::uint64_t ino, const OpContext& ctx) {
  std::uint64_t parent = 0;
  std::string key;
  std::string name;
  bool transient = false;
  {
    MutexLock lock(inodes_.mu());
    Node* node = inodes_.find(ino);
    if (node == nullptr) return ENOENT;
    if (node->kind == NodeKind::Root) return 0;
    parent = node->parent;
    key = node->key();
    name = node->name();
    transient = node->snapshot() != nullptr && ns::in_progress(node->snapshot()->state());
  }
  // The parent's listing is the source of truth for the node's metadata; within cache_ttl this
  // costs nothing, after it the listing is fetched again (or served stale when that fails). A
  // snapshot creating, deleting or busy is looked at again within seconds.
  auto list = listings_.get(parent, ctx, ns::ListingMode::Interactive, transient);
  if (!list.ok()) return 0;  // keep showing what we know
  MutexLock lock(inodes_.mu());
  // Already showing its entry in this very listing (within cache_ttl, the usual case).
  if (Node* node = inodes_.find(ino); node != nullptr && node->listing == list.value()) return 0;
  const Child* child = list.value()->find_key(key, name);
  Node* dir = inodes_.find(parent);
  if (dir == nullptr) return 0;
  if (child == nullptr) return ENOENT;  // gone at the provider
  inodes_.child_node(*dir, list.value(), *child);
  return 0;
}

int Namespace::getattr(std::uint64_t ino, const OpContext& ctx, struct stat* out) {
  getattrs_++;
  if (content::ContentTree::is_content(ino)) return contents_.tree().getattr(ino, ctx, out);
  if (int rc = refresh_node(ino, ctx); rc != 0) return rc;
  {
    MutexLock lock(inodes_.mu());
    Node* node = inodes_.find(ino);
    if (node == nullptr) return ENOENT;
    fill_attr(*node, out);
  }
  listings_.revalidate_if_stale(ino);
  return 0;
}


int Namespace::readlink(std::uint64_t ino, std::string* target) {
  if (content::ContentTree::is_content(ino)) {
    return contents_.tree().readlink(ino, OpContext(options_.timeout), target);
  }
  MutexLock lock(inodes_.mu());
  Node* node = inodes_.find(ino);
  if (node == nullptr) return ENOENT;
  if (node->kind != NodeKind::Alias) return EINVAL;
  *target = node->alias_target();
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Lookups and listings

int Namespace::entry_for(std::uint64_t parent, const std::string& name, const ListingPtr& listing,
                         EntryReply* out) {
  out->timeout = entry_timeout();
  const Child* child = listing->find(name);
  MutexLock lock(inodes_.mu());
  Node* dir = inodes_.find(parent);
  if (dir == nullptr) return ENOENT;
  if (child == nullptr) {
    out->ino = 0;  // negative entry: the kernel answers repeated probes itself
    return ENOENT;
  }
  Node* node = inodes_.child_node(*dir, listing, *child);
  node->nlookup++;
  out->ino = node->ino;
  fill_attr(*node, &out->attr);
  return 0;
}

int Namespace::lookup(std::uint64_t parent, const std::string& name, const OpContext& ctx,
                      EntryReply* out) {
  // Inside a snapshot: its files, no request to the API.
  if (content::ContentTree::is_content(parent) || attach_content(parent)) {
    return contents_.tree().lookup(parent, name, ctx, out);
  }
  auto list = listings_.get(parent, ctx);
  if (!list.ok()) return errno_for(list.error());
  int rc = entry_for(parent, name, list.value(), out);
  if (rc == 0) listings_.revalidate_if_stale(out->ino);
  return rc;
}

int Namespace::readdir(std::uint64_t ino, const OpContext& ctx, std::vector<DirEntryReply>* out,
                       bool* unchanged) {
  readdirs_++;
  if (content::ContentTree::is_content(ino)) {
    // A snapshot's files never change, and a content inode names one directory of one attached
    // tree (a tree attached anew numbers its files anew): the kernel keeps its copy.
    if (unchanged != nullptr) *unchanged = true;
    return contents_.tree().readdir(ino, ctx, out);
  }
  if (std::string dir = contents_.attach(ino); !dir.empty()) {
    int rc = contents_.tree().readdir(ino, ctx, out);
    if (unchanged != nullptr) *unchanged = rc == 0 && contents_.served(ino, dir);
    return rc;
  }
  auto list = listings_.get(ino, ctx);
  if (!list.ok()) return errno_for(list.error());
  // Whoever lists a directory is likely to enter its children next (ls -R, find, file
  // managers): list them, and theirs, and theirs, in the background. Three levels reach every
  // .snapshots directory from the root, so a depth-first crawl never waits for a remote that
  // it reaches last.
  listings_.prefetch_children(ino, list.value(), 2, listings_.next_read());
  MutexLock lock(inodes_.mu());
  Node* dir = inodes_.find(ino);
  if (dir == nullptr) return ENOENT;
  if (unchanged != nullptr) *unchanged = dir->served_serial == list.value()->serial;
  dir->served_serial = list.value()->serial;
  out->clear();
  out->reserve(list.value()->children.size());
  for (const Child& child : list.value()->children) {
    Node* node = inodes_.child_node(*dir, list.value(), child);
    DirEntryReply entry;
    entry.name = child.name;
    fill_attr(*node, &entry.attr);
    out->push_back(std::move(entry));
  }
  return 0;
}

void Namespace::add_lookup(std::uint64_t ino, std::uint64_t n) {
  if (content::ContentTree::is_content(ino)) return contents_.tree().add_lookup(ino, n);
  inodes_.add_lookup(ino, n);
}

void Namespace::forget(std::uint64_t ino, std::uint64_t n) {
  if (content::ContentTree::is_content(ino)) return contents_.tree().forget(ino, n);
  // The kernel forgot the snapshot directory, so it holds nothing below it either: its files'
  // nodes go without a word to the kernel (a crawl of a million would queue a million notes).
  if (inodes_.forget(ino, n)) contents_.drop(ino, false);
}

std::size_t Namespace::node_count() const {
  return inodes_.size();
}

// ---------------------------------------------------------------------------------------------
// Mutations

bool Namespace::read_only_at(const Node& node) const {
  if (options_.read_only) return true;
  // The root belongs to no remote; every other node carries the index of its own.
  return node.kind != NodeKind::Root && node.remote < read_only_remotes_.size() &&
         read_only_remotes_[node.remote];
}

int Namespace::mutation_precheck(std::uint64_t parent, Node** dir) const {
  *dir = inodes_.find(parent);
  if (*dir == nullptr) return ENOENT;
  if (read_only_at(**dir)) return EROFS;
  if ((*dir)->kind != NodeKind::SnapshotsDir) return EPERM;
  return 0;
}

const Namespace::Child* Namespace::made_by_create(const DirListing& fresh,
                                                  const std::set<std::string, std::less<>>& known,
                                                  const std::string& key, const std::string& name,
                                                  bool server_names,
                                                  std::int64_t started_us) const {
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
struct Namespace::MutationTarget {
  Provider* provider = nullptr;
  std::string key;  // its listing's cache key
  Node dir;         // a copy
  ObjectRef ref;    // the directory's
  std::string remote_name;
};

int Namespace::mutation_target(std::uint64_t parent, MutationTarget* target) {
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
Namespace::ListingPtr Namespace::listing_after_unclear(const MutationTarget& target,
                                                       std::uint64_t parent,
                                                       const std::string& what,
                                                       const Error& error, const OpContext& ctx) {
  log_warning(target.remote_name + ": " + what + " had an unclear outcome (" + error.message +
              "); checking the listing");
  listings_.invalidate(target.dir, target.ref);
  auto fresh = listings_.get(parent, ctx);
  return fresh.ok() ? fresh.value() : nullptr;
}

int Namespace::mkdir(std::uint64_t parent, const std::string& name, const OpContext& ctx,
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
int Namespace::show_created(std::uint64_t parent, const std::string& name,
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
    fill_attr(*node, &out->attr);
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

bool Namespace::create_may_have_applied(const Error& error) {
  // 501 and 505 refuse the request before any work; any other 5xx may follow it.
  const bool server_error =
      error.http_status >= 500 && error.http_status != 501 && error.http_status != 505;
  return error.may_have_applied() || server_error;
}

OpContext Namespace::keeping_check_time(const OpContext& ctx) const {
  const auto reserve =
      std::min<std::chrono::milliseconds>(std::chrono::milliseconds(2000), options_.timeout / 4);
  return OpContext(std::max(ctx.remaining() - reserve, std::chrono::milliseconds(1)),
                   ctx.cancel_flag());
}

// The cached state may be old: ask again before refusing. Only the API's answer now can say
// "busy"; when it cannot be asked (an outage), that is the error reported. On 0, `*list` and
// `*child` are the new listing and the snapshot's entry in it.
int Namespace::recheck_in_progress(const MutationTarget& target, std::uint64_t parent,
                                   const std::string& name, const std::string& id,
                                   const OpContext& ctx, Result<ListingPtr>* list,
                                   const Child** child) {
  listings_.invalidate(target.dir, target.ref);
  *list = listings_.get(parent, ctx, ns::ListingMode::Verify);
  if (!list->ok()) return errno_for(list->error());
  *child = list->value()->find_key(id);
  if (*child == nullptr) return ENOENT;
  if (ns::in_progress((*child)->snapshot()->state())) {
    log_info(target.remote_name + ": snapshot '" + name + "' is " +
             (*child)->snapshot()->state() + "; not deleting it");
    return EBUSY;
  }
  return 0;
}


int Namespace::rmdir(std::uint64_t parent, const std::string& name, const OpContext& ctx) {
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
  if (ns::in_progress(child->snapshot()->state())) {
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
void Namespace::follow_rename(std::uint64_t parent, const std::string& old_id,
                              const ListingPtr& renamed_listing, const std::string& new_id) {
  MutexLock lock(inodes_.mu());
  inodes_.rekey(parent, old_id, renamed_listing, renamed_listing->find_key(new_id));
}

int Namespace::rename(std::uint64_t parent, const std::string& name, std::uint64_t new_parent,
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

// ---------------------------------------------------------------------------------------------
// Extended attributes

const AttrSpec* Namespace::find_spec(const Node& node, const std::string& key) const {
  Provider* provider = provider_of(node);
  const std::optional<Level> level = attr_level(node.kind);
  if (provider == nullptr || !level) return nullptr;
  for (const AttrSpec& spec : provider->capabilities().attrs) {
    if (spec.level == *level && spec.key == key) return &spec;
  }
  return nullptr;
}

AttrSubject Namespace::attr_subject(const Node& node) const {
  AttrSubject subject;
  subject.service = node.service();
  subject.volume = node.volume();
  if (const StoredSnapshot* snapshot = node.snapshot()) {
    subject.snapshot = snapshot->expand();
    subject.content = [this, ino = node.ino] {
      content::Location at = contents_.location(ino);
      return at.dir.empty() ? at.why_not : at.dir;
    };
  }
  return subject;
}

std::vector<std::string> Namespace::attribute_names(const Node& node) const {
  std::vector<std::string> keys = Attributes::names(attr_subject(node));
  if (node.kind == NodeKind::Root) keys.push_back("stats");
  if (node.kind == NodeKind::SnapshotsDir) {
    if (Provider* p = provider_of(node); p && p->capabilities().create_expiration) {
      keys.push_back("default-expiration");
    }
  }
  // Attributes the provider declares but only fetches on demand.
  Provider* provider = provider_of(node);
  const std::optional<Level> level = attr_level(node.kind);
  if (provider == nullptr || !level) return keys;
  for (const AttrSpec& spec : provider->capabilities().attrs) {
    if (spec.level == *level && (spec.lazy || spec.writable) &&
        std::find(keys.begin(), keys.end(), spec.key) == keys.end()) {
      keys.push_back(spec.key);
    }
  }
  return keys;
}

Result<std::string> Namespace::attribute(const Node& node, const std::string& key,
                                         const OpContext& ctx) {
  auto missing = [] { return Error(ErrorKind::NotFound, "no such attribute"); };
  auto from_list = [&](const AttrList& attrs) -> std::optional<std::string> {
    for (const Attr& a : attrs) {
      if (a.key == key) return a.value;
    }
    return std::nullopt;
  };
  if (node.kind == NodeKind::Root) {
    if (key == "stats") return stats_json();
    return missing();
  }
  if (auto value = Attributes::value(attr_subject(node), key)) return *value;
  if (node.kind == NodeKind::SnapshotsDir && key == "default-expiration") {
    Provider* provider = provider_of(node);
    if (!provider || !provider->capabilities().create_expiration) return missing();
    std::string dir_key;
    {
      MutexLock lock(inodes_.mu());
      dir_key = inodes_.cache_key(node);
    }
    return attributes_.default_expiration_text(dir_key);
  }
  const AttrSpec* spec = find_spec(node, key);
  if (spec == nullptr || !spec->lazy) return missing();
  // A lazily fetched attribute: one provider call per object per cache_ttl.
  Provider* provider = provider_of(node);
  ObjectRef ref;
  std::string cache_id;
  {
    MutexLock lock(inodes_.mu());
    ref = inodes_.object_ref(node);
    cache_id = "attrs:" + std::to_string(node.remote) + "/" + ref.service_id + "/" + ref.volume_id +
               "/" + std::to_string(static_cast<int>(ref.level)) + "/" + ref.snapshot_id;
  }
  auto attrs = listings_.lazy_attrs().get(
      cache_id, options_.cache_ttl, ctx, [&]() -> Result<std::shared_ptr<const AttrList>> {
        auto fetched = provider->fetch_attrs(ref, ctx);
        if (!fetched.ok()) return fetched.error();
        return std::make_shared<const AttrList>(std::move(fetched.value()));
      });
  if (!attrs.ok()) return attrs.error();
  if (auto value = from_list(*attrs.value())) return *value;
  return missing();
}

int Namespace::getxattr(std::uint64_t ino, const std::string& name, const OpContext& ctx,
                        std::string* value) {
  // No security labels and no ACLs here. ENOTSUP (not ENODATA) lets `ls -l` and libselinux stop
  // asking for every entry: they remember a device that does not support them.
  if (content::ContentTree::is_content(ino)) return contents_.tree().getxattr(ino, name, ctx, value);
  if (name.rfind("security.", 0) == 0 || name.rfind("system.posix_acl_", 0) == 0) return ENOTSUP;
  if (name.rfind(kXattrPrefix, 0) != 0) return ENODATA;
  std::string key = name.substr(std::char_traits<char>::length(kXattrPrefix));
  if (int rc = refresh_node(ino, ctx); rc != 0) return rc;
  Node copy;
  {
    MutexLock lock(inodes_.mu());
    Node* node = inodes_.find(ino);
    if (node == nullptr) return ENOENT;
    copy = *node;
  }
  auto result = attribute(copy, key, ctx);
  if (!result.ok()) {
    return result.error().kind == ErrorKind::NotFound && result.error().http_status == 0
               ? ENODATA
               : errno_for(result.error());
  }
  *value = std::move(result.value());
  return 0;
}

int Namespace::listxattr(std::uint64_t ino, const OpContext& ctx, std::vector<std::string>* names) {
  if (content::ContentTree::is_content(ino)) return contents_.tree().listxattr(ino, ctx, names);
  if (int rc = refresh_node(ino, ctx); rc != 0) return rc;
  MutexLock lock(inodes_.mu());
  Node* node = inodes_.find(ino);
  if (node == nullptr) return ENOENT;
  names->clear();
  for (const auto& key : attribute_names(*node)) names->push_back(kXattrPrefix + key);
  return 0;
}

int Namespace::apply_update(std::uint64_t ino, const AttrUpdate& update) {
  std::string key;
  std::uint64_t dir_ino = 0;
  std::shared_ptr<const std::string> dictionary;
  {
    MutexLock lock(inodes_.mu());
    Node* node = inodes_.find(ino);
    if (node == nullptr) return 0;
    Node* parent = inodes_.find(node->parent);
    if (parent == nullptr) return 0;
    key = inodes_.cache_key(*parent);
    dir_ino = parent->ino;
    if (node->snapshot()) dictionary = node->snapshot()->dictionary();
  }
  // The node was listed, so its directory's listing is cached: replace the object there, and
  // let the node show the new entry.
  ListingPtr current = listings_.peek(key);
  if (!current) return 0;
  ListingPtr updated;
  std::string id;
  if (update.snapshot) {
    id = update.snapshot->id;
    SnapshotPtr stored = store_snapshot(*update.snapshot, std::move(dictionary));
    std::vector<SnapshotPtr> snapshots;
    for (const Child& c : current->children) {
      if (c.kind != NodeKind::Snapshot) continue;
      snapshots.push_back(c.key == id ? stored : c.shared_snapshot());
    }
    updated = listings_.build_snapshot_listing(key, std::move(snapshots), false);
  } else if (update.volume) {
    id = update.volume->id;
    auto copy = std::make_shared<DirListing>();
    copy->base = current;  // the copied entries' names point into it
    copy->children = current->children;
    for (Child& c : copy->children) {
      if (c.key == id) {
        auto volume = std::make_shared<const VolumeInfo>(*update.volume);
        c.object = volume;
        c.key = volume->id;
      }
    }
    copy->index();
    updated = copy;
  } else {
    return 0;
  }
  listings_.replace(key, updated);
  MutexLock lock(inodes_.mu());
  Node* dir = inodes_.find(dir_ino);
  const Child* entry = updated->find_key(id);
  if (dir != nullptr && entry != nullptr) inodes_.child_node(*dir, updated, *entry);
  return 0;
}

int Namespace::setxattr(std::uint64_t ino, const std::string& name, const std::string& value,
                        const OpContext& ctx) {
  if (content::ContentTree::is_content(ino)) return EROFS;
  if (name.rfind(kXattrPrefix, 0) != 0) return ENOTSUP;  // user.xdg.*, security.*, ...: no call
  std::string key = name.substr(std::char_traits<char>::length(kXattrPrefix));
  Node copy;
  std::string dir_key;
  ObjectRef ref;
  {
    MutexLock lock(inodes_.mu());
    Node* node = inodes_.find(ino);
    if (node == nullptr) return ENOENT;
    copy = *node;
    if (is_dir(node->kind)) dir_key = inodes_.cache_key(*node);
    ref = inodes_.object_ref(*node);
  }
  // A refresh changes nothing in the cloud: allowed on a read-only mount or remote too.
  if (key == "refresh" && is_dir(copy.kind)) {
    listings_.invalidate(copy, ref);
    log_debug("listing of inode " + std::to_string(ino) + " dropped on request");
    return 0;
  }
  if (read_only_at(copy)) return EROFS;
  Provider* provider = provider_of(copy);
  if (copy.kind == NodeKind::SnapshotsDir && key == "default-expiration" && provider &&
      provider->capabilities().create_expiration) {
    return attributes_.set_default_expiration(dir_key, value, remotes_[copy.remote].config.name);
  }
  const AttrSpec* spec = find_spec(copy, key);
  if (spec == nullptr || !spec->writable) {
    if (common_keys().count(key) || spec != nullptr) return EPERM;
    return ENOTSUP;
  }
  if (!is_utf8(value)) return EINVAL;  // the APIs speak JSON: refused before any request
  auto updated = provider->set_attr(ref, key, value, ctx);
  if (!updated.ok()) {
    log_warning(remotes_[copy.remote].config.name + ": cannot set " + name + ": " +
                updated.error().message);
    return errno_for(updated.error());
  }
  if (spec->lazy) {
    listings_.lazy_attrs().invalidate("attrs:" + std::to_string(copy.remote) + "/" + ref.service_id + "/" +
                           ref.volume_id + "/" + std::to_string(static_cast<int>(ref.level)) + "/" +
                           ref.snapshot_id);
  }
  return apply_update(ino, updated.value());
}

int Namespace::removexattr(std::uint64_t ino, const std::string& name, const OpContext& ctx) {
  if (content::ContentTree::is_content(ino)) return EROFS;
  if (name.rfind(kXattrPrefix, 0) != 0) return ENOTSUP;
  // Removing a writable attribute clears it (no tags, no schedule, no default expiration).
  std::vector<std::string> names;
  if (int rc = listxattr(ino, ctx, &names); rc != 0) return rc;
  if (std::find(names.begin(), names.end(), name) == names.end()) {
    MutexLock lock(inodes_.mu());
    const Node* node = inodes_.find(ino);
    if (node == nullptr) return ENOENT;
    return read_only_at(*node) ? EROFS : ENODATA;
  }
  return setxattr(ino, name, "", ctx);
}

// ---------------------------------------------------------------------------------------------

std::string Namespace::stats_json() const {
  std::size_t inodes = node_count();
  std::string out = "{\"remotes\": {";
  bool first = true;
  for (const Remote& remote : remotes_) {
    if (!first) out += ", ";
    first = false;
    json_escape_into(&out, remote.config.name);
    out += ": {\"type\": ";
    json_escape_into(&out, remote.config.type);
    const RequestStats* stats = remote.provider->request_stats();
    RequestStats::Snapshot s = stats ? stats->snapshot() : RequestStats::Snapshot{};
    out += ", \"requests\": " + std::to_string(s.requests) + ", \"by_status\": {";
    bool first_status = true;
    for (const auto& [status, count] : s.by_status) {
      if (!first_status) out += ", ";
      first_status = false;
      out += "\"" + std::to_string(status) + "\": " + std::to_string(count);
    }
    out += "}, \"retries\": " + std::to_string(s.retries) +
           ", \"errors\": " + std::to_string(s.errors) + ", \"last_error\": ";
    json_escape_into(&out, s.last_error);
    out += std::string(", \"unreachable\": ") + (s.unreachable ? "true" : "false") +
           ", \"outages\": " + std::to_string(s.outages) +
           ", \"not_sent\": " + std::to_string(s.not_sent) +
           ", \"probes\": " + std::to_string(s.probes) + "}";
  }
  out += "}, \"cache\": {\"hits\": " + std::to_string(listings_.counters().hits.load()) +
         ", \"misses\": " + std::to_string(listings_.counters().misses.load()) +
         ", \"fetches\": " + std::to_string(listings_.counters().fetches.load()) +
         ", \"shared\": " + std::to_string(listings_.counters().shared.load()) +
         ", \"stale\": " + std::to_string(listings_.counters().stale.load()) +
         ", \"revalidations\": " + std::to_string(listings_.counters().revalidations.load()) +
         "}, \"prefetch\": {\"workers\": " + std::to_string(listings_.pool().workers()) +
         ", \"completed\": " + std::to_string(listings_.pool().completed()) +
         ", \"dropped\": " + std::to_string(listings_.pool().dropped()) +
         "}, \"readdirs\": " + std::to_string(readdirs_.load()) +
         ", \"getattrs\": " + std::to_string(getattrs_.load()) +
         ", \"reads\": " + std::to_string(content_->reads()) +
         ", \"inodes\": " + std::to_string(inodes) + "}";
  return out;
}

}  // namespace snapfs
