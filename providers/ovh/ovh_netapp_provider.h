// ovh-netapp: OVHcloud Enterprise File Storage. Services from GET /storage/netapp, volumes =
// shares, snapshots = share snapshots (always listed with detail=true). Snapshots are renamed
// and described with PUT; the share's snapshot policy is user.snapfs.schedule on .snapshots.
//
// Putting a snapshot on hold (POST .../hold, by any client) gives it a new id while its name,
// createdAt and path stay: listings notice such a change and later calls made with the old id
// are sent to the new one; a 404 on an id-addressed call re-lists the share once to find out.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "providers/ovh/ovh_client.h"
#include "providers/ovh/ovh_objects.h"
#include "providers/ovh/ovh_provider_base.h"

namespace snapfs {

class OvhNetappProvider : public OvhProvider {
 public:
  OvhNetappProvider(OvhSettings settings, std::string remote_name,
                    OvhClient::LocalClock clock = {});

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

  // The id a snapshot now has, following hold re-keys this provider has seen.
  std::string current_id(const std::string& id) const;

 private:
  static std::string service_path(const std::string& service);
  static std::string share_path(const ObjectRef& ref);
  std::string snapshot_path(const ObjectRef& ref, const std::string& id) const;
  void track_identities(const std::string& share, const std::vector<SnapshotInfo>& snapshots);
  // After a 404 on `id`: re-lists the share and returns the snapshot's new id, if it has one.
  std::optional<std::string> find_rekeyed(const ObjectRef& ref, const std::string& id,
                                          const OpContext& ctx);
  // Sends an update of one snapshot (PUT), following a re-key once.
  Result<SnapshotInfo> update_snapshot(const ObjectRef& ref, const std::string& body,
                                       const OpContext& ctx);
  Result<std::string> read_policy(const ObjectRef& ref, const OpContext& ctx);
  // Writing "no policy": accepted only where the share has none.
  Result<AttrUpdate> keep_no_policy(const ObjectRef& ref, const OpContext& ctx);
  Result<AttrUpdate> attach_policy(const ObjectRef& ref, const std::string& value,
                                   const OpContext& ctx);
  // Fills each share's nfs_export from its accessPath list: one GET per share not known yet (or
  // known for longer than kExportMaxAge), in parallel, none for the others.
  void fill_exports(const std::string& service, std::vector<VolumeInfo>& shares,
                    const OpContext& ctx);

  // Access paths change only when the share is moved; a listing within this age reuses them.
  static constexpr std::chrono::seconds kExportMaxAge = std::chrono::hours(1);

  mutable std::mutex mu_;
  // share -> digest of a snapshot's identity (creation time and path) -> id. A digest, not the
  // text: one entry per snapshot of every share; a collision (about n^2/2^64) would at worst
  // report one snapshot as re-keyed.
  std::map<std::string, std::unordered_map<std::uint64_t, std::string>> identities_;
  std::map<std::string, std::string> rekeys_;  // old id -> new id
  struct KnownExport {
    std::string path;
    std::chrono::steady_clock::time_point fetched;
  };
  std::map<std::string, KnownExport> exports_;  // share id -> its preferred access path
};

}  // namespace snapfs
