// OVHcloud API v6 under /1.0 (and its /v1 alias): /auth/time, HA-NAS (/dedicated/nasha) and
// Enterprise File Storage (/storage/netapp), as described in specs/ovh-api.md.
//
// Behaviour the public documents leave open, as this emulator defines it:
// - Authentication: X-Ovh-Signature is checked over the received body against the URLs
//   `<scheme>://<Host><target>`, the same without the port, and `https://<hostname><target>`
//   (node-ovh signs the last one). The timestamp must be within `timestamp_window_s` (default
//   180 s) of the API clock; otherwise 400 {"errorCode":"QUERY_TIME_OUT","message":"Query out of
//   time"}. No signature: 401 "You must login first"; unknown application key: 403 INVALID_KEY;
//   missing or unknown consumer key: 403 NOT_CREDENTIAL; bad signature: 400 INVALID_SIGNATURE.
// - /auth/time reports the emulator clock (--clock-offset-s shifts it, so a test can put the API
//   ahead of or behind the machine running snapfs).
// - HA-NAS dates are written in a fixed +01:00 zone, seconds precision; EFS dates in UTC with "Z".
// - HA-NAS tasks stay `todo` for the first half of --async-ms, then `doing`, and become `done`
//   (doneDate = the end of the delay) when it has passed; their effect is applied then. Task
//   `details` of a custom snapshot create or delete holds the snapshot name. Finished tasks are
//   kept for ever.
// - Custom snapshots: names must match [a-zA-Z0-9.:-]+ (the control panel's rule) or 400; a name
//   in use or pending creation: 409 Client::Conflict; more than 10 per partition (pending creates
//   and deletes counted): 400 Client::BadRequest "Maximum number of custom snapshots (10) reached
//   on this partition"; an expiration that does not parse or has passed: 400. A snapshot
//   disappears when its expiration passes. Deleting a snapshot whose delete is pending answers
//   that pending task again.
// - Automatic snapshot schedules: at most 4 frequencies (hour-1 plus 3), pending changes
//   counted: 400 "Maximum number of snapshot frequencies (4) reached"; adding one that is on (or
//   pending): 409 Client::Conflict. hour-1 may be removed.
// - X-Pagination-Mode (CachedObjectList-Pages / -Cursor) expands the list routes that have
//   x-expanded-response. Without X-Pagination-Size the page holds every element. Cursor mode
//   answers X-Pagination-Cursor-Next while elements remain. X-Pagination-Filter supports eq, ne,
//   in and like. State option `expand_custom_snapshots: false` makes /customSnapshot and
//   /snapshot ignore the header (names only), as the spec allows for those two routes.
// - EFS: without detail=true the share and snapshot lists carry only id and name. A snapshot is
//   `creating` for --async-ms (a seeded one with no deadline stays creating), `deleting` for
//   --async-ms and then gone. Deleting an automatic or system snapshot: 403 Client::Forbidden;
//   one that is creating, restoring or the source of a share: 409 Client::Conflict. At most 200
//   snapshots per share: 400 Client::BadRequest. Snapshot names are free text (duplicates and
//   the empty name allowed). `hold` applies to automatic snapshots only (else 400). A share with
//   no policy answers 404 on GET .../snapshotPolicy; attaching one reports `updating` for
//   --async-ms. Deleting a policy attached to a share: 409. Snapshots are not taken by policies.
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "emulator/api_module.h"
#include "emulator/emu_util.h"

namespace snapfs::emu {
namespace {

using Alloc = rapidjson::Document::AllocatorType;
using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

constexpr const char* kJsonType = "application/json; charset=utf-8";
constexpr std::int64_t kNasZoneOffsetSeconds = 3600;
constexpr int kMaxCustomSnapshots = 10;
constexpr int kMaxScheduleTypes = 4;
constexpr int kMaxEfsSnapshots = 200;
constexpr int kMaxPolicyRules = 4;
const char* const kSnapshotTypes[] = {"day-1", "day-2", "day-3", "day-7", "hour-1", "hour-6"};

// ---- model ------------------------------------------------------------------------------------

struct Credential {
  std::string application_key;
  std::string application_secret;
  std::string consumer_key;
};

struct CustomSnap {
  std::string name;
  std::optional<std::int64_t> expiration_us;
};

struct Partition {
  std::string name;
  std::string description;
  std::string protocol = "NFS";
  std::int64_t size_gb = 100;
  double used_gb = 0;
  double usedbysnapshots_gb = 0;
  std::vector<std::string> schedules;  // enum order
  std::map<std::string, CustomSnap> custom;
};

enum class NasEffect { None, CreateCustom, DeleteCustom, AddSchedule, RemoveSchedule };

struct NasTask {
  std::int64_t id = 0;
  std::string operation;
  std::string details;
  std::string partition;
  std::int64_t todo_us = 0;
  std::int64_t due_us = 0;
  bool applied = false;
  std::string final_status = "done";
  NasEffect effect = NasEffect::None;
  std::string target;  // snapshot name or schedule type
  std::optional<std::int64_t> expiration_us;
};

struct NasService {
  std::string name;
  std::string custom_name;
  std::string datacenter = "rbx";
  std::string disk_type = "hdd";
  std::string ip = "10.16.101.42";
  bool monitored = true;
  std::int64_t zpool_size = 1200;
  std::int64_t zpool_capacity = 10;
  std::string iam_id;
  std::map<std::string, Partition> partitions;
  std::map<std::int64_t, NasTask> tasks;
};

struct EfsSnapshot {
  std::string id;
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::int64_t created_us = 0;
  std::string status = "available";
  std::string type = "manual";
  std::string path;
  std::int64_t until_us = 0;  // end of creating/deleting/restoring; 0 = no deadline
};

struct EfsRule {
  std::int64_t copies = 1;
  std::string prefix;
  std::vector<int> minutes;
  std::optional<std::vector<int>> hours, days, months, weekdays;
};

struct EfsPolicy {
  std::string id;
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::int64_t created_us = 0;
  bool is_default = false;
  std::string status = "available";
  std::vector<EfsRule> rules;
};

struct EfsShare {
  std::string id;
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::string protocol = "NFS";
  std::int64_t size_gb = 100;
  std::string status = "available";
  std::int64_t created_us = 0;
  std::string mount_point;
  std::optional<std::string> source_snapshot;
  std::string policy_id;
  std::int64_t policy_until_us = 0;
  std::int64_t reserve_percent = 5;
  std::int64_t until_us = 0;  // end of reverting
  std::vector<EfsSnapshot> snapshots;
};

struct EfsService {
  std::string id;
  std::string name;
  std::int64_t created_us = 0;
  std::string region = "eu-west-gra";
  std::string status = "running";
  std::int64_t quota = 1024;
  std::vector<EfsShare> shares;
  std::vector<EfsPolicy> policies;
};

// ---- small helpers ----------------------------------------------------------------------------

std::string sha1_hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = ctx != nullptr && EVP_DigestInit_ex(ctx, EVP_sha1(), nullptr) == 1 &&
            EVP_DigestUpdate(ctx, data.data(), data.size()) == 1 &&
            EVP_DigestFinal_ex(ctx, digest, &length) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) return "";
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0x0f]);
  }
  return out;
}

bool same_secret(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::optional<std::int64_t> to_int(const std::string& text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  std::size_t i = text[0] == '-' ? 1 : 0;
  if (i == text.size()) return std::nullopt;
  std::int64_t v = 0;
  for (; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    v = v * 10 + (text[i] - '0');
  }
  return text[0] == '-' ? -v : v;
}

std::string nas_date(std::int64_t unix_us) {
  std::int64_t secs = unix_us >= 0 ? unix_us / 1000000 : (unix_us - 999999) / 1000000;
  return format_utc_s(secs + kNasZoneOffsetSeconds, "+01:00");
}

std::string efs_date(std::int64_t unix_us) {
  std::int64_t secs = unix_us >= 0 ? unix_us / 1000000 : (unix_us - 999999) / 1000000;
  return format_utc_s(secs, "Z");
}

bool valid_custom_name(const std::string& name) {
  if (name.empty() || name.size() > 255) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == ':' || c == '-';
  });
}

int snapshot_type_rank(const std::string& type) {
  for (int i = 0; i < 6; ++i) {
    if (type == kSnapshotTypes[i]) return i;
  }
  return -1;
}

void sort_schedules(std::vector<std::string>& types) {
  std::sort(types.begin(), types.end(), [](const std::string& a, const std::string& b) {
    return snapshot_type_rank(a) < snapshot_type_rank(b);
  });
}

std::string path_param(const EmuRequest& r, const std::string& name) {
  auto it = r.path_params.find(name);
  if (it == r.path_params.end()) it = r.path_params.find("{" + name + "}");
  return it == r.path_params.end() ? std::string() : it->second;
}

void write_opt(JsonWriter& w, const std::optional<std::string>& v) {
  if (v) {
    w.String(*v);
  } else {
    w.Null();
  }
}

void write_int_list(JsonWriter& w, const std::optional<std::vector<int>>& v) {
  if (!v) {
    w.Null();
    return;
  }
  w.StartArray();
  for (int x : *v) w.Int(x);
  w.EndArray();
}

EmuResponse json_answer(int status, std::string body) {
  return EmuResponse::json(status, std::move(body), kJsonType);
}

EmuResponse api_error(int status, const std::string& error_class, const std::string& message) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("class");
  w.String(error_class);
  w.Key("message");
  w.String(message);
  w.EndObject();
  return json_answer(status, buf.GetString());
}

EmuResponse auth_error(int status, const std::string& code, const std::string& message) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("message");
  w.String(message);
  w.Key("httpCode");
  w.String(std::to_string(status) + " " + status_text(status));
  w.Key("errorCode");
  w.String(code);
  w.EndObject();
  return json_answer(status, buf.GetString());
}

EmuResponse not_found_object(const std::string& key, const std::string& value) {
  return api_error(404, "Client::NotFound",
                   "The requested object (" + key + " = " + value + ") does not exist");
}

EmuResponse service_not_found() {
  return api_error(404, "Client::NotFound", "This service does not exist");
}

EmuResponse resource_not_found() {
  return api_error(404, "Client::NotFound", "Resource not found");
}

EmuResponse bad_request(const std::string& message) {
  return api_error(400, "Client::BadRequest", message);
}

EmuResponse void_ok() {
  return json_answer(200, "null");
}

// Parses a JSON request body; a missing body counts as {}.
bool parse_body(const EmuRequest& r, rapidjson::Document* doc) {
  if (r.body.empty()) {
    doc->SetObject();
    return true;
  }
  doc->Parse(r.body.c_str(), r.body.size());
  return !doc->HasParseError() && doc->IsObject();
}

// A JSON member as a string: nullopt when absent or null; `bad` when present with another type.
std::optional<std::string> body_string(const rapidjson::Value& doc, const char* name, bool* bad) {
  auto it = doc.FindMember(name);
  if (it == doc.MemberEnd() || it->value.IsNull()) return std::nullopt;
  if (!it->value.IsString()) {
    *bad = true;
    return std::nullopt;
  }
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

// ---- X-Pagination-Filter ----------------------------------------------------------------------

struct FilterTerm {
  std::string field;
  std::string op;
  std::string value;
};

std::string percent_decode(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::vector<FilterTerm> parse_filter(const std::string& header) {
  std::vector<FilterTerm> terms;
  std::size_t start = 0;
  while (start <= header.size()) {
    std::size_t end = header.find('&', start);
    std::string part =
        header.substr(start, end == std::string::npos ? std::string::npos : end - start);
    std::size_t colon = part.find(':');
    std::size_t eq = part.find('=', colon == std::string::npos ? 0 : colon);
    if (colon != std::string::npos && eq != std::string::npos) {
      terms.push_back({part.substr(0, colon), part.substr(colon + 1, eq - colon - 1),
                       percent_decode(part.substr(eq + 1))});
    }
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return terms;
}

bool like_match(const std::string& pattern, const std::string& text) {
  std::string glob = pattern;
  std::replace(glob.begin(), glob.end(), '%', '*');
  return glob_match(glob, text);
}

bool filter_matches(const std::vector<FilterTerm>& terms, const std::string& object_json) {
  rapidjson::Document doc;
  doc.Parse(object_json.c_str(), object_json.size());
  if (doc.HasParseError() || !doc.IsObject()) return false;
  for (const FilterTerm& t : terms) {
    auto it = doc.FindMember(t.field.c_str());
    std::string value;
    if (it != doc.MemberEnd()) {
      if (it->value.IsString()) {
        value = it->value.GetString();
      } else if (it->value.IsInt64()) {
        value = std::to_string(it->value.GetInt64());
      } else if (it->value.IsBool()) {
        value = it->value.GetBool() ? "true" : "false";
      }
    }
    bool ok = false;
    if (t.op == "eq") {
      ok = value == t.value;
    } else if (t.op == "ne") {
      ok = value != t.value;
    } else if (t.op == "like") {
      ok = like_match(t.value, value);
    } else if (t.op == "in") {
      std::size_t s = 0;
      while (!ok) {
        std::size_t e = t.value.find(',', s);
        ok = t.value.substr(s, e == std::string::npos ? std::string::npos : e - s) == value;
        if (e == std::string::npos) break;
        s = e + 1;
      }
    } else if (t.op == "lt" || t.op == "gt") {
      auto a = to_int(value);
      auto b = to_int(t.value);
      ok = a && b ? (t.op == "lt" ? *a < *b : *a > *b)
                  : (t.op == "lt" ? value < t.value : value > t.value);
    }
    if (!ok) return false;
  }
  return true;
}

// ---- the module -------------------------------------------------------------------------------

class OvhModule : public ApiModule {
 public:
  explicit OvhModule(EmuContext& ctx) : ctx_(ctx) {}

  std::string name() const override { return "ovh"; }

  void register_routes(
      const std::function<void(const std::string&, const std::string&, Handler)>& add) override {
    using M = OvhModule;
    for (const std::string prefix : {"/1.0", "/v1"}) {
      add("GET", prefix + "/auth/time", [this](const EmuRequest&) { return auth_time(); });
      const std::string nas = prefix + "/dedicated/nasha";
      const std::string part = nas + "/{serviceName}/partition/{partitionName}";
      route(add, "GET", nas, &M::nas_list_services);
      route(add, "GET", nas + "/{serviceName}", &M::nas_get_service);
      route(add, "GET", nas + "/{serviceName}/use", &M::nas_service_use);
      route(add, "GET", nas + "/{serviceName}/partition", &M::nas_list_partitions);
      route(add, "GET", part, &M::nas_get_partition);
      route(add, "GET", part + "/use", &M::nas_partition_use);
      route(add, "GET", part + "/snapshot", &M::nas_list_schedules);
      route(add, "POST", part + "/snapshot", &M::nas_add_schedule);
      route(add, "GET", part + "/snapshot/{snapshotType}", &M::nas_get_schedule);
      route(add, "DELETE", part + "/snapshot/{snapshotType}", &M::nas_remove_schedule);
      route(add, "GET", part + "/customSnapshot", &M::nas_list_custom);
      route(add, "POST", part + "/customSnapshot", &M::nas_create_custom);
      route(add, "GET", part + "/customSnapshot/{name}", &M::nas_get_custom);
      route(add, "DELETE", part + "/customSnapshot/{name}", &M::nas_delete_custom);
      route(add, "GET", nas + "/{serviceName}/task", &M::nas_list_tasks);
      route(add, "GET", nas + "/{serviceName}/task/{taskId}", &M::nas_get_task);

      const std::string efs = prefix + "/storage/netapp";
      const std::string share = efs + "/{serviceName}/share/{shareId}";
      const std::string snap = share + "/snapshot/{snapshotId}";
      route(add, "GET", efs, &M::efs_list_services);
      route(add, "GET", efs + "/{serviceName}", &M::efs_get_service);
      route(add, "GET", efs + "/{serviceName}/share", &M::efs_list_shares);
      route(add, "GET", share, &M::efs_get_share);
      route(add, "GET", share + "/snapshot", &M::efs_list_snapshots);
      route(add, "POST", share + "/snapshot", &M::efs_create_snapshot);
      route(add, "GET", snap, &M::efs_get_snapshot);
      route(add, "PUT", snap, &M::efs_update_snapshot);
      route(add, "DELETE", snap, &M::efs_delete_snapshot);
      route(add, "POST", snap + "/hold", &M::efs_hold_snapshot);
      route(add, "POST", share + "/revert", &M::efs_revert);
      route(add, "GET", share + "/snapshotPolicy", &M::efs_get_share_policy);
      route(add, "PUT", share + "/snapshotPolicy", &M::efs_put_share_policy);
      route(add, "GET", share + "/snapshotReserve", &M::efs_get_reserve);
      route(add, "PUT", share + "/snapshotReserve", &M::efs_put_reserve);
      route(add, "GET", efs + "/{serviceName}/snapshotPolicy", &M::efs_list_policies);
      route(add, "POST", efs + "/{serviceName}/snapshotPolicy", &M::efs_create_policy);
      route(add, "GET", efs + "/{serviceName}/snapshotPolicy/{snapshotPolicyId}",
            &M::efs_get_policy);
      route(add, "PUT", efs + "/{serviceName}/snapshotPolicy/{snapshotPolicyId}",
            &M::efs_update_policy);
      route(add, "DELETE", efs + "/{serviceName}/snapshotPolicy/{snapshotPolicyId}",
            &M::efs_delete_policy);
    }
  }

  void seed_demo() override;
  void seed_synthetic(const SyntheticSpec& spec) override;
  void load(const rapidjson::Value& section) override;
  void dump(rapidjson::Value& out, Alloc& alloc) const override;

  EmuResponse fault_response(int status) const override {
    return api_error(status, status >= 500 ? "Server::InternalServerError" : "Client::Error",
                     status_text(status));
  }

 private:
  using Method = EmuResponse (OvhModule::*)(const EmuRequest&);

  void route(const std::function<void(const std::string&, const std::string&, Handler)>& add,
             const char* method, const std::string& path, Method fn) {
    add(method, path, [this, fn](const EmuRequest& r) {
      advance();
      if (auto refusal = authenticate(r)) return finish(std::move(*refusal));
      return finish((this->*fn)(r));
    });
  }

  EmuResponse finish(EmuResponse response) {
    char id[64];
    std::snprintf(id, sizeof id, "EU.ext-emu.%08llx.%llu",
                  static_cast<unsigned long long>(ctx_.now_unix()),
                  static_cast<unsigned long long>(++query_counter_));
    response.headers.emplace_back("X-Ovh-Queryid", id);
    response.headers.emplace_back("Cache-Control", "no-cache, no-store");
    return response;
  }

  std::int64_t now_us() const { return ctx_.now_unix_us(); }
  std::int64_t now_s() const { return ctx_.now_unix(); }
  std::int64_t delay_us() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(ctx_.async_delay()).count();
  }

  // ---- authentication -------------------------------------------------------------------------

  EmuResponse auth_time() { return finish(json_answer(200, std::to_string(now_s()))); }

  std::optional<EmuResponse> authenticate(const EmuRequest& r) const {
    const std::string ak = r.header("x-ovh-application");
    const std::string ck = r.header("x-ovh-consumer");
    const std::string ts = r.header("x-ovh-timestamp");
    const std::string sig = r.header("x-ovh-signature");
    if (sig.empty()) return json_answer(401, "{\"message\":\"You must login first\"}");
    const Credential* app = nullptr;
    for (const Credential& c : credentials_) {
      if (c.application_key == ak) app = &c;
    }
    if (app == nullptr) return auth_error(403, "INVALID_KEY", "This application key is invalid");
    const Credential* cred = nullptr;
    for (const Credential& c : credentials_) {
      if (c.application_key == ak && c.consumer_key == ck) cred = &c;
    }
    if (cred == nullptr) {
      return auth_error(403, "NOT_CREDENTIAL", "This credential does not exist");
    }
    auto stamp = to_int(ts);
    if (!stamp || *stamp < now_s() - timestamp_window_s_ ||
        *stamp > now_s() + timestamp_window_s_) {
      return auth_error(400, "QUERY_TIME_OUT", "Query out of time");
    }
    for (const std::string& url : candidate_urls(r)) {
      std::string joined = cred->application_secret + "+" + cred->consumer_key + "+" + r.method +
                           "+" + url + "+" + r.body + "+" + ts;
      if (same_secret("$1$" + sha1_hex(joined), sig)) return std::nullopt;
    }
    return auth_error(400, "INVALID_SIGNATURE", "Invalid signature");
  }

  static std::vector<std::string> candidate_urls(const EmuRequest& r) {
    std::string host = r.host;
    std::string hostname = host;
    if (!host.empty() && host[0] == '[') {
      std::size_t close = host.find(']');
      if (close != std::string::npos) hostname = host.substr(0, close + 1);
    } else if (std::size_t colon = host.rfind(':'); colon != std::string::npos) {
      hostname = host.substr(0, colon);
    }
    const std::string scheme = r.scheme.empty() ? "http" : r.scheme;
    std::vector<std::string> urls = {
        scheme + "://" + host + r.raw_target, scheme + "://" + hostname + r.raw_target,
        "https://" + hostname + r.raw_target, "https://" + host + r.raw_target};
    std::sort(urls.begin(), urls.end());
    urls.erase(std::unique(urls.begin(), urls.end()), urls.end());
    return urls;
  }

  // ---- time passing ---------------------------------------------------------------------------

  void advance() {
    const std::int64_t now = now_us();
    for (std::size_t i = 0; i < nas_pending_.size();) {
      auto& [service, task_id] = nas_pending_[i];
      auto svc = nasha_.find(service);
      NasTask* task = nullptr;
      if (svc != nasha_.end()) {
        auto t = svc->second.tasks.find(task_id);
        if (t != svc->second.tasks.end()) task = &t->second;
      }
      if (task == nullptr || task->applied) {
        nas_pending_.erase(nas_pending_.begin() + static_cast<std::ptrdiff_t>(i));
      } else if (task->due_us <= now) {
        apply_task(svc->second, *task);
        nas_pending_.erase(nas_pending_.begin() + static_cast<std::ptrdiff_t>(i));
      } else {
        ++i;
      }
    }
    while (!expiries_.empty() && expiries_.begin()->first <= now) {
      auto [when, ref] = *expiries_.begin();
      expiries_.erase(expiries_.begin());
      auto svc = nasha_.find(ref.first);
      if (svc == nasha_.end()) continue;
      auto p = svc->second.partitions.find(ref.second.first);
      if (p == svc->second.partitions.end()) continue;
      auto c = p->second.custom.find(ref.second.second);
      if (c != p->second.custom.end() && c->second.expiration_us == when) p->second.custom.erase(c);
    }
    if (efs_busy_) advance_efs(now);
  }

  void apply_task(NasService& svc, NasTask& task) {
    task.applied = true;
    auto p = svc.partitions.find(task.partition);
    if (p == svc.partitions.end()) {
      task.final_status = "customerError";
      return;
    }
    Partition& part = p->second;
    switch (task.effect) {
      case NasEffect::CreateCustom:
        if (part.custom.count(task.target)) {
          task.final_status = "customerError";
        } else {
          part.custom[task.target] = CustomSnap{task.target, task.expiration_us};
          if (task.expiration_us) {
            expiries_.emplace(*task.expiration_us,
                              std::make_pair(svc.name, std::make_pair(part.name, task.target)));
          }
        }
        break;
      case NasEffect::DeleteCustom: part.custom.erase(task.target); break;
      case NasEffect::AddSchedule:
        if (std::find(part.schedules.begin(), part.schedules.end(), task.target) ==
            part.schedules.end()) {
          part.schedules.push_back(task.target);
          sort_schedules(part.schedules);
        }
        break;
      case NasEffect::RemoveSchedule:
        part.schedules.erase(std::remove(part.schedules.begin(), part.schedules.end(), task.target),
                             part.schedules.end());
        break;
      case NasEffect::None: break;
    }
  }

  void advance_efs(std::int64_t now) {
    bool busy = false;
    for (EfsService& svc : efs_) {
      for (EfsShare& share : svc.shares) {
        if (share.until_us != 0) {
          if (share.until_us <= now) {
            share.status = "available";
            share.until_us = 0;
          } else {
            busy = true;
          }
        }
        if (share.policy_until_us != 0) {
          if (share.policy_until_us <= now) {
            share.policy_until_us = 0;
          } else {
            busy = true;
          }
        }
        auto& snaps = share.snapshots;
        for (std::size_t i = 0; i < snaps.size();) {
          EfsSnapshot& s = snaps[i];
          if (s.until_us == 0 || s.until_us > now) {
            if (s.until_us != 0) busy = true;
            ++i;
            continue;
          }
          s.until_us = 0;
          if (s.status == "deleting") {
            snaps.erase(snaps.begin() + static_cast<std::ptrdiff_t>(i));
            continue;
          }
          s.status = "available";
          ++i;
        }
      }
    }
    efs_busy_ = busy;
  }

  // ---- list expansion -------------------------------------------------------------------------

  // Answers a list route with x-expanded-response: ids, or (with X-Pagination-Mode) the objects,
  // filtered and paged.
  template <class T>
  EmuResponse expandable_list(const EmuRequest& r, const std::vector<const T*>& items,
                              bool can_expand,
                              const std::function<void(JsonWriter&, const T&)>& write_id,
                              const std::function<void(JsonWriter&, const T&)>& write_object) {
    const std::string mode = r.header("x-pagination-mode");
    const bool pages = mode == "CachedObjectList-Pages";
    const bool cursor = mode == "CachedObjectList-Cursor";
    rapidjson::StringBuffer buf;
    JsonWriter w(buf);
    if (!can_expand || (!pages && !cursor)) {
      w.StartArray();
      for (const T* item : items) write_id(w, *item);
      w.EndArray();
      return json_answer(200, buf.GetString());
    }
    auto object_text = [&](const T& item) {
      rapidjson::StringBuffer b;
      JsonWriter ow(b);
      write_object(ow, item);
      return std::string(b.GetString(), b.GetSize());
    };
    std::vector<const T*> selected;
    const std::string filter = r.header("x-pagination-filter");
    if (filter.empty()) {
      selected = items;
    } else {
      auto terms = parse_filter(filter);
      for (const T* item : items) {
        if (filter_matches(terms, object_text(*item))) selected.push_back(item);
      }
    }
    const std::int64_t total = static_cast<std::int64_t>(selected.size());
    std::int64_t size = to_int(r.header("x-pagination-size")).value_or(0);
    if (size <= 0) size = std::max<std::int64_t>(total, 1);
    constexpr std::int64_t kLimit = 1000000000;  // keeps (number - 1) * size in range
    size = std::min(size, kLimit);
    std::int64_t first = 0;
    std::int64_t number = 1;
    if (pages) {
      number =
          std::clamp<std::int64_t>(to_int(r.header("x-pagination-number")).value_or(1), 1, kLimit);
      first = (number - 1) * size;
    } else {
      first = std::max<std::int64_t>(0, to_int(r.header("x-pagination-cursor")).value_or(0));
    }
    const std::int64_t last = std::min(total, first + size);
    w.StartArray();
    for (std::int64_t i = first; i < last; ++i)
      write_object(w, *selected[static_cast<std::size_t>(i)]);
    w.EndArray();
    EmuResponse out = json_answer(200, buf.GetString());
    out.headers.emplace_back("X-Pagination-Elements", std::to_string(total));
    out.headers.emplace_back("X-Pagination-Size", std::to_string(size));
    if (pages) out.headers.emplace_back("X-Pagination-Number", std::to_string(number));
    if (cursor && last < total)
      out.headers.emplace_back("X-Pagination-Cursor-Next", std::to_string(last));
    return out;
  }

  // ---- HA-NAS -----------------------------------------------------------------------------------

  void write_nas_service(JsonWriter& w, const NasService& s) const {
    w.StartObject();
    w.Key("serviceName");
    w.String(s.name);
    w.Key("customName");
    if (s.custom_name.empty()) {
      w.Null();
    } else {
      w.String(s.custom_name);
    }
    w.Key("datacenter");
    w.String(s.datacenter);
    w.Key("diskType");
    w.String(s.disk_type);
    w.Key("ip");
    w.String(s.ip);
    w.Key("monitored");
    w.Bool(s.monitored);
    w.Key("canCreatePartition");
    w.Bool(true);
    w.Key("zpoolCapacity");
    w.Int64(s.zpool_capacity);
    w.Key("zpoolSize");
    w.Int64(s.zpool_size);
    w.Key("iam");
    w.StartObject();
    w.Key("id");
    w.String(s.iam_id);
    w.Key("urn");
    w.String("urn:v1:eu:resource:dedicatedNasha:" + s.name);
    w.Key("displayName");
    w.String(s.custom_name.empty() ? s.name : s.custom_name);
    w.Key("tags");
    w.Null();
    w.EndObject();
    w.EndObject();
  }

  static void write_partition(JsonWriter& w, const Partition& p) {
    w.StartObject();
    w.Key("partitionName");
    w.String(p.name);
    w.Key("partitionDescription");
    if (p.description.empty()) {
      w.Null();
    } else {
      w.String(p.description);
    }
    w.Key("protocol");
    w.String(p.protocol);
    w.Key("size");
    w.Int64(p.size_gb);
    w.Key("partitionCapacity");
    w.Int64(p.size_gb > 0 ? static_cast<std::int64_t>(100.0 * p.used_gb / p.size_gb) : 0);
    w.Key("usedBySnapshots");
    w.Int64(p.size_gb > 0 ? static_cast<std::int64_t>(100.0 * p.usedbysnapshots_gb / p.size_gb)
                          : 0);
    w.EndObject();
  }

  static void write_custom(JsonWriter& w, const CustomSnap& c) {
    w.StartObject();
    w.Key("name");
    w.String(c.name);
    w.Key("expiration");
    if (c.expiration_us) {
      w.String(nas_date(*c.expiration_us));
    } else {
      w.Null();
    }
    w.EndObject();
  }

  std::string task_status(const NasTask& t) const {
    if (t.applied) return t.final_status;
    return now_us() < t.todo_us + (t.due_us - t.todo_us) / 2 ? "todo" : "doing";
  }

  void write_task(JsonWriter& w, const NasService& s, const NasTask& t) const {
    const std::string status = task_status(t);
    w.StartObject();
    w.Key("taskId");
    w.Int64(t.id);
    w.Key("status");
    w.String(status);
    w.Key("operation");
    w.String(t.operation);
    w.Key("details");
    if (t.details.empty()) {
      w.Null();
    } else {
      w.String(t.details);
    }
    w.Key("partitionName");
    if (t.partition.empty()) {
      w.Null();
    } else {
      w.String(t.partition);
    }
    w.Key("storageName");
    w.String(s.name);
    w.Key("todoDate");
    w.String(nas_date(t.todo_us));
    w.Key("lastUpdate");
    std::int64_t last = t.applied           ? t.due_us
                        : status == "doing" ? t.todo_us + (t.due_us - t.todo_us) / 2
                                            : t.todo_us;
    w.String(nas_date(last));
    w.Key("doneDate");
    if (t.applied && t.final_status == "done") {
      w.String(nas_date(t.due_us));
    } else {
      w.Null();
    }
    w.EndObject();
  }

  std::string task_json(const NasService& s, const NasTask& t) const {
    rapidjson::StringBuffer buf;
    JsonWriter w(buf);
    write_task(w, s, t);
    return buf.GetString();
  }

  struct NasLookup {
    NasService* service = nullptr;
    Partition* partition = nullptr;
    std::optional<EmuResponse> error;
  };

  NasLookup nas_lookup(const EmuRequest& r, bool want_partition) {
    NasLookup out;
    auto svc = nasha_.find(path_param(r, "serviceName"));
    if (svc == nasha_.end()) {
      out.error = service_not_found();
      return out;
    }
    out.service = &svc->second;
    if (want_partition) {
      const std::string name = path_param(r, "partitionName");
      auto p = svc->second.partitions.find(name);
      if (p == svc->second.partitions.end()) {
        out.error = not_found_object("partitionName", name);
        return out;
      }
      out.partition = &p->second;
    }
    return out;
  }

  NasTask& new_task(NasService& svc, const std::string& operation, const std::string& partition,
                    NasEffect effect, const std::string& target) {
    const std::int64_t now = now_us();
    NasTask task;
    task.id = next_task_id_++;
    task.operation = operation;
    task.partition = partition;
    task.todo_us = now;
    task.due_us = now + delay_us();
    task.effect = effect;
    task.target = target;
    NasTask& stored = svc.tasks[task.id] = task;
    nas_pending_.emplace_back(svc.name, task.id);
    return stored;
  }

  // Pending (not yet applied) tasks of one partition with this effect.
  std::vector<const NasTask*> pending_tasks(const NasService& svc, const std::string& partition,
                                            NasEffect effect) const {
    std::vector<const NasTask*> out;
    for (const auto& [service, id] : nas_pending_) {
      if (service != svc.name) continue;
      auto t = svc.tasks.find(id);
      if (t != svc.tasks.end() && !t->second.applied && t->second.partition == partition &&
          t->second.effect == effect) {
        out.push_back(&t->second);
      }
    }
    return out;
  }

  EmuResponse answer_task(NasService& svc, NasTask& task) {
    if (task.due_us <= now_us()) advance();
    return json_answer(200, task_json(svc, task));
  }

  EmuResponse nas_list_services(const EmuRequest& r) {
    std::vector<const NasService*> items;
    for (const auto& [name, svc] : nasha_) items.push_back(&svc);
    return expandable_list<NasService>(
        r, items, true, [](JsonWriter& w, const NasService& s) { w.String(s.name); },
        [this](JsonWriter& w, const NasService& s) { write_nas_service(w, s); });
  }

  EmuResponse nas_get_service(const EmuRequest& r) {
    NasLookup l = nas_lookup(r, false);
    if (l.error) return *l.error;
    rapidjson::StringBuffer buf;
    JsonWriter w(buf);
    write_nas_service(w, *l.service);
    return json_answer(200, buf.GetString());
  }

  static EmuResponse use_answer(const EmuRequest& r, double size, double used, double by_snaps) {
    const std::string type = r.query_param("type");
    double value = 0;
    if (type == "size") {
      value = size;
    } else if (type == "used") {
      value = used;
    } else if (type == "usedbysnapshots") {
      value = by_snaps;
    } else {
      return bad_request("[type] Given data (" + type +
                         ") does not belong to the PartitionUsageTypeEnum enumeration");
    }
    rapidjson::StringBuffer buf;
    JsonWriter w(buf);
    w.StartObject();
    w.Key("unit");
    w.String("GB");
    w.Key("value");
    w.Double(value);
    w.EndObject();
    return json_answer(200, buf.GetString());
  }

  EmuResponse nas_service_use(const EmuRequest& r) {
    NasLookup l = nas_lookup(r, false);
    if (l.error) return *l.error;
    double used = 0, snaps = 0;
    for (const auto& [name, p] : l.service->partitions) {
      used += p.used_gb;
      snaps += p.usedbysnapshots_gb;
    }
    return use_answer(r, static_cast<double>(l.service->zpool_size), used, snaps);
  }

  EmuResponse nas_list_partitions(const EmuRequest& r) {
    NasLookup l = nas_lookup(r, false);
    if (l.error) return *l.error;
    std::vector<const Partition*> items;
    for (const auto& [name, p] : l.service->partitions) items.push_back(&p);
    return expandable_list<Partition>(
        r, items, true, [](JsonWriter& w, const Partition& p) { w.String(p.name); },
        &OvhModule::write_partition);
  }

  EmuResponse nas_get_partition(const EmuRequest& r) {
    NasLookup l = nas_lookup(r, true);
    if (l.error) return *l.error;
    rapidjson::StringBuffer buf;
    JsonWriter w(buf);
    write_partition(w, *l.partition);
    return json_answer(200, buf.GetString());
  }

  EmuResponse nas_partition_use(const EmuRequest& r) {
    NasLookup l = nas_lookup(r, true);
    if (l.error) return *l.error;
    const Partition& p = *l.partition;
    return use_answer(r, static_cast<double>(p.size_gb), p.used_gb, p.usedbysnapshots_gb);
  }

  EmuResponse nas_list_schedules(const EmuRequest& r) {
    NasLookup l = nas_lookup(r, true);
    if (l.error) return *l.error;
    std::vector<const std::string*> items;
    for (const std::string& t : l.partition->schedules) items.push_back(&t);
    return expandable_list<std::string>(
        r, items, expand_custom_, [](JsonWriter& w, const std::string& t) { w.String(t); },
        [](JsonWriter& w, const std::string& t) {
          w.StartObject();
          w.Key("snapshotType");
          w.String(t);
          w.EndObject();
        });
  }

  EmuResponse nas_get_schedule(const EmuRequest& r) {
    NasLookup l = nas_lookup(r, true);
    if (l.error) return *l.error;
    const std::string type = path_param(r, "snapshotType");
    const auto& s = l.partition->schedules;
    if (std::find(s.begin(), s.end(), type) == s.end()) return not_found_object("type", type);
    return json_answer(200, "{\"snapshotType\":\"" + type + "\"}");
  }

  EmuResponse nas_add_schedule(const EmuRequest& r) {
    NasLookup l = nas_lookup(r, true);
    if (l.error) return *l.error;
    rapidjson::Document body;
    if (!parse_body(r, &body)) return bad_request("Invalid JSON in the request body");
    bool bad = false;
    auto type = body_string(body, "snapshotType", &bad);
    if (!type || bad) return bad_request("[snapshotType] Property is mandatory");
    if (snapshot_type_rank(*type) < 0) {
      return bad_request("[snapshotType] Given data (" + *type +
                         ") does not belong to the SnapshotEnum enumeration");
    }
    Partition& part = *l.partition;
    auto adds = pending_tasks(*l.service, part.name, NasEffect::AddSchedule);
    auto removes = pending_tasks(*l.service, part.name, NasEffect::RemoveSchedule);
    bool on =
        std::find(part.schedules.begin(), part.schedules.end(), *type) != part.schedules.end();
    for (const NasTask* t : adds) on = on || t->target == *type;
    for (const NasTask* t : removes) {
      if (t->target == *type) on = false;
    }
    if (on) {
      return api_error(409, "Client::Conflict",
                       "Snapshot type " + *type + " already exists on partition " + part.name);
    }
    if (static_cast<int>(part.schedules.size() + adds.size() - removes.size()) >=
        kMaxScheduleTypes) {
      return bad_request("Maximum number of snapshot frequencies (" +
                         std::to_string(kMaxScheduleTypes) + ") reached");
    }
    NasTask& task = new_task(*l.service, "clusterLeclercSnapshotUpdate", part.name,
                             NasEffect::AddSchedule, *type);
    return answer_task(*l.service, task);
  }

  EmuResponse nas_remove_schedule(const EmuRequest& r) {
    NasLookup l = nas_lookup(r, true);
    if (l.error) return *l.error;
    const std::string type = path_param(r, "snapshotType");
    Partition& part = *l.partition;
    bool on = std::find(part.schedules.begin(), part.schedules.end(), type) != part.schedules.end();
    for (const NasTask* t : pending_tasks(*l.service, part.name, NasEffect::RemoveSchedule)) {
      if (t->target == type) on = false;
    }
    if (!on) return not_found_object("type", type);
    NasTask& task = new_task(*l.service, "clusterLeclercSnapshotUpdate", part.name,
                             NasEffect::RemoveSchedule, type);
    return answer_task(*l.service, task);
  }

  EmuResponse nas_list_custom(const EmuRequest& r) {
    NasLookup l = nas_lookup(r, true);
    if (l.error) return *l.error;
    std::vector<const CustomSnap*> items;
    items.reserve(l.partition->custom.size());
    for (const auto& [name, c] : l.partition->custom) items.push_back(&c);
    return expandable_list<CustomSnap>(
        r, items, expand_custom_, [](JsonWriter& w, const CustomSnap& c) { w.String(c.name); },
        &OvhModule::write_custom);
  }

  EmuResponse nas_get_custom(const EmuRequest& r) {
    NasLookup l = nas_lookup(r, true);
    if (l.error) return *l.error;
    const std::string name = path_param(r, "name");
    auto c = l.partition->custom.find(name);
    if (c == l.partition->custom.end()) return not_found_object("name", name);
    rapidjson::StringBuffer buf;
    JsonWriter w(buf);
    write_custom(w, c->second);
    return json_answer(200, buf.GetString());
  }

  EmuResponse nas_create_custom(const EmuRequest& r) {
    NasLookup l = nas_lookup(r, true);
    if (l.error) return *l.error;
    rapidjson::Document body;
    if (!parse_body(r, &body)) return bad_request("Invalid JSON in the request body");
    bool bad = false;
    auto name = body_string(body, "name", &bad);
    auto expiration = body_string(body, "expiration", &bad);
    if (bad || !name) return bad_request("[name] Property is mandatory");
    if (!valid_custom_name(*name)) {
      return bad_request(
          "Invalid snapshot name: only letters, digits, '.', ':' and '-' are allowed");
    }
    std::optional<std::int64_t> expiration_us;
    if (expiration) {
      expiration_us = parse_utc_us(*expiration);
      if (!expiration_us) return bad_request("[expiration] Invalid date: " + *expiration);
      if (*expiration_us <= now_us()) return bad_request("Expiration date must be in the future");
    }
    Partition& part = *l.partition;
    auto creates = pending_tasks(*l.service, part.name, NasEffect::CreateCustom);
    auto deletes = pending_tasks(*l.service, part.name, NasEffect::DeleteCustom);
    bool taken = part.custom.count(*name) > 0;
    for (const NasTask* t : creates) taken = taken || t->target == *name;
    if (taken) {
      return api_error(
          409, "Client::Conflict",
          "A custom snapshot named " + *name + " already exists on partition " + part.name);
    }
    if (static_cast<int>(part.custom.size() + creates.size() - deletes.size()) >=
        kMaxCustomSnapshots) {
      return bad_request("Maximum number of custom snapshots (" +
                         std::to_string(kMaxCustomSnapshots) + ") reached on this partition");
    }
    NasTask& task = new_task(*l.service, "clusterLeclercCustomSnapCreate", part.name,
                             NasEffect::CreateCustom, *name);
    task.details = *name;
    task.expiration_us = expiration_us;
    return answer_task(*l.service, task);
  }

  EmuResponse nas_delete_custom(const EmuRequest& r) {
    NasLookup l = nas_lookup(r, true);
    if (l.error) return *l.error;
    const std::string name = path_param(r, "name");
    Partition& part = *l.partition;
    for (const NasTask* t : pending_tasks(*l.service, part.name, NasEffect::DeleteCustom)) {
      if (t->target == name) return json_answer(200, task_json(*l.service, *t));
    }
    if (!part.custom.count(name)) return not_found_object("name", name);
    NasTask& task = new_task(*l.service, "clusterLeclercCustomSnapDelete", part.name,
                             NasEffect::DeleteCustom, name);
    task.details = name;
    return answer_task(*l.service, task);
  }

  EmuResponse nas_list_tasks(const EmuRequest& r) {
    NasLookup l = nas_lookup(r, false);
    if (l.error) return *l.error;
    const std::string operation = r.query_param("operation");
    const std::string status = r.query_param("status");
    std::vector<const NasTask*> items;
    for (const auto& [id, t] : l.service->tasks) {
      if (!operation.empty() && t.operation != operation) continue;
      if (!status.empty() && task_status(t) != status) continue;
      items.push_back(&t);
    }
    const NasService* svc = l.service;
    return expandable_list<NasTask>(
        r, items, true, [](JsonWriter& w, const NasTask& t) { w.Int64(t.id); },
        [this, svc](JsonWriter& w, const NasTask& t) { write_task(w, *svc, t); });
  }

  EmuResponse nas_get_task(const EmuRequest& r) {
    NasLookup l = nas_lookup(r, false);
    if (l.error) return *l.error;
    const std::string id_text = path_param(r, "taskId");
    auto id = to_int(id_text);
    auto t = id ? l.service->tasks.find(*id) : l.service->tasks.end();
    if (t == l.service->tasks.end()) return not_found_object("taskId", id_text);
    return json_answer(200, task_json(*l.service, t->second));
  }

  // ---- Enterprise File Storage ----------------------------------------------------------------

  static void write_efs_service(JsonWriter& w, const EfsService& s) {
    w.StartObject();
    w.Key("id");
    w.String(s.id);
    w.Key("name");
    w.String(s.name);
    w.Key("createdAt");
    w.String(efs_date(s.created_us));
    w.Key("performanceLevel");
    w.String("premium");
    w.Key("product");
    w.String("enterprise");
    w.Key("quota");
    w.Int64(s.quota);
    w.Key("region");
    w.String(s.region);
    w.Key("status");
    w.String(s.status);
    w.Key("iam");
    w.Null();
    w.EndObject();
  }

  static void write_share(JsonWriter& w, const EfsShare& s, bool detail) {
    w.StartObject();
    w.Key("id");
    w.String(s.id);
    w.Key("name");
    write_opt(w, s.name);
    if (detail) {
      w.Key("description");
      write_opt(w, s.description);
      w.Key("protocol");
      w.String(s.protocol);
      w.Key("size");
      w.Int64(s.size_gb);
      w.Key("status");
      w.String(s.status);
      w.Key("createdAt");
      w.String(efs_date(s.created_us));
      w.Key("mountPointName");
      w.String(s.mount_point);
      w.Key("snapshotID");
      write_opt(w, s.source_snapshot);
    }
    w.EndObject();
  }

  static void write_efs_snapshot(JsonWriter& w, const EfsSnapshot& s, bool detail) {
    w.StartObject();
    w.Key("id");
    w.String(s.id);
    w.Key("name");
    write_opt(w, s.name);
    if (detail) {
      w.Key("description");
      write_opt(w, s.description);
      w.Key("createdAt");
      w.String(efs_date(s.created_us));
      w.Key("status");
      w.String(s.status);
      w.Key("type");
      w.String(s.type);
      w.Key("path");
      w.String(s.path);
    }
    w.EndObject();
  }

  static void write_policy(JsonWriter& w, const EfsPolicy& p) {
    w.StartObject();
    w.Key("id");
    w.String(p.id);
    w.Key("name");
    write_opt(w, p.name);
    w.Key("description");
    write_opt(w, p.description);
    w.Key("createdAt");
    w.String(efs_date(p.created_us));
    w.Key("isDefault");
    w.Bool(p.is_default);
    w.Key("status");
    w.String(p.status);
    w.Key("rules");
    w.StartArray();
    for (const EfsRule& rule : p.rules) {
      w.StartObject();
      w.Key("copies");
      w.Int64(rule.copies);
      w.Key("prefix");
      w.String(rule.prefix);
      w.Key("schedule");
      w.StartObject();
      w.Key("minutes");
      write_int_list(w, rule.minutes);
      w.Key("hours");
      write_int_list(w, rule.hours);
      w.Key("days");
      write_int_list(w, rule.days);
      w.Key("months");
      write_int_list(w, rule.months);
      w.Key("weekdays");
      write_int_list(w, rule.weekdays);
      w.EndObject();
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }

  template <class F>
  static EmuResponse object_answer(int status, F write) {
    rapidjson::StringBuffer buf;
    JsonWriter w(buf);
    write(w);
    return json_answer(status, buf.GetString());
  }

  struct EfsLookup {
    EfsService* service = nullptr;
    EfsShare* share = nullptr;
    EfsSnapshot* snapshot = nullptr;
    std::optional<EmuResponse> error;
  };

  EfsLookup efs_lookup(const EmuRequest& r, bool want_share, bool want_snapshot) {
    EfsLookup out;
    const std::string id = path_param(r, "serviceName");
    for (EfsService& s : efs_) {
      if (s.id == id) out.service = &s;
    }
    if (out.service == nullptr) {
      out.error = service_not_found();
      return out;
    }
    if (!want_share) return out;
    const std::string share_id = path_param(r, "shareId");
    for (EfsShare& s : out.service->shares) {
      if (s.id == share_id) out.share = &s;
    }
    if (out.share == nullptr) {
      out.error = resource_not_found();
      return out;
    }
    if (!want_snapshot) return out;
    const std::string snap_id = path_param(r, "snapshotId");
    for (EfsSnapshot& s : out.share->snapshots) {
      if (s.id == snap_id) out.snapshot = &s;
    }
    if (out.snapshot == nullptr) out.error = resource_not_found();
    return out;
  }

  EfsPolicy* find_policy(EfsService& svc, const std::string& id) {
    for (EfsPolicy& p : svc.policies) {
      if (p.id == id) return &p;
    }
    return nullptr;
  }

  EmuResponse efs_list_services(const EmuRequest&) {
    return object_answer(200, [&](JsonWriter& w) {
      w.StartArray();
      for (const EfsService& s : efs_) write_efs_service(w, s);
      w.EndArray();
    });
  }

  EmuResponse efs_get_service(const EmuRequest& r) {
    EfsLookup l = efs_lookup(r, false, false);
    if (l.error) return *l.error;
    return object_answer(200, [&](JsonWriter& w) { write_efs_service(w, *l.service); });
  }

  EmuResponse efs_list_shares(const EmuRequest& r) {
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

  EmuResponse efs_get_share(const EmuRequest& r) {
    EfsLookup l = efs_lookup(r, true, false);
    if (l.error) return *l.error;
    return object_answer(200, [&](JsonWriter& w) { write_share(w, *l.share, true); });
  }

  EmuResponse efs_list_snapshots(const EmuRequest& r) {
    EfsLookup l = efs_lookup(r, true, false);
    if (l.error) return *l.error;
    const bool detail = r.query_param("detail") == "true";
    return object_answer(200, [&](JsonWriter& w) {
      w.StartArray();
      for (const EfsSnapshot& s : l.share->snapshots) write_efs_snapshot(w, s, detail);
      w.EndArray();
    });
  }

  EmuResponse efs_get_snapshot(const EmuRequest& r) {
    EfsLookup l = efs_lookup(r, true, true);
    if (l.error) return *l.error;
    return object_answer(200, [&](JsonWriter& w) { write_efs_snapshot(w, *l.snapshot, true); });
  }

  std::string snapshot_path(const EfsShare& share, const std::string& id) const {
    std::string compact = id;
    compact.erase(std::remove(compact.begin(), compact.end(), '-'), compact.end());
    return "/" + share.mount_point + "/.snapshot/snapshot_" + compact;
  }

  EmuResponse efs_create_snapshot(const EmuRequest& r) {
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

  EmuResponse efs_update_snapshot(const EmuRequest& r) {
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

  EmuResponse efs_delete_snapshot(const EmuRequest& r) {
    EfsLookup l = efs_lookup(r, true, true);
    if (l.error) return *l.error;
    EfsSnapshot& s = *l.snapshot;
    if (s.type == "automatic" || s.type == "system") {
      return api_error(403, "Client::Forbidden",
                       "Snapshot of type " + s.type + " cannot be deleted");
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

  EmuResponse efs_hold_snapshot(const EmuRequest& r) {
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

  EmuResponse efs_revert(const EmuRequest& r) {
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

  EmuResponse efs_get_share_policy(const EmuRequest& r) {
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

  EmuResponse efs_put_share_policy(const EmuRequest& r) {
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

  EmuResponse efs_get_reserve(const EmuRequest& r) {
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

  EmuResponse efs_put_reserve(const EmuRequest& r) {
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

  EmuResponse efs_list_policies(const EmuRequest& r) {
    EfsLookup l = efs_lookup(r, false, false);
    if (l.error) return *l.error;
    return object_answer(200, [&](JsonWriter& w) {
      w.StartArray();
      for (const EfsPolicy& p : l.service->policies) write_policy(w, p);
      w.EndArray();
    });
  }

  EmuResponse efs_get_policy(const EmuRequest& r) {
    EfsLookup l = efs_lookup(r, false, false);
    if (l.error) return *l.error;
    EfsPolicy* p = find_policy(*l.service, path_param(r, "snapshotPolicyId"));
    if (p == nullptr) return resource_not_found();
    return object_answer(200, [&](JsonWriter& w) { write_policy(w, *p); });
  }

  static std::optional<std::vector<int>> int_list(const rapidjson::Value& schedule,
                                                  const char* name, int lo, int hi, bool* bad) {
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

  EmuResponse efs_create_policy(const EmuRequest& r) {
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

  EmuResponse efs_update_policy(const EmuRequest& r) {
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

  EmuResponse efs_delete_policy(const EmuRequest& r) {
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

  void clear() {
    credentials_.clear();
    nasha_.clear();
    efs_.clear();
    nas_pending_.clear();
    expiries_.clear();
    expand_custom_ = true;
    timestamp_window_s_ = 180;
    efs_busy_ = false;
  }

  void add_done_task(NasService& svc, const std::string& operation, const std::string& partition,
                     const std::string& details, std::int64_t done_us) {
    NasTask t;
    t.id = next_task_id_++;
    t.operation = operation;
    t.partition = partition;
    t.details = details;
    t.todo_us = done_us - 20 * 1000000LL;
    t.due_us = done_us;
    t.applied = true;
    svc.tasks[t.id] = t;
  }

  void index_expiries() {
    expiries_.clear();
    for (const auto& [sname, svc] : nasha_) {
      for (const auto& [pname, p] : svc.partitions) {
        for (const auto& [cname, c] : p.custom) {
          if (c.expiration_us) {
            expiries_.emplace(*c.expiration_us,
                              std::make_pair(sname, std::make_pair(pname, cname)));
          }
        }
      }
    }
  }

  static EfsRule make_rule(std::int64_t copies, const std::string& prefix, std::vector<int> minutes,
                           std::optional<std::vector<int>> hours = std::nullopt,
                           std::optional<std::vector<int>> weekdays = std::nullopt) {
    EfsRule rule;
    rule.copies = copies;
    rule.prefix = prefix;
    rule.minutes = std::move(minutes);
    rule.hours = std::move(hours);
    rule.weekdays = std::move(weekdays);
    return rule;
  }

  EfsSnapshot make_efs_snapshot(const EfsShare& share, const std::string& id,
                                std::optional<std::string> name, const std::string& type,
                                std::int64_t created_us) {
    EfsSnapshot s;
    s.id = id;
    s.name = std::move(name);
    s.type = type;
    s.created_us = created_us;
    s.path = snapshot_path(share, id);
    return s;
  }

  EmuContext& ctx_;
  std::vector<Credential> credentials_;
  bool expand_custom_ = true;
  std::int64_t timestamp_window_s_ = 180;
  std::int64_t next_task_id_ = 10000000;
  std::uint64_t query_counter_ = 0;
  std::map<std::string, NasService> nasha_;
  std::vector<EfsService> efs_;
  std::vector<std::pair<std::string, std::int64_t>> nas_pending_;  // service, task id
  // expiration -> (service, (partition, name))
  std::multimap<std::int64_t, std::pair<std::string, std::pair<std::string, std::string>>>
      expiries_;
  bool efs_busy_ = false;  // some EFS object has a deadline
};

// ---- seeds ------------------------------------------------------------------------------------

void OvhModule::seed_demo() {
  clear();
  credentials_.push_back({"demo-ak", "demo-as", "demo-ck"});
  const std::int64_t day = 86400LL * 1000000;
  const std::int64_t base = (now_us() / day - 30) * day;  // midnight, 30 days ago

  NasService nas;
  nas.name = "zpool-123456";
  nas.custom_name = "backup-nas";
  nas.iam_id = "8f4e2c1a-6b0d-4d3e-9a57-2f1c0b9e7d61";
  nas.zpool_size = 1200;
  nas.zpool_capacity = 18;
  Partition p1;
  p1.name = "partition1";
  p1.description = "application data";
  p1.protocol = "NFS";
  p1.size_gb = 100;
  p1.used_gb = 42.5;
  p1.usedbysnapshots_gb = 3.25;
  p1.schedules = {"day-1", "hour-1"};
  p1.custom["snap-daily-backup"] = {"snap-daily-backup", std::nullopt};
  p1.custom["snap-before-upgrade"] = {"snap-before-upgrade", base + 400 * day};
  p1.custom["snap-untracked"] = {"snap-untracked", std::nullopt};
  Partition p2;
  p2.name = "partition2";
  p2.protocol = "NFS_CIFS";
  p2.size_gb = 200;
  p2.used_gb = 120;
  p2.usedbysnapshots_gb = 8;
  p2.schedules = {"hour-1", "hour-6"};
  p2.custom["snap-partition2-2024-06-24T10:00:00.000Z"] = {
      "snap-partition2-2024-06-24T10:00:00.000Z", std::nullopt};
  nas.partitions[p1.name] = p1;
  nas.partitions[p2.name] = p2;
  add_done_task(nas, "clusterLeclercPartitionAdd", "partition1", "", base);
  add_done_task(nas, "clusterLeclercPartitionAdd", "partition2", "", base + 3600LL * 1000000);
  add_done_task(nas, "clusterLeclercCustomSnapCreate", "partition1", "snap-daily-backup",
                base + 2 * day + 3 * 3600LL * 1000000);
  add_done_task(nas, "clusterLeclercCustomSnapCreate", "partition1", "snap-before-upgrade",
                base + 5 * day + 14 * 3600LL * 1000000);
  add_done_task(nas, "clusterLeclercCustomSnapCreate", "partition2",
                "snap-partition2-2024-06-24T10:00:00.000Z", base + 6 * day);
  add_done_task(nas, "clusterLeclercSnapshotUpdate", "partition2", "", base + 7 * day);
  nasha_[nas.name] = nas;

  NasService nas2;
  nas2.name = "zpool-654321";
  nas2.iam_id = "0b6f9a3e-5c2d-4e1f-8a7b-9c3d2e1f0a4b";
  nas2.datacenter = "gra";
  nas2.disk_type = "ssd";
  nas2.ip = "10.16.102.7";
  Partition p3;
  p3.name = "data";
  p3.size_gb = 50;
  p3.used_gb = 1;
  p3.schedules = {"hour-1"};
  nas2.partitions[p3.name] = p3;
  nasha_[nas2.name] = nas2;
  index_expiries();

  EfsService efs;
  efs.id = "5f7a0ec8-1d3e-4b5e-9d55-3c0c9b1e2a10";
  efs.name = "efs-prod";
  efs.created_us = base - 60 * day;
  efs.region = "eu-west-gra";
  efs.quota = 2048;
  EfsPolicy hourly;
  hourly.id = "c1d2e3f4-0a1b-4c2d-8e3f-405162738495";
  hourly.name = "hourly-24";
  hourly.description = "every hour, 24 kept";
  hourly.created_us = base - 50 * day;
  hourly.rules = {make_rule(24, "hourly", {0})};
  EfsPolicy daily;
  daily.id = "d4c3b2a1-9f8e-4d7c-a6b5-0f1e2d3c4b5a";
  daily.name = "daily-7";
  daily.description = "daily at 03:00 and weekly on Sundays";
  daily.created_us = base - 40 * day;
  daily.rules = {make_rule(7, "daily", {0}, std::vector<int>{3}),
                 make_rule(4, "weekly", {0}, std::vector<int>{4}, std::vector<int>{0})};
  efs.policies = {hourly, daily};

  EfsShare a;
  a.id = "a1b2c3d4-1111-4aaa-8bbb-000000000001";
  a.name = "share-a";
  a.description = "main share";
  a.size_gb = 500;
  a.created_us = base - 45 * day;
  a.mount_point = "share_a1b2c3d4";
  a.policy_id = hourly.id;
  EfsShare b;
  b.id = "b2c3d4e5-2222-4bbb-8ccc-000000000002";
  b.name = "share-b";
  b.size_gb = 100;
  b.created_us = base - 10 * day;
  b.mount_point = "share_b2c3d4e5";
  b.source_snapshot = "6f1d2c3b-4a59-4e68-8b7a-0c1d2e3f4a5b";  // share-a's "golden"

  auto hour = [](std::int64_t h) { return h * 3600LL * 1000000; };
  auto add = [&](EfsShare& share, const std::string& id, std::optional<std::string> name,
                 const std::string& type, std::int64_t created) -> EfsSnapshot& {
    share.snapshots.push_back(make_efs_snapshot(share, id, std::move(name), type, created));
    return share.snapshots.back();
  };
  add(a, "6f1d2c3b-4a59-4e68-8b7a-0c1d2e3f4a5b", std::string("golden"), "manual", base - 12 * day)
      .description = "source of share-b";
  add(a, "7a2e3d4c-5b6a-4f79-9c8b-1d2e3f4a5b6c", std::string("daily-backup"), "manual",
      base + 20 * day)
      .description = "before the migration";
  add(a, "8b3f4e5d-6c7b-4a8a-ad9c-2e3f4a5b6c7d", std::string("hourly.2024-07-17_0900"), "automatic",
      base + 29 * day + hour(9));
  add(a, "9c4a5f6e-7d8c-4b9b-be0d-3f4a5b6c7d8e", std::string("hourly.2024-07-17_1000"), "automatic",
      base + 29 * day + hour(10));
  add(a, "ad5b6a7f-8e9d-4cac-8f1e-4a5b6c7d8e9f", std::string("system-replica"), "system",
      base + 25 * day);
  add(a, "be6c7b8a-9f0e-4dbd-9a2f-5b6c7d8e9fa0", std::string("before/after upgrade"), "manual",
      base + 26 * day);
  add(a, "cf7d8c9b-a01f-4ece-ab3a-6c7d8e9fa0b1", std::string("nightly"), "manual", base + 27 * day);
  add(a, "d08e9dac-b12a-4fdf-bc4b-7d8e9fa0b1c2", std::string("nightly"), "manual", base + 28 * day);
  add(a, "e19faebd-c23b-4a0a-8d5c-8e9fa0b1c2d3", std::string(""), "manual",
      base + 28 * day + hour(1));
  EfsSnapshot& creating = add(a, "f2a0bfce-d34c-4b1b-9e6d-9fa0b1c2d3e4", std::string("in-progress"),
                              "manual", base + 29 * day + hour(11));
  creating.status = "creating";  // no deadline: stays creating
  add(b, "13b1c0df-e45d-4c2c-af7e-a0b1c2d3e4f5", std::string("first"), "manual", base - 5 * day);
  efs.shares = {a, b};
  efs_.push_back(efs);
}

void OvhModule::seed_synthetic(const SyntheticSpec& spec) {
  clear();
  credentials_.push_back({"demo-ak", "demo-as", "demo-ck"});
  const std::int64_t hour = 3600LL * 1000000;
  const std::int64_t base = (now_us() / hour) * hour;
  char buf[64];
  auto custom_names = [&](Partition& p, int count) {
    for (int k = 0; k < count; ++k) {
      std::string name =
          "snap-" + p.name + "-" + format_utc_s(base / 1000000 - 3600LL * (k + 1), "");
      p.custom.emplace(name, CustomSnap{name, std::nullopt});
    }
  };
  for (int i = 0; i < spec.services; ++i) {
    NasService svc;
    svc.name = "zpool-" + std::to_string(1000 + i);
    svc.iam_id = ctx_.new_uuid();
    for (int j = 0; j < spec.volumes; ++j) {
      Partition p;
      std::snprintf(buf, sizeof buf, "partition-%02d", j + 1);
      p.name = buf;
      p.size_gb = 100 + 10 * j;
      p.used_gb = 10.0 + j;
      p.schedules = {"hour-1"};
      custom_names(p, spec.snapshots);
      svc.partitions[p.name] = std::move(p);
    }
    if (spec.big > 0 && i == 0) {
      Partition big;
      big.name = "big";
      big.size_gb = 10000;
      big.schedules = {"hour-1"};
      custom_names(big, spec.big);
      svc.partitions[big.name] = std::move(big);
    }
    nasha_[svc.name] = std::move(svc);
  }
  for (int i = 0; i < spec.services; ++i) {
    EfsService svc;
    svc.id = ctx_.new_uuid();
    svc.name = "efs-" + std::to_string(1000 + i);
    svc.created_us = base - 1000 * hour;
    EfsPolicy policy;
    policy.id = ctx_.new_uuid();
    policy.name = "hourly-24";
    policy.created_us = svc.created_us;
    policy.rules = {make_rule(24, "hourly", {0})};
    svc.policies.push_back(policy);
    auto fill = [&](EfsShare& share, int count) {
      share.snapshots.reserve(static_cast<std::size_t>(count));
      for (int k = 0; k < count; ++k) {
        const std::int64_t created = base - hour * (count - k);
        const bool automatic = k % 5 == 4;
        std::string name =
            (automatic ? "hourly." : "manual.") + format_utc_s(created / 1000000, "");
        share.snapshots.push_back(make_efs_snapshot(share, ctx_.new_uuid(), name,
                                                    automatic ? "automatic" : "manual", created));
      }
    };
    for (int j = 0; j < spec.volumes; ++j) {
      EfsShare share;
      share.id = ctx_.new_uuid();
      std::snprintf(buf, sizeof buf, "share-%02d", j + 1);
      share.name = std::string(buf);
      share.created_us = base - 900 * hour;
      share.mount_point = "share_" + share.id.substr(0, 8);
      share.policy_id = policy.id;
      fill(share, spec.snapshots);
      svc.shares.push_back(std::move(share));
    }
    if (spec.big > 0 && i == 0) {
      EfsShare big;
      big.id = ctx_.new_uuid();
      big.name = std::string("big");
      big.size_gb = 10000;
      big.created_us = base - 900 * hour;
      big.mount_point = "share_" + big.id.substr(0, 8);
      fill(big, spec.big);
      svc.shares.push_back(std::move(big));
    }
    efs_.push_back(std::move(svc));
  }
}

// ---- state files ------------------------------------------------------------------------------

std::string str(const rapidjson::Value& v, const char* name, const std::string& fallback = "") {
  auto it = v.FindMember(name);
  if (it == v.MemberEnd() || !it->value.IsString()) return fallback;
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

std::optional<std::string> opt_str(const rapidjson::Value& v, const char* name) {
  auto it = v.FindMember(name);
  if (it == v.MemberEnd() || !it->value.IsString()) return std::nullopt;
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

std::int64_t num(const rapidjson::Value& v, const char* name, std::int64_t fallback = 0) {
  auto it = v.FindMember(name);
  if (it == v.MemberEnd() || !it->value.IsInt64()) return fallback;
  return it->value.GetInt64();
}

double dbl(const rapidjson::Value& v, const char* name, double fallback = 0) {
  auto it = v.FindMember(name);
  if (it == v.MemberEnd() || !it->value.IsNumber()) return fallback;
  return it->value.GetDouble();
}

bool flag(const rapidjson::Value& v, const char* name, bool fallback) {
  auto it = v.FindMember(name);
  if (it == v.MemberEnd() || !it->value.IsBool()) return fallback;
  return it->value.GetBool();
}

const rapidjson::Value* arr(const rapidjson::Value& v, const char* name) {
  auto it = v.FindMember(name);
  if (it == v.MemberEnd() || !it->value.IsArray()) return nullptr;
  return &it->value;
}

// A date member: a string in any RFC 3339 form, or microseconds under "<name>_us".
std::optional<std::int64_t> date_us(const rapidjson::Value& v, const char* name) {
  std::string us_name = std::string(name) + "_us";
  auto it = v.FindMember(us_name.c_str());
  if (it != v.MemberEnd() && it->value.IsInt64()) return it->value.GetInt64();
  if (auto text = opt_str(v, name)) return parse_utc_us(*text);
  return std::nullopt;
}

std::optional<std::vector<int>> ints(const rapidjson::Value& v, const char* name) {
  const rapidjson::Value* a = arr(v, name);
  if (a == nullptr) return std::nullopt;
  std::vector<int> out;
  for (const auto& x : a->GetArray()) {
    if (x.IsInt()) out.push_back(x.GetInt());
  }
  return out;
}

rapidjson::Value string_value(const std::string& s, Alloc& alloc) {
  return rapidjson::Value(s.c_str(), static_cast<rapidjson::SizeType>(s.size()), alloc);
}

rapidjson::Value opt_value(const std::optional<std::string>& s, Alloc& alloc) {
  return s ? string_value(*s, alloc) : rapidjson::Value(rapidjson::kNullType);
}

rapidjson::Value int_list_value(const std::optional<std::vector<int>>& v, Alloc& alloc) {
  if (!v) return rapidjson::Value(rapidjson::kNullType);
  rapidjson::Value a(rapidjson::kArrayType);
  for (int x : *v) a.PushBack(x, alloc);
  return a;
}

const char* effect_name(NasEffect e) {
  switch (e) {
    case NasEffect::CreateCustom: return "create_custom";
    case NasEffect::DeleteCustom: return "delete_custom";
    case NasEffect::AddSchedule: return "add_schedule";
    case NasEffect::RemoveSchedule: return "remove_schedule";
    case NasEffect::None: break;
  }
  return "none";
}

NasEffect effect_from(const std::string& s) {
  if (s == "create_custom") return NasEffect::CreateCustom;
  if (s == "delete_custom") return NasEffect::DeleteCustom;
  if (s == "add_schedule") return NasEffect::AddSchedule;
  if (s == "remove_schedule") return NasEffect::RemoveSchedule;
  return NasEffect::None;
}

void OvhModule::load(const rapidjson::Value& section) {
  clear();
  if (!section.IsObject()) return;
  if (const auto* creds = arr(section, "credentials")) {
    for (const auto& c : creds->GetArray()) {
      credentials_.push_back(
          {str(c, "application_key"), str(c, "application_secret"), str(c, "consumer_key")});
    }
  } else {
    credentials_.push_back({"demo-ak", "demo-as", "demo-ck"});
  }
  expand_custom_ = flag(section, "expand_custom_snapshots", true);
  timestamp_window_s_ = num(section, "timestamp_window_s", 180);
  next_task_id_ = num(section, "next_task_id", 10000000);
  if (const auto* list = arr(section, "nasha")) {
    for (const auto& sv : list->GetArray()) {
      NasService svc;
      svc.name = str(sv, "serviceName");
      svc.custom_name = str(sv, "customName");
      svc.datacenter = str(sv, "datacenter", svc.datacenter);
      svc.disk_type = str(sv, "diskType", svc.disk_type);
      svc.ip = str(sv, "ip", svc.ip);
      svc.monitored = flag(sv, "monitored", true);
      svc.zpool_size = num(sv, "zpoolSize", svc.zpool_size);
      svc.zpool_capacity = num(sv, "zpoolCapacity", svc.zpool_capacity);
      svc.iam_id = str(sv, "iam_id", ctx_.new_uuid());
      if (const auto* parts = arr(sv, "partitions")) {
        for (const auto& pv : parts->GetArray()) {
          Partition p;
          p.name = str(pv, "partitionName");
          p.description = str(pv, "partitionDescription");
          p.protocol = str(pv, "protocol", "NFS");
          p.size_gb = num(pv, "size", 100);
          p.used_gb = dbl(pv, "used_gb");
          p.usedbysnapshots_gb = dbl(pv, "usedbysnapshots_gb");
          if (const auto* sched = arr(pv, "schedules")) {
            for (const auto& t : sched->GetArray()) {
              if (t.IsString() && snapshot_type_rank(t.GetString()) >= 0) {
                p.schedules.push_back(t.GetString());
              }
            }
            sort_schedules(p.schedules);
          }
          if (const auto* custom = arr(pv, "custom_snapshots")) {
            for (const auto& cv : custom->GetArray()) {
              CustomSnap c{str(cv, "name"), date_us(cv, "expiration")};
              p.custom[c.name] = c;
            }
          }
          svc.partitions[p.name] = std::move(p);
        }
      }
      if (const auto* tasks = arr(sv, "tasks")) {
        for (const auto& tv : tasks->GetArray()) {
          NasTask t;
          t.id = num(tv, "taskId");
          t.operation = str(tv, "operation");
          t.details = str(tv, "details");
          t.partition = str(tv, "partitionName");
          t.todo_us = date_us(tv, "todoDate").value_or(0);
          t.due_us = date_us(tv, "due").value_or(t.todo_us);
          t.applied = flag(tv, "applied", true);
          t.final_status = str(tv, "final_status", "done");
          t.effect = effect_from(str(tv, "effect"));
          t.target = str(tv, "target");
          t.expiration_us = date_us(tv, "expiration");
          next_task_id_ = std::max(next_task_id_, t.id + 1);
          if (!t.applied) nas_pending_.emplace_back(svc.name, t.id);
          svc.tasks[t.id] = t;
        }
      }
      nasha_[svc.name] = std::move(svc);
    }
  }
  if (const auto* list = arr(section, "netapp")) {
    for (const auto& sv : list->GetArray()) {
      EfsService svc;
      svc.id = str(sv, "id");
      svc.name = str(sv, "name");
      svc.created_us = date_us(sv, "createdAt").value_or(0);
      svc.region = str(sv, "region", svc.region);
      svc.status = str(sv, "status", svc.status);
      svc.quota = num(sv, "quota", svc.quota);
      if (const auto* policies = arr(sv, "policies")) {
        for (const auto& pv : policies->GetArray()) {
          EfsPolicy p;
          p.id = str(pv, "id");
          p.name = opt_str(pv, "name");
          p.description = opt_str(pv, "description");
          p.created_us = date_us(pv, "createdAt").value_or(0);
          p.is_default = flag(pv, "isDefault", false);
          p.status = str(pv, "status", "available");
          if (const auto* rules = arr(pv, "rules")) {
            for (const auto& rv : rules->GetArray()) {
              EfsRule rule;
              rule.copies = num(rv, "copies", 1);
              rule.prefix = str(rv, "prefix");
              auto sched = rv.FindMember("schedule");
              if (sched != rv.MemberEnd() && sched->value.IsObject()) {
                rule.minutes = ints(sched->value, "minutes").value_or(std::vector<int>{0});
                rule.hours = ints(sched->value, "hours");
                rule.days = ints(sched->value, "days");
                rule.months = ints(sched->value, "months");
                rule.weekdays = ints(sched->value, "weekdays");
              }
              p.rules.push_back(rule);
            }
          }
          svc.policies.push_back(p);
        }
      }
      if (const auto* shares = arr(sv, "shares")) {
        for (const auto& shv : shares->GetArray()) {
          EfsShare share;
          share.id = str(shv, "id");
          share.name = opt_str(shv, "name");
          share.description = opt_str(shv, "description");
          share.protocol = str(shv, "protocol", "NFS");
          share.size_gb = num(shv, "size", 100);
          share.status = str(shv, "status", "available");
          share.created_us = date_us(shv, "createdAt").value_or(0);
          share.mount_point = str(shv, "mountPointName", "share_" + share.id.substr(0, 8));
          share.source_snapshot = opt_str(shv, "snapshotID");
          share.policy_id = str(shv, "snapshotPolicyID");
          share.policy_until_us = num(shv, "policy_until_us");
          share.reserve_percent = num(shv, "snapshotReserve", 5);
          share.until_us = num(shv, "until_us");
          if (const auto* snaps = arr(shv, "snapshots")) {
            share.snapshots.reserve(snaps->Size());
            for (const auto& snv : snaps->GetArray()) {
              EfsSnapshot s;
              s.id = str(snv, "id");
              s.name = opt_str(snv, "name");
              s.description = opt_str(snv, "description");
              s.created_us = date_us(snv, "createdAt").value_or(0);
              s.status = str(snv, "status", "available");
              s.type = str(snv, "type", "manual");
              s.path = str(snv, "path", snapshot_path(share, s.id));
              s.until_us = num(snv, "until_us");
              share.snapshots.push_back(std::move(s));
            }
          }
          svc.shares.push_back(std::move(share));
        }
      }
      efs_.push_back(std::move(svc));
    }
  }
  index_expiries();
  efs_busy_ = true;  // re-derived on the next request
}

void OvhModule::dump(rapidjson::Value& out, Alloc& alloc) const {
  // A dump shows the state as of now: tasks and transitions whose time has come are applied
  // first (the core holds the state lock, as for handlers).
  const_cast<OvhModule*>(this)->advance();
  out.SetObject();
  rapidjson::Value creds(rapidjson::kArrayType);
  for (const Credential& c : credentials_) {
    rapidjson::Value cv(rapidjson::kObjectType);
    cv.AddMember("application_key", string_value(c.application_key, alloc), alloc);
    cv.AddMember("application_secret", string_value(c.application_secret, alloc), alloc);
    cv.AddMember("consumer_key", string_value(c.consumer_key, alloc), alloc);
    creds.PushBack(cv, alloc);
  }
  out.AddMember("credentials", creds, alloc);
  out.AddMember("expand_custom_snapshots", expand_custom_, alloc);
  out.AddMember("timestamp_window_s", timestamp_window_s_, alloc);
  out.AddMember("next_task_id", next_task_id_, alloc);

  rapidjson::Value nasha(rapidjson::kArrayType);
  for (const auto& [name, svc] : nasha_) {
    rapidjson::Value sv(rapidjson::kObjectType);
    sv.AddMember("serviceName", string_value(svc.name, alloc), alloc);
    sv.AddMember("customName", string_value(svc.custom_name, alloc), alloc);
    sv.AddMember("datacenter", string_value(svc.datacenter, alloc), alloc);
    sv.AddMember("diskType", string_value(svc.disk_type, alloc), alloc);
    sv.AddMember("ip", string_value(svc.ip, alloc), alloc);
    sv.AddMember("monitored", svc.monitored, alloc);
    sv.AddMember("zpoolSize", svc.zpool_size, alloc);
    sv.AddMember("zpoolCapacity", svc.zpool_capacity, alloc);
    sv.AddMember("iam_id", string_value(svc.iam_id, alloc), alloc);
    rapidjson::Value parts(rapidjson::kArrayType);
    for (const auto& [pname, p] : svc.partitions) {
      rapidjson::Value pv(rapidjson::kObjectType);
      pv.AddMember("partitionName", string_value(p.name, alloc), alloc);
      pv.AddMember("partitionDescription", string_value(p.description, alloc), alloc);
      pv.AddMember("protocol", string_value(p.protocol, alloc), alloc);
      pv.AddMember("size", p.size_gb, alloc);
      pv.AddMember("used_gb", p.used_gb, alloc);
      pv.AddMember("usedbysnapshots_gb", p.usedbysnapshots_gb, alloc);
      rapidjson::Value sched(rapidjson::kArrayType);
      for (const std::string& t : p.schedules) sched.PushBack(string_value(t, alloc), alloc);
      pv.AddMember("schedules", sched, alloc);
      rapidjson::Value custom(rapidjson::kArrayType);
      for (const auto& [cname, c] : p.custom) {
        rapidjson::Value cv(rapidjson::kObjectType);
        cv.AddMember("name", string_value(c.name, alloc), alloc);
        if (c.expiration_us) {
          cv.AddMember("expiration", string_value(nas_date(*c.expiration_us), alloc), alloc);
        } else {
          cv.AddMember("expiration", rapidjson::Value(rapidjson::kNullType), alloc);
        }
        custom.PushBack(cv, alloc);
      }
      pv.AddMember("custom_snapshots", custom, alloc);
      parts.PushBack(pv, alloc);
    }
    sv.AddMember("partitions", parts, alloc);
    rapidjson::Value tasks(rapidjson::kArrayType);
    for (const auto& [id, t] : svc.tasks) {
      rapidjson::Value tv(rapidjson::kObjectType);
      tv.AddMember("taskId", t.id, alloc);
      tv.AddMember("operation", string_value(t.operation, alloc), alloc);
      tv.AddMember("details", string_value(t.details, alloc), alloc);
      tv.AddMember("partitionName", string_value(t.partition, alloc), alloc);
      tv.AddMember("todoDate_us", t.todo_us, alloc);
      tv.AddMember("due_us", t.due_us, alloc);
      tv.AddMember("applied", t.applied, alloc);
      tv.AddMember("final_status", string_value(t.final_status, alloc), alloc);
      tv.AddMember("effect", rapidjson::StringRef(effect_name(t.effect)), alloc);
      tv.AddMember("target", string_value(t.target, alloc), alloc);
      if (t.expiration_us) tv.AddMember("expiration_us", *t.expiration_us, alloc);
      tasks.PushBack(tv, alloc);
    }
    sv.AddMember("tasks", tasks, alloc);
    nasha.PushBack(sv, alloc);
  }
  out.AddMember("nasha", nasha, alloc);

  rapidjson::Value netapp(rapidjson::kArrayType);
  for (const EfsService& svc : efs_) {
    rapidjson::Value sv(rapidjson::kObjectType);
    sv.AddMember("id", string_value(svc.id, alloc), alloc);
    sv.AddMember("name", string_value(svc.name, alloc), alloc);
    sv.AddMember("createdAt", string_value(efs_date(svc.created_us), alloc), alloc);
    sv.AddMember("region", string_value(svc.region, alloc), alloc);
    sv.AddMember("status", string_value(svc.status, alloc), alloc);
    sv.AddMember("quota", svc.quota, alloc);
    rapidjson::Value policies(rapidjson::kArrayType);
    for (const EfsPolicy& p : svc.policies) {
      rapidjson::Value pv(rapidjson::kObjectType);
      pv.AddMember("id", string_value(p.id, alloc), alloc);
      pv.AddMember("name", opt_value(p.name, alloc), alloc);
      pv.AddMember("description", opt_value(p.description, alloc), alloc);
      pv.AddMember("createdAt_us", p.created_us, alloc);
      pv.AddMember("isDefault", p.is_default, alloc);
      pv.AddMember("status", string_value(p.status, alloc), alloc);
      rapidjson::Value rules(rapidjson::kArrayType);
      for (const EfsRule& rule : p.rules) {
        rapidjson::Value rv(rapidjson::kObjectType);
        rv.AddMember("copies", rule.copies, alloc);
        rv.AddMember("prefix", string_value(rule.prefix, alloc), alloc);
        rapidjson::Value sched(rapidjson::kObjectType);
        sched.AddMember("minutes", int_list_value(rule.minutes, alloc), alloc);
        sched.AddMember("hours", int_list_value(rule.hours, alloc), alloc);
        sched.AddMember("days", int_list_value(rule.days, alloc), alloc);
        sched.AddMember("months", int_list_value(rule.months, alloc), alloc);
        sched.AddMember("weekdays", int_list_value(rule.weekdays, alloc), alloc);
        rv.AddMember("schedule", sched, alloc);
        rules.PushBack(rv, alloc);
      }
      pv.AddMember("rules", rules, alloc);
      policies.PushBack(pv, alloc);
    }
    sv.AddMember("policies", policies, alloc);
    rapidjson::Value shares(rapidjson::kArrayType);
    for (const EfsShare& share : svc.shares) {
      rapidjson::Value shv(rapidjson::kObjectType);
      shv.AddMember("id", string_value(share.id, alloc), alloc);
      shv.AddMember("name", opt_value(share.name, alloc), alloc);
      shv.AddMember("description", opt_value(share.description, alloc), alloc);
      shv.AddMember("protocol", string_value(share.protocol, alloc), alloc);
      shv.AddMember("size", share.size_gb, alloc);
      shv.AddMember("status", string_value(share.status, alloc), alloc);
      shv.AddMember("createdAt_us", share.created_us, alloc);
      shv.AddMember("mountPointName", string_value(share.mount_point, alloc), alloc);
      shv.AddMember("snapshotID", opt_value(share.source_snapshot, alloc), alloc);
      shv.AddMember("snapshotPolicyID", string_value(share.policy_id, alloc), alloc);
      shv.AddMember("policy_until_us", share.policy_until_us, alloc);
      shv.AddMember("snapshotReserve", share.reserve_percent, alloc);
      shv.AddMember("until_us", share.until_us, alloc);
      rapidjson::Value snaps(rapidjson::kArrayType);
      snaps.Reserve(static_cast<rapidjson::SizeType>(share.snapshots.size()), alloc);
      for (const EfsSnapshot& s : share.snapshots) {
        rapidjson::Value snv(rapidjson::kObjectType);
        snv.AddMember("id", string_value(s.id, alloc), alloc);
        snv.AddMember("name", opt_value(s.name, alloc), alloc);
        snv.AddMember("description", opt_value(s.description, alloc), alloc);
        snv.AddMember("createdAt_us", s.created_us, alloc);
        snv.AddMember("status", string_value(s.status, alloc), alloc);
        snv.AddMember("type", string_value(s.type, alloc), alloc);
        snv.AddMember("path", string_value(s.path, alloc), alloc);
        snv.AddMember("until_us", s.until_us, alloc);
        snaps.PushBack(snv, alloc);
      }
      shv.AddMember("snapshots", snaps, alloc);
      shares.PushBack(shv, alloc);
    }
    sv.AddMember("shares", shares, alloc);
    netapp.PushBack(sv, alloc);
  }
  out.AddMember("netapp", netapp, alloc);
}

}  // namespace

std::unique_ptr<ApiModule> make_ovh_module(EmuContext& ctx) {
  return std::make_unique<OvhModule>(ctx);
}

}  // namespace snapfs::emu
