// Enterprise File Storage route handlers: the requests, their checks and errors; the state they
// read and change is Netapp's (netapp_model.cc).
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "emulator/apis/ovh/netapp.h"
#include "emulator/emu_util.h"

namespace snapfs::emu::ovh {

void Netapp::register_routes(const AddRoute& add, const std::string& prefix) {
  auto on = [&](const char* method, const std::string& path,
                EmuResponse (Netapp::*fn)(const EmuRequest&)) {
    add(method, path, [this, fn](const EmuRequest& r) { return (this->*fn)(r); });
  };
  const std::string efs = prefix + "/storage/netapp";
  on("GET", efs, &Netapp::efs_list_services);
  const std::string service = efs + "/{serviceName}";
  on("GET", service, &Netapp::efs_get_service);
  on("GET", service + "/share", &Netapp::efs_list_shares);
  const std::string share = service + "/share/{shareId}";
  on("GET", share, &Netapp::efs_get_share);
  on("GET", share + "/accessPath", &Netapp::efs_list_access_paths);
  on("GET", share + "/accessPath/{accessPathId}", &Netapp::efs_get_access_path);
  on("GET", share + "/snapshot", &Netapp::efs_list_snapshots);
  on("POST", share + "/snapshot", &Netapp::efs_create_snapshot);
  const std::string snap = share + "/snapshot/{snapshotId}";
  on("GET", snap, &Netapp::efs_get_snapshot);
  on("PUT", snap, &Netapp::efs_update_snapshot);
  on("DELETE", snap, &Netapp::efs_delete_snapshot);
  on("POST", snap + "/hold", &Netapp::efs_hold_snapshot);
  on("POST", share + "/revert", &Netapp::efs_revert);
  on("GET", share + "/snapshotPolicy", &Netapp::efs_get_share_policy);
  on("PUT", share + "/snapshotPolicy", &Netapp::efs_put_share_policy);
  on("GET", share + "/snapshotReserve", &Netapp::efs_get_reserve);
  on("PUT", share + "/snapshotReserve", &Netapp::efs_put_reserve);
  const std::string policies = service + "/snapshotPolicy";
  on("GET", policies, &Netapp::efs_list_policies);
  on("POST", policies, &Netapp::efs_create_policy);
  const std::string policy = policies + "/{snapshotPolicyId}";
  on("GET", policy, &Netapp::efs_get_policy);
  on("PUT", policy, &Netapp::efs_update_policy);
  on("DELETE", policy, &Netapp::efs_delete_policy);
}

EmuResponse Netapp::efs_list_services(const EmuRequest&) {
  return object_answer(200, [&](JsonWriter& w) {
    w.StartArray();
    for (const EfsService& s : efs_) write_efs_service(w, s);
    w.EndArray();
  });
}

EmuResponse Netapp::efs_get_service(const EmuRequest& r) {
  EfsLookup l = efs_lookup(r, false, false);
  if (l.error) return *l.error;
  return object_answer(200, [&](JsonWriter& w) { write_efs_service(w, *l.service); });
}

EmuResponse Netapp::efs_list_shares(const EmuRequest& r) {
  EfsLookup l = efs_lookup(r, false, false);
  if (l.error) return *l.error;
  const bool detail = r.query_param("detail") == "true";
  const std::string mount_point = r.query_param("mountPointName");
  return object_answer(200, [&](JsonWriter& w) {
    w.StartArray();
    for (const EfsShare& s : l.service->shares) {
      if (mount_point.empty() || s.mount_point == mount_point) write_share(w, s, detail);
    }
    w.EndArray();
  });
}

EmuResponse Netapp::efs_get_share(const EmuRequest& r) {
  EfsLookup l = efs_lookup(r, true, false);
  if (l.error) return *l.error;
  return object_answer(200, [&](JsonWriter& w) { write_share(w, *l.share, true); });
}

namespace {

std::uint64_t fnv1a(const std::string& text) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

// A UUID-shaped id that is a function of `seed`.
std::string derived_uuid(const std::string& seed) {
  const std::uint64_t a = fnv1a(seed);
  const std::uint64_t b = fnv1a(seed + "#");
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-8%03x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                static_cast<unsigned>((b >> 48) & 0xfff),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

void write_access_path(JsonWriter& w, const EfsAccessPath& a) {
  w.StartObject();
  w.Key("id");
  w.String(a.id);
  w.Key("path");
  w.String(a.path);
  w.Key("preferred");
  w.Bool(a.preferred);
  w.EndObject();
}

}  // namespace

std::vector<EfsAccessPath> Netapp::access_paths(const EfsService& service, const EfsShare& share) {
  std::string ip = service.nfs_ip;
  if (ip.empty()) {
    const std::uint64_t h = fnv1a(service.id);
    ip = "10.17." + std::to_string(h % 250 + 1) + "." + std::to_string((h >> 8) % 200 + 10);
  }
  // The other address: the last octet plus one (a state file's odd value gets a fixed one).
  const std::size_t dot = ip.rfind('.');
  const std::string last = dot == std::string::npos ? "" : ip.substr(dot + 1);
  const bool octet =
      !last.empty() && last.size() <= 3 &&
      std::all_of(last.begin(), last.end(), [](char c) { return c >= '0' && c <= '9'; });
  const std::string other = octet
                                ? ip.substr(0, dot + 1) + std::to_string(std::stoi(last) % 254 + 1)
                                : std::string("10.17.0.1");
  const std::string path = ":/" + share.mount_point;
  return {{derived_uuid(share.id + "/1"), other + path, false},
          {derived_uuid(share.id + "/0"), ip + path, true}};
}

void Netapp::content_volumes(std::vector<ContentVolume>& out) const {
  for (const EfsService& svc : efs_) {
    for (const EfsShare& share : svc.shares) {
      ContentVolume v;
      for (const EfsAccessPath& a : access_paths(svc, share)) {
        if (a.preferred) v.nfs_export = a.path;
      }
      v.hidden = {".snapshot"};
      for (const EfsSnapshot& s : share.snapshots) {
        // The directory is named by the snapshot's own path, which a rename or a hold keeps.
        const std::string last = s.path.substr(s.path.rfind('/') + 1);
        if (!last.empty()) v.snapshot_dirs.push_back(".snapshot/" + last);
      }
      out.push_back(std::move(v));
    }
  }
}

EmuResponse Netapp::efs_list_access_paths(const EmuRequest& r) {
  EfsLookup l = efs_lookup(r, true, false);
  if (l.error) return *l.error;
  return object_answer(200, [&](JsonWriter& w) {
    w.StartArray();
    for (const EfsAccessPath& a : access_paths(*l.service, *l.share)) write_access_path(w, a);
    w.EndArray();
  });
}

EmuResponse Netapp::efs_get_access_path(const EmuRequest& r) {
  EfsLookup l = efs_lookup(r, true, false);
  if (l.error) return *l.error;
  const std::string id = path_param(r, "accessPathId");
  for (const EfsAccessPath& a : access_paths(*l.service, *l.share)) {
    if (a.id == id) return object_answer(200, [&](JsonWriter& w) { write_access_path(w, a); });
  }
  return resource_not_found();
}

EmuResponse Netapp::efs_list_snapshots(const EmuRequest& r) {
  EfsLookup l = efs_lookup(r, true, false);
  if (l.error) return *l.error;
  const bool detail = r.query_param("detail") == "true";
  return object_answer(200, [&](JsonWriter& w) {
    w.StartArray();
    for (const EfsSnapshot& s : l.share->snapshots) write_efs_snapshot(w, s, detail);
    w.EndArray();
  });
}

EmuResponse Netapp::efs_get_snapshot(const EmuRequest& r) {
  EfsLookup l = efs_lookup(r, true, true);
  if (l.error) return *l.error;
  return object_answer(200, [&](JsonWriter& w) { write_efs_snapshot(w, *l.snapshot, true); });
}

std::string Netapp::snapshot_path(const EfsShare& share, const std::string& id) const {
  std::string compact = id;
  compact.erase(std::remove(compact.begin(), compact.end(), '-'), compact.end());
  return "/" + share.mount_point + "/.snapshot/snapshot_" + compact;
}

EmuResponse Netapp::efs_create_snapshot(const EmuRequest& r) {
  EfsLookup l = efs_lookup(r, true, false);
  if (l.error) return *l.error;
  rapidjson::Document body;
  if (!parse_body(r, &body)) return bad_request("Invalid JSON in the request body");
  bool bad = false;
  auto name = body_string(body, "name", &bad);
  auto description = body_string(body, "description", &bad);
  if (bad) return bad_request("name and description must be strings");
  if (name && name->size() > 255) return bad_request("[name] must be at most 255 characters");
  if (static_cast<int>(l.share->snapshots.size()) >= kMaxEfsSnapshots) {
    return bad_request("Maximum number of snapshots (" + std::to_string(kMaxEfsSnapshots) +
                       ") reached for this share");
  }
  if (l.share->status != "available") {
    return api_error(409, "Client::Conflict", "Share is " + l.share->status);
  }
  EfsSnapshot s;
  s.id = ctx_.new_uuid();
  s.name = name;
  s.description = description;
  s.created_us = now_us();
  s.type = "manual";
  s.path = snapshot_path(*l.share, s.id);
  s.status = "creating";
  s.until_us = now_us() + delay_us();
  l.share->snapshots.push_back(s);
  efs_busy_ = true;
  if (delay_us() <= 0) advance();
  const EfsSnapshot& stored = l.share->snapshots.back();
  return object_answer(200, [&](JsonWriter& w) { write_efs_snapshot(w, stored, true); });
}

EmuResponse Netapp::efs_update_snapshot(const EmuRequest& r) {
  EfsLookup l = efs_lookup(r, true, true);
  if (l.error) return *l.error;
  rapidjson::Document body;
  if (!parse_body(r, &body)) return bad_request("Invalid JSON in the request body");
  bool bad = false;
  auto name = body_string(body, "name", &bad);
  auto description = body_string(body, "description", &bad);
  if (bad) return bad_request("name and description must be strings");
  if (name && name->size() > 255) return bad_request("[name] must be at most 255 characters");
  if (l.snapshot->status == "deleting") {
    return api_error(409, "Client::Conflict", "Snapshot is being deleted");
  }
  if (body.HasMember("name")) l.snapshot->name = name;
  if (body.HasMember("description")) l.snapshot->description = description;
  return object_answer(200, [&](JsonWriter& w) { write_efs_snapshot(w, *l.snapshot, true); });
}

EmuResponse Netapp::efs_delete_snapshot(const EmuRequest& r) {
  EfsLookup l = efs_lookup(r, true, true);
  if (l.error) return *l.error;
  EfsSnapshot& s = *l.snapshot;
  if (s.type == "automatic" || s.type == "system") {
    return api_error(403, "Client::Forbidden", "Snapshot of type " + s.type + " cannot be deleted");
  }
  if (s.status == "deleting") return void_ok();
  if (s.status == "creating" || s.status == "restoring") {
    return api_error(409, "Client::Conflict", "Snapshot is busy (" + s.status + ")");
  }
  for (const EfsShare& other : l.service->shares) {
    if (other.source_snapshot == s.id) {
      return api_error(409, "Client::Conflict",
                       "Snapshot is in use: share " + other.id + " was created from it");
    }
  }
  s.status = "deleting";
  s.until_us = now_us() + delay_us();
  efs_busy_ = true;
  if (delay_us() <= 0) advance();
  return void_ok();
}

EmuResponse Netapp::efs_hold_snapshot(const EmuRequest& r) {
  EfsLookup l = efs_lookup(r, true, true);
  if (l.error) return *l.error;
  EfsSnapshot& s = *l.snapshot;
  if (s.type != "automatic") return bad_request("Only automatic snapshots can be held");
  if (s.status != "available") {
    return api_error(409, "Client::Conflict", "Snapshot is busy (" + s.status + ")");
  }
  s.id = ctx_.new_uuid();
  s.type = "manual";
  return object_answer(200, [&](JsonWriter& w) { write_efs_snapshot(w, s, true); });
}

EmuResponse Netapp::efs_revert(const EmuRequest& r) {
  EfsLookup l = efs_lookup(r, true, false);
  if (l.error) return *l.error;
  rapidjson::Document body;
  if (!parse_body(r, &body)) return bad_request("Invalid JSON in the request body");
  bool bad = false;
  auto id = body_string(body, "snapshotID", &bad);
  if (bad || !id) return bad_request("[snapshotID] Property is mandatory");
  const EfsSnapshot* latest = nullptr;
  for (const EfsSnapshot& s : l.share->snapshots) {
    if (s.type == "manual" && s.status == "available" &&
        (latest == nullptr || s.created_us >= latest->created_us)) {
      latest = &s;
    }
  }
  if (latest == nullptr || latest->id != *id) {
    return bad_request("Only the latest manual snapshot can be used to revert a share");
  }
  if (l.share->status != "available") {
    return api_error(409, "Client::Conflict", "Share is " + l.share->status);
  }
  const std::int64_t until = now_us() + std::max<std::int64_t>(delay_us(), 1);
  l.share->status = "reverting";
  l.share->until_us = until;
  for (EfsSnapshot& s : l.share->snapshots) {
    if (s.id == *id) {
      s.status = "restoring";
      s.until_us = until;
    }
  }
  efs_busy_ = true;
  return EmuResponse::empty(202);
}

EmuResponse Netapp::efs_get_share_policy(const EmuRequest& r) {
  EfsLookup l = efs_lookup(r, true, false);
  if (l.error) return *l.error;
  if (l.share->policy_id.empty()) return resource_not_found();
  const bool updating = l.share->policy_until_us > now_us();
  return object_answer(200, [&](JsonWriter& w) {
    w.StartObject();
    w.Key("id");
    w.String(l.share->policy_id);
    w.Key("status");
    w.String(updating ? "updating" : "active");
    w.EndObject();
  });
}

EmuResponse Netapp::efs_put_share_policy(const EmuRequest& r) {
  EfsLookup l = efs_lookup(r, true, false);
  if (l.error) return *l.error;
  rapidjson::Document body;
  if (!parse_body(r, &body)) return bad_request("Invalid JSON in the request body");
  bool bad = false;
  auto id = body_string(body, "snapshotPolicyID", &bad);
  if (bad || !id) return bad_request("[snapshotPolicyID] Property is mandatory");
  if (find_policy(*l.service, *id) == nullptr) return resource_not_found();
  l.share->policy_id = *id;
  l.share->policy_until_us = now_us() + delay_us();
  efs_busy_ = true;
  return void_ok();
}

EmuResponse Netapp::efs_get_reserve(const EmuRequest& r) {
  EfsLookup l = efs_lookup(r, true, false);
  if (l.error) return *l.error;
  return object_answer(200, [&](JsonWriter& w) {
    w.StartObject();
    w.Key("percent");
    w.Int64(l.share->reserve_percent);
    w.Key("status");
    w.String("active");
    w.EndObject();
  });
}

EmuResponse Netapp::efs_put_reserve(const EmuRequest& r) {
  EfsLookup l = efs_lookup(r, true, false);
  if (l.error) return *l.error;
  rapidjson::Document body;
  if (!parse_body(r, &body)) return bad_request("Invalid JSON in the request body");
  auto it = body.FindMember("percent");
  if (it == body.MemberEnd() || !it->value.IsInt64() || it->value.GetInt64() < 0 ||
      it->value.GetInt64() > 90) {
    return bad_request("[percent] must be an integer between 0 and 90");
  }
  l.share->reserve_percent = it->value.GetInt64();
  return void_ok();
}

EmuResponse Netapp::efs_list_policies(const EmuRequest& r) {
  EfsLookup l = efs_lookup(r, false, false);
  if (l.error) return *l.error;
  return object_answer(200, [&](JsonWriter& w) {
    w.StartArray();
    for (const EfsPolicy& p : l.service->policies) write_policy(w, p);
    w.EndArray();
  });
}

EmuResponse Netapp::efs_get_policy(const EmuRequest& r) {
  EfsLookup l = efs_lookup(r, false, false);
  if (l.error) return *l.error;
  EfsPolicy* p = find_policy(*l.service, path_param(r, "snapshotPolicyId"));
  if (p == nullptr) return resource_not_found();
  return object_answer(200, [&](JsonWriter& w) { write_policy(w, *p); });
}

std::optional<std::vector<int>> Netapp::int_list(const rapidjson::Value& schedule, const char* name,
                                                 int lo, int hi, bool* bad) {
  auto it = schedule.FindMember(name);
  if (it == schedule.MemberEnd() || it->value.IsNull()) return std::nullopt;
  if (!it->value.IsArray()) {
    *bad = true;
    return std::nullopt;
  }
  std::vector<int> out;
  for (const auto& v : it->value.GetArray()) {
    if (!v.IsInt() || v.GetInt() < lo || v.GetInt() > hi) {
      *bad = true;
      return std::nullopt;
    }
    out.push_back(v.GetInt());
  }
  return out;
}

EmuResponse Netapp::efs_create_policy(const EmuRequest& r) {
  EfsLookup l = efs_lookup(r, false, false);
  if (l.error) return *l.error;
  rapidjson::Document body;
  if (!parse_body(r, &body)) return bad_request("Invalid JSON in the request body");
  auto rules = body.FindMember("rules");
  if (rules == body.MemberEnd() || !rules->value.IsArray() || rules->value.Empty()) {
    return bad_request("[rules] Property is mandatory");
  }
  if (rules->value.Size() > static_cast<unsigned>(kMaxPolicyRules)) {
    return bad_request("A snapshot policy has at most " + std::to_string(kMaxPolicyRules) +
                       " rules");
  }
  EfsPolicy policy;
  bool bad = false;
  policy.name = body_string(body, "name", &bad);
  policy.description = body_string(body, "description", &bad);
  for (const auto& rv : rules->value.GetArray()) {
    if (!rv.IsObject()) return bad_request("[rules] each rule must be an object");
    EfsRule rule;
    auto copies = rv.FindMember("copies");
    auto prefix = rv.FindMember("prefix");
    auto schedule = rv.FindMember("schedule");
    if (copies == rv.MemberEnd() || !copies->value.IsInt64() || copies->value.GetInt64() < 1 ||
        prefix == rv.MemberEnd() || !prefix->value.IsString() || schedule == rv.MemberEnd() ||
        !schedule->value.IsObject()) {
      return bad_request("[rules] copies, prefix and schedule are mandatory");
    }
    rule.copies = copies->value.GetInt64();
    rule.prefix = prefix->value.GetString();
    const auto& sv = schedule->value;
    auto minutes = int_list(sv, "minutes", 0, 59, &bad);
    rule.hours = int_list(sv, "hours", 0, 23, &bad);
    rule.days = int_list(sv, "days", 1, 31, &bad);
    rule.months = int_list(sv, "months", 1, 12, &bad);
    rule.weekdays = int_list(sv, "weekdays", 0, 6, &bad);
    if (bad || !minutes || minutes->empty()) {
      return bad_request(
          "[rules.schedule] minutes (0-59) is mandatory; hours 0-23, days "
          "1-31, months 1-12, weekdays 0-6");
    }
    rule.minutes = *minutes;
    policy.rules.push_back(rule);
  }
  if (bad) return bad_request("name and description must be strings");
  policy.id = ctx_.new_uuid();
  policy.created_us = now_us();
  l.service->policies.push_back(policy);
  const EfsPolicy& stored = l.service->policies.back();
  return object_answer(200, [&](JsonWriter& w) { write_policy(w, stored); });
}

EmuResponse Netapp::efs_update_policy(const EmuRequest& r) {
  EfsLookup l = efs_lookup(r, false, false);
  if (l.error) return *l.error;
  EfsPolicy* p = find_policy(*l.service, path_param(r, "snapshotPolicyId"));
  if (p == nullptr) return resource_not_found();
  rapidjson::Document body;
  if (!parse_body(r, &body)) return bad_request("Invalid JSON in the request body");
  if (body.HasMember("rules")) return bad_request("The rules of a snapshot policy cannot change");
  bool bad = false;
  auto name = body_string(body, "name", &bad);
  auto description = body_string(body, "description", &bad);
  if (bad) return bad_request("name and description must be strings");
  if (body.HasMember("name")) p->name = name;
  if (body.HasMember("description")) p->description = description;
  return void_ok();
}

EmuResponse Netapp::efs_delete_policy(const EmuRequest& r) {
  EfsLookup l = efs_lookup(r, false, false);
  if (l.error) return *l.error;
  const std::string id = path_param(r, "snapshotPolicyId");
  auto& policies = l.service->policies;
  auto it = std::find_if(policies.begin(), policies.end(),
                         [&](const EfsPolicy& p) { return p.id == id; });
  if (it == policies.end()) return resource_not_found();
  for (const EfsShare& s : l.service->shares) {
    if (s.policy_id == id) {
      return api_error(409, "Client::Conflict", "Snapshot policy is attached to share " + s.id);
    }
  }
  policies.erase(it);
  return void_ok();
}

// ---- seeds --------------------------------------------------------------------------------

}  // namespace snapfs::emu::ovh
