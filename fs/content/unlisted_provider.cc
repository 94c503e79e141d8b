#include "fs/content/unlisted_provider.h"

#include <algorithm>
#include <cstring>

#include "fs/content/unlisted.h"
#include "providers/common/log.h"

namespace snapfs::content {

std::string unlisted_snapshots_dir(const std::string& remote_type) {
  return remote_type == "ovh-nasha" ? ".zfs/snapshot" : "";
}

std::unique_ptr<Provider> with_unlisted_snapshots(std::unique_ptr<Provider> provider,
                                                  const RemoteConfig& remote,
                                                  std::shared_ptr<MountTable> mounts) {
  std::string dir = unlisted_snapshots_dir(remote.type);
  auto settings = parse_settings(remote);
  if (dir.empty() || !settings.ok() || !settings.value().enabled) return provider;
  return std::make_unique<UnlistedSnapshotsProvider>(std::move(provider), remote,
                                                     std::move(mounts), std::move(dir));
}

UnlistedSnapshotsProvider::UnlistedSnapshotsProvider(std::unique_ptr<Provider> inner,
                                                     const RemoteConfig& remote,
                                                     std::shared_ptr<MountTable> mounts,
                                                     std::string snapshots_dir)
    : inner_(std::move(inner)),
      resolver_({remote}, std::move(mounts)),
      snapshots_dir_(std::move(snapshots_dir)) {}

Result<std::vector<ServiceInfo>> UnlistedSnapshotsProvider::list_services(const OpContext& ctx) {
  return inner_->list_services(ctx);
}

Result<std::vector<VolumeInfo>> UnlistedSnapshotsProvider::list_volumes(const ObjectRef& service,
                                                                        const OpContext& ctx) {
  auto volumes = inner_->list_volumes(service, ctx);
  if (volumes.ok()) {
    MutexLock lock(mu_);
    for (const VolumeInfo& v : volumes.value()) {
      exports_[{service.service_id, v.id}] = v.nfs_export;
    }
  }
  return volumes;
}

Result<std::vector<SnapshotInfo>> UnlistedSnapshotsProvider::list_snapshots(
    const ObjectRef& scope, const OpContext& ctx) {
  auto listed = inner_->list_snapshots(scope, ctx);
  if (!listed.ok() || scope.level != Level::Volume) return listed;
  std::vector<SnapshotInfo> more = unlisted(scope, listed.value(), ctx);
  std::vector<SnapshotInfo> all = std::move(listed.value());
  all.insert(all.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
  return all;
}

std::vector<SnapshotInfo> UnlistedSnapshotsProvider::unlisted(
    const ObjectRef& scope, const std::vector<SnapshotInfo>& listed, const OpContext& ctx) {
  const VolumeKey volume{scope.service_id, scope.volume_id};
  std::string nfs_export;
  {
    MutexLock lock(mu_);
    auto it = exports_.find(volume);
    if (it != exports_.end()) nfs_export = it->second;
  }
  const Location where = resolver_.resolve(0, nfs_export, snapshots_dir_);
  if (where.dir.empty()) return {};
  auto token = std::make_shared<const int>(0);
  {
    MutexLock lock(mu_);
    std::weak_ptr<const void>& running = looks_[where.dir];
    if (!running.expired()) return {};  // the last look is still stuck
    running = token;
  }
  // The listed snapshots, by the name of their directory.
  std::set<std::string, std::less<>> names;
  const std::string prefix = snapshots_dir_ + "/";
  for (const SnapshotInfo& s : listed) {
    if (s.content_dir.rfind(prefix, 0) == 0) names.insert(s.content_dir.substr(prefix.size()));
    names.insert(s.name);
  }
  const OpContext look(std::min(ctx.remaining(), kLookLimit), ctx.cancel_flag());
  std::vector<UnlistedSnapshot> found;
  const int rc = list_unlisted(pool_, look, where.dir, names, &found, std::move(token));
  if (rc != 0) {
    log_debug("no unlisted snapshots read from " + where.dir + ": " + std::strerror(rc));
    return {};
  }
  std::vector<SnapshotInfo> out;
  std::set<std::string, std::less<>> shown;
  for (UnlistedSnapshot& u : found) {
    SnapshotInfo s;
    s.id = u.name;
    s.name = u.name;
    s.volume_id = scope.volume_id;
    s.created_us = u.created_us;
    s.state = "available";
    s.type = "automatic";
    s.content_dir = prefix + u.name;
    shown.insert(u.name);
    out.push_back(std::move(s));
  }
  MutexLock lock(mu_);
  shown_[volume] = std::move(shown);
  return out;
}

bool UnlistedSnapshotsProvider::is_unlisted(const ObjectRef& snapshot) const {
  MutexLock lock(mu_);
  auto it = shown_.find({snapshot.service_id, snapshot.volume_id});
  if (it == shown_.end()) return false;
  const std::string& name =
      snapshot.snapshot_name.empty() ? snapshot.snapshot_id : snapshot.snapshot_name;
  return it->second.count(name) > 0;
}

Result<SnapshotInfo> UnlistedSnapshotsProvider::create_snapshot(const ObjectRef& volume,
                                                                const CreateRequest& request,
                                                                const OpContext& ctx) {
  return inner_->create_snapshot(volume, request, ctx);
}

Status UnlistedSnapshotsProvider::delete_snapshot(const ObjectRef& snapshot,
                                                  const OpContext& ctx) {
  if (is_unlisted(snapshot)) {
    return Error(ErrorKind::NotDeletable,
                 "an automatic snapshot: the volume's schedule removes it, the API cannot");
  }
  return inner_->delete_snapshot(snapshot, ctx);
}

Result<SnapshotInfo> UnlistedSnapshotsProvider::rename_snapshot(const ObjectRef& snapshot,
                                                                const std::string& new_name,
                                                                const OpContext& ctx) {
  if (is_unlisted(snapshot)) {
    return Error(ErrorKind::NotDeletable, "an automatic snapshot cannot be renamed");
  }
  return inner_->rename_snapshot(snapshot, new_name, ctx);
}

Result<AttrList> UnlistedSnapshotsProvider::fetch_attrs(const ObjectRef& object,
                                                        const OpContext& ctx) {
  if (object.level == Level::Snapshot && is_unlisted(object)) return AttrList{};
  return inner_->fetch_attrs(object, ctx);
}

Result<AttrUpdate> UnlistedSnapshotsProvider::set_attr(const ObjectRef& object,
                                                       const std::string& key,
                                                       const std::string& value,
                                                       const OpContext& ctx) {
  if (object.level == Level::Snapshot && is_unlisted(object)) {
    return Error(ErrorKind::NotDeletable, "an automatic snapshot's attributes are read-only");
  }
  return inner_->set_attr(object, key, value, ctx);
}

Status UnlistedSnapshotsProvider::validate_name(const std::string& name) const {
  return inner_->validate_name(name);
}

}  // namespace snapfs::content
