#include "providers/scaleway/scaleway_provider.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <sstream>

#include "providers/common/json_util.h"
#include "providers/common/pagination.h"
#include "providers/common/strings.h"
#include "providers/common/time_util.h"
#include "providers/scaleway/scaleway_block_provider.h"
#include "providers/scaleway/scaleway_instance_provider.h"

namespace snapfs {
namespace {

// {"<key>": "<value>"}
std::string string_body(const char* key, const std::string& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key(key);
  w.String(value);
  w.EndObject();
  return buffer.GetString();
}

// {"tags": [...]}
std::string tags_body(const std::vector<std::string>& tags) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("tags");
  w.StartArray();
  for (const std::string& tag : tags) w.String(tag);
  w.EndArray();
  w.EndObject();
  return buffer.GetString();
}

std::int64_t timestamp_us(const rapidjson::Value& object, const char* name) {
  return parse_rfc3339_us(json_string_or(object, name)).value_or(0);
}

}  // namespace

std::string map_scaleway_state(const ScalewayApi& api, const std::string& word) {
  for (const ScalewayStateWord& known : api.states) {
    if (word == known.api) return known.shown;
  }
  return word;
}

Result<VolumeInfo> parse_scaleway_volume(const ScalewayApi& api, const rapidjson::Value& object) {
  VolumeInfo v;
  v.id = json_string_or(object, "id");
  if (v.id.empty()) {
    return Error(ErrorKind::BadResponse, std::string(api.noun) + " volume without an id");
  }
  v.name = json_string_or(object, "name");
  v.created_us = timestamp_us(object, api.names.created);
  v.size = json_uint64(object, "size");
  v.state = json_string_or(object, api.names.state);
  v.tags = json_string_array(object, "tags").value_or(std::vector<std::string>{});
  v.provider_data = json_string_or(object, api.names.project);
  v.json = json_compact(object);
  return v;
}

Result<SnapshotInfo> parse_scaleway_snapshot(const ScalewayApi& api,
                                             const rapidjson::Value& object) {
  SnapshotInfo s;
  s.id = json_string_or(object, "id");
  if (s.id.empty()) {
    return Error(ErrorKind::BadResponse, std::string(api.noun) + " snapshot without an id");
  }
  s.name = json_string_or(object, "name");
  if (const rapidjson::Value* parent = json_object(object, api.names.parent)) {
    s.volume_id = json_string_or(*parent, "id");
  }
  s.created_us = timestamp_us(object, api.names.created);
  s.size = json_uint64(object, "size");
  s.state = map_scaleway_state(api, json_string_or(object, api.names.state));
  s.tags = json_string_array(object, "tags").value_or(std::vector<std::string>{});
  s.json = json_compact(object);
  return s;
}

Result<std::vector<std::string>> parse_scaleway_tags(const std::string& value) {
  std::vector<std::string> tags;
  std::stringstream in(value);
  std::string item;
  while (std::getline(in, item, ',')) {
    item = trim(item);
    if (item.empty()) continue;
    for (unsigned char c : item) {
      if (c < 0x20 || c == 0x7f) {
        return Error(ErrorKind::InvalidArgument, "a tag cannot contain control characters");
      }
    }
    tags.push_back(item);
  }
  if (std::size_t size = tags_body(tags).size(); size > kScalewayMaxTagsJson) {
    return Error(ErrorKind::InvalidArgument,
                 "the tags take " + std::to_string(size) + " bytes as JSON; at most " +
                     std::to_string(kScalewayMaxTagsJson) +
                     " keep the object's user.snapfs.json within the 64 KiB of an xattr value");
  }
  return tags;
}

ScalewayProvider::ScalewayProvider(std::unique_ptr<ScalewayClient> client, const ScalewayApi& api)
    : client_(std::move(client)), api_(api) {
  capabilities_.listing = SnapshotListing::PerService;
  capabilities_.rename = true;
  capabilities_.attrs = {{Level::Snapshot, "tags", true, false},
                         {Level::Volume, "tags", true, false}};
}

Error ScalewayProvider::bad_response(const std::string& what) const {
  return Error(ErrorKind::BadResponse,
               "remote '" + client_->remote_name() + "': unexpected answer: " + what);
}

std::string ScalewayProvider::zone_path(const std::string& zone) const {
  return api_.prefix + ("/zones/" + url_encode(zone));
}

const rapidjson::Value* ScalewayProvider::single_object(const rapidjson::Value& body,
                                                        const char* kind) const {
  if (api_.bodies.wrapped) return json_object(body, kind);
  return body.IsObject() ? &body : nullptr;
}

Result<VolumeInfo> ScalewayProvider::parse_volume(const rapidjson::Value& object) const {
  auto v = parse_scaleway_volume(api_, object);
  if (!v.ok()) return bad_response(v.error().message);
  return v;
}

Result<SnapshotInfo> ScalewayProvider::parse_snapshot(const rapidjson::Value& object) const {
  auto s = parse_scaleway_snapshot(api_, object);
  if (!s.ok()) return bad_response(s.error().message);
  return s;
}

std::string ScalewayProvider::create_body(const ObjectRef& volume,
                                          const CreateRequest& request) const {
  const std::string& project =
      volume.volume_data.empty() ? client_->settings().project_id : volume.volume_data;
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  if (api_.bodies.name_first) {
    w.Key("name");
    w.String(request.name);
  }
  w.Key("volume_id");
  w.String(volume.volume_id);
  if (!api_.bodies.name_first) {
    w.Key("name");
    w.String(request.name);
  }
  if (!project.empty()) {
    w.Key(api_.names.project);
    w.String(project);
  }
  if (api_.bodies.empty_tags) {
    w.Key("tags");
    w.StartArray();
    w.EndArray();
  }
  w.EndObject();
  return buffer.GetString();
}

Result<std::vector<ServiceInfo>> ScalewayProvider::list_services(const OpContext&) {
  std::vector<ServiceInfo> services;
  for (const std::string& zone : client_->settings().zones) {
    ServiceInfo info;
    info.id = zone;
    info.name = zone;
    services.push_back(std::move(info));
  }
  return services;
}

template <class T, class Parse>
Status ScalewayProvider::list_all(const std::string& path, const char* collection,
                                  const std::string& filter, const Parse& parse,
                                  const OpContext& ctx,
                                  const std::function<void(std::vector<T>&&)>& consume) {
  PageFetcher<T> fetch = [&](int page) -> Result<Page<T>> {
    auto response =
        client_->call("GET", path + "?" + api_.paging.query(page, kPageSize) + filter, "", ctx);
    if (!response.ok()) return response.error();
    rapidjson::Document doc;
    if (Status s = parse_json(response->body, &doc, "GET " + path); !s.ok()) {
      return bad_response(s.error().message);
    }
    const rapidjson::Value* items = json_array(doc, collection);
    if (items == nullptr) {
      return bad_response("GET " + path + " has no '" + collection + "' list");
    }
    Page<T> out;
    out.total = api_.paging.total(*response, doc);
    for (const auto& item : items->GetArray()) {
      auto parsed = parse(item);
      if (!parsed.ok()) return parsed.error();
      out.items.push_back(std::move(parsed.value()));
    }
    return out;
  };
  PaginationOptions options;
  options.page_size = kPageSize;
  options.concurrency = kParallelPages;
  return for_each_page<T>(fetch, options, consume);
}

Result<std::vector<VolumeInfo>> ScalewayProvider::list_volumes(const ObjectRef& service,
                                                               const OpContext& ctx) {
  auto parse = [this](const rapidjson::Value& v) { return parse_volume(v); };
  std::vector<VolumeInfo> volumes;
  Status listed = list_all<VolumeInfo>(zone_path(service.service_id) + "/volumes", "volumes", "",
                                       parse, ctx, [&](std::vector<VolumeInfo>&& page) {
                                         for (VolumeInfo& v : page) volumes.push_back(std::move(v));
                                       });
  if (!listed.ok()) return listed.error();
  return volumes;
}

Result<std::vector<SnapshotInfo>> ScalewayProvider::list_snapshots(const ObjectRef& scope,
                                                                   const OpContext& ctx) {
  std::vector<SnapshotInfo> out;
  Status listed =
      stream_snapshots(scope, ctx, [&](SnapshotInfo&& s) { out.push_back(std::move(s)); });
  if (!listed.ok()) return listed.error();
  return out;
}

Status ScalewayProvider::stream_snapshots(const ObjectRef& scope, const OpContext& ctx,
                                          const SnapshotSink& sink) {
  std::string filter;
  const bool one_volume = scope.level != Level::Service && !scope.volume_id.empty();
  if (one_volume)
    filter = "&" + std::string(api_.names.volume_filter) + "=" + url_encode(scope.volume_id);
  auto parse = [this](const rapidjson::Value& v) { return parse_snapshot(v); };
  return list_all<SnapshotInfo>(zone_path(scope.service_id) + "/snapshots", "snapshots", filter,
                                parse, ctx, [&](std::vector<SnapshotInfo>&& page) {
                                  for (SnapshotInfo& s : page) {
                                    // A snapshot whose volume is gone (or an import) belongs to no
                                    // volume directory.
                                    if (s.volume_id.empty()) continue;
                                    if (one_volume && s.volume_id != scope.volume_id) continue;
                                    sink(std::move(s));
                                  }
                                });
}

Result<SnapshotInfo> ScalewayProvider::snapshot_from(const HttpResponse& response,
                                                     const std::string& what,
                                                     const std::string& volume_id) const {
  rapidjson::Document doc;
  if (Status s = parse_json(response.body, &doc, what); !s.ok()) {
    return bad_response(s.error().message);
  }
  const rapidjson::Value* object = single_object(doc, "snapshot");
  if (object == nullptr) return bad_response(what + " returned no snapshot object");
  auto snapshot = parse_snapshot(*object);
  if (snapshot.ok() && snapshot->volume_id.empty()) snapshot->volume_id = volume_id;
  return snapshot;
}

Result<SnapshotInfo> ScalewayProvider::create_snapshot(const ObjectRef& volume,
                                                       const CreateRequest& request,
                                                       const OpContext& ctx) {
  const std::string path = zone_path(volume.service_id) + "/snapshots";
  auto response = client_->call("POST", path, create_body(volume, request), ctx,
                                /*idempotent=*/false);
  if (!response.ok()) return response.error();
  return snapshot_from(*response, "POST " + path, volume.volume_id);
}

Status ScalewayProvider::delete_snapshot(const ObjectRef& snapshot, const OpContext& ctx) {
  const std::string path =
      zone_path(snapshot.service_id) + "/snapshots/" + url_encode(snapshot.snapshot_id);
  auto response = client_->call("DELETE", path, "", ctx);
  if (!response.ok() && response.error().kind != ErrorKind::NotFound) return response.error();
  return Status::Ok();
}

Result<SnapshotInfo> ScalewayProvider::patch_snapshot(const ObjectRef& snapshot,
                                                      const std::string& body,
                                                      const OpContext& ctx) {
  const std::string path =
      zone_path(snapshot.service_id) + "/snapshots/" + url_encode(snapshot.snapshot_id);
  auto response = client_->call("PATCH", path, body, ctx);
  if (!response.ok()) return response.error();
  return snapshot_from(*response, "PATCH " + path, snapshot.volume_id);
}

Result<VolumeInfo> ScalewayProvider::patch_volume(const ObjectRef& volume, const std::string& body,
                                                  const OpContext& ctx) {
  const std::string path =
      zone_path(volume.service_id) + "/volumes/" + url_encode(volume.volume_id);
  auto response = client_->call("PATCH", path, body, ctx);
  if (!response.ok()) return response.error();
  rapidjson::Document doc;
  if (Status s = parse_json(response->body, &doc, "PATCH " + path); !s.ok()) {
    return bad_response(s.error().message);
  }
  const rapidjson::Value* object = single_object(doc, "volume");
  if (object == nullptr) return bad_response("PATCH " + path + " returned no volume object");
  return parse_volume(*object);
}

Result<SnapshotInfo> ScalewayProvider::rename_snapshot(const ObjectRef& snapshot,
                                                       const std::string& new_name,
                                                       const OpContext& ctx) {
  if (Status valid = validate_name(new_name); !valid.ok()) return valid.error();
  return patch_snapshot(snapshot, string_body("name", new_name), ctx);
}

Result<AttrUpdate> ScalewayProvider::set_attr(const ObjectRef& object, const std::string& key,
                                              const std::string& value, const OpContext& ctx) {
  if (key != "tags" || (object.level != Level::Snapshot && object.level != Level::Volume)) {
    return Provider::set_attr(object, key, value, ctx);
  }
  auto tags = parse_scaleway_tags(value);
  if (!tags.ok()) return tags.error();
  AttrUpdate update;
  if (object.level == Level::Snapshot) {
    auto snapshot = patch_snapshot(object, tags_body(*tags), ctx);
    if (!snapshot.ok()) return snapshot.error();
    update.snapshot = std::move(snapshot.value());
  } else {
    auto volume = patch_volume(object, tags_body(*tags), ctx);
    if (!volume.ok()) return volume.error();
    update.volume = std::move(volume.value());
  }
  return update;
}

Result<std::unique_ptr<Provider>> make_scaleway_provider(const RemoteConfig& remote,
                                                         const ProviderEnv& env,
                                                         const ScalewayApi& api) {
  auto client = make_scaleway_client(remote, env);
  if (!client.ok()) return client.error();
  return std::unique_ptr<Provider>(
      std::make_unique<ScalewayProvider>(std::move(client.value()), api));
}

Result<std::unique_ptr<Provider>> make_scaleway_instance_provider(const RemoteConfig& remote,
                                                                  const ProviderEnv& env) {
  return make_scaleway_provider(remote, env, kScalewayInstanceApi);
}

Result<std::unique_ptr<Provider>> make_scaleway_block_provider(const RemoteConfig& remote,
                                                               const ProviderEnv& env) {
  return make_scaleway_provider(remote, env, kScalewayBlockApi);
}

}  // namespace snapfs
