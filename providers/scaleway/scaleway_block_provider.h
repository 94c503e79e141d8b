// Scaleway Block Storage API v1: /block/v1/zones/{zone}/volumes and /snapshots, bare objects,
// `page`/`page_size` pagination with `total_count` in the body, creates answered with 200.
#pragma once

#include "providers/scaleway/scaleway_provider.h"

namespace snapfs {

class ScalewayBlockProvider : public ScalewayProvider {
 public:
  using ScalewayProvider::ScalewayProvider;

  // Object parsers, public for tests; wrong field types count as absent.
  static Result<VolumeInfo> parse_volume_object(const rapidjson::Value& object);
  static Result<SnapshotInfo> parse_snapshot_object(const rapidjson::Value& object);
  // "locked" and "exporting" -> "busy", "deleted" -> "deleting", other words (including
  // "in_use", a snapshot that an image references) unchanged.
  static std::string map_snapshot_state(const std::string& status);

 protected:
  std::string api_prefix() const override { return "/block/v1"; }
  std::string page_query(int page) const override;
  std::string volume_filter_param() const override { return "volume_id"; }
  std::optional<std::int64_t> list_total(const HttpResponse& response,
                                         const rapidjson::Value& body) const override;
  const rapidjson::Value* single_object(const rapidjson::Value& body,
                                        const char* kind) const override;
  Result<VolumeInfo> parse_volume(const rapidjson::Value& object) const override;
  Result<SnapshotInfo> parse_snapshot(const rapidjson::Value& object) const override;
  std::string create_body(const ObjectRef& volume, const CreateRequest& request) const override;
};

}  // namespace snapfs
