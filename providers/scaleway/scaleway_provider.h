// The Scaleway providers: zones as services, volumes, and every snapshot of a zone listed in one
// paginated call (grouped per volume by the filesystem). Instance and Block differ only in
// routes, pagination and object shapes, which the subclasses describe.
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "providers/provider.h"
#include "providers/scaleway/scaleway_client.h"

namespace snapfs {

class ScalewayProvider : public Provider {
 public:
  explicit ScalewayProvider(std::unique_ptr<ScalewayClient> client);

  const Capabilities& capabilities() const override { return capabilities_; }
  Result<std::vector<ServiceInfo>> list_services(const OpContext& ctx) override;
  Result<std::vector<VolumeInfo>> list_volumes(const ObjectRef& service,
                                               const OpContext& ctx) override;
  Result<std::vector<SnapshotInfo>> list_snapshots(const ObjectRef& scope,
                                                   const OpContext& ctx) override;
  Status stream_snapshots(const ObjectRef& scope, const OpContext& ctx,
                          const SnapshotSink& sink) override;
  Result<SnapshotInfo> create_snapshot(const ObjectRef& volume, const CreateRequest& request,
                                       const OpContext& ctx) override;
  Status delete_snapshot(const ObjectRef& snapshot, const OpContext& ctx) override;
  Result<SnapshotInfo> rename_snapshot(const ObjectRef& snapshot, const std::string& new_name,
                                       const OpContext& ctx) override;
  Result<AttrUpdate> set_attr(const ObjectRef& object, const std::string& key,
                              const std::string& value, const OpContext& ctx) override;
  const RequestStats* request_stats() const override { return &client_->stats(); }

 protected:
  static constexpr int kPageSize = 100;

  // "/instance/v1" or "/block/v1".
  virtual std::string api_prefix() const = 0;
  // The query of one list page, e.g. "per_page=100&page=3".
  virtual std::string page_query(int page) const = 0;
  // The query parameter that restricts a snapshot list to one volume.
  virtual std::string volume_filter_param() const = 0;
  // The total item count of a list answer, when it says.
  virtual std::optional<std::int64_t> list_total(const HttpResponse& response,
                                                 const rapidjson::Value& body) const = 0;
  // The object of a single-object answer (`kind` is "snapshot" or "volume"), or null.
  virtual const rapidjson::Value* single_object(const rapidjson::Value& body,
                                                const char* kind) const = 0;
  virtual Result<VolumeInfo> parse_volume(const rapidjson::Value& object) const = 0;
  // volume_id stays empty for a snapshot whose volume is gone.
  virtual Result<SnapshotInfo> parse_snapshot(const rapidjson::Value& object) const = 0;
  virtual std::string create_body(const ObjectRef& volume, const CreateRequest& request) const = 0;

  const ScalewayClient& client() const { return *client_; }
  // A BadResponse naming the remote and what was being read.
  Error bad_response(const std::string& what) const;

 private:
  std::string zone_path(const std::string& zone) const;
  // Every item of a list, page by page, to `consume`.
  template <class T, class Parse>
  Status list_all(const std::string& path, const char* collection, const std::string& filter,
                  const Parse& parse, const OpContext& ctx,
                  const std::function<void(std::vector<T>&&)>& consume);
  Result<SnapshotInfo> snapshot_from(const HttpResponse& response, const std::string& what,
                                     const std::string& volume_id) const;
  Result<SnapshotInfo> patch_snapshot(const ObjectRef& snapshot, const std::string& body,
                                      const OpContext& ctx);
  Result<VolumeInfo> patch_volume(const ObjectRef& volume, const std::string& body,
                                  const OpContext& ctx);

  std::unique_ptr<ScalewayClient> client_;
  Capabilities capabilities_;
};

// The most the tags may take as JSON. The API sets no limit, but they are part of the object
// shown in user.snapfs.json, and an xattr value cannot exceed 64 KiB (the kernel's limit): half
// of that leaves the rest of the object its room, so the metadata stays readable.
constexpr std::size_t kScalewayMaxTagsJson = 32 * 1024;

// Parses a `user.snapfs.tags` value: comma-separated, each tag trimmed, "" = no tags.
// InvalidArgument for control characters or tags over kScalewayMaxTagsJson.
Result<std::vector<std::string>> parse_scaleway_tags(const std::string& value);

// Factories for make_provider (registry.cc).
Result<std::unique_ptr<Provider>> make_scaleway_instance_provider(const RemoteConfig& remote,
                                                                  const ProviderEnv& env);
Result<std::unique_ptr<Provider>> make_scaleway_block_provider(const RemoteConfig& remote,
                                                               const ProviderEnv& env);

}  // namespace snapfs
