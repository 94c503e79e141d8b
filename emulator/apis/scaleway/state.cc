// Scaleway state file: the objects with their internal fields (pending transitions, secrets).
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
// State files: the same objects with their internal fields (pending transitions, secrets).

namespace {

void set_str(JsonValue& o, const char* key, const std::string& value, Alloc& a) {
  o.AddMember(rapidjson::StringRef(key),
              JsonValue(value.c_str(), static_cast<rapidjson::SizeType>(value.size()), a), a);
}
void set_int(JsonValue& o, const char* key, std::int64_t value, Alloc& a) {
  o.AddMember(rapidjson::StringRef(key), JsonValue(static_cast<int64_t>(value)), a);
}
void set_tags(JsonValue& o, const char* key, const std::vector<std::string>& tags, Alloc& a) {
  JsonValue arr(rapidjson::kArrayType);
  for (const std::string& t : tags) {
    arr.PushBack(JsonValue(t.c_str(), static_cast<rapidjson::SizeType>(t.size()), a), a);
  }
  o.AddMember(rapidjson::StringRef(key), arr, a);
}
// The state an object shows at `now_us`, with what is still pending.
void set_state(JsonValue& o, const char* key, const std::string& state, const Pending& pending,
               std::int64_t now_us, Alloc& a) {
  bool done = pending.at_us != 0 && pending.at_us <= now_us;
  set_str(o, key, done ? pending.to : state, a);
  if (pending.at_us != 0 && !done) {
    set_int(o, "ready_at_us", pending.at_us, a);
    set_str(o, "next_state", pending.to, a);
  }
}
void set_references(JsonValue& o, const std::vector<BlockReference>& refs, Alloc& a) {
  JsonValue arr(rapidjson::kArrayType);
  for (const BlockReference& r : refs) {
    JsonValue ref(rapidjson::kObjectType);
    set_str(ref, "id", r.id, a);
    set_str(ref, "product_resource_type", r.product_resource_type, a);
    set_str(ref, "product_resource_id", r.product_resource_id, a);
    set_str(ref, "created_at", block_time(r.created_us), a);
    set_str(ref, "type", r.type, a);
    set_str(ref, "status", r.status, a);
    arr.PushBack(ref, a);
  }
  o.AddMember("references", arr, a);
}

std::string get_str(const JsonValue& o, const char* key, const std::string& def = "") {
  auto it = o.FindMember(key);
  if (it == o.MemberEnd() || !it->value.IsString()) return def;
  return std::string(it->value.GetString(), it->value.GetStringLength());
}
std::int64_t get_int(const JsonValue& o, const char* key, std::int64_t def = 0) {
  auto it = o.FindMember(key);
  return it != o.MemberEnd() && it->value.IsInt64() ? it->value.GetInt64() : def;
}
bool get_bool(const JsonValue& o, const char* key, bool def = false) {
  auto it = o.FindMember(key);
  return it != o.MemberEnd() && it->value.IsBool() ? it->value.GetBool() : def;
}
std::int64_t get_time(const JsonValue& o, const char* key, std::int64_t def) {
  auto parsed = parse_utc_us(get_str(o, key));
  return parsed ? *parsed : def;
}
std::vector<std::string> get_tags(const JsonValue& o, const char* key) {
  std::vector<std::string> tags;
  auto it = o.FindMember(key);
  if (it == o.MemberEnd() || !it->value.IsArray()) return tags;
  for (const auto& t : it->value.GetArray()) {
    if (t.IsString()) tags.emplace_back(t.GetString(), t.GetStringLength());
  }
  return tags;
}
Pending get_pending(const JsonValue& o) {
  Pending p;
  p.at_us = get_int(o, "ready_at_us");
  p.to = get_str(o, "next_state", "available");
  return p;
}
// {"id", "name"} objects such as "server" and "base_volume"; null or absent gives empty strings.
void get_ref(const JsonValue& o, const char* key, std::string* id, std::string* name) {
  auto it = o.FindMember(key);
  if (it == o.MemberEnd() || !it->value.IsObject()) return;
  *id = get_str(it->value, "id");
  *name = get_str(it->value, "name");
}
std::vector<BlockReference> get_references(const JsonValue& o, std::int64_t def_time) {
  std::vector<BlockReference> refs;
  auto it = o.FindMember("references");
  if (it == o.MemberEnd() || !it->value.IsArray()) return refs;
  for (const auto& r : it->value.GetArray()) {
    if (!r.IsObject()) continue;
    BlockReference ref;
    ref.id = get_str(r, "id");
    ref.product_resource_type = get_str(r, "product_resource_type");
    ref.product_resource_id = get_str(r, "product_resource_id");
    ref.created_us = get_time(r, "created_at", def_time);
    ref.type = get_str(r, "type", "link");
    ref.status = get_str(r, "status", "attached");
    refs.push_back(std::move(ref));
  }
  return refs;
}
const JsonValue* get_array(const JsonValue& o, const char* key) {
  auto it = o.FindMember(key);
  return it != o.MemberEnd() && it->value.IsArray() ? &it->value : nullptr;
}

// The fields every Instance object starts with in the state file.
template <typename T>
JsonValue instance_fields(const T& x, Alloc& a) {
  JsonValue o(rapidjson::kObjectType);
  set_str(o, "id", x.id, a);
  set_str(o, "name", x.name, a);
  set_str(o, "zone", x.zone, a);
  set_str(o, "volume_type", x.volume_type, a);
  set_str(o, "project", x.project, a);
  set_str(o, "organization", x.organization, a);
  return o;
}

// An {"id", "name"} reference, or null when there is none.
void set_ref(JsonValue& o, const char* key, const std::string& id, const std::string& name,
             Alloc& a) {
  if (id.empty()) {
    o.AddMember(rapidjson::StringRef(key), JsonValue(), a);
    return;
  }
  JsonValue ref(rapidjson::kObjectType);
  set_str(ref, "id", id, a);
  set_str(ref, "name", name, a);
  o.AddMember(rapidjson::StringRef(key), ref, a);
}

JsonValue instance_volume_to_state(const InstanceVolume& v, std::int64_t now, Alloc& a) {
  JsonValue o = instance_fields(v, a);
  set_ref(o, "server", v.server_id, v.server_name, a);
  set_int(o, "size", v.size, a);
  set_state(o, "state", v.state, v.pending, now, a);
  set_str(o, "creation_date", instance_time(v.created_us), a);
  set_str(o, "modification_date", instance_time(v.modified_us), a);
  set_tags(o, "tags", v.tags, a);
  return o;
}

JsonValue instance_snapshot_to_state(const InstanceSnapshot& s, std::int64_t now, Alloc& a) {
  JsonValue o = instance_fields(s, a);
  set_int(o, "size", s.size, a);
  set_state(o, "state", s.state, s.pending, now, a);
  set_ref(o, "base_volume", s.base_volume_id, s.base_volume_name, a);
  set_str(o, "creation_date", instance_time(s.created_us), a);
  set_str(o, "modification_date", instance_time(s.modified_us), a);
  set_tags(o, "tags", s.tags, a);
  return o;
}

JsonValue block_volume_to_state(const BlockVolume& v, std::int64_t now, Alloc& a) {
  JsonValue o(rapidjson::kObjectType);
  set_str(o, "id", v.id, a);
  set_str(o, "name", v.name, a);
  set_str(o, "zone", v.zone, a);
  set_str(o, "type", v.type, a);
  set_int(o, "perf_iops", v.perf_iops, a);
  set_str(o, "project_id", v.project_id, a);
  set_int(o, "size", v.size, a);
  set_str(o, "status", v.status, a);
  set_str(o, "parent_snapshot_id", v.parent_snapshot_id, a);
  set_str(o, "created_at", block_time(v.created_us), a);
  set_str(o, "updated_at", block_time(v.updated_us), a);
  set_tags(o, "tags", v.tags, a);
  set_references(o, v.references, a);
  return o;
}

JsonValue block_snapshot_to_state(const BlockSnapshot& s, std::int64_t now, Alloc& a) {
  JsonValue o(rapidjson::kObjectType);
  set_str(o, "id", s.id, a);
  set_str(o, "name", s.name, a);
  set_str(o, "zone", s.zone, a);
  set_str(o, "project_id", s.project_id, a);
  set_int(o, "size", s.size, a);
  set_state(o, "status", s.status, s.pending, now, a);
  if (s.parent_volume_id.empty()) {
    o.AddMember("parent_volume", JsonValue(), a);
  } else {
    JsonValue parent(rapidjson::kObjectType);
    set_str(parent, "id", s.parent_volume_id, a);
    set_str(parent, "name", s.parent_volume_name, a);
    set_str(parent, "type", s.parent_volume_type, a);
    o.AddMember("parent_volume", parent, a);
  }
  set_str(o, "created_at", block_time(s.created_us), a);
  set_str(o, "updated_at", block_time(s.updated_us), a);
  set_tags(o, "tags", s.tags, a);
  o.AddMember("public", s.is_public, a);
  set_references(o, s.references, a);
  return o;
}

}  // namespace

void ScalewayModule::dump(rapidjson::Value& out, Alloc& a) const {
  const std::int64_t now = ctx_.now_unix_us();
  out.SetObject();
  JsonValue creds(rapidjson::kArrayType);
  for (const Credential& c : credentials_) {
    JsonValue o(rapidjson::kObjectType);
    set_str(o, "secret_key", c.secret_key, a);
    set_str(o, "project_id", c.project_id, a);
    set_str(o, "organization_id", c.organization_id, a);
    creds.PushBack(o, a);
  }
  out.AddMember("credentials", creds, a);
  JsonValue ivols(rapidjson::kArrayType), isnaps(rapidjson::kArrayType);
  JsonValue bvols(rapidjson::kArrayType), bsnaps(rapidjson::kArrayType);
  for (const auto& [zone, data] : zones_) {
    for (const InstanceVolume* v : data.instance_volumes.in_order())
      ivols.PushBack(instance_volume_to_state(*v, now, a), a);
    for (const InstanceSnapshot* s : data.instance_snapshots.in_order())
      isnaps.PushBack(instance_snapshot_to_state(*s, now, a), a);
    for (const BlockVolume* v : data.block_volumes.in_order())
      bvols.PushBack(block_volume_to_state(*v, now, a), a);
    for (const BlockSnapshot* s : data.block_snapshots.in_order())
      bsnaps.PushBack(block_snapshot_to_state(*s, now, a), a);
  }
  out.AddMember("instance_volumes", ivols, a);
  out.AddMember("instance_snapshots", isnaps, a);
  out.AddMember("block_volumes", bvols, a);
  out.AddMember("block_snapshots", bsnaps, a);
}

// Missing fields take defaults, so that a hand-written seed file can stay short; objects in a zone
// the API does not serve are skipped.
void ScalewayModule::load(const rapidjson::Value& section) {
  clear();
  const std::int64_t now = ctx_.now_unix_us();
  if (const JsonValue* creds = get_array(section, "credentials"); creds && !creds->Empty()) {
    credentials_.clear();
    for (const auto& c : creds->GetArray()) {
      if (!c.IsObject() || get_str(c, "secret_key").empty()) continue;
      std::string project = get_str(c, "project_id", kDemoProject);
      credentials_.push_back(
          Credential{get_str(c, "secret_key"), project, get_str(c, "organization_id", project)});
    }
  }
  auto each = [&](const char* key, bool block, auto&& fn) {
    const JsonValue* list = get_array(section, key);
    if (list == nullptr) return;
    for (const auto& o : list->GetArray()) {
      if (!o.IsObject()) continue;
      std::string zone = get_str(o, "zone", "fr-par-1");
      if (block ? !is_block_zone(zone) : !is_instance_zone(zone)) continue;
      fn(o, zone, zones_[zone]);
    }
  };
  auto new_id = [&](const JsonValue& o) {
    std::string id = get_str(o, "id");
    return id.empty() ? ctx_.new_uuid() : id;
  };
  each("instance_volumes", false, [&](const JsonValue& o, const std::string& zone, ZoneData& z) {
    auto v = std::make_unique<InstanceVolume>();
    v->id = new_id(o);
    v->name = get_str(o, "name");
    v->zone = zone;
    v->volume_type = get_str(o, "volume_type", "l_ssd");
    v->project = get_str(o, "project", kDemoProject);
    v->organization = get_str(o, "organization", v->project);
    get_ref(o, "server", &v->server_id, &v->server_name);
    v->size = get_int(o, "size", 10 * kGB);
    v->state = get_str(o, "state", "available");
    v->pending = get_pending(o);
    v->created_us = get_time(o, "creation_date", now);
    v->modified_us = get_time(o, "modification_date", v->created_us);
    v->tags = get_tags(o, "tags");
    z.instance_volumes.add(std::move(v), false);
  });
  each("instance_snapshots", false, [&](const JsonValue& o, const std::string& zone, ZoneData& z) {
    auto s = std::make_unique<InstanceSnapshot>();
    s->id = new_id(o);
    s->name = get_str(o, "name");
    s->zone = zone;
    s->volume_type = get_str(o, "volume_type", "l_ssd");
    s->project = get_str(o, "project", kDemoProject);
    s->organization = get_str(o, "organization", s->project);
    s->size = get_int(o, "size", 10 * kGB);
    s->state = get_str(o, "state", "available");
    s->pending = get_pending(o);
    get_ref(o, "base_volume", &s->base_volume_id, &s->base_volume_name);
    s->created_us = get_time(o, "creation_date", now);
    s->modified_us = get_time(o, "modification_date", s->created_us);
    s->tags = get_tags(o, "tags");
    z.instance_snapshots.add(std::move(s), false);
  });
  each("block_volumes", true, [&](const JsonValue& o, const std::string& zone, ZoneData& z) {
    auto v = std::make_unique<BlockVolume>();
    v->id = new_id(o);
    v->name = get_str(o, "name");
    v->zone = zone;
    v->type = get_str(o, "type", "sbs_5k");
    v->perf_iops = static_cast<int>(get_int(o, "perf_iops", v->type == "sbs_15k" ? 15000 : 5000));
    v->project_id = get_str(o, "project_id", kDemoProject);
    v->size = get_int(o, "size", 10 * kGB);
    v->status = get_str(o, "status", "available");
    v->parent_snapshot_id = get_str(o, "parent_snapshot_id");
    v->created_us = get_time(o, "created_at", now);
    v->updated_us = get_time(o, "updated_at", v->created_us);
    v->tags = get_tags(o, "tags");
    v->references = get_references(o, v->created_us);
    z.block_volumes.add(std::move(v), false);
  });
  each("block_snapshots", true, [&](const JsonValue& o, const std::string& zone, ZoneData& z) {
    auto s = std::make_unique<BlockSnapshot>();
    s->id = new_id(o);
    s->name = get_str(o, "name");
    s->zone = zone;
    s->project_id = get_str(o, "project_id", kDemoProject);
    s->size = get_int(o, "size", 10 * kGB);
    s->status = get_str(o, "status", "available");
    s->pending = get_pending(o);
    auto parent = o.FindMember("parent_volume");
    if (parent != o.MemberEnd() && parent->value.IsObject()) {
      s->parent_volume_id = get_str(parent->value, "id");
      s->parent_volume_name = get_str(parent->value, "name");
      s->parent_volume_type = get_str(parent->value, "type", "sbs_5k");
    }
    s->created_us = get_time(o, "created_at", now);
    s->updated_us = get_time(o, "updated_at", s->created_us);
    s->tags = get_tags(o, "tags");
    s->is_public = get_bool(o, "public");
    s->references = get_references(o, s->created_us);
    z.block_snapshots.add(std::move(s), false);
  });
  sort_all();
  rebuild_due();
}

}  // namespace snapfs::emu::scaleway
