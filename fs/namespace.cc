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

#include "fs/content/unlisted_provider.h"
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
      listings_(remotes_, options_, notifier_, inodes_, contents_, mount_time_us_),
      mutations_(remotes_, options_, notifier_, inodes_, listings_, contents_, attributes_) {
  // HA-NAS's automatic snapshots are in its volumes' snapshot directory, not in its API. No
  // room has called a provider yet.
  for (Remote& remote : remotes_) {
    remote.provider = content::with_unlisted_snapshots(std::move(remote.provider), remote.config,
                                                       contents_.mounts());
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
      perm = mutations_.read_only_at(node) ? 0555 : 0755;
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

bool Namespace::add_lookup(std::uint64_t ino, std::uint64_t n) {
  if (content::ContentTree::is_content(ino)) return contents_.tree().add_lookup(ino, n);
  return inodes_.add_lookup(ino, n);
}

bool Namespace::add_listed(std::uint64_t dir, const std::string& name, const struct stat& attr) {
  if (content::ContentTree::is_content(attr.st_ino)) {
    return contents_.tree().add_listed(dir, name, attr);
  }
  return inodes_.add_lookup(attr.st_ino, 1);
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
// Mutations (ns::Mutations)

int Namespace::mkdir(std::uint64_t parent, const std::string& name, const OpContext& ctx,
                     EntryReply* out) {
  if (int rc = mutations_.mkdir(parent, name, ctx, out); rc != 0) return rc;
  MutexLock lock(inodes_.mu());
  if (const Node* node = inodes_.find(out->ino)) fill_attr(*node, &out->attr);
  return 0;
}

int Namespace::rmdir(std::uint64_t parent, const std::string& name, const OpContext& ctx) {
  return mutations_.rmdir(parent, name, ctx);
}

int Namespace::rename(std::uint64_t parent, const std::string& name, std::uint64_t new_parent,
                      const std::string& new_name, unsigned int flags, const OpContext& ctx) {
  return mutations_.rename(parent, name, new_parent, new_name, flags, ctx);
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
  if (content::ContentTree::is_content(ino))
    return contents_.tree().getxattr(ino, name, ctx, value);
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
  if (mutations_.read_only_at(copy)) return EROFS;
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
    listings_.lazy_attrs().invalidate(
        "attrs:" + std::to_string(copy.remote) + "/" + ref.service_id + "/" + ref.volume_id + "/" +
        std::to_string(static_cast<int>(ref.level)) + "/" + ref.snapshot_id);
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
    return mutations_.read_only_at(*node) ? EROFS : ENODATA;
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
         ", \"reads\": " + std::to_string(contents_.tree().reads()) +
         ", \"spliced_reads\": " + std::to_string(contents_.tree().spliced_reads()) +
         ", \"listings_ahead\": " + std::to_string(contents_.tree().listings_ahead()) +
         ", \"inodes\": " + std::to_string(inodes) + "}";
  return out;
}

}  // namespace snapfs
