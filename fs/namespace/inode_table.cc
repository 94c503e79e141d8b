#include "fs/namespace/inode_table.h"

#include <vector>

namespace snapfs::ns {

InodeTable::InodeTable() {
  MutexLock lock(mu_);
  Node& root = *add(kRootIno);
  root.parent = kRootIno;
  root.kind = NodeKind::Root;
  root.nlookup = 1;  // the kernel holds the root for the life of the mount
}

// The set gives its elements as const so that their key cannot change; a node's other fields
// are its state, changed in place, so the two functions below hand out non-const nodes.
Node* InodeTable::find(std::uint64_t ino) const {
  auto it = nodes_.find(ino);
  return it == nodes_.end() ? nullptr : const_cast<Node*>(&*it);
}

Node* InodeTable::add(std::uint64_t ino) {
  Node node;
  node.ino = ino;
  return const_cast<Node*>(&*nodes_.insert(std::move(node)).first);
}

std::size_t InodeTable::parent_key_hash(std::uint64_t parent, std::string_view key) {
  return std::hash<std::string_view>()(key) ^
         (std::hash<std::uint64_t>()(parent) * 0x9e3779b97f4a7c15ULL);
}

std::size_t InodeTable::ParentKeyHash::operator()(const Node& node) const {
  return parent_key_hash(node.parent, node.key());
}

Node* InodeTable::find_child(std::uint64_t parent, std::string_view key) const {
  return by_parent_key_.find(parent_key_hash(parent, key), [&](const Node& node) {
    return node.parent == parent && node.key() == key;
  });
}

std::uint64_t InodeTable::child_ino(std::uint64_t parent, std::string_view key) const {
  const Node* node = find_child(parent, key);
  return node != nullptr ? node->ino : 0;
}

Node* InodeTable::child_node(const Node& parent, const ListingPtr& listing, const Child& child) {
  Node* node = find_child(parent.ino, child.key);
  if (node == nullptr) {
    Node* created = add(next_ino_++);
    created->parent = parent.ino;
    created->kind = child.kind;
    created->remote = parent.kind == NodeKind::Root
                          ? static_cast<std::uint32_t>(std::stoul(std::string(child.key.substr(1))))
                          : parent.remote;
    created->listing = listing;
    created->entry = &child;
    // Indexed once it has its key.
    by_parent_key_.insert(created);
    return created;
  }
  // The listing is the newest word on the object: the node shows its entry there (under the
  // same key, so its place in by_parent_key_ stays right).
  node->listing = listing;
  node->entry = &child;
  return node;
}

void InodeTable::rekey(std::uint64_t parent, std::string_view old_key, const ListingPtr& listing,
                       const Child* entry) {
  Node* node = find_child(parent, old_key);
  if (node == nullptr || entry == nullptr) return;
  by_parent_key_.erase(node);
  node->listing = listing;
  node->entry = entry;
  by_parent_key_.insert(node);
}

std::string InodeTable::cache_key(const Node& dir) const {
  switch (dir.kind) {
    case NodeKind::Root: return "/";
    case NodeKind::Remote: return "r" + std::to_string(dir.remote);
    case NodeKind::Service:
      return "r" + std::to_string(dir.remote) + "/s:" + std::string(dir.key());
    case NodeKind::Volume:
    case NodeKind::SnapshotsDir: {
      const Node* volume = dir.kind == NodeKind::Volume ? &dir : find(dir.parent);
      const Node* service = volume ? find(volume->parent) : nullptr;
      if (!volume || !service) return "";
      return "r" + std::to_string(dir.remote) + "/s:" + std::string(service->key()) +
             "/v:" + std::string(volume->key()) +
             (dir.kind == NodeKind::SnapshotsDir ? "/snapshots" : "");
    }
    default: return "";
  }
}

ObjectRef InodeTable::object_ref(const Node& node) const {
  ObjectRef ref;
  const Node* snapshot = nullptr;
  const Node* volume = nullptr;
  const Node* cur = &node;
  switch (node.kind) {
    case NodeKind::Snapshot: ref.level = Level::Snapshot; break;
    case NodeKind::SnapshotsDir: ref.level = Level::SnapshotsDir; break;
    case NodeKind::Volume: ref.level = Level::Volume; break;
    default: ref.level = Level::Service; break;
  }
  while (cur != nullptr && cur->kind != NodeKind::Root) {
    if (cur->kind == NodeKind::Snapshot) snapshot = cur;
    if (cur->kind == NodeKind::Volume) volume = cur;
    if (cur->kind == NodeKind::Service) ref.service_id = cur->key();
    if (cur->kind == NodeKind::Remote) break;
    cur = find(cur->parent);
  }
  if (volume != nullptr) {
    ref.volume_id = volume->key();
    if (volume->volume()) ref.volume_data = volume->volume()->provider_data;
  }
  if (snapshot != nullptr) {
    ref.snapshot_id = snapshot->key();
    if (snapshot->snapshot()) ref.snapshot_name = snapshot->snapshot()->name();
  }
  return ref;
}

std::string InodeTable::tree_path(const Node& node) const {
  std::vector<std::string_view> names;
  for (const Node* n = &node; n != nullptr && n->kind != NodeKind::Root; n = find(n->parent)) {
    names.push_back(n->name());
  }
  std::string path;
  for (auto it = names.rbegin(); it != names.rend(); ++it) {
    path.append(*it);
    path.push_back('\0');
  }
  return path;
}

bool InodeTable::add_lookup(std::uint64_t ino, std::uint64_t n) {
  MutexLock lock(mu_);
  Node* node = find(ino);
  if (node == nullptr) return false;
  node->nlookup += n;
  return true;
}

bool InodeTable::forget(std::uint64_t ino, std::uint64_t n) {
  MutexLock lock(mu_);
  Node* node = find(ino);
  if (node == nullptr || ino == kRootIno) return false;
  node->nlookup = node->nlookup > n ? node->nlookup - n : 0;
  // Directories above snapshots hold their listings' identity; only leaves are dropped. A leaf
  // the kernel forgot is found again by (parent, key) if it is listed later.
  if (node->nlookup != 0 || (node->kind != NodeKind::Snapshot && node->kind != NodeKind::Alias)) {
    return false;
  }
  const bool snapshot = node->kind == NodeKind::Snapshot;
  by_parent_key_.erase(node);
  nodes_.erase(nodes_.find(ino));
  return snapshot;
}

std::size_t InodeTable::size() const {
  MutexLock lock(mu_);
  return nodes_.size();
}

InodeTable::SnapshotSource InodeTable::snapshot_source(std::uint64_t ino) const {
  SnapshotSource source;
  MutexLock lock(mu_);
  const Node* node = find(ino);
  if (node == nullptr || node->snapshot() == nullptr) return source;
  source.snapshot = node->entry->object;
  source.remote = node->remote;
  const Node* dir = find(node->parent);
  const Node* volume = dir ? find(dir->parent) : nullptr;
  if (volume != nullptr && volume->volume() != nullptr) source.volume = volume->entry->object;
  return source;
}

}  // namespace snapfs::ns
