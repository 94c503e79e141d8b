#include "providers/scaleway/scaleway_instance_provider.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "providers/common/json_util.h"
#include "providers/common/time_util.h"

namespace snapfs {
namespace {

std::int64_t timestamp_us(const rapidjson::Value& object, const char* name) {
  return parse_rfc3339_us(json_string_or(object, name)).value_or(0);
}

std::optional<std::int64_t> parse_count(const std::string& text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  std::int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

}  // namespace

std::string ScalewayInstanceProvider::map_snapshot_state(const std::string& state) {
  if (state == "snapshotting") return "creating";
  if (state == "invalid_data") return "error";
  return state;
}

Result<VolumeInfo> ScalewayInstanceProvider::parse_volume_object(const rapidjson::Value& object) {
  VolumeInfo v;
  v.id = json_string_or(object, "id");
  if (v.id.empty()) return Error(ErrorKind::BadResponse, "an Instance volume without an id");
  v.name = json_string_or(object, "name");
  v.created_us = timestamp_us(object, "creation_date");
  v.size = json_uint64(object, "size");
  v.state = json_string_or(object, "state");
  v.tags = json_string_array(object, "tags").value_or(std::vector<std::string>{});
  v.provider_data = json_string_or(object, "project");
  v.json = json_compact(object);
  return v;
}

Result<SnapshotInfo> ScalewayInstanceProvider::parse_snapshot_object(
    const rapidjson::Value& object) {
  SnapshotInfo s;
  s.id = json_string_or(object, "id");
  if (s.id.empty()) return Error(ErrorKind::BadResponse, "an Instance snapshot without an id");
  s.name = json_string_or(object, "name");
  if (const rapidjson::Value* base = json_object(object, "base_volume")) {
    s.volume_id = json_string_or(*base, "id");
  }
  s.created_us = timestamp_us(object, "creation_date");
  s.size = json_uint64(object, "size");
  s.state = map_snapshot_state(json_string_or(object, "state"));
  s.tags = json_string_array(object, "tags").value_or(std::vector<std::string>{});
  s.json = json_compact(object);
  return s;
}

std::string ScalewayInstanceProvider::page_query(int page) const {
  return "per_page=" + std::to_string(kPageSize) + "&page=" + std::to_string(page);
}

std::optional<std::int64_t> ScalewayInstanceProvider::list_total(const HttpResponse& response,
                                                                 const rapidjson::Value&) const {
  return parse_count(response.header("x-total-count"));
}

const rapidjson::Value* ScalewayInstanceProvider::single_object(const rapidjson::Value& body,
                                                                const char* kind) const {
  return json_object(body, kind);
}

Result<VolumeInfo> ScalewayInstanceProvider::parse_volume(const rapidjson::Value& object) const {
  auto v = parse_volume_object(object);
  if (!v.ok()) return bad_response(v.error().message);
  return v;
}

Result<SnapshotInfo> ScalewayInstanceProvider::parse_snapshot(
    const rapidjson::Value& object) const {
  auto s = parse_snapshot_object(object);
  if (!s.ok()) return bad_response(s.error().message);
  return s;
}

std::string ScalewayInstanceProvider::create_body(const ObjectRef& volume,
                                                  const CreateRequest& request) const {
  const std::string& project =
      volume.volume_data.empty() ? client().settings().project_id : volume.volume_data;
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("name");
  w.String(request.name);
  w.Key("volume_id");
  w.String(volume.volume_id);
  if (!project.empty()) {
    w.Key("project");
    w.String(project);
  }
  w.EndObject();
  return buffer.GetString();
}

Result<std::unique_ptr<Provider>> make_scaleway_instance_provider(const RemoteConfig& remote,
                                                                  const ProviderEnv& env) {
  auto client = make_scaleway_client(remote, env);
  if (!client.ok()) return client.error();
  return std::unique_ptr<Provider>(
      std::make_unique<ScalewayInstanceProvider>(std::move(client.value())));
}

}  // namespace snapfs
