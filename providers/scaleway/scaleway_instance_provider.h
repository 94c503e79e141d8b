// Scaleway Instance API v1: /instance/v1/zones/{zone}/volumes and /snapshots, wrapped objects,
// `per_page`/`page` pagination with the total in X-Total-Count.
#pragma once

#include "providers/scaleway/scaleway_provider.h"

namespace snapfs {

class ScalewayInstanceProvider : public ScalewayProvider {
 public:
  using ScalewayProvider::ScalewayProvider;

  // Object parsers, public for tests. They never crash on a wrong field type: such fields are
  // treated as absent, and only an object without an id is a BadResponse.
  static Result<VolumeInfo> parse_volume_object(const rapidjson::Value& object);
  static Result<SnapshotInfo> parse_snapshot_object(const rapidjson::Value& object);
  // "snapshotting" -> "creating", "invalid_data" -> "error", other words unchanged.
  static std::string map_snapshot_state(const std::string& state);

 protected:
  std::string api_prefix() const override { return "/instance/v1"; }
  std::string page_query(int page) const override;
  std::string volume_filter_param() const override { return "base_volume_id"; }
  std::optional<std::int64_t> list_total(const HttpResponse& response,
                                         const rapidjson::Value& body) const override;
  const rapidjson::Value* single_object(const rapidjson::Value& body,
                                        const char* kind) const override;
  Result<VolumeInfo> parse_volume(const rapidjson::Value& object) const override;
  Result<SnapshotInfo> parse_snapshot(const rapidjson::Value& object) const override;
  std::string create_body(const ObjectRef& volume, const CreateRequest& request) const override;
};

}  // namespace snapfs
