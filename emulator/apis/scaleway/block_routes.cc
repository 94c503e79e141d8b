// Scaleway Block Storage v1 and v1alpha1 volume and snapshot routes (spec sections 4 and 5).
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
// Block volumes and snapshots

// order_by of Block lists; false for an unknown value.
bool block_order(const std::string& order_by, bool* by_name, bool* reverse) {
  if (order_by.empty() || order_by == "created_at_asc") {
    *by_name = false, *reverse = false;
  } else if (order_by == "created_at_desc") {
    *by_name = false, *reverse = true;
  } else if (order_by == "name_asc") {
    *by_name = true, *reverse = false;
  } else if (order_by == "name_desc") {
    *by_name = true, *reverse = true;
  } else {
    return false;
  }
  return true;
}

// The page, page_size and order_by parameters of the Block lists.
struct BlockPage {
  int page = 1;
  int page_size = kDefaultPageSize;
  bool by_name = false;
  bool reverse = false;
};

static MaybeError read_block_page(const EmuRequest& req, BlockPage* out) {
  if (auto e = read_page_param(req, "page", 1, 1000000000, 1, &out->page)) return e;
  if (auto e =
          read_page_param(req, "page_size", 1, kMaxPageSize, kDefaultPageSize, &out->page_size)) {
    return e;
  }
  if (!block_order(req.query_param("order_by"), &out->by_name, &out->reverse)) {
    return invalid_argument("order_by", "constraint", "unknown order");
  }
  return std::nullopt;
}

EmuResponse ScalewayModule::list_block_volumes(const Call& c) {
  BlockPage pg;
  if (auto e = read_block_page(c.req, &pg)) return *e;
  const std::string name = c.req.query_param("name");
  const std::string project = c.req.query_param("project_id");
  const std::string volume_type = c.req.query_param("volume_type");
  const std::vector<std::string> tags = query_values(c.req, "tags");
  const std::vector<std::string> ids = query_values(c.req, "volume_ids");
  bool filtered =
      !name.empty() || !project.empty() || !volume_type.empty() || !tags.empty() || !ids.empty();
  auto keep = [&](const BlockVolume& v) {
    return name_matches(v.name, name) && (project.empty() || v.project_id == project) &&
           (volume_type.empty() || v.type == volume_type) &&
           (tags.empty() || has_any_tag(v.tags, tags)) && (ids.empty() || has_tag(ids, v.id));
  };
  const auto& base = pg.by_name ? c.zone.block_volumes.by_name() : c.zone.block_volumes.in_order();
  std::int64_t total = 0;
  auto items = select_page(base, pg.reverse, filtered, keep, pg.page, pg.page_size, &total);
  return json_answer(200, json_text([&](JsonWriter& w) {
                       w.StartObject();
                       w.Key("volumes");
                       w.StartArray();
                       for (const BlockVolume* v : items) write_block_volume(w, *v);
                       w.EndArray();
                       put_int(w, "total_count", total);
                       w.EndObject();
                     }));
}

EmuResponse ScalewayModule::get_block_volume(const Call& c) {
  const BlockVolume* v = c.zone.block_volumes.find(c.param("volume_id"));
  if (v == nullptr) return block_not_found("volume", c.param("volume_id"));
  return json_answer(200, json_text([&](JsonWriter& w) { write_block_volume(w, *v); }));
}

EmuResponse ScalewayModule::update_block_volume(const Call& c) {
  BlockVolume* v = c.zone.block_volumes.find(c.param("volume_id"));
  if (v == nullptr) return block_not_found("volume", c.param("volume_id"));
  rapidjson::Document body;
  if (auto e = parse_object(c.req.body, &body)) return *e;
  std::optional<std::string> name;
  std::optional<std::vector<std::string>> tags;
  std::optional<std::int64_t> size, perf_iops;
  if (auto e = read_string(body, "name", &name)) return *e;
  if (auto e = read_tags(body, "tags", &tags)) return *e;
  if (auto e = read_size(body, "size", &size)) return *e;
  if (auto e = read_size(body, "perf_iops", &perf_iops)) return *e;
  if (name && name->empty()) {
    return invalid_argument("name", "constraint", "name must be at least 1 character long");
  }
  if (size && (*size < v->size || *size % kGB != 0)) {
    return invalid_argument("size", "constraint", "a volume only grows, in steps of 1 GB");
  }
  if (perf_iops && *perf_iops != 5000 && *perf_iops != 15000) {
    return invalid_argument("perf_iops", "constraint", "perf_iops must be 5000 or 15000");
  }
  if (name) {
    v->name = *name;
    c.zone.block_volumes.names_changed();
  }
  if (tags) v->tags = *tags;
  if (size) v->size = *size;
  if (perf_iops) {
    v->perf_iops = static_cast<int>(*perf_iops);
    v->type = *perf_iops == 15000 ? "sbs_15k" : "sbs_5k";
  }
  v->updated_us = ctx_.now_unix_us();
  return json_answer(200, json_text([&](JsonWriter& w) { write_block_volume(w, *v); }));
}

EmuResponse ScalewayModule::list_block_snapshots(const Call& c) {
  BlockPage pg;
  if (auto e = read_block_page(c.req, &pg)) return *e;
  const std::string volume = c.req.query_param("volume_id");
  const std::string name = c.req.query_param("name");
  const std::string project = c.req.query_param("project_id");
  const std::vector<std::string> tags = query_values(c.req, "tags");
  // The per-volume index serves creation orders; a name order filters the volume instead.
  bool use_index = !volume.empty() && !pg.by_name;
  bool filtered =
      !name.empty() || !project.empty() || !tags.empty() || (!volume.empty() && !use_index);
  auto keep = [&](const BlockSnapshot& s) {
    return (volume.empty() || s.parent_volume_id == volume) && name_matches(s.name, name) &&
           (project.empty() || s.project_id == project) &&
           (tags.empty() || has_any_tag(s.tags, tags));
  };
  const auto& base = use_index    ? c.zone.block_snapshots.children(volume)
                     : pg.by_name ? c.zone.block_snapshots.by_name()
                                  : c.zone.block_snapshots.in_order();
  std::int64_t total = 0;
  auto items = select_page(base, pg.reverse, filtered, keep, pg.page, pg.page_size, &total);
  bool alpha = c.api == Api::kBlockAlpha;
  return json_answer(200, json_text([&](JsonWriter& w) {
                       w.StartObject();
                       w.Key("snapshots");
                       w.StartArray();
                       for (const BlockSnapshot* s : items) {
                         write_block_snapshot(w, *s, c.zone, alpha);
                       }
                       w.EndArray();
                       put_int(w, "total_count", total);
                       w.EndObject();
                     }));
}

EmuResponse ScalewayModule::block_snapshot_answer(const Call& c, const BlockSnapshot& s) {
  return json_answer(200, json_text([&](JsonWriter& w) {
                       write_block_snapshot(w, s, c.zone, c.api == Api::kBlockAlpha);
                     }));
}

EmuResponse ScalewayModule::create_block_snapshot(const Call& c) {
  rapidjson::Document body;
  if (auto e = parse_object(c.req.body, &body)) return *e;
  std::optional<std::string> volume_id, name, project;
  std::optional<std::vector<std::string>> tags;
  std::optional<bool> is_public;
  if (auto e = read_string(body, "volume_id", &volume_id)) return *e;
  if (auto e = read_string(body, "name", &name)) return *e;
  if (auto e = read_string(body, "project_id", &project)) return *e;
  if (auto e = read_tags(body, "tags", &tags)) return *e;
  if (auto e = read_bool(body, "public", &is_public)) return *e;
  if (!volume_id || volume_id->empty()) {
    return invalid_argument("volume_id", "required", "required key not provided");
  }
  if (!name || name->empty()) {
    return invalid_argument("name", "constraint", "name must be at least 1 character long");
  }
  BlockVolume* volume = c.zone.block_volumes.find(*volume_id);
  if (volume == nullptr) return block_not_found("volume", *volume_id);
  if (volume->status != "available" && volume->status != "in_use") {
    return transient_state("volume", volume->id, volume->status);
  }
  const std::int64_t now = ctx_.now_unix_us();
  auto snap = std::make_unique<BlockSnapshot>();
  snap->id = ctx_.new_uuid();
  snap->name = *name;
  snap->zone = c.zone_name;
  snap->project_id = project.value_or(c.cred.project_id);
  snap->status = "creating";
  snap->parent_volume_id = volume->id;
  snap->parent_volume_name = volume->name;
  snap->parent_volume_type = volume->type;
  snap->size = volume->size;
  snap->created_us = snap->updated_us = now;
  snap->tags = tags.value_or(std::vector<std::string>{});
  snap->is_public = is_public.value_or(false);
  BlockSnapshot* s = c.zone.block_snapshots.add(std::move(snap));
  schedule(Kind::kBlockSnapshot, c.zone_name, s->id, &s->pending,
           now + ctx_.async_delay().count() * 1000, "available");
  return block_snapshot_answer(c, *s);
}

EmuResponse ScalewayModule::get_block_snapshot(const Call& c) {
  const BlockSnapshot* s = c.zone.block_snapshots.find(c.param("snapshot_id"));
  if (s == nullptr) return block_not_found("snapshot", c.param("snapshot_id"));
  return block_snapshot_answer(c, *s);
}

EmuResponse ScalewayModule::update_block_snapshot(const Call& c) {
  BlockSnapshot* s = c.zone.block_snapshots.find(c.param("snapshot_id"));
  if (s == nullptr) return block_not_found("snapshot", c.param("snapshot_id"));
  rapidjson::Document body;
  if (auto e = parse_object(c.req.body, &body)) return *e;
  std::optional<std::string> name;
  std::optional<std::vector<std::string>> tags;
  std::optional<bool> is_public;
  if (auto e = read_string(body, "name", &name)) return *e;
  if (auto e = read_tags(body, "tags", &tags)) return *e;
  if (auto e = read_bool(body, "public", &is_public)) return *e;
  if (name && name->empty()) {
    return invalid_argument("name", "constraint", "name must be at least 1 character long");
  }
  if (name) {
    s->name = *name;
    c.zone.block_snapshots.names_changed();
  }
  if (tags) s->tags = *tags;
  if (is_public && c.api == Api::kBlock) s->is_public = *is_public;
  s->updated_us = ctx_.now_unix_us();
  return block_snapshot_answer(c, *s);
}

EmuResponse ScalewayModule::delete_block_snapshot(const Call& c) {
  const std::string& id = c.param("snapshot_id");
  BlockSnapshot* s = c.zone.block_snapshots.find(id);
  if (s == nullptr) return block_not_found("snapshot", id);
  if (s->status == "in_use") return still_in_use("the snapshot must not be in use");
  if (s->status == "creating" || s->status == "exporting") {
    return transient_state("snapshot", id, s->status);
  }
  c.zone.block_snapshots.erase(id);
  return EmuResponse::json(204, "");
}

EmuResponse ScalewayModule::export_block_snapshot(const Call& c) {
  BlockSnapshot* s = c.zone.block_snapshots.find(c.param("snapshot_id"));
  if (s == nullptr) return block_not_found("snapshot", c.param("snapshot_id"));
  rapidjson::Document body;
  if (auto e = parse_object(c.req.body, &body)) return *e;
  std::optional<std::string> bucket, key;
  if (auto e = read_string(body, "bucket", &bucket)) return *e;
  if (auto e = read_string(body, "key", &key)) return *e;
  if (!bucket || bucket->empty())
    return invalid_argument("bucket", "required", "required key not provided");
  if (!key || key->empty()) return invalid_argument("key", "required", "required key not provided");
  if (s->status != "available" && s->status != "in_use") {
    return transient_state("snapshot", s->id, s->status);
  }
  const std::int64_t now = ctx_.now_unix_us();
  std::string back_to = s->status;
  s->status = "exporting";
  s->updated_us = now;
  schedule(Kind::kBlockSnapshot, c.zone_name, s->id, &s->pending,
           now + ctx_.async_delay().count() * 1000, back_to);
  return block_snapshot_answer(c, *s);
}

EmuResponse ScalewayModule::import_block_snapshot(const Call& c) {
  rapidjson::Document body;
  if (auto e = parse_object(c.req.body, &body)) return *e;
  std::optional<std::string> bucket, key, name, project;
  std::optional<std::vector<std::string>> tags;
  std::optional<std::int64_t> size;
  for (auto [field, out] : std::initializer_list<StringField>{
           {"bucket", &bucket}, {"key", &key}, {"name", &name}, {"project_id", &project}}) {
    if (auto e = read_string(body, field, out)) return *e;
  }
  if (auto e = read_tags(body, "tags", &tags)) return *e;
  if (auto e = read_size(body, "size", &size)) return *e;
  if (!bucket || bucket->empty())
    return invalid_argument("bucket", "required", "required key not provided");
  if (!key || key->empty()) return invalid_argument("key", "required", "required key not provided");
  if (!name || name->empty()) {
    return invalid_argument("name", "constraint", "name must be at least 1 character long");
  }
  const std::int64_t now = ctx_.now_unix_us();
  auto snap = std::make_unique<BlockSnapshot>();
  snap->id = ctx_.new_uuid();
  snap->name = *name;
  snap->zone = c.zone_name;
  snap->project_id = project.value_or(c.cred.project_id);
  snap->status = "creating";
  snap->size = size.value_or(kDefaultImportSize);
  snap->created_us = snap->updated_us = now;
  snap->tags = tags.value_or(std::vector<std::string>{});
  BlockSnapshot* s = c.zone.block_snapshots.add(std::move(snap));
  schedule(Kind::kBlockSnapshot, c.zone_name, s->id, &s->pending,
           now + ctx_.async_delay().count() * 1000, "available");
  return block_snapshot_answer(c, *s);
}

}  // namespace snapfs::emu::scaleway
