// Scaleway Instance v1 volume and snapshot routes (spec sections 2 and 3).
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "emulator/apis/scaleway/scaleway.h"
#include "emulator/emu_util.h"

namespace snapfs::emu::scaleway {

// ---------------------------------------------------------------------------------------------
// Instance volumes and snapshots

EmuResponse ScalewayModule::list_instance_volumes(const Call& c) {
  int page = 1, per_page = kDefaultPageSize;
  if (auto e = read_page_param(c.req, "page", 1, 1000000000, 1, &page)) return *e;
  if (auto e = read_page_param(c.req, "per_page", 1, kMaxPageSize, kDefaultPageSize, &per_page)) {
    return *e;
  }
  const std::string volume_type = c.req.query_param("volume_type");
  const std::string name = c.req.query_param("name");
  const std::string project = c.req.query_param("project");
  const std::string organization = c.req.query_param("organization");
  const std::vector<std::string> tags = split_on(c.req.query_param("tags"), ',');
  bool filtered = !volume_type.empty() || !name.empty() || !project.empty() ||
                  !organization.empty() || !tags.empty();
  auto keep = [&](const InstanceVolume& v) {
    return (volume_type.empty() || v.volume_type == volume_type) && name_matches(v.name, name) &&
           (project.empty() || v.project == project) &&
           (organization.empty() || v.organization == organization) && has_all_tags(v.tags, tags);
  };
  std::int64_t total = 0;
  auto items = select_page(c.zone.instance_volumes.in_order(), false, filtered, keep, page,
                           per_page, &total);
  EmuResponse out = json_answer(200, json_text([&](JsonWriter& w) {
                                  w.StartObject();
                                  w.Key("volumes");
                                  w.StartArray();
                                  for (const InstanceVolume* v : items)
                                    write_instance_volume(w, *v);
                                  w.EndArray();
                                  w.EndObject();
                                }));
  out.headers.emplace_back("X-Total-Count", std::to_string(total));
  out.headers.emplace_back(
      "Link", instance_link("/volumes", page, per_page, total, link_filters(c.req.raw_query)));
  return out;
}

EmuResponse ScalewayModule::get_instance_volume(const Call& c) {
  const InstanceVolume* v = c.zone.instance_volumes.find(c.param("volume_id"));
  if (v == nullptr) return instance_not_found("instance_volume", c.param("volume_id"));
  return json_answer(200, json_text([&](JsonWriter& w) {
                       w.StartObject();
                       w.Key("volume");
                       write_instance_volume(w, *v);
                       w.EndObject();
                     }));
}

// Volumes are renamed, retagged or grown (spec 3 and 5); a volume never shrinks.
EmuResponse ScalewayModule::update_instance_volume(const Call& c) {
  InstanceVolume* v = c.zone.instance_volumes.find(c.param("volume_id"));
  if (v == nullptr) return instance_not_found("instance_volume", c.param("volume_id"));
  rapidjson::Document body;
  if (auto e = parse_object(c.req.body, &body)) return *e;
  std::optional<std::string> name;
  std::optional<std::vector<std::string>> tags;
  std::optional<std::int64_t> size;
  if (auto e = read_string(body, "name", &name)) return *e;
  if (auto e = read_tags(body, "tags", &tags)) return *e;
  if (auto e = read_size(body, "size", &size)) return *e;
  if (size && *size < v->size) {
    return invalid_argument("size", "constraint", "a volume cannot shrink");
  }
  if (name) {
    v->name = *name;
    c.zone.instance_volumes.names_changed();
  }
  if (tags) v->tags = *tags;
  if (size) v->size = *size;
  v->modified_us = ctx_.now_unix_us();
  return json_answer(200, json_text([&](JsonWriter& w) {
                       w.StartObject();
                       w.Key("volume");
                       write_instance_volume(w, *v);
                       w.EndObject();
                     }));
}

EmuResponse ScalewayModule::list_instance_snapshots(const Call& c) {
  int page = 1, per_page = kDefaultPageSize;
  if (auto e = read_page_param(c.req, "page", 1, 1000000000, 1, &page)) return *e;
  if (auto e = read_page_param(c.req, "per_page", 1, kMaxPageSize, kDefaultPageSize, &per_page)) {
    return *e;
  }
  const std::string base_volume = c.req.query_param("base_volume_id");
  const std::string name = c.req.query_param("name");
  const std::string project = c.req.query_param("project");
  const std::string organization = c.req.query_param("organization");
  const std::vector<std::string> tags = split_on(c.req.query_param("tags"), ',');
  bool filtered = !name.empty() || !project.empty() || !organization.empty() || !tags.empty();
  auto keep = [&](const InstanceSnapshot& s) {
    return name_matches(s.name, name) && (project.empty() || s.project == project) &&
           (organization.empty() || s.organization == organization) && has_all_tags(s.tags, tags);
  };
  const auto& base = base_volume.empty() ? c.zone.instance_snapshots.in_order()
                                         : c.zone.instance_snapshots.children(base_volume);
  std::int64_t total = 0;
  auto items = select_page(base, false, filtered, keep, page, per_page, &total);
  EmuResponse out = json_answer(200, json_text([&](JsonWriter& w) {
                                  w.StartObject();
                                  w.Key("snapshots");
                                  w.StartArray();
                                  for (const InstanceSnapshot* s : items) {
                                    write_instance_snapshot(w, *s, c.zone);
                                  }
                                  w.EndArray();
                                  w.EndObject();
                                }));
  out.headers.emplace_back("X-Total-Count", std::to_string(total));
  out.headers.emplace_back(
      "Link", instance_link("/snapshots", page, per_page, total, link_filters(c.req.raw_query)));
  return out;
}

EmuResponse ScalewayModule::instance_snapshot_answer(int status, const InstanceSnapshot& s,
                                                     const ZoneData& z) {
  return json_answer(status, json_text([&](JsonWriter& w) {
                       w.StartObject();
                       w.Key("snapshot");
                       write_instance_snapshot(w, s, z);
                       w.EndObject();
                     }));
}

EmuResponse ScalewayModule::create_instance_snapshot(const Call& c) {
  rapidjson::Document body;
  if (auto e = parse_object(c.req.body, &body)) return *e;
  std::optional<std::string> name, volume_id, project, organization, volume_type, bucket, key;
  std::optional<std::vector<std::string>> tags;
  std::optional<std::int64_t> size;
  for (auto [field, out] : std::initializer_list<StringField>{{"name", &name},
                                                              {"volume_id", &volume_id},
                                                              {"project", &project},
                                                              {"organization", &organization},
                                                              {"volume_type", &volume_type},
                                                              {"bucket", &bucket},
                                                              {"key", &key}}) {
    if (auto e = read_string(body, field, out)) return *e;
  }
  if (auto e = read_tags(body, "tags", &tags)) return *e;
  if (auto e = read_size(body, "size", &size)) return *e;

  const std::int64_t now = ctx_.now_unix_us();
  auto snap = std::make_unique<InstanceSnapshot>();
  snap->id = ctx_.new_uuid();
  snap->name = name.value_or("");
  snap->zone = c.zone_name;
  snap->project = project.value_or(organization.value_or(c.cred.project_id));
  snap->organization = organization.value_or(c.cred.organization_id);
  snap->created_us = snap->modified_us = now;
  snap->tags = tags.value_or(std::vector<std::string>{});
  InstanceVolume* volume = nullptr;
  if (volume_id && !volume_id->empty()) {
    volume = c.zone.instance_volumes.find(*volume_id);
    if (volume == nullptr) return instance_not_found("instance_volume", *volume_id);
    snap->volume_type = volume->volume_type;
    snap->size = volume->size;
    snap->base_volume_id = volume->id;
    snap->base_volume_name = volume->name;
    snap->state = "snapshotting";
  } else if (bucket && key) {
    if (size && *size % 512 != 0) {
      return invalid_argument("size", "constraint", "size must be a multiple of 512");
    }
    snap->size = size.value_or(kDefaultImportSize);
    snap->state = "importing";
  } else {
    return invalid_argument("volume_id", "required", "required key not provided");
  }
  if (volume_type && !volume_type->empty() && *volume_type != "unknown_volume_type") {
    snap->volume_type = *volume_type;
  }
  const std::int64_t ready = now + ctx_.async_delay().count() * 1000;
  InstanceSnapshot* s = c.zone.instance_snapshots.add(std::move(snap));
  schedule(Kind::kInstanceSnapshot, c.zone_name, s->id, &s->pending, ready, "available");
  if (volume != nullptr) {
    volume->state = "snapshotting";
    volume->modified_us = now;
    schedule(Kind::kInstanceVolume, c.zone_name, volume->id, &volume->pending, ready, "available");
  }
  return json_answer(201, json_text([&](JsonWriter& w) {
                       w.StartObject();
                       w.Key("snapshot");
                       write_instance_snapshot(w, *s, c.zone);
                       w.Key("task");
                       write_task(w, "/snapshots", "snapshots/" + s->id, c.zone_name, now);
                       w.EndObject();
                     }));
}

EmuResponse ScalewayModule::get_instance_snapshot(const Call& c) {
  const InstanceSnapshot* s = c.zone.instance_snapshots.find(c.param("snapshot_id"));
  if (s == nullptr) return instance_not_found("instance_snapshot", c.param("snapshot_id"));
  return instance_snapshot_answer(200, *s, c.zone);
}

EmuResponse ScalewayModule::update_instance_snapshot(const Call& c) {
  return edit_instance_snapshot(c, false);
}

EmuResponse ScalewayModule::set_instance_snapshot(const Call& c) {
  return edit_instance_snapshot(c, true);
}

// PATCH changes the fields sent; PUT (replace) also resets the tags it leaves out. Server-managed
// fields (state, size, dates, base volume) are never taken from the client.
EmuResponse ScalewayModule::edit_instance_snapshot(const Call& c, bool replace) {
  InstanceSnapshot* s = c.zone.instance_snapshots.find(c.param("snapshot_id"));
  if (s == nullptr) return instance_not_found("instance_snapshot", c.param("snapshot_id"));
  rapidjson::Document body;
  if (auto e = parse_object(c.req.body, &body)) return *e;
  std::optional<std::string> name;
  std::optional<std::vector<std::string>> tags;
  if (auto e = read_string(body, "name", &name)) return *e;
  if (auto e = read_tags(body, "tags", &tags)) return *e;
  if (name) {
    s->name = *name;
    c.zone.instance_snapshots.names_changed();
  }
  if (tags || replace) s->tags = tags.value_or(std::vector<std::string>{});
  s->modified_us = ctx_.now_unix_us();
  return instance_snapshot_answer(200, *s, c.zone);
}

EmuResponse ScalewayModule::delete_instance_snapshot(const Call& c) {
  const std::string& id = c.param("snapshot_id");
  InstanceSnapshot* s = c.zone.instance_snapshots.find(id);
  if (s == nullptr) return instance_not_found("instance_snapshot", id);
  if (s->state != "available" && s->state != "error" && s->state != "invalid_data") {
    return invalid_request("snapshot is in a transient state (" + s->state +
                           ") and cannot be deleted");
  }
  c.zone.instance_snapshots.erase(id);
  return EmuResponse::json(204, "");
}

EmuResponse ScalewayModule::export_instance_snapshot(const Call& c) {
  const std::string& id = c.param("snapshot_id");
  InstanceSnapshot* s = c.zone.instance_snapshots.find(id);
  if (s == nullptr) return instance_not_found("instance_snapshot", id);
  rapidjson::Document body;
  if (auto e = parse_object(c.req.body, &body)) return *e;
  std::optional<std::string> bucket, key;
  if (auto e = read_string(body, "bucket", &bucket)) return *e;
  if (auto e = read_string(body, "key", &key)) return *e;
  if (!bucket || bucket->empty())
    return invalid_argument("bucket", "required", "required key not provided");
  if (!key || key->empty()) return invalid_argument("key", "required", "required key not provided");
  if (s->state != "available") return invalid_request("snapshot is not available");
  const std::int64_t now = ctx_.now_unix_us();
  s->state = "exporting";
  s->modified_us = now;
  schedule(Kind::kInstanceSnapshot, c.zone_name, s->id, &s->pending,
           now + ctx_.async_delay().count() * 1000, "available");
  std::string result =
      "https://s3." + region_of(c.zone_name) + ".scw.cloud/" + *bucket + "/" + *key;
  return json_answer(202, json_text([&](JsonWriter& w) {
                       w.StartObject();
                       w.Key("task");
                       write_task(w, "/snapshots/" + s->id + "/export", result, c.zone_name, now);
                       w.EndObject();
                     }));
}

}  // namespace snapfs::emu::scaleway
