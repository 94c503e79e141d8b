// Scaleway Instance v1 and Block Storage (v1, v1alpha1) volumes and snapshots, on the wire as
// shared/specs/scaleway-api.md describes them (sections 1-8; its checklist is section 8).
//
// Choices where the spec says UNCONFIRMED:
// - A missing X-Auth-Token gets the same 401 as an unknown one.
// - An unknown or unsupported zone gets 404 {"message", "resource": "zone", "type": "not_found"}.
// - `name` filters match substrings (documented for Instance volumes, applied everywhere).
// - Instance per_page and Block page_size both default to 50; values outside 1..100 get 400
//   invalid_arguments.
// - Instance: deleting or exporting a snapshot that is not `available` gets 400
//   invalid_request_error. Block: deleting an `in_use` snapshot gets 412 precondition_failed
//   (resource_still_in_use); deleting or exporting one that is `creating`/`exporting` gets 409
//   transient_state.
// - An Instance create without a name keeps the empty name.
// - Deletions take effect at once (a GET right after a DELETE answers 404).
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
#include <unordered_map>
#include <vector>

#include "emulator/api_module.h"
#include "emulator/emu_util.h"

namespace snapfs::emu {
namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;
using Alloc = rapidjson::Document::AllocatorType;
using JsonValue = rapidjson::Value;

constexpr char kDemoSecretKey[] = "00000000-0000-4000-8000-000000000001";
constexpr char kDemoProject[] = "00000000-0000-4000-8000-0000000000aa";
constexpr char kPlaceholderTaskId[] = "00000000-0000-0000-0000-000000000000";
constexpr std::int64_t kGB = 1000000000;
constexpr std::int64_t kDefaultImportSize = 1073741824;  // the recorded Instance import size
constexpr int kMaxPageSize = 100;
constexpr int kDefaultPageSize = 50;

// Instance serves all ten zones; Block the nine without it-mil-1 (spec 1.4). The synthetic seed
// takes its services from the front of the Block list.
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
// Data

struct Credential {
  std::string secret_key;
  std::string project_id;
  std::string organization_id;
};

// A state change applied lazily once the emulator's clock reaches `at_us` (0: none pending).
struct Pending {
  std::int64_t at_us = 0;
  std::string to;
};

struct InstanceVolume {
  std::string id, name, zone, volume_type = "l_ssd", project, organization;
  std::string server_id, server_name;  // empty id: detached
  std::int64_t size = 0;
  std::string state = "available";
  std::int64_t created_us = 0, modified_us = 0;
  std::vector<std::string> tags;
  Pending pending;
};

struct InstanceSnapshot {
  std::string id, name, zone, volume_type = "l_ssd", project, organization;
  std::int64_t size = 0;
  std::string state = "available";
  std::string base_volume_id, base_volume_name;  // empty id: none (an import)
  std::int64_t created_us = 0, modified_us = 0;
  std::vector<std::string> tags;
  Pending pending;
};

struct BlockReference {
  std::string id, product_resource_type, product_resource_id, type = "link", status = "attached";
  std::int64_t created_us = 0;
};

struct BlockVolume {
  std::string id, name, zone, type = "sbs_5k", project_id, status = "available";
  std::string parent_snapshot_id;  // empty: null
  std::int64_t size = 0;
  int perf_iops = 5000;
  std::int64_t created_us = 0, updated_us = 0;
  std::vector<std::string> tags;
  std::vector<BlockReference> references;
};

struct BlockSnapshot {
  std::string id, name, zone, project_id, status = "available";
  std::string parent_volume_id, parent_volume_name, parent_volume_type;  // empty id: none
  std::int64_t size = 0;
  std::int64_t created_us = 0, updated_us = 0;
  std::vector<std::string> tags;
  std::vector<BlockReference> references;
  bool is_public = false;
  Pending pending;
};

const std::string& parent_of(const InstanceSnapshot& s) {
  return s.base_volume_id;
}
const std::string& parent_of(const BlockSnapshot& s) {
  return s.parent_volume_id;
}
template <typename T>
const std::string& parent_of(const T&) {
  static const std::string none;
  return none;
}

template <typename T>
bool created_before(const T* a, const T* b) {
  return a->created_us != b->created_us ? a->created_us < b->created_us : a->id < b->id;
}

template <typename T>
bool name_before(const T* a, const T* b) {
  return a->name != b->name ? a->name < b->name : created_before(a, b);
}

// The objects of one kind in one zone: an id index, the creation order (what lists walk), the
// creation order per parent volume, and a name order built on demand. Sized for 100,000s of
// snapshots: no list request sorts or scans more than the objects it may return.
template <typename T>
class Collection {
 public:
  T* find(const std::string& id) const {
    auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : it->second.get();
  }

  // `keep_sorted` false appends; a bulk load then calls sort() once.
  T* add(std::unique_ptr<T> item, bool keep_sorted = true) {
    erase(item->id);
    T* raw = item.get();
    by_id_[raw->id] = std::move(item);
    const std::string& parent = parent_of(*raw);
    if (keep_sorted) {
      insert_sorted(order_, raw);
      if (!parent.empty()) insert_sorted(by_parent_[parent], raw);
    } else {
      order_.push_back(raw);
      if (!parent.empty()) by_parent_[parent].push_back(raw);
    }
    by_name_valid_ = false;
    return raw;
  }

  void sort() {
    std::sort(order_.begin(), order_.end(), created_before<T>);
    for (auto& [parent, items] : by_parent_) {
      std::sort(items.begin(), items.end(), created_before<T>);
    }
    by_name_valid_ = false;
  }

  bool erase(const std::string& id) {
    auto it = by_id_.find(id);
    if (it == by_id_.end()) return false;
    T* raw = it->second.get();
    remove_sorted(order_, raw);
    const std::string& parent = parent_of(*raw);
    if (!parent.empty()) {
      auto p = by_parent_.find(parent);
      if (p != by_parent_.end()) {
        remove_sorted(p->second, raw);
        if (p->second.empty()) by_parent_.erase(p);
      }
    }
    by_name_valid_ = false;
    by_id_.erase(it);
    return true;
  }

  const std::vector<T*>& in_order() const { return order_; }

  const std::vector<T*>& children(const std::string& parent) const {
    static const std::vector<T*> none;
    auto it = by_parent_.find(parent);
    return it == by_parent_.end() ? none : it->second;
  }

  const std::vector<T*>& by_name() const {
    if (!by_name_valid_) {
      by_name_ = order_;
      std::sort(by_name_.begin(), by_name_.end(), name_before<T>);
      by_name_valid_ = true;
    }
    return by_name_;
  }

  void names_changed() { by_name_valid_ = false; }
  bool empty() const { return order_.empty(); }

 private:
  static void insert_sorted(std::vector<T*>& v, T* item) {
    v.insert(std::upper_bound(v.begin(), v.end(), item, created_before<T>), item);
  }
  static void remove_sorted(std::vector<T*>& v, T* item) {
    auto it = std::lower_bound(v.begin(), v.end(), item, created_before<T>);
    if (it != v.end() && *it == item) {
      v.erase(it);
    } else {
      v.erase(std::remove(v.begin(), v.end(), item), v.end());
    }
  }

  std::unordered_map<std::string, std::unique_ptr<T>> by_id_;
  std::vector<T*> order_;
  std::unordered_map<std::string, std::vector<T*>> by_parent_;
  mutable std::vector<T*> by_name_;
  mutable bool by_name_valid_ = false;
};

struct ZoneData {
  Collection<InstanceVolume> instance_volumes;
  Collection<InstanceSnapshot> instance_snapshots;
  Collection<BlockVolume> block_volumes;
  Collection<BlockSnapshot> block_snapshots;
};

// ---------------------------------------------------------------------------------------------
// JSON output

template <typename Fill>
std::string json_text(Fill&& fill) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  fill(w);
  return std::string(buf.GetString(), buf.GetSize());
}

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
  w.Key("base_volume");
  // null once the source volume is gone, and for imports (spec 4.2).
  const InstanceVolume* base =
      s.base_volume_id.empty() ? nullptr : zone.instance_volumes.find(s.base_volume_id);
  if (base == nullptr) {
    w.Null();
  } else {
    w.StartObject();
    put(w, "id", base->id);
    put(w, "name", base->name);
    w.EndObject();
  }
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
  w.Key("parent_volume");
  const BlockVolume* parent =
      s.parent_volume_id.empty() ? nullptr : zone.block_volumes.find(s.parent_volume_id);
  if (parent == nullptr) {
    w.Null();
  } else {
    w.StartObject();
    put(w, "id", parent->id);
    put(w, "name", parent->name);
    put(w, "type", parent->type);
    put(w, "status", parent->status);
    w.EndObject();
  }
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

// reason: "required", "format" or "constraint".
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

// An integer query parameter in [min, max]; `def` when absent or empty.
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

// One page of the objects of `base` (walked forwards or backwards) that pass `keep`.
template <typename T, typename Keep>
std::vector<const T*> select_page(const std::vector<T*>& base, bool reverse, bool filtered,
                                  Keep&& keep, int page, int page_size, std::int64_t* total) {
  std::vector<const T*> out;
  const std::int64_t first = static_cast<std::int64_t>(page - 1) * page_size;
  const std::int64_t last = first + page_size;
  const std::int64_t n = static_cast<std::int64_t>(base.size());
  auto at = [&](std::int64_t i) { return reverse ? base[n - 1 - i] : base[i]; };
  if (!filtered) {
    *total = n;
    for (std::int64_t i = first; i < std::min(last, n); ++i) out.push_back(at(i));
    return out;
  }
  std::int64_t index = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const T* item = at(i);
    if (!keep(*item)) continue;
    if (index >= first && index < last) out.push_back(item);
    ++index;
  }
  *total = index;
  return out;
}

// The query of the Instance Link header: "page=P&per_page=N&" then the client's other parameters
// exactly as sent (so with no filters the query ends in a bare '&', as recorded).
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

// ---------------------------------------------------------------------------------------------
// State files: the same objects with their internal fields (pending transitions, secrets).

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

std::int64_t at(const char* rfc3339) {
  return parse_utc_us(rfc3339).value_or(0);
}

// ---------------------------------------------------------------------------------------------
// The module

class ScalewayModule final : public ApiModule {
 public:
  explicit ScalewayModule(EmuContext& ctx) : ctx_(ctx) { clear(); }

  std::string name() const override { return "scaleway"; }
  void register_routes(
      const std::function<void(const std::string&, const std::string&, Handler)>& add) override;
  void seed_demo() override;
  void seed_synthetic(const SyntheticSpec& spec) override;
  void load(const rapidjson::Value& section) override;
  void dump(rapidjson::Value& out, Alloc& alloc) const override;
  EmuResponse fault_response(int status) const override;

 private:
  enum class Api { kInstance, kBlock, kBlockAlpha };
  enum class Kind { kInstanceVolume, kInstanceSnapshot, kBlockSnapshot };
  struct DueRef {
    Kind kind;
    std::string zone;
    std::string id;
  };
  // What a zone route handler gets once the token and the zone are checked.
  struct Call {
    const EmuRequest& req;
    ZoneData& zone;
    const std::string& zone_name;
    const Credential& cred;
    Api api;
    const std::string& param(const char* name) const { return req.path_params.at(name); }
  };
  using ZoneHandler = EmuResponse (ScalewayModule::*)(const Call&);

  Handler bind(Api api, ZoneHandler fn);
  const Credential* authenticate(const EmuRequest& req) const;
  void clear();
  void apply_due(std::int64_t now_us);
  void schedule(Kind kind, const std::string& zone, const std::string& id, Pending* pending,
                std::int64_t at_us, const std::string& to);
  void rebuild_due();
  void sort_all();

  EmuResponse list_instance_volumes(const Call& c);
  EmuResponse get_instance_volume(const Call& c);
  EmuResponse update_instance_volume(const Call& c);
  EmuResponse list_instance_snapshots(const Call& c);
  EmuResponse create_instance_snapshot(const Call& c);
  EmuResponse get_instance_snapshot(const Call& c);
  EmuResponse update_instance_snapshot(const Call& c);
  EmuResponse set_instance_snapshot(const Call& c);
  EmuResponse delete_instance_snapshot(const Call& c);
  EmuResponse export_instance_snapshot(const Call& c);
  EmuResponse edit_instance_snapshot(const Call& c, bool replace);
  EmuResponse instance_snapshot_answer(int status, const InstanceSnapshot& s, const ZoneData& z);

  EmuResponse list_block_volumes(const Call& c);
  EmuResponse get_block_volume(const Call& c);
  EmuResponse update_block_volume(const Call& c);
  EmuResponse list_block_snapshots(const Call& c);
  EmuResponse create_block_snapshot(const Call& c);
  EmuResponse get_block_snapshot(const Call& c);
  EmuResponse update_block_snapshot(const Call& c);
  EmuResponse delete_block_snapshot(const Call& c);
  EmuResponse export_block_snapshot(const Call& c);
  EmuResponse import_block_snapshot(const Call& c);
  EmuResponse block_snapshot_answer(const Call& c, const BlockSnapshot& s);

  InstanceVolume* add_instance_volume(const std::string& zone, const std::string& id,
                                      const std::string& name, std::int64_t size,
                                      const std::string& server, std::int64_t created,
                                      bool keep_sorted = true);
  InstanceSnapshot* add_instance_snapshot(const std::string& zone, const std::string& id,
                                          const InstanceVolume& volume, const std::string& name,
                                          std::int64_t created, const std::string& state,
                                          std::vector<std::string> tags, bool keep_sorted = true);
  BlockVolume* add_block_volume(const std::string& zone, const std::string& id,
                                const std::string& name, const std::string& type, std::int64_t size,
                                const std::string& server, std::int64_t created,
                                bool keep_sorted = true);
  BlockSnapshot* add_block_snapshot(const std::string& zone, const std::string& id,
                                    const BlockVolume& volume, const std::string& name,
                                    std::int64_t created, const std::string& status,
                                    std::vector<std::string> tags, bool keep_sorted = true);

  EmuContext& ctx_;
  std::vector<Credential> credentials_;
  std::map<std::string, ZoneData> zones_;
  std::multimap<std::int64_t, DueRef> due_;
};

void ScalewayModule::register_routes(
    const std::function<void(const std::string&, const std::string&, Handler)>& add) {
  const std::string instance = "/instance/v1/zones/{zone}";
  add("GET", instance + "/volumes", bind(Api::kInstance, &ScalewayModule::list_instance_volumes));
  add("GET", instance + "/volumes/{volume_id}",
      bind(Api::kInstance, &ScalewayModule::get_instance_volume));
  add("PATCH", instance + "/volumes/{volume_id}",
      bind(Api::kInstance, &ScalewayModule::update_instance_volume));
  add("GET", instance + "/snapshots",
      bind(Api::kInstance, &ScalewayModule::list_instance_snapshots));
  add("POST", instance + "/snapshots",
      bind(Api::kInstance, &ScalewayModule::create_instance_snapshot));
  const std::string snapshot = instance + "/snapshots/{snapshot_id}";
  add("GET", snapshot, bind(Api::kInstance, &ScalewayModule::get_instance_snapshot));
  add("PATCH", snapshot, bind(Api::kInstance, &ScalewayModule::update_instance_snapshot));
  add("PUT", snapshot, bind(Api::kInstance, &ScalewayModule::set_instance_snapshot));
  add("DELETE", snapshot, bind(Api::kInstance, &ScalewayModule::delete_instance_snapshot));
  add("POST", snapshot + "/export",
      bind(Api::kInstance, &ScalewayModule::export_instance_snapshot));

  for (Api api : {Api::kBlock, Api::kBlockAlpha}) {
    const std::string block =
        std::string(api == Api::kBlock ? "/block/v1" : "/block/v1alpha1") + "/zones/{zone}";
    add("GET", block + "/volumes", bind(api, &ScalewayModule::list_block_volumes));
    add("GET", block + "/volumes/{volume_id}", bind(api, &ScalewayModule::get_block_volume));
    add("PATCH", block + "/volumes/{volume_id}", bind(api, &ScalewayModule::update_block_volume));
    add("GET", block + "/snapshots", bind(api, &ScalewayModule::list_block_snapshots));
    add("POST", block + "/snapshots", bind(api, &ScalewayModule::create_block_snapshot));
    const std::string one = block + "/snapshots/{snapshot_id}";
    add("GET", one, bind(api, &ScalewayModule::get_block_snapshot));
    add("PATCH", one, bind(api, &ScalewayModule::update_block_snapshot));
    add("DELETE", one, bind(api, &ScalewayModule::delete_block_snapshot));
    add("POST", one + "/export-to-object-storage",
        bind(api, &ScalewayModule::export_block_snapshot));
    add("POST", block + "/snapshots/import-from-object-storage",
        bind(api, &ScalewayModule::import_block_snapshot));
    if (api == Api::kBlockAlpha) {
      add("POST", block + "/snapshots/import-from-s3",
          bind(api, &ScalewayModule::import_block_snapshot));
    }
  }
}

Handler ScalewayModule::bind(Api api, ZoneHandler fn) {
  return [this, api, fn](const EmuRequest& req) {
    apply_due(ctx_.now_unix_us());
    EmuResponse out;
    const Credential* cred = authenticate(req);
    const std::string& zone = req.path_params.at("zone");
    if (cred == nullptr) {
      out = denied();
    } else if (api == Api::kInstance ? !is_instance_zone(zone) : !is_block_zone(zone)) {
      out = unknown_zone(zone);
    } else {
      out = (this->*fn)(Call{req, zones_[zone], zone, *cred, api});
    }
    out.headers.emplace_back("X-Request-Id", ctx_.new_uuid());
    return out;
  };
}

const Credential* ScalewayModule::authenticate(const EmuRequest& req) const {
  std::string token = req.header("x-auth-token");
  if (token.empty()) return nullptr;
  for (const Credential& c : credentials_) {
    if (c.secret_key == token) return &c;
  }
  return nullptr;
}

EmuResponse ScalewayModule::fault_response(int status) const {
  if (status == 429) {
    // The gateway's rate limiter: no body, no Content-Type, no Retry-After (spec 6.3).
    EmuResponse r = EmuResponse::empty(429);
    r.headers.emplace_back("X-Envoy-Ratelimited", "true");
    return r;
  }
  return ApiModule::fault_response(status);
}

// ---------------------------------------------------------------------------------------------
// Asynchronous states

void ScalewayModule::schedule(Kind kind, const std::string& zone, const std::string& id,
                              Pending* pending, std::int64_t at_us, const std::string& to) {
  pending->at_us = std::max<std::int64_t>(at_us, 1);
  pending->to = to;
  due_.emplace(pending->at_us, DueRef{kind, zone, id});
}

template <typename T>
void complete(T* object, std::string* state, std::int64_t* modified, std::int64_t at_us) {
  if (object == nullptr || object->pending.at_us != at_us) return;  // deleted or rescheduled
  *state = object->pending.to;
  *modified = at_us;
  object->pending = Pending{};
}

void ScalewayModule::apply_due(std::int64_t now_us) {
  while (!due_.empty() && due_.begin()->first <= now_us) {
    auto node = due_.extract(due_.begin());
    const DueRef& ref = node.mapped();
    auto z = zones_.find(ref.zone);
    if (z == zones_.end()) continue;
    ZoneData& zone = z->second;
    if (ref.kind == Kind::kInstanceVolume) {
      InstanceVolume* v = zone.instance_volumes.find(ref.id);
      if (v) complete(v, &v->state, &v->modified_us, node.key());
    } else if (ref.kind == Kind::kInstanceSnapshot) {
      InstanceSnapshot* s = zone.instance_snapshots.find(ref.id);
      if (s) complete(s, &s->state, &s->modified_us, node.key());
    } else {
      BlockSnapshot* s = zone.block_snapshots.find(ref.id);
      if (s) complete(s, &s->status, &s->updated_us, node.key());
    }
  }
}

void ScalewayModule::rebuild_due() {
  due_.clear();
  for (auto& [name, zone] : zones_) {
    for (InstanceVolume* v : zone.instance_volumes.in_order()) {
      if (v->pending.at_us)
        due_.emplace(v->pending.at_us, DueRef{Kind::kInstanceVolume, name, v->id});
    }
    for (InstanceSnapshot* s : zone.instance_snapshots.in_order()) {
      if (s->pending.at_us) {
        due_.emplace(s->pending.at_us, DueRef{Kind::kInstanceSnapshot, name, s->id});
      }
    }
    for (BlockSnapshot* s : zone.block_snapshots.in_order()) {
      if (s->pending.at_us)
        due_.emplace(s->pending.at_us, DueRef{Kind::kBlockSnapshot, name, s->id});
    }
  }
}

void ScalewayModule::sort_all() {
  for (auto& [name, zone] : zones_) {
    zone.instance_volumes.sort();
    zone.instance_snapshots.sort();
    zone.block_volumes.sort();
    zone.block_snapshots.sort();
  }
}

void ScalewayModule::clear() {
  zones_.clear();
  due_.clear();
  credentials_ = {Credential{kDemoSecretKey, kDemoProject, kDemoProject}};
}

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

EmuResponse ScalewayModule::list_block_volumes(const Call& c) {
  int page = 1, page_size = kDefaultPageSize;
  if (auto e = read_page_param(c.req, "page", 1, 1000000000, 1, &page)) return *e;
  if (auto e = read_page_param(c.req, "page_size", 1, kMaxPageSize, kDefaultPageSize, &page_size)) {
    return *e;
  }
  bool by_name = false, reverse = false;
  if (!block_order(c.req.query_param("order_by"), &by_name, &reverse)) {
    return invalid_argument("order_by", "constraint", "unknown order");
  }
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
  const auto& base = by_name ? c.zone.block_volumes.by_name() : c.zone.block_volumes.in_order();
  std::int64_t total = 0;
  auto items = select_page(base, reverse, filtered, keep, page, page_size, &total);
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
  int page = 1, page_size = kDefaultPageSize;
  if (auto e = read_page_param(c.req, "page", 1, 1000000000, 1, &page)) return *e;
  if (auto e = read_page_param(c.req, "page_size", 1, kMaxPageSize, kDefaultPageSize, &page_size)) {
    return *e;
  }
  bool by_name = false, reverse = false;
  if (!block_order(c.req.query_param("order_by"), &by_name, &reverse)) {
    return invalid_argument("order_by", "constraint", "unknown order");
  }
  const std::string volume = c.req.query_param("volume_id");
  const std::string name = c.req.query_param("name");
  const std::string project = c.req.query_param("project_id");
  const std::vector<std::string> tags = query_values(c.req, "tags");
  // The per-volume index serves creation orders; a name order filters the volume instead.
  bool use_index = !volume.empty() && !by_name;
  bool filtered =
      !name.empty() || !project.empty() || !tags.empty() || (!volume.empty() && !use_index);
  auto keep = [&](const BlockSnapshot& s) {
    return (volume.empty() || s.parent_volume_id == volume) && name_matches(s.name, name) &&
           (project.empty() || s.project_id == project) &&
           (tags.empty() || has_any_tag(s.tags, tags));
  };
  const auto& base = use_index ? c.zone.block_snapshots.children(volume)
                     : by_name ? c.zone.block_snapshots.by_name()
                               : c.zone.block_snapshots.in_order();
  std::int64_t total = 0;
  auto items = select_page(base, reverse, filtered, keep, page, page_size, &total);
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

// ---------------------------------------------------------------------------------------------
// Seeds

// Server ids of seeded volumes: the volume id with another leading byte.
std::string server_id_for(const std::string& volume_id) {
  return "5e" + volume_id.substr(2);
}

InstanceVolume* ScalewayModule::add_instance_volume(const std::string& zone, const std::string& id,
                                                    const std::string& name, std::int64_t size,
                                                    const std::string& server, std::int64_t created,
                                                    bool keep_sorted) {
  auto v = std::make_unique<InstanceVolume>();
  v->id = id;
  v->name = name;
  v->zone = zone;
  v->project = v->organization = kDemoProject;
  if (!server.empty()) {
    v->server_id = server_id_for(id);
    v->server_name = server;
  }
  v->size = size;
  v->created_us = v->modified_us = created;
  return zones_[zone].instance_volumes.add(std::move(v), keep_sorted);
}

InstanceSnapshot* ScalewayModule::add_instance_snapshot(
    const std::string& zone, const std::string& id, const InstanceVolume& volume,
    const std::string& name, std::int64_t created, const std::string& state,
    std::vector<std::string> tags, bool keep_sorted) {
  auto s = std::make_unique<InstanceSnapshot>();
  s->id = id;
  s->name = name;
  s->zone = zone;
  s->volume_type = volume.volume_type;
  s->project = volume.project;
  s->organization = volume.organization;
  s->size = volume.size;
  s->state = state;
  s->base_volume_id = volume.id;
  s->base_volume_name = volume.name;
  s->created_us = created;
  s->modified_us = created + 4200000;  // snapshots settle a few seconds after they start
  s->tags = std::move(tags);
  return zones_[zone].instance_snapshots.add(std::move(s), keep_sorted);
}

BlockVolume* ScalewayModule::add_block_volume(const std::string& zone, const std::string& id,
                                              const std::string& name, const std::string& type,
                                              std::int64_t size, const std::string& server,
                                              std::int64_t created, bool keep_sorted) {
  auto v = std::make_unique<BlockVolume>();
  v->id = id;
  v->name = name;
  v->zone = zone;
  v->type = type;
  v->perf_iops = type == "sbs_15k" ? 15000 : 5000;
  v->project_id = kDemoProject;
  v->size = size;
  v->created_us = v->updated_us = created;
  if (!server.empty()) {
    v->status = "in_use";
    BlockReference ref;
    ref.id = "7e" + id.substr(2);
    ref.product_resource_type = "instance_server";
    ref.product_resource_id = server_id_for(id);
    ref.type = "exclusive";
    ref.created_us = created;
    v->references.push_back(std::move(ref));
  }
  return zones_[zone].block_volumes.add(std::move(v), keep_sorted);
}

BlockSnapshot* ScalewayModule::add_block_snapshot(const std::string& zone, const std::string& id,
                                                  const BlockVolume& volume,
                                                  const std::string& name, std::int64_t created,
                                                  const std::string& status,
                                                  std::vector<std::string> tags, bool keep_sorted) {
  auto s = std::make_unique<BlockSnapshot>();
  s->id = id;
  s->name = name;
  s->zone = zone;
  s->project_id = volume.project_id;
  s->status = status;
  s->parent_volume_id = volume.id;
  s->parent_volume_name = volume.name;
  s->parent_volume_type = volume.type;
  s->size = volume.size;
  s->created_us = created;
  s->updated_us = created + 5500000;
  s->tags = std::move(tags);
  if (status == "in_use") {
    BlockReference ref;
    ref.id = "7f" + id.substr(2);
    ref.product_resource_type = "instance_image";
    ref.product_resource_id = "1e" + id.substr(2);
    ref.created_us = s->updated_us;
    s->references.push_back(std::move(ref));
  }
  return zones_[zone].block_snapshots.add(std::move(s), keep_sorted);
}

// Stable ids so that tests can name demo objects: kind prefix, zone number, object number, e.g.
// 1b000000-0000-4000-8000-000000000103 = Instance snapshot 3 of zone 1.
std::string demo_id(const char* kind, int zone, int n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s000000-0000-4000-8000-%09d%d%02d", kind, 0, zone, n);
  return buf;
}

void ScalewayModule::seed_demo() {
  clear();
  // Instance (l_ssd) in fr-par-1: two volumes with snapshots, one without.
  const std::string par = "fr-par-1";
  InstanceVolume* web = add_instance_volume(par, demo_id("1a", 1, 1), "web-01-root", 20 * kGB,
                                            "web-01", at("2026-01-10T09:12:44.512300Z"));
  InstanceVolume* db = add_instance_volume(par, demo_id("1a", 1, 2), "db-01-data", 100 * kGB,
                                           "db-01", at("2026-01-12T14:03:09.004211Z"));
  add_instance_volume(par, demo_id("1a", 1, 3), "spare-disk", 10 * kGB, "",
                      at("2026-02-02T08:00:00.000000Z"));
  add_instance_snapshot(par, demo_id("1b", 1, 1), *web, "web-01-root-2026-03-01",
                        at("2026-03-01T02:00:00.123456Z"), "available", {"daily"});
  add_instance_snapshot(par, demo_id("1b", 1, 2), *web, "daily/2026-11-01",
                        at("2026-11-01T02:00:05.654321Z"), "available", {"daily", "auto"});
  add_instance_snapshot(par, demo_id("1b", 1, 3), *db, "before-upgrade",
                        at("2026-04-02T09:15:00.250000Z"), "available", {});
  add_instance_snapshot(par, demo_id("1b", 1, 4), *db, "before-upgrade",
                        at("2026-05-20T18:40:31.750000Z"), "available", {"manual"});
  add_instance_snapshot(par, demo_id("1b", 1, 5), *db, "", at("2026-06-11T07:00:00.000001Z"),
                        "available", {});
  // Stays in progress: no ready time.
  add_instance_snapshot(par, demo_id("1b", 1, 6), *db, "db-01-nightly",
                        at("2026-11-02T01:00:00.000000Z"), "snapshotting", {"nightly"});

  // Block (sbs) in fr-par-1.
  BlockVolume* app = add_block_volume(par, demo_id("2a", 1, 1), "app-data", "sbs_5k", 50 * kGB,
                                      "web-01", at("2026-01-15T10:20:30.405060Z"));
  BlockVolume* logs = add_block_volume(par, demo_id("2a", 1, 2), "logs", "sbs_15k", 200 * kGB, "",
                                       at("2026-01-20T11:00:00.000000Z"));
  add_block_volume(par, demo_id("2a", 1, 3), "archive-empty", "sbs_5k", 10 * kGB, "",
                   at("2026-02-03T12:00:00.000000Z"));
  add_block_snapshot(par, demo_id("2b", 1, 1), *app, "app-data-2026-06-01",
                     at("2026-06-01T03:00:00.111111Z"), "available", {"weekly"});
  add_block_snapshot(par, demo_id("2b", 1, 2), *app, "weekly/2026-W23",
                     at("2026-06-07T03:00:00.222222Z"), "available", {"weekly"});
  add_block_snapshot(par, demo_id("2b", 1, 3), *logs, "pre-migration",
                     at("2026-02-10T16:45:00.000000Z"), "available", {});
  add_block_snapshot(par, demo_id("2b", 1, 4), *logs, "pre-migration",
                     at("2026-07-22T08:30:12.500000Z"), "available", {"keep"});
  add_block_snapshot(par, demo_id("2b", 1, 5), *logs, "logs-nightly",
                     at("2026-11-02T01:30:00.000000Z"), "creating", {});  // stays in progress
  add_block_snapshot(par, demo_id("2b", 1, 6), *app, "golden-image-base",
                     at("2026-05-05T05:05:05.050505Z"), "in_use", {});

  // nl-ams-1: one volume of each API with two snapshots.
  const std::string ams = "nl-ams-1";
  InstanceVolume* ams_root = add_instance_volume(ams, demo_id("1a", 2, 1), "ams-app-root", 40 * kGB,
                                                 "ams-app-01", at("2026-03-03T07:07:07.070707Z"));
  add_instance_snapshot(ams, demo_id("1b", 2, 1), *ams_root, "ams-app-root-2026-08-01",
                        at("2026-08-01T04:00:00.000000Z"), "available", {});
  add_instance_snapshot(ams, demo_id("1b", 2, 2), *ams_root, "ams-app-root-2026-09-01",
                        at("2026-09-01T04:00:00.000000Z"), "available", {"monthly"});
  BlockVolume* ams_db = add_block_volume(ams, demo_id("2a", 2, 1), "ams-db", "sbs_5k", 100 * kGB,
                                         "ams-db-01", at("2026-03-04T08:08:08.080808Z"));
  add_block_snapshot(ams, demo_id("2b", 2, 1), *ams_db, "ams-db-2026-10-01",
                     at("2026-10-01T01:00:00.000000Z"), "available", {});
  add_block_snapshot(ams, demo_id("2b", 2, 2), *ams_db, "ams-db-2026-10-08",
                     at("2026-10-08T01:00:00.000000Z"), "available", {"weekly"});
}

std::string synthetic_snapshot_name(std::int64_t created_us) {
  std::time_t t = static_cast<std::time_t>(created_us / 1000000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "auto-%Y%m%d-%H%M", &tm);
  return buf;
}

void ScalewayModule::seed_synthetic(const SyntheticSpec& spec) {
  clear();
  std::uint64_t serial = 0;
  auto next_id = [&serial](const char* kind) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%s000000-0000-4000-8000-%012llx", kind,
                  static_cast<unsigned long long>(++serial));
    return std::string(buf);
  };
  const std::int64_t volumes_start = at("2025-12-01T00:00:00Z");
  const std::int64_t snapshots_start = at("2026-01-01T00:00:00Z");
  const std::int64_t step = 600LL * 1000000;  // one snapshot every 10 minutes
  auto fill = [&](const std::string& zone, const std::string& name, int index, int count) {
    std::int64_t size = ((index * 37) % 20 + 1) * 10 * kGB;
    std::int64_t created = volumes_start + index * 3600LL * 1000000;
    InstanceVolume* iv = add_instance_volume(zone, next_id("1a"), name, size,
                                             index % 2 == 0 ? name + "-srv" : "", created, false);
    BlockVolume* bv = add_block_volume(zone, next_id("2a"), name, "sbs_5k", size,
                                       index % 2 == 0 ? name + "-srv" : "", created, false);
    for (int i = 0; i < count; ++i) {
      std::int64_t when = snapshots_start + i * step + (index % 60) * 1000000 + 123456;
      std::vector<std::string> tags;
      if (i % 7 == 0) tags.push_back("weekly");
      std::string snap_name = synthetic_snapshot_name(when);
      add_instance_snapshot(zone, next_id("1b"), *iv, snap_name, when, "available", tags, false);
      add_block_snapshot(zone, next_id("2b"), *bv, snap_name, when, "available", std::move(tags),
                         false);
    }
  };
  const auto& zones = block_zones();
  int services = std::min<int>(std::max(spec.services, 0), static_cast<int>(zones.size()));
  for (int z = 0; z < services; ++z) {
    char name[32];
    for (int v = 0; v < spec.volumes; ++v) {
      std::snprintf(name, sizeof name, "data-%03d", v + 1);
      fill(zones[z], name, v, spec.snapshots);
    }
    if (z == 0 && spec.big > 0) fill(zones[z], "big", spec.volumes, spec.big);
  }
  sort_all();
}

// ---------------------------------------------------------------------------------------------
// State files

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
    for (const InstanceVolume* v : data.instance_volumes.in_order()) {
      JsonValue o(rapidjson::kObjectType);
      set_str(o, "id", v->id, a);
      set_str(o, "name", v->name, a);
      set_str(o, "zone", v->zone, a);
      set_str(o, "volume_type", v->volume_type, a);
      set_str(o, "project", v->project, a);
      set_str(o, "organization", v->organization, a);
      if (v->server_id.empty()) {
        o.AddMember("server", JsonValue(), a);
      } else {
        JsonValue server(rapidjson::kObjectType);
        set_str(server, "id", v->server_id, a);
        set_str(server, "name", v->server_name, a);
        o.AddMember("server", server, a);
      }
      set_int(o, "size", v->size, a);
      set_state(o, "state", v->state, v->pending, now, a);
      set_str(o, "creation_date", instance_time(v->created_us), a);
      set_str(o, "modification_date", instance_time(v->modified_us), a);
      set_tags(o, "tags", v->tags, a);
      ivols.PushBack(o, a);
    }
    for (const InstanceSnapshot* s : data.instance_snapshots.in_order()) {
      JsonValue o(rapidjson::kObjectType);
      set_str(o, "id", s->id, a);
      set_str(o, "name", s->name, a);
      set_str(o, "zone", s->zone, a);
      set_str(o, "volume_type", s->volume_type, a);
      set_str(o, "project", s->project, a);
      set_str(o, "organization", s->organization, a);
      set_int(o, "size", s->size, a);
      set_state(o, "state", s->state, s->pending, now, a);
      if (s->base_volume_id.empty()) {
        o.AddMember("base_volume", JsonValue(), a);
      } else {
        JsonValue base(rapidjson::kObjectType);
        set_str(base, "id", s->base_volume_id, a);
        set_str(base, "name", s->base_volume_name, a);
        o.AddMember("base_volume", base, a);
      }
      set_str(o, "creation_date", instance_time(s->created_us), a);
      set_str(o, "modification_date", instance_time(s->modified_us), a);
      set_tags(o, "tags", s->tags, a);
      isnaps.PushBack(o, a);
    }
    for (const BlockVolume* v : data.block_volumes.in_order()) {
      JsonValue o(rapidjson::kObjectType);
      set_str(o, "id", v->id, a);
      set_str(o, "name", v->name, a);
      set_str(o, "zone", v->zone, a);
      set_str(o, "type", v->type, a);
      set_int(o, "perf_iops", v->perf_iops, a);
      set_str(o, "project_id", v->project_id, a);
      set_int(o, "size", v->size, a);
      set_str(o, "status", v->status, a);
      set_str(o, "parent_snapshot_id", v->parent_snapshot_id, a);
      set_str(o, "created_at", block_time(v->created_us), a);
      set_str(o, "updated_at", block_time(v->updated_us), a);
      set_tags(o, "tags", v->tags, a);
      set_references(o, v->references, a);
      bvols.PushBack(o, a);
    }
    for (const BlockSnapshot* s : data.block_snapshots.in_order()) {
      JsonValue o(rapidjson::kObjectType);
      set_str(o, "id", s->id, a);
      set_str(o, "name", s->name, a);
      set_str(o, "zone", s->zone, a);
      set_str(o, "project_id", s->project_id, a);
      set_int(o, "size", s->size, a);
      set_state(o, "status", s->status, s->pending, now, a);
      if (s->parent_volume_id.empty()) {
        o.AddMember("parent_volume", JsonValue(), a);
      } else {
        JsonValue parent(rapidjson::kObjectType);
        set_str(parent, "id", s->parent_volume_id, a);
        set_str(parent, "name", s->parent_volume_name, a);
        set_str(parent, "type", s->parent_volume_type, a);
        o.AddMember("parent_volume", parent, a);
      }
      set_str(o, "created_at", block_time(s->created_us), a);
      set_str(o, "updated_at", block_time(s->updated_us), a);
      set_tags(o, "tags", s->tags, a);
      o.AddMember("public", s->is_public, a);
      set_references(o, s->references, a);
      bsnaps.PushBack(o, a);
    }
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

}  // namespace

std::unique_ptr<ApiModule> make_scaleway_module(EmuContext& ctx) {
  return std::make_unique<ScalewayModule>(ctx);
}

}  // namespace snapfs::emu
