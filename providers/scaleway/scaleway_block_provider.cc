#include "providers/scaleway/scaleway_block_provider.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "providers/common/json_util.h"
#include "providers/common/time_util.h"

namespace snapfs {
namespace {

std::int64_t timestamp_us(const rapidjson::Value& object, const char* name) {
  return parse_rfc3339_us(json_string_or(object, name)).value_or(0);
}

}  // namespace

std::string ScalewayBlockProvider::map_snapshot_state(const std::string& status) {
  if (status == "locked" || status == "exporting") return "busy";
  if (status == "deleted") return "deleting";
  return status;
}

Result<VolumeInfo> ScalewayBlockProvider::parse_volume_object(const rapidjson::Value& object) {
  VolumeInfo v;
  v.id = json_string_or(object, "id");
  if (v.id.empty()) return Error(ErrorKind::BadResponse, "a Block volume without an id");
  v.name = json_string_or(object, "name");
  v.created_us = timestamp_us(object, "created_at");
  v.size = json_uint64(object, "size");
  v.state = json_string_or(object, "status");
  v.tags = json_string_array(object, "tags").value_or(std::vector<std::string>{});
  v.provider_data = json_string_or(object, "project_id");
  v.json = json_compact(object);
  return v;
}

Result<SnapshotInfo> ScalewayBlockProvider::parse_snapshot_object(const rapidjson::Value& object) {
  SnapshotInfo s;
  s.id = json_string_or(object, "id");
  if (s.id.empty()) return Error(ErrorKind::BadResponse, "a Block snapshot without an id");
  s.name = json_string_or(object, "name");
  if (const rapidjson::Value* parent = json_object(object, "parent_volume")) {
    s.volume_id = json_string_or(*parent, "id");
  }
  s.created_us = timestamp_us(object, "created_at");
  s.size = json_uint64(object, "size");
  s.state = map_snapshot_state(json_string_or(object, "status"));
  s.tags = json_string_array(object, "tags").value_or(std::vector<std::string>{});
  s.json = json_compact(object);
  return s;
}

std::string ScalewayBlockProvider::page_query(int page) const {
  return "page=" + std::to_string(page) + "&page_size=" + std::to_string(kPageSize);
}

std::optional<std::int64_t> ScalewayBlockProvider::list_total(const HttpResponse&,
                                                              const rapidjson::Value& body) const {
  auto total = json_int64(body, "total_count");
  if (total && *total < 0) return std::nullopt;
  return total;
}

const rapidjson::Value* ScalewayBlockProvider::single_object(const rapidjson::Value& body,
                                                             const char*) const {
  return body.IsObject() ? &body : nullptr;
}

Result<VolumeInfo> ScalewayBlockProvider::parse_volume(const rapidjson::Value& object) const {
  auto v = parse_volume_object(object);
  if (!v.ok()) return bad_response(v.error().message);
  return v;
}

Result<SnapshotInfo> ScalewayBlockProvider::parse_snapshot(const rapidjson::Value& object) const {
  auto s = parse_snapshot_object(object);
  if (!s.ok()) return bad_response(s.error().message);
  return s;
}

std::string ScalewayBlockProvider::create_body(const ObjectRef& volume,
                                               const CreateRequest& request) const {
  const std::string& project =
      volume.volume_data.empty() ? client().settings().project_id : volume.volume_data;
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("volume_id");
  w.String(volume.volume_id);
  w.Key("name");
  w.String(request.name);
  if (!project.empty()) {
    w.Key("project_id");
    w.String(project);
  }
  w.Key("tags");
  w.StartArray();
  w.EndArray();
  w.EndObject();
  return buffer.GetString();
}

Result<std::unique_ptr<Provider>> make_scaleway_block_provider(const RemoteConfig& remote,
                                                               const ProviderEnv& env) {
  auto client = make_scaleway_client(remote, env);
  if (!client.ok()) return client.error();
  return std::unique_ptr<Provider>(
      std::make_unique<ScalewayBlockProvider>(std::move(client.value())));
}

}  // namespace snapfs
