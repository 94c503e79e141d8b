// A provider whose volumes hold snapshots its API does not list, shown beside the listed ones.
// ZFS keeps an HA-NAS partition's automatic snapshots in `.zfs/snapshot/` with the custom ones;
// only the custom ones are API objects. With the partition mounted here, this wrapper adds the
// others to each snapshot list, read-only: type `automatic`, state `available`, created when
// their directory was last modified; deleting one or writing its attributes is refused (EPERM)
// without a request. The API sees exactly the requests the wrapped provider makes.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <utility>

#include "fs/content/backing_pool.h"
#include "fs/content/mount_table.h"
#include "fs/content/resolver.h"
#include "providers/common/thread_annotations.h"
#include "providers/provider.h"

namespace snapfs::content {

// Where a remote type's volumes keep the snapshots their API does not list, relative to the
// export root; empty when there are none to find.
std::string unlisted_snapshots_dir(const std::string& remote_type);

// `provider` wrapped when its remote's volumes can hold unlisted snapshots and its content is
// not turned off; `provider` itself otherwise.
std::unique_ptr<Provider> with_unlisted_snapshots(std::unique_ptr<Provider> provider,
                                                  const RemoteConfig& remote,
                                                  std::shared_ptr<MountTable> mounts);

class UnlistedSnapshotsProvider : public Provider {
 public:
  UnlistedSnapshotsProvider(std::unique_ptr<Provider> inner, const RemoteConfig& remote,
                            std::shared_ptr<MountTable> mounts, std::string snapshots_dir);

  const Capabilities& capabilities() const override { return inner_->capabilities(); }
  Result<std::vector<ServiceInfo>> list_services(const OpContext& ctx) override;
  Result<std::vector<VolumeInfo>> list_volumes(const ObjectRef& service,
                                               const OpContext& ctx) override;
  Result<std::vector<SnapshotInfo>> list_snapshots(const ObjectRef& scope,
                                                   const OpContext& ctx) override;
  Result<SnapshotInfo> create_snapshot(const ObjectRef& volume, const CreateRequest& request,
                                       const OpContext& ctx) override;
  Status delete_snapshot(const ObjectRef& snapshot, const OpContext& ctx) override;
  Result<SnapshotInfo> rename_snapshot(const ObjectRef& snapshot, const std::string& new_name,
                                       const OpContext& ctx) override;
  Result<AttrList> fetch_attrs(const ObjectRef& object, const OpContext& ctx) override;
  Result<AttrUpdate> set_attr(const ObjectRef& object, const std::string& key,
                              const std::string& value, const OpContext& ctx) override;
  Status validate_name(const std::string& name) const override;
  const RequestStats* request_stats() const override { return inner_->request_stats(); }

  // How long one look at a volume's snapshot directory may take: a listing never waits on a
  // dead NFS server for longer, and while such a look is still stuck the next ones are skipped.
  static constexpr std::chrono::milliseconds kLookLimit{2000};

 private:
  using VolumeKey = std::pair<std::string, std::string>;  // service id, volume id
  // The snapshots found in the volume's snapshot directory that `listed` does not hold.
  std::vector<SnapshotInfo> unlisted(const ObjectRef& scope,
                                     const std::vector<SnapshotInfo>& listed,
                                     const OpContext& ctx) EXCLUDES(mu_);
  bool is_unlisted(const ObjectRef& snapshot) const EXCLUDES(mu_);

  std::unique_ptr<Provider> inner_;
  // This wrapper sits below the namespace, as its provider: the contents room above it (which
  // finds a volume's export in the inode table) is not its to call. So it resolves with a
  // Resolver of its own, over the room's mount table (one read of the mount table serves both),
  // and keeps the exports of the volumes it listed.
  Resolver resolver_;  // of this one remote (index 0)
  std::string snapshots_dir_;
  BackingPool pool_{4};
  mutable Mutex mu_;  // a leaf: nothing else is locked while it is held
  std::map<VolumeKey, std::string> exports_ GUARDED_BY(mu_);  // from the volume lists
  // The names last shown as unlisted, per volume: the ones whose delete is refused.
  std::map<VolumeKey, std::set<std::string, std::less<>>> shown_ GUARDED_BY(mu_);
  // Per directory, a token that its look holds until it ends: while one is alive (a look stuck
  // on a dead NFS server), the next listings do not look.
  std::map<std::string, std::weak_ptr<const void>> looks_ GUARDED_BY(mu_);
};

}  // namespace snapfs::content
