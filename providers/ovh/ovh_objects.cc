#include "providers/ovh/ovh_objects.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "providers/common/json_util.h"
#include "providers/common/strings.h"
#include "providers/common/time_util.h"

namespace snapfs {
namespace {

constexpr std::uint64_t kGiB = 1ULL << 30;

void add_attr(AttrList& attrs, const std::string& key, const std::optional<std::string>& value) {
  if (value && !value->empty()) attrs.push_back({key, *value});
}

std::int64_t date_us(const rapidjson::Value& object, const char* name) {
  auto text = json_string(object, name);
  if (!text) return 0;
  return parse_rfc3339_us(*text).value_or(0);
}

std::optional<std::string> rfc3339(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  auto us = parse_rfc3339_us(*text);
  return us ? format_rfc3339_us(*us) : *text;
}

bool name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == ':' || c == '-' ||
         c == '_';
}

}  // namespace

// ---- HA-NAS ----

ServiceInfo parse_nasha_service(const rapidjson::Value& object) {
  ServiceInfo s;
  s.id = json_string_or(object, "serviceName");
  s.name = s.id;
  add_attr(s.attrs, "custom-name", json_string(object, "customName"));
  add_attr(s.attrs, "datacenter", json_string(object, "datacenter"));
  add_attr(s.attrs, "disk-type", json_string(object, "diskType"));
  add_attr(s.attrs, "ip", json_string(object, "ip"));
  s.json = json_compact(object);
  return s;
}

VolumeInfo parse_nasha_partition(const rapidjson::Value& object) {
  VolumeInfo v;
  v.id = json_string_or(object, "partitionName");
  v.name = v.id;
  if (auto gb = json_int64(object, "size"); gb && *gb >= 0) {
    v.size = static_cast<std::uint64_t>(*gb) * kGiB;
  }
  add_attr(v.attrs, "protocol", json_string(object, "protocol"));
  add_attr(v.attrs, "description", json_string(object, "partitionDescription"));
  v.json = json_compact(object);
  return v;
}

SnapshotInfo parse_nasha_custom_snapshot(const rapidjson::Value& object,
                                         const std::string& partition) {
  SnapshotInfo s;
  s.name = json_string_or(object, "name");
  s.id = s.name;
  s.volume_id = partition;
  s.type = "manual";
  s.state = "available";
  s.expiration = rfc3339(json_string(object, "expiration")).value_or("");
  s.content_dir = nasha_snapshot_dir(s.name);
  s.json = json_compact(object);
  return s;
}

std::string nasha_export(const std::string& ip, const std::string& service,
                         const std::string& partition) {
  return ip + ":/" + service + "/" + partition;
}

std::string nasha_snapshot_dir(const std::string& name) {
  return name.empty() ? "" : ".zfs/snapshot/" + name;
}

std::optional<NashaTask> parse_nasha_task(const rapidjson::Value& object) {
  auto id = json_int64(object, "taskId");
  if (!id) return std::nullopt;
  NashaTask t;
  t.id = *id;
  t.status = json_string_or(object, "status");
  t.operation = json_string_or(object, "operation");
  t.details = json_string_or(object, "details");
  t.partition = json_string_or(object, "partitionName");
  if (auto todo = json_string(object, "todoDate")) t.todo_us = parse_rfc3339_us(*todo);
  if (auto done = json_string(object, "doneDate")) t.done_us = parse_rfc3339_us(*done);
  return t;
}

bool nasha_task_names(const std::string& details, const std::string& name) {
  if (name.empty() || details.empty()) return false;
  if (details == name) return true;
  for (std::size_t pos = details.find(name); pos != std::string::npos;
       pos = details.find(name, pos + 1)) {
    bool left = pos == 0 || !name_char(details[pos - 1]);
    std::size_t end = pos + name.size();
    bool right = end == details.size() || !name_char(details[end]);
    if (left && right) return true;
  }
  return false;
}

bool valid_nasha_snapshot_name(const std::string& name) {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == ':' || c == '-';
  });
}

const std::vector<std::string>& nasha_schedule_types() {
  static const std::vector<std::string> kTypes = {"day-1", "day-2",  "day-3",
                                                  "day-7", "hour-1", "hour-6"};
  return kTypes;
}

Result<std::vector<std::string>> parse_nasha_schedule(const std::string& value) {
  const auto& known = nasha_schedule_types();
  std::vector<bool> wanted(known.size(), false);
  std::string token;
  auto take = [&](const std::string& raw) -> Status {
    std::string t = trim(raw);
    if (t.empty()) return Status::Ok();
    auto it = std::find(known.begin(), known.end(), t);
    if (it == known.end()) {
      return Error(ErrorKind::InvalidArgument,
                   "unknown snapshot frequency '" + t +
                       "' (HA-NAS knows hour-1, hour-6, day-1, day-2, day-3, day-7)");
    }
    wanted[static_cast<std::size_t>(it - known.begin())] = true;
    return Status::Ok();
  };
  for (char c : value) {
    if (c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ';') {
      if (Status s = take(token); !s.ok()) return s.error();
      token.clear();
    } else {
      token.push_back(c);
    }
  }
  if (Status s = take(token); !s.ok()) return s.error();
  std::vector<std::string> out;
  for (std::size_t i = 0; i < known.size(); ++i) {
    if (wanted[i]) out.push_back(known[i]);
  }
  if (out.size() > kNashaMaxScheduleTypes) {
    return Error(ErrorKind::InvalidArgument,
                 "HA-NAS allows at most " + std::to_string(kNashaMaxScheduleTypes) +
                     " snapshot frequencies per partition (hour-1 and 3 more)");
  }
  return out;
}

std::string format_nasha_schedule(const std::vector<std::string>& types) {
  std::string out;
  for (const std::string& t : types) out += (out.empty() ? "" : ",") + t;
  return out;
}

std::string nasha_expiration(std::int64_t now_us, std::int64_t seconds) {
  std::int64_t whole = (now_us / 1000000 + seconds) * 1000000;
  return format_rfc3339_us(whole);
}

std::optional<std::uint64_t> nasha_usage_bytes(const rapidjson::Value& object) {
  const rapidjson::Value* value = json_member(object, "value");
  if (value == nullptr || !value->IsNumber()) return std::nullopt;
  std::string unit = json_string_or(object, "unit");
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  static const char* const kUnits[] = {"B", "KB", "MB", "GB", "TB", "PB"};
  static const char* const kBinary[] = {"B", "KIB", "MIB", "GIB", "TIB", "PIB"};
  for (int i = 0; i < 6; ++i) {
    if (unit == kUnits[i] || unit == kBinary[i]) {
      auto bytes = whole_int64(std::round(value->GetDouble() * std::pow(1024.0, i)));
      if (!bytes || *bytes < 0) return std::nullopt;
      return static_cast<std::uint64_t>(*bytes);
    }
  }
  return std::nullopt;
}

std::string nasha_usage_text(const rapidjson::Value& object) {
  if (auto bytes = nasha_usage_bytes(object)) return std::to_string(*bytes);
  const rapidjson::Value* value = json_member(object, "value");
  std::string number = value != nullptr ? json_compact(*value) : "";
  std::string unit = json_string_or(object, "unit");
  return unit.empty() ? number : number + " " + unit;
}

// ---- Enterprise File Storage ----

ServiceInfo parse_netapp_service(const rapidjson::Value& object) {
  ServiceInfo s;
  s.id = json_string_or(object, "id");
  s.name = json_string_or(object, "name");
  add_attr(s.attrs, "region", json_string(object, "region"));
  add_attr(s.attrs, "status", json_string(object, "status"));
  add_attr(s.attrs, "performance-level", json_string(object, "performanceLevel"));
  s.json = json_compact(object);
  return s;
}

VolumeInfo parse_netapp_share(const rapidjson::Value& object) {
  VolumeInfo v;
  v.id = json_string_or(object, "id");
  v.name = json_string_or(object, "name");
  v.created_us = date_us(object, "createdAt");
  if (auto gb = json_int64(object, "size"); gb && *gb >= 0) {
    v.size = static_cast<std::uint64_t>(*gb) * kGiB;
  }
  v.state = json_string_or(object, "status");
  add_attr(v.attrs, "protocol", json_string(object, "protocol"));
  add_attr(v.attrs, "mount-point", json_string(object, "mountPointName"));
  add_attr(v.attrs, "description", json_string(object, "description"));
  v.json = json_compact(object);
  return v;
}

std::string map_netapp_snapshot_status(const std::string& status) {
  if (status == "available" || status == "creating" || status == "deleting") return status;
  if (status == "error" || status == "error_deleting" || status == "manage_error" ||
      status == "unmanage_error") {
    return "error";
  }
  if (status == "restoring" || status == "manage_starting" || status == "unmanage_starting") {
    return "busy";
  }
  return status;
}

SnapshotInfo parse_netapp_snapshot(const rapidjson::Value& object, const std::string& share_id) {
  SnapshotInfo s;
  s.id = json_string_or(object, "id");
  s.name = json_string_or(object, "name");
  s.volume_id = share_id;
  s.created_us = date_us(object, "createdAt");
  s.state = map_netapp_snapshot_status(json_string_or(object, "status"));
  s.type = json_string_or(object, "type");
  s.description = json_string_or(object, "description");
  add_attr(s.attrs, "path", json_string(object, "path"));
  s.content_dir = netapp_snapshot_dir(json_string_or(object, "path"));
  s.json = json_compact(object);
  return s;
}

std::string netapp_snapshot_dir(const std::string& path) {
  std::string p = path;
  while (!p.empty() && p.back() == '/') p.pop_back();
  const std::string last = p.substr(p.rfind('/') == std::string::npos ? 0 : p.rfind('/') + 1);
  if (last.empty() || last == "." || last == "..") return "";
  return ".snapshot/" + last;
}

std::string netapp_preferred_access_path(const rapidjson::Value& list) {
  if (!list.IsArray()) return "";
  std::string first;
  for (const auto& entry : list.GetArray()) {
    if (!entry.IsObject()) continue;
    std::string path = json_string_or(entry, "path");
    if (path.empty()) continue;
    const rapidjson::Value* preferred = json_member(entry, "preferred");
    if (preferred != nullptr && preferred->IsBool() && preferred->GetBool()) return path;
    if (first.empty()) first = path;
  }
  return first;
}

namespace {

// Appends `part` to `text`, after `separator` unless `text` is empty.
void append(std::string& text, const char* separator, const std::string& part) {
  text += (text.empty() ? "" : separator) + part;
}

// "minutes=0,30 hours=1": the schedule's non-empty fields, values as compact JSON.
std::string format_netapp_schedule(const rapidjson::Value& schedule) {
  std::string text;
  for (const char* field : {"minutes", "hours", "days", "months", "weekdays"}) {
    const rapidjson::Value* values = json_array(schedule, field);
    if (values == nullptr || values->Empty()) continue;
    std::string joined;
    for (const auto& v : values->GetArray()) append(joined, ",", json_compact(v));
    append(text, " ", std::string(field) + "=" + joined);
  }
  return text;
}

// "copies=N prefix=P minutes=..." of one rule.
std::string format_netapp_rule(const rapidjson::Value& rule) {
  std::string text;
  if (auto copies = json_int64(rule, "copies")) text += "copies=" + std::to_string(*copies);
  if (auto prefix = json_string(rule, "prefix")) append(text, " ", "prefix=" + *prefix);
  if (const rapidjson::Value* schedule = json_object(rule, "schedule")) {
    std::string fields = format_netapp_schedule(*schedule);
    if (!fields.empty()) append(text, " ", fields);
  }
  return text;
}

}  // namespace

std::string format_netapp_policy(const rapidjson::Value& policy) {
  std::string name = json_string_or(policy, "name");
  if (name.empty()) name = json_string_or(policy, "id");
  std::string rules;
  if (const rapidjson::Value* list = json_array(policy, "rules")) {
    for (const auto& rule : list->GetArray()) append(rules, "; ", format_netapp_rule(rule));
  }
  return rules.empty() ? name : name + ": " + rules;
}

std::string format_netapp_policy_list(const rapidjson::Value& policies) {
  std::string out;
  if (!policies.IsArray()) return out;
  for (const auto& policy : policies.GetArray()) {
    std::string line = format_netapp_policy(policy);
    std::string name = json_string_or(policy, "name");
    std::string id = json_string_or(policy, "id");
    // "name (id): rules"
    std::string head = name.empty() ? id : name;
    std::string rest = line.size() > head.size() ? line.substr(head.size()) : "";
    out += head + (name.empty() ? "" : " (" + id + ")") + rest + "\n";
  }
  return out;
}

}  // namespace snapfs
