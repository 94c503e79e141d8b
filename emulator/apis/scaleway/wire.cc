// Scaleway: zones, the JSON answers, the errors and the request readers.
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

const std::vector<std::string>& block_zones() {
  static const std::vector<std::string> zones = {"fr-par-1", "fr-par-2", "fr-par-3",
                                                 "nl-ams-1", "nl-ams-2", "nl-ams-3",
                                                 "pl-waw-1", "pl-waw-2", "pl-waw-3"};
  return zones;
}

bool is_block_zone(const std::string& zone) {
  const auto& z = block_zones();
  return std::find(z.begin(), z.end(), zone) != z.end();
}

bool is_instance_zone(const std::string& zone) {
  return zone == "it-mil-1" || is_block_zone(zone);
}

std::string region_of(const std::string& zone) {
  std::size_t second_dash = zone.find('-', zone.find('-') + 1);
  return zone.substr(0, second_dash);
}

std::string instance_time(std::int64_t us) {
  return format_utc_us(us, "+00:00");
}
std::string block_time(std::int64_t us) {
  return format_utc_us(us, "Z");
}

// ---------------------------------------------------------------------------------------------
// JSON output

void put(JsonWriter& w, const char* key, const std::string& value) {
  w.Key(key);
  w.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
}
void put(JsonWriter& w, const char* key, const char* value) {
  put(w, key, std::string(value));
}
void put_int(JsonWriter& w, const char* key, std::int64_t value) {
  w.Key(key);
  w.Int64(value);
}
void put_null(JsonWriter& w, const char* key) {
  w.Key(key);
  w.Null();
}
void put_tags(JsonWriter& w, const char* key, const std::vector<std::string>& tags) {
  w.Key(key);
  w.StartArray();
  for (const std::string& t : tags) w.String(t.c_str(), static_cast<rapidjson::SizeType>(t.size()));
  w.EndArray();
}

void write_instance_volume(JsonWriter& w, const InstanceVolume& v) {
  w.StartObject();
  put(w, "id", v.id);
  put(w, "name", v.name);
  put(w, "volume_type", v.volume_type);
  put_null(w, "export_uri");
  put(w, "organization", v.organization);
  put(w, "project", v.project);
  w.Key("server");
  if (v.server_id.empty()) {
    w.Null();
  } else {
    w.StartObject();
    put(w, "id", v.server_id);
    put(w, "name", v.server_name);
    w.EndObject();
  }
  put_int(w, "size", v.size);
  put(w, "state", v.state);
  put(w, "creation_date", instance_time(v.created_us));
  put(w, "modification_date", instance_time(v.modified_us));
  put_tags(w, "tags", v.tags);
  put(w, "zone", v.zone);
  w.EndObject();
}

namespace {

// `key`: the object of `objects` that `id` names, as {"id", "name", what `more` adds}, or null
// when there is none.
template <typename T, typename More>
void put_found(JsonWriter& w, const char* key, const Collection<T>& objects, const std::string& id,
               More&& more) {
  w.Key(key);
  const T* found = id.empty() ? nullptr : objects.find(id);
  if (found == nullptr) {
    w.Null();
    return;
  }
  w.StartObject();
  put(w, "id", found->id);
  put(w, "name", found->name);
  more(*found);
  w.EndObject();
}

}  // namespace

void write_instance_snapshot(JsonWriter& w, const InstanceSnapshot& s, const ZoneData& zone) {
  w.StartObject();
  put(w, "id", s.id);
  put(w, "name", s.name);
  put(w, "volume_type", s.volume_type);
  put(w, "creation_date", instance_time(s.created_us));
  put(w, "modification_date", instance_time(s.modified_us));
  put(w, "organization", s.organization);
  put(w, "project", s.project);
  put_int(w, "size", s.size);
  put(w, "state", s.state);
  // null once the source volume is gone, and for imports (spec 4.2).
  put_found(w, "base_volume", zone.instance_volumes, s.base_volume_id,
            [](const InstanceVolume&) {});
  put_tags(w, "tags", s.tags);
  put(w, "zone", s.zone);
  put_null(w, "error_reason");
  put_null(w, "error_details");
  w.EndObject();
}

void write_task(JsonWriter& w, const std::string& href_from, const std::string& href_result,
                const std::string& zone, std::int64_t started_us) {
  // 2026 recordings show a placeholder task; clients poll the snapshot instead (spec 4.3, 4.7).
  w.StartObject();
  put(w, "id", kPlaceholderTaskId);
  put(w, "description", "fake task");
  put(w, "status", "pending");
  put(w, "href_from", href_from);
  put(w, "href_result", href_result);
  put(w, "started_at", instance_time(started_us));
  put_null(w, "terminated_at");
  put_int(w, "progress", 0);
  put(w, "zone", zone);
  w.EndObject();
}

void write_block_references(JsonWriter& w, const std::vector<BlockReference>& refs) {
  w.Key("references");
  w.StartArray();
  for (const BlockReference& r : refs) {
    w.StartObject();
    put(w, "id", r.id);
    put(w, "product_resource_type", r.product_resource_type);
    put(w, "product_resource_id", r.product_resource_id);
    put(w, "created_at", block_time(r.created_us));
    put(w, "type", r.type);
    put(w, "status", r.status);
    w.EndObject();
  }
  w.EndArray();
}

void write_block_volume(JsonWriter& w, const BlockVolume& v) {
  w.StartObject();
  put(w, "created_at", block_time(v.created_us));
  put(w, "id", v.id);
  put_null(w, "kms_key_id");
  put_null(w, "last_detached_at");
  put(w, "name", v.name);
  if (v.parent_snapshot_id.empty()) {
    put_null(w, "parent_snapshot_id");
  } else {
    put(w, "parent_snapshot_id", v.parent_snapshot_id);
  }
  put(w, "project_id", v.project_id);
  write_block_references(w, v.references);
  put_int(w, "size", v.size);
  w.Key("specs");
  w.StartObject();
  put(w, "class", "sbs");
  put_int(w, "perf_iops", v.perf_iops);
  w.EndObject();
  put(w, "status", v.status);
  put_tags(w, "tags", v.tags);
  put(w, "type", v.type);
  put(w, "updated_at", block_time(v.updated_us));
  put(w, "zone", v.zone);
  w.EndObject();
}

void write_block_snapshot(JsonWriter& w, const BlockSnapshot& s, const ZoneData& zone, bool alpha) {
  w.StartObject();
  put(w, "id", s.id);
  put(w, "name", s.name);
  put_found(w, "parent_volume", zone.block_volumes, s.parent_volume_id,
            [&](const BlockVolume& parent) {
              put(w, "type", parent.type);
              put(w, "status", parent.status);
            });
  put_int(w, "size", s.size);
  put(w, "project_id", s.project_id);
  put(w, "created_at", block_time(s.created_us));
  put(w, "updated_at", block_time(s.updated_us));
  write_block_references(w, s.references);
  put(w, "status", s.status);
  put_tags(w, "tags", s.tags);
  put(w, "class", "sbs");
  put(w, "zone", s.zone);
  if (!alpha) {
    w.Key("public");
    w.Bool(s.is_public);
  }
  w.EndObject();
}

// ---------------------------------------------------------------------------------------------
// Errors (spec 6.3)

EmuResponse json_answer(int status, std::string body) {
  return EmuResponse::json(status, std::move(body));
}

EmuResponse denied() {
  return json_answer(401, json_text([](JsonWriter& w) {
                       w.StartObject();
                       put(w, "message", "authentication is denied");
                       put(w, "method", "api_key");
                       put(w, "reason", "not_found");
                       put(w, "type", "denied_authentication");
                       w.EndObject();
                     }));
}

EmuResponse instance_not_found(const char* resource, const std::string& id) {
  return json_answer(404, json_text([&](JsonWriter& w) {
                       w.StartObject();
                       put(w, "type", "not_found");
                       put(w, "message", "resource is not found");
                       put(w, "resource", resource);
                       put(w, "resource_id", id);
                       w.EndObject();
                     }));
}

EmuResponse block_not_found(const char* resource, const std::string& id) {
  return json_answer(404, json_text([&](JsonWriter& w) {
                       w.StartObject();
                       put(w, "message", "resource is not found");
                       put(w, "resource", resource);
                       put(w, "resource_id", id);
                       put(w, "type", "not_found");
                       w.EndObject();
                     }));
}

EmuResponse unknown_zone(const std::string& zone) {
  return json_answer(404, json_text([&](JsonWriter& w) {
                       w.StartObject();
                       put(w, "message", "zone " + zone + " is not available for this product");
                       put(w, "resource", "zone");
                       put(w, "resource_id", zone);
                       put(w, "type", "not_found");
                       w.EndObject();
                     }));
}

EmuResponse invalid_argument(const std::string& argument, const char* reason,
                             const std::string& help) {
  return json_answer(400, json_text([&](JsonWriter& w) {
                       w.StartObject();
                       put(w, "type", "invalid_arguments");
                       put(w, "message", "invalid argument(s)");
                       w.Key("details");
                       w.StartArray();
                       w.StartObject();
                       put(w, "argument_name", argument);
                       put(w, "reason", reason);
                       put(w, "help_message", help);
                       w.EndObject();
                       w.EndArray();
                       w.EndObject();
                     }));
}

EmuResponse invalid_request(const std::string& message) {
  return json_answer(400, json_text([&](JsonWriter& w) {
                       w.StartObject();
                       put(w, "message", message);
                       put(w, "type", "invalid_request_error");
                       w.EndObject();
                     }));
}

EmuResponse transient_state(const char* resource, const std::string& id, const std::string& state) {
  return json_answer(409, json_text([&](JsonWriter& w) {
                       w.StartObject();
                       put(w, "current_state", state);
                       put(w, "message", "resource is in a transient state");
                       put(w, "resource", resource);
                       put(w, "resource_id", id);
                       put(w, "type", "transient_state");
                       w.EndObject();
                     }));
}

EmuResponse still_in_use(const std::string& help) {
  return json_answer(412, json_text([&](JsonWriter& w) {
                       w.StartObject();
                       put(w, "help_message", help);
                       put(w, "message", "precondition is not respected");
                       put(w, "precondition", "resource_still_in_use");
                       put(w, "type", "precondition_failed");
                       w.EndObject();
                     }));
}

// ---------------------------------------------------------------------------------------------
// Request reading. Each reader returns an error answer when the client sent something unusable.

using MaybeError = std::optional<EmuResponse>;
using StringField = std::pair<const char*, std::optional<std::string>*>;

MaybeError parse_object(const std::string& body, rapidjson::Document* doc) {
  if (body.empty()) {
    doc->SetObject();
    return std::nullopt;
  }
  doc->Parse(body.c_str(), body.size());
  if (doc->HasParseError() || !doc->IsObject()) {
    return invalid_argument("body", "format", "the request body must be a JSON object");
  }
  return std::nullopt;
}

MaybeError read_string(const JsonValue& obj, const char* key, std::optional<std::string>* out) {
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd() || it->value.IsNull()) return std::nullopt;
  if (!it->value.IsString()) return invalid_argument(key, "format", "expected a string");
  *out = std::string(it->value.GetString(), it->value.GetStringLength());
  return std::nullopt;
}

MaybeError read_tags(const JsonValue& obj, const char* key,
                     std::optional<std::vector<std::string>>* out) {
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd() || it->value.IsNull()) return std::nullopt;
  if (!it->value.IsArray()) return invalid_argument(key, "format", "expected a list of strings");
  std::vector<std::string> tags;
  for (const auto& t : it->value.GetArray()) {
    if (!t.IsString()) return invalid_argument(key, "format", "expected a list of strings");
    tags.emplace_back(t.GetString(), t.GetStringLength());
  }
  *out = std::move(tags);
  return std::nullopt;
}

MaybeError read_bool(const JsonValue& obj, const char* key, std::optional<bool>* out) {
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd() || it->value.IsNull()) return std::nullopt;
  if (!it->value.IsBool()) return invalid_argument(key, "format", "expected a boolean");
  *out = it->value.GetBool();
  return std::nullopt;
}

MaybeError read_size(const JsonValue& obj, const char* key, std::optional<std::int64_t>* out) {
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd() || it->value.IsNull()) return std::nullopt;
  if (!it->value.IsInt64() || it->value.GetInt64() <= 0) {
    return invalid_argument(key, "format", "expected a positive integer");
  }
  *out = it->value.GetInt64();
  return std::nullopt;
}

MaybeError read_page_param(const EmuRequest& req, const char* key, int min, int max, int def,
                           int* out) {
  std::string text = req.query_param(key);
  if (text.empty()) {
    *out = def;
    return std::nullopt;
  }
  bool digits = text.size() <= 9 &&
                std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  int value = digits ? std::stoi(text) : -1;
  if (value < min || value > max) {
    return invalid_argument(
        key, "constraint",
        "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  *out = value;
  return std::nullopt;
}

std::vector<std::string> split_on(const std::string& text, char separator) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(separator, start);
    std::size_t end = comma == std::string::npos ? text.size() : comma;
    if (end > start) out.push_back(text.substr(start, end - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

bool has_tag(const std::vector<std::string>& tags, const std::string& tag) {
  return std::find(tags.begin(), tags.end(), tag) != tags.end();
}

bool has_all_tags(const std::vector<std::string>& tags, const std::vector<std::string>& wanted) {
  return std::all_of(wanted.begin(), wanted.end(),
                     [&](const std::string& t) { return has_tag(tags, t); });
}

bool has_any_tag(const std::vector<std::string>& tags, const std::vector<std::string>& wanted) {
  return std::any_of(wanted.begin(), wanted.end(),
                     [&](const std::string& t) { return has_tag(tags, t); });
}

bool name_matches(const std::string& name, const std::string& filter) {
  return filter.empty() || name.find(filter) != std::string::npos;
}

std::vector<std::string> query_values(const EmuRequest& req, const std::string& key) {
  std::vector<std::string> out;
  auto range = req.query.equal_range(key);
  for (auto it = range.first; it != range.second; ++it) {
    if (!it->second.empty()) out.push_back(it->second);
  }
  return out;
}

std::string link_filters(const std::string& raw_query) {
  std::string rest;
  for (const std::string& piece : split_on(raw_query, '&')) {
    std::string key = piece.substr(0, piece.find('='));
    if (key == "page" || key == "per_page") continue;
    if (!rest.empty()) rest += '&';
    rest += piece;
  }
  return rest;
}

std::string instance_link(const std::string& resource, int page, int per_page, std::int64_t total,
                          const std::string& filters) {
  const std::int64_t last = (total + per_page - 1) / per_page;
  auto entry = [&](std::int64_t p, const char* rel) {
    return "<" + resource + "?page=" + std::to_string(p) + "&per_page=" + std::to_string(per_page) +
           "&" + filters + ">; rel=\"" + rel + "\"";
  };
  std::string link;
  if (page > 1) link += entry(1, "first") + "," + entry(page - 1, "previous") + ",";
  if (page < last) link += entry(page + 1, "next") + ",";
  return link + entry(last, "last");
}

// A date of the seeds.
std::int64_t at(const char* rfc3339) {
  return parse_utc_us(rfc3339).value_or(0);
}

}  // namespace snapfs::emu::scaleway
