#include "providers/ovh/ovh_netapp_provider.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <unordered_map>

#include "providers/common/json_util.h"
#include "providers/common/log.h"
#include "providers/common/strings.h"
#include "providers/common/time_util.h"
#include "providers/ovh/ovh_provider_base.h"
#include "providers/ovh/ovh_providers.h"

namespace snapfs {
namespace {

std::string json_fields(std::initializer_list<std::pair<const char*, std::string>> fields) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  for (const auto& [key, value] : fields) {
    w.Key(key);
    w.String(value);
  }
  w.EndObject();
  return buf.GetString();
}

// Why the API keeps a snapshot: its type (automatic/system: never deletable by users) or its
// state (creating, restoring, source of a share: busy for now).
void refine_delete_error(int status, const OvhErrorBody& body, Error& error) {
  const std::string message = lower(body.message);
  const bool protected_type = message.find("automatic") != std::string::npos ||
                              message.find("system") != std::string::npos ||
                              message.find("cannot be deleted") != std::string::npos ||
                              message.find("not allowed") != std::string::npos;
  const bool rights = message.find("not granted") != std::string::npos;  // IAM: stays EACCES
  if (status == 403 && body.error_code.empty() && !rights) {
    error.kind = ErrorKind::NotDeletable;
  } else if (status == 400 && protected_type) {
    error.kind = ErrorKind::NotDeletable;
  } else if (status == 409 || status == 423) {
    error.kind = ErrorKind::Busy;
  }
}

std::string identity(const SnapshotInfo& s) {
  for (const Attr& a : s.attrs) {
    if (a.key == "path" && !a.value.empty()) return std::to_string(s.created_us) + "|" + a.value;
  }
  return std::to_string(s.created_us) + "|name:" + s.name;
}

Result<std::vector<SnapshotInfo>> parse_snapshot_list(const rapidjson::Document& doc,
                                                      const std::string& share,
                                                      const std::string& remote) {
  if (!doc.IsArray()) {
    return Error(ErrorKind::BadResponse, "remote '" + remote + "': the snapshot list of share " +
                                             share + " is not an array");
  }
  std::vector<SnapshotInfo> out;
  out.reserve(doc.Size());
  for (const auto& o : doc.GetArray()) {
    if (!o.IsObject()) continue;
    SnapshotInfo s = parse_netapp_snapshot(o, share);
    if (!s.id.empty()) out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

OvhNetappProvider::OvhNetappProvider(OvhSettings settings, std::string remote_name,
                                     OvhClient::LocalClock clock)
    : OvhProvider(std::move(settings), std::move(remote_name), std::move(clock),
                  {.rename = true,
                   .attrs = {{Level::SnapshotsDir, "schedule", true, true},
                             {Level::Service, "policies", false, true},
                             {Level::Snapshot, "description", true, false}}}) {}

std::string OvhNetappProvider::service_path(const std::string& service) {
  return ovh_path({"storage", "netapp", service});
}

std::string OvhNetappProvider::share_path(const ObjectRef& ref) {
  return ovh_path({"storage", "netapp", ref.service_id, "share", ref.volume_id});
}

std::string OvhNetappProvider::snapshot_path(const ObjectRef& ref, const std::string& id) const {
  return share_path(ref) + "/snapshot/" + url_encode(id);
}

std::string OvhNetappProvider::current_id(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string current = id;
  for (int hops = 0; hops < 16; ++hops) {
    auto it = rekeys_.find(current);
    if (it == rekeys_.end()) break;
    current = it->second;
  }
  return current;
}

Result<std::vector<ServiceInfo>> OvhNetappProvider::list_services(const OpContext& ctx) {
  rapidjson::Document doc;
  if (Status s = client_.call_json("GET", "/storage/netapp", "", ctx, &doc); !s.ok()) {
    return s.error();
  }
  if (!doc.IsArray()) {
    return Error(ErrorKind::BadResponse, "remote '" + client_.remote_name() +
                                             "': GET /storage/netapp did not answer an array");
  }
  std::vector<ServiceInfo> out;
  for (const auto& o : doc.GetArray()) {
    if (!o.IsObject()) continue;
    ServiceInfo s = parse_netapp_service(o);
    if (!s.id.empty()) out.push_back(std::move(s));
  }
  return out;
}

Result<std::vector<VolumeInfo>> OvhNetappProvider::list_volumes(const ObjectRef& service,
                                                                const OpContext& ctx) {
  rapidjson::Document doc;
  if (Status s = client_.call_json("GET", service_path(service.service_id) + "/share?detail=true",
                                   "", ctx, &doc);
      !s.ok()) {
    return s.error();
  }
  if (!doc.IsArray()) {
    return Error(ErrorKind::BadResponse,
                 "remote '" + client_.remote_name() + "': the share list is not an array");
  }
  std::vector<VolumeInfo> out;
  for (const auto& o : doc.GetArray()) {
    if (!o.IsObject()) continue;
    VolumeInfo v = parse_netapp_share(o);
    if (!v.id.empty()) out.push_back(std::move(v));
  }
  fill_exports(service.service_id, out, ctx);
  return out;
}

void OvhNetappProvider::fill_exports(const std::string& service, std::vector<VolumeInfo>& shares,
                                     const OpContext& ctx) {
  // The share objects do not say where they are mounted from; their accessPath lists do. The
  // lists are kept, so a cold crawl makes one request per share and later listings none.
  const auto now = std::chrono::steady_clock::now();
  std::vector<std::size_t> missing;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (std::size_t i = 0; i < shares.size(); ++i) {
      auto it = exports_.find(shares[i].id);
      if (it != exports_.end() && now - it->second.fetched <= kExportMaxAge) {
        shares[i].nfs_export = it->second.path;
      } else {
        missing.push_back(i);
      }
    }
  }
  std::vector<std::string> found(missing.size());
  ovh_parallel_for(missing.size(), OvhClient::kParallelGets, [&](std::size_t k) {
    ObjectRef ref;
    ref.service_id = service;
    ref.volume_id = shares[missing[k]].id;
    rapidjson::Document doc;
    Status got = client_.call_json("GET", share_path(ref) + "/accessPath", "", ctx, &doc);
    if (got.ok()) {
      found[k] = netapp_preferred_access_path(doc);
    } else {
      // The export stays unknown (no file access shown); the share listing does not fail.
      log_debug("remote '" + client_.remote_name() + "': access path of share " + ref.volume_id +
                " unavailable: " + got.error().message);
    }
  });
  std::lock_guard<std::mutex> lock(mu_);
  for (std::size_t k = 0; k < missing.size(); ++k) {
    shares[missing[k]].nfs_export = found[k];
    // A share still being created may have no access path yet: asked again next listing.
    if (!found[k].empty()) exports_[shares[missing[k]].id] = {found[k], now};
  }
}

void OvhNetappProvider::track_identities(const std::string& share,
                                         const std::vector<SnapshotInfo>& snapshots) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& known = identities_[share];
  std::unordered_map<std::uint64_t, std::string> now;
  now.reserve(snapshots.size());
  for (const SnapshotInfo& s : snapshots) {
    const std::uint64_t ident = std::hash<std::string>()(identity(s));
    auto before = known.find(ident);
    if (before != known.end() && before->second != s.id) {
      rekeys_[before->second] = s.id;
      log_info("remote '" + client_.remote_name() + "': snapshot " + before->second + " is now " +
               s.id + " (put on hold)");
    }
    now[ident] = s.id;
  }
  known = std::move(now);
}

Result<std::vector<SnapshotInfo>> OvhNetappProvider::list_snapshots(const ObjectRef& scope,
                                                                    const OpContext& ctx) {
  rapidjson::Document doc;
  if (Status s =
          client_.call_json("GET", share_path(scope) + "/snapshot?detail=true", "", ctx, &doc);
      !s.ok()) {
    return s.error();
  }
  auto list = parse_snapshot_list(doc, scope.volume_id, client_.remote_name());
  if (!list.ok()) return list.error();
  track_identities(scope.volume_id, *list);
  return list;
}

std::optional<std::string> OvhNetappProvider::find_rekeyed(const ObjectRef& ref,
                                                           const std::string& id,
                                                           const OpContext& ctx) {
  ObjectRef share = ref;
  share.level = Level::Volume;
  if (!list_snapshots(share, ctx).ok()) return std::nullopt;
  std::string current = current_id(id);
  if (current == id) return std::nullopt;
  return current;
}

Result<SnapshotInfo> OvhNetappProvider::create_snapshot(const ObjectRef& volume,
                                                        const CreateRequest& request,
                                                        const OpContext& ctx) {
  if (Status s = validate_name(request.name); !s.ok()) return s.error();
  std::string body =
      request.description
          ? json_fields({{"name", request.name}, {"description", *request.description}})
          : json_fields({{"name", request.name}});
  rapidjson::Document doc;
  Status sent = client_.call_json("POST", share_path(volume) + "/snapshot", body, ctx, &doc);
  // An unclear outcome (no answer, a 5xx) is decided by the filesystem in a fresh listing.
  if (!sent.ok()) return sent.error();
  if (!doc.IsObject()) {
    // The API took the request but its answer says nothing usable: the snapshot may exist.
    return Error(ErrorKind::BadResponse, "remote '" + client_.remote_name() +
                                             "': the answer to a snapshot create is not an object");
  }
  SnapshotInfo info = parse_netapp_snapshot(doc, volume.volume_id);
  if (info.state.empty()) info.state = "creating";
  if (info.created_us == 0) info.created_us = server_now_us();
  log_debug("remote '" + client_.remote_name() + "': snapshot " + info.id + " (" + info.name +
            ") of share " + volume.volume_id + " " + info.state);
  return info;
}

Status OvhNetappProvider::delete_snapshot(const ObjectRef& snapshot, const OpContext& ctx) {
  std::string id = current_id(snapshot.snapshot_id);
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto sent =
        client_.call("DELETE", snapshot_path(snapshot, id), "", ctx, {}, refine_delete_error);
    if (sent.ok()) return Status::Ok();
    if (sent.error().kind != ErrorKind::NotFound) return sent.error();
    if (attempt == 1) break;
    auto moved = find_rekeyed(snapshot, id, ctx);
    if (!moved) break;
    id = *moved;
  }
  return Status::Ok();  // already gone
}

Result<SnapshotInfo> OvhNetappProvider::update_snapshot(const ObjectRef& ref,
                                                        const std::string& body,
                                                        const OpContext& ctx) {
  std::string id = current_id(ref.snapshot_id);
  for (int attempt = 0;; ++attempt) {
    rapidjson::Document doc;
    Status s = client_.call_json("PUT", snapshot_path(ref, id), body, ctx, &doc);
    if (s.ok()) {
      // Read the snapshot back, as the official Terraform provider does after an update, so the
      // entry shows what the API stored; the PUT's own answer serves when that read fails.
      rapidjson::Document stored;
      if (client_.call_json("GET", snapshot_path(ref, id), "", ctx, &stored).ok() &&
          stored.IsObject()) {
        return parse_netapp_snapshot(stored, ref.volume_id);
      }
      if (!doc.IsObject()) {
        return Error(ErrorKind::BadResponse,
                     "remote '" + client_.remote_name() +
                         "': the answer to a snapshot update is not an object");
      }
      return parse_netapp_snapshot(doc, ref.volume_id);
    }
    if (s.error().kind != ErrorKind::NotFound || attempt == 1) return s.error();
    auto moved = find_rekeyed(ref, id, ctx);
    if (!moved) return s.error();
    id = *moved;
  }
}

Result<SnapshotInfo> OvhNetappProvider::rename_snapshot(const ObjectRef& snapshot,
                                                        const std::string& new_name,
                                                        const OpContext& ctx) {
  if (Status s = validate_name(new_name); !s.ok()) return s.error();
  return update_snapshot(snapshot, json_fields({{"name", new_name}}), ctx);
}

Result<std::string> OvhNetappProvider::read_policy(const ObjectRef& ref, const OpContext& ctx) {
  rapidjson::Document attached;
  Status s = client_.call_json("GET", share_path(ref) + "/snapshotPolicy", "", ctx, &attached);
  if (!s.ok()) {
    // A share without a policy: the API has nothing to show.
    if (s.error().kind == ErrorKind::NotFound) return std::string();
    return s.error();
  }
  std::string id = json_string_or(attached, "id");
  if (id.empty()) return std::string();
  rapidjson::Document policy;
  Status p = client_.call_json(
      "GET", service_path(ref.service_id) + "/snapshotPolicy/" + url_encode(id), "", ctx, &policy);
  if (!p.ok()) {
    if (p.error().kind == ErrorKind::NotFound) return id;
    return p.error();
  }
  return format_netapp_policy(policy);
}

namespace {

// A policy as user.snapfs.schedule and user.snapfs.policies show it: "name", "id",
// "name: rules" or "name (id): rules". `name` holds a bare name or id.
struct PolicyChoice {
  std::string name;
  std::string id;
};

PolicyChoice parse_policy_choice(const std::string& value) {
  PolicyChoice out;
  out.name = trim(value.substr(0, value.find(':')));
  if (std::size_t open = out.name.rfind(" (");
      open != std::string::npos && out.name.back() == ')') {
    out.id = out.name.substr(open + 2, out.name.size() - open - 3);
    out.name = trim(out.name.substr(0, open));
  }
  return out;
}

// The id of the policy of the array `policies` that `wanted` names: an id match first, else the
// one policy of that name.
Result<std::string> choose_policy(const rapidjson::Value& policies, const PolicyChoice& wanted) {
  std::vector<std::string> by_name;
  std::string chosen;
  std::string names;
  for (const auto& p : policies.GetArray()) {
    std::string id = json_string_or(p, "id");
    std::string name = json_string_or(p, "name");
    names += (names.empty() ? "" : ", ") + (name.empty() ? id : name);
    if (!wanted.id.empty() ? id == wanted.id : id == wanted.name) chosen = id;
    if (wanted.id.empty() && name == wanted.name) by_name.push_back(id);
  }
  if (!chosen.empty()) return chosen;
  if (by_name.size() > 1) {
    return Error(ErrorKind::InvalidArgument,
                 "several snapshot policies are named '" + wanted.name + "'; write the id instead");
  }
  if (by_name.empty()) {
    return Error(ErrorKind::InvalidArgument, "no snapshot policy '" +
                                                 (wanted.id.empty() ? wanted.name : wanted.id) +
                                                 "' on this service (policies: " + names + ")");
  }
  return by_name.front();
}

}  // namespace

Result<AttrUpdate> OvhNetappProvider::keep_no_policy(const ObjectRef& ref, const OpContext& ctx) {
  // Empty means "no policy". A share that has none already holds that value (it is what a read
  // shows), so writing back what was read succeeds; one with a policy cannot lose it.
  rapidjson::Document attached;
  Status s = client_.call_json("GET", share_path(ref) + "/snapshotPolicy", "", ctx, &attached);
  if (!s.ok() && s.error().kind != ErrorKind::NotFound) return s.error();
  if (!s.ok() || json_string_or(attached, "id").empty()) return AttrUpdate{};
  return Error(ErrorKind::InvalidArgument,
               "Enterprise File Storage has no route to detach a snapshot policy; write the "
               "name or id of another policy (see user.snapfs.policies on the service)");
}

Result<AttrUpdate> OvhNetappProvider::attach_policy(const ObjectRef& ref, const std::string& value,
                                                    const OpContext& ctx) {
  const PolicyChoice wanted = parse_policy_choice(value);
  if (wanted.name.empty() && wanted.id.empty()) return keep_no_policy(ref, ctx);
  rapidjson::Document policies;
  if (Status s = client_.call_json("GET", service_path(ref.service_id) + "/snapshotPolicy", "", ctx,
                                   &policies);
      !s.ok()) {
    return s.error();
  }
  if (!policies.IsArray()) {
    return Error(ErrorKind::BadResponse, "remote '" + client_.remote_name() +
                                             "': the snapshot policy list is not an array");
  }
  auto chosen = choose_policy(policies, wanted);
  if (!chosen.ok()) return chosen.error();
  auto sent = client_.call("PUT", share_path(ref) + "/snapshotPolicy",
                           json_fields({{"snapshotPolicyID", *chosen}}), ctx);
  if (!sent.ok()) return sent.error();
  log_debug("remote '" + client_.remote_name() + "': snapshot policy " + *chosen +
            " attached to share " + ref.volume_id);
  return AttrUpdate{};
}

Result<AttrList> OvhNetappProvider::fetch_attrs(const ObjectRef& object, const OpContext& ctx) {
  if (object.level == Level::Service) {
    rapidjson::Document policies;
    if (Status s = client_.call_json("GET", service_path(object.service_id) + "/snapshotPolicy", "",
                                     ctx, &policies);
        !s.ok()) {
      return s.error();
    }
    return AttrList{{"policies", format_netapp_policy_list(policies)}};
  }
  if (object.level == Level::SnapshotsDir) {
    auto policy = read_policy(object, ctx);
    if (!policy.ok()) return policy.error();
    return AttrList{{"schedule", *policy}};
  }
  return AttrList{};
}

Result<AttrUpdate> OvhNetappProvider::set_attr(const ObjectRef& object, const std::string& key,
                                               const std::string& value, const OpContext& ctx) {
  if (object.level == Level::SnapshotsDir && key == "schedule") {
    return attach_policy(object, value, ctx);
  }
  if (object.level == Level::Snapshot && key == "description") {
    // The description is part of the object shown in user.snapfs.json, which, as any xattr
    // value, cannot exceed 64 KiB: a longer one would leave the snapshot's JSON unreadable.
    constexpr std::size_t kMaxDescriptionJson = 32 * 1024;
    std::string body = json_fields({{"description", value}});
    if (body.size() > kMaxDescriptionJson) {
      return Error(ErrorKind::InvalidArgument,
                   "the description takes " + std::to_string(body.size()) +
                       " bytes as JSON; at most " + std::to_string(kMaxDescriptionJson) +
                       " keep the snapshot's user.snapfs.json within the 64 KiB of an xattr value");
    }
    auto updated = update_snapshot(object, body, ctx);
    if (!updated.ok()) return updated.error();
    AttrUpdate out;
    out.snapshot = std::move(updated.value());
    return out;
  }
  return Provider::set_attr(object, key, value, ctx);
}

Result<std::unique_ptr<Provider>> make_ovh_netapp_provider(const RemoteConfig& remote,
                                                           const ProviderEnv& env) {
  return make_ovh_provider<OvhNetappProvider>(remote, env);
}

}  // namespace snapfs
