#include "fs/namespace/contents.h"

#include <utility>

namespace snapfs::ns {

// Where a snapshot node's files are, as last resolved, and what that was resolved from.
struct Contents::Resolved {
  // Held, not compared by address: a new entry cannot take the old one's place unnoticed.
  std::shared_ptr<const void> snapshot;  // the node's entry's StoredSnapshot
  std::shared_ptr<const void> volume;    // its volume's VolumeInfo (the NFS export)
  std::uint64_t generation = 0;          // the mount table's
  content::Location location;
  // The directory the last readdir of the snapshot showed, while attached since: the kernel
  // may keep its copy of the listing while this stays the same.
  std::string served;
};

Contents::Contents(const std::vector<RemoteConfig>& remotes, KernelNotifier* notifier,
                   const InodeTable& inodes)
    : inodes_(inodes),
      mounts_(std::make_shared<content::MountTable>()),
      resolver_(std::make_unique<content::Resolver>(remotes, mounts_)),
      tree_(std::make_unique<content::ContentTree>(notifier)) {
  for (const RemoteConfig& remote : remotes) {
    // As the resolver reads them: a remote whose settings do not parse keeps the defaults.
    auto settings = content::parse_settings(remote);
    may_have_files_.push_back(content::has_file_access(remote.type) &&
                              (!settings.ok() || settings.value().enabled));
  }
}

Contents::~Contents() = default;

// Every lookup and readdir of a snapshot directory asks this: the usual answer comes from the
// cache, and no answer holds a lock while the snapshot is expanded and the mount table polled.
content::Location Contents::location(std::uint64_t ino) const {
  return locate(ino, nullptr);
}

content::Location Contents::locate(std::uint64_t ino, bool* is_snapshot) const {
  InodeTable::SnapshotSource source = inodes_.snapshot_source(ino);
  if (is_snapshot != nullptr) *is_snapshot = source.snapshot != nullptr;
  if (source.snapshot == nullptr) return {};
  // A snapshot of a remote that never shows files (a block volume's, or content = off) gets the
  // resolver's reason at once: `ls -R` reads every snapshot directory, and this answer needs
  // neither the mount table's poll nor the snapshot's expansion.
  if (source.remote >= may_have_files_.size() || !may_have_files_[source.remote]) {
    return resolver_->resolve(source.remote, std::string(), std::string());
  }
  // Taken before resolving: a change meanwhile leaves the result dated before it.
  const std::uint64_t generation = mounts_->generation();
  {
    MutexLock lock(mu_);
    auto it = resolved_.find(ino);
    if (it != resolved_.end() && it->second.snapshot == source.snapshot &&
        it->second.volume == source.volume && it->second.generation == generation) {
      return it->second.location;
    }
  }
  resolves_++;
  const auto* volume = static_cast<const VolumeInfo*>(source.volume.get());
  content::Location at = resolver_->resolve(
      source.remote, volume ? volume->nfs_export : std::string(),
      static_cast<const StoredSnapshot*>(source.snapshot.get())->expand().content_dir);
  MutexLock lock(mu_);
  // Only a snapshot with files here is remembered: the others (every snapshot of a block
  // volume, of a volume not mounted here) cost a cheap answer each time, and `ls -R` of a
  // mount meets every one of them once, which would leave an entry per snapshot behind.
  if (at.dir.empty()) {
    resolved_.erase(ino);
    return at;
  }
  Resolved& resolved = resolved_[ino];
  resolved.snapshot = std::move(source.snapshot);
  resolved.volume = std::move(source.volume);
  resolved.generation = generation;
  resolved.location = at;
  return at;
}

std::string Contents::attach(std::uint64_t ino) {
  bool is_snapshot = false;
  std::string dir = locate(ino, &is_snapshot).dir;
  // Other directories have no files to attach, and never had: nothing to detach either.
  if (!is_snapshot) return dir;
  if (dir.empty()) {
    {
      MutexLock lock(mu_);
      if (auto it = resolved_.find(ino); it != resolved_.end()) it->second.served.clear();
    }
    tree_->detach(ino);  // e.g. its NFS mount went away
    return dir;
  }
  tree_->attach(ino, dir);
  return dir;
}

bool Contents::served(std::uint64_t ino, const std::string& dir) {
  MutexLock lock(mu_);
  auto it = resolved_.find(ino);
  if (it == resolved_.end()) return false;
  const bool same = it->second.served == dir;
  it->second.served = dir;
  return same;
}

void Contents::drop(std::uint64_t ino, bool tell_kernel) {
  tree_->detach(ino, tell_kernel);
  MutexLock lock(mu_);
  resolved_.erase(ino);
}

}  // namespace snapfs::ns
