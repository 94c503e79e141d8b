#include "providers/ovh/ovh_nasha_provider.h"

// ovh-nasha: the listings (services, partitions, custom snapshots with their dates and the creates
// still unclear) and the factory.

#include <algorithm>
#include <set>
#include <unordered_map>
#include <utility>

#include "providers/common/json_util.h"
#include "providers/common/log.h"
#include "providers/common/time_util.h"
#include "providers/ovh/ovh_nasha_internal.h"
#include "providers/ovh/ovh_provider_base.h"
#include "providers/ovh/ovh_providers.h"

namespace snapfs {

using namespace nasha_internal;

namespace {

constexpr std::chrono::seconds kServiceMaxAge = std::chrono::minutes(5);
constexpr std::chrono::seconds kPartitionMaxAge = std::chrono::seconds(60);

// Whether the task history `objects` holds a create of `name` on `partition` sent by the create
// of `sent_us` (pending or done); its unfinished task goes to *pending.
bool find_create_task(const std::vector<std::string>& objects, const std::string& partition,
                      const std::string& name, std::int64_t sent_us,
                      std::optional<NashaTask>* pending) {
  // A task of an earlier create of the same name (made, then deleted) is not this one's.
  constexpr std::int64_t kClockSlackUs = 60LL * 1000 * 1000;
  bool made = false;
  for_each_object(objects, "the task history", [&](const rapidjson::Value& o) {
    auto t = parse_nasha_task(o);
    if (!t || t->partition != partition || !nasha_task_names(t->details, name)) return;
    if (t->todo_us && *t->todo_us + kClockSlackUs < sent_us) return;
    if (!t->finished()) *pending = t;
    made = made || t->status == "done";
  });
  return pending->has_value() || made;
}

// A custom snapshot whose create task is still pending, shown until a listing holds it.
SnapshotInfo creating_snapshot(const std::string& name, const std::string& partition,
                               std::int64_t now_us) {
  SnapshotInfo info;
  info.id = name;
  info.name = name;
  info.volume_id = partition;
  info.type = "manual";
  info.state = "creating";
  info.created_us = now_us;
  info.json = custom_snapshot_json(name, "");
  info.content_dir = nasha_snapshot_dir(name);
  return info;
}

}  // namespace

OvhNashaProvider::OvhNashaProvider(OvhSettings settings, std::string remote_name,
                                   OvhClient::LocalClock clock)
    : OvhProvider(std::move(settings), std::move(remote_name), std::move(clock),
                  {.create_expiration = true,
                   .attrs = {{Level::SnapshotsDir, "schedule", true, true},
                             {Level::Volume, "used", false, true},
                             {Level::Volume, "usedbysnapshots", false, true}}}) {}

std::string OvhNashaProvider::partition_path(const ObjectRef& ref) {
  return ovh_path({"dedicated", "nasha", ref.service_id, "partition", ref.volume_id});
}

Result<std::vector<ServiceInfo>> OvhNashaProvider::list_services(const OpContext& ctx) {
  auto list = client_.list_objects("/dedicated/nasha", "", ctx, kServiceMaxAge);
  if (!list.ok()) return list.error();
  std::vector<ServiceInfo> out;
  Status s =
      for_each_object(list->objects, "the HA-NAS service list", [&](const rapidjson::Value& o) {
        ServiceInfo info = parse_nasha_service(o);
        if (!info.id.empty()) out.push_back(std::move(info));
      });
  if (!s.ok()) return s.error();
  MutexLock lock(mu_);
  for (const ServiceInfo& info : out) {
    for (const Attr& a : info.attrs) {
      if (a.key == "ip") memo_[info.id].ip = a.value;
    }
  }
  return out;
}

std::string OvhNashaProvider::service_ip(const std::string& service, const OpContext& ctx) {
  {
    MutexLock lock(mu_);
    auto it = memo_.find(service);
    if (it != memo_.end() && !it->second.ip.empty()) return it->second.ip;
  }
  // Partitions listed without a service listing first (its objects carry the ip): one GET of the
  // service, for all its partitions. Without an answer the exports stay unknown (empty); the
  // listing itself does not fail for it.
  rapidjson::Document doc;
  Status got = client_.call_json("GET", ovh_path({"dedicated", "nasha", service}), "", ctx, &doc);
  if (!got.ok()) {
    log_debug("remote '" + client_.remote_name() + "': ip of " + service +
              " unavailable: " + got.error().message);
    return "";
  }
  std::string ip = json_string_or(doc, "ip");
  MutexLock lock(mu_);
  memo_[service].ip = ip;
  return ip;
}

Result<std::vector<VolumeInfo>> OvhNashaProvider::list_volumes(const ObjectRef& service,
                                                               const OpContext& ctx) {
  // Whoever lists the partitions lists their custom snapshots next (a crawl, the prefetch), and
  // those need the service's task history for their dates: it is read alongside the partition
  // list, not one round trip after the first snapshot list. A listing burst reads it once either
  // way (kHistoryBurst).
  bool read_history = false;
  {
    MutexLock lock(mu_);
    read_history = !history_is_fresh(memo_[service.service_id]);
  }
  Result<OvhObjectList> list = Error(ErrorKind::Internal, "not listed");
  ovh_parallel_for(read_history ? 2 : 1, 2, [&](std::size_t i) {
    if (i == 1) {
      refresh_history(service.service_id, ctx);
      return;
    }
    list = client_.list_objects(ovh_path({"dedicated", "nasha", service.service_id, "partition"}),
                                "", ctx, kPartitionMaxAge);
  });
  if (!list.ok()) return list.error();
  std::vector<VolumeInfo> out;
  Status s = for_each_object(list->objects, "the partition list of " + service.service_id,
                             [&](const rapidjson::Value& o) {
                               VolumeInfo info = parse_nasha_partition(o);
                               if (!info.id.empty()) out.push_back(std::move(info));
                             });
  if (!s.ok()) return s.error();
  if (out.empty()) return out;
  const std::string ip = service_ip(service.service_id, ctx);
  if (!ip.empty()) {
    for (VolumeInfo& info : out) {
      info.nfs_export = nasha_export(ip, service.service_id, info.id);
    }
  }
  return out;
}

Result<std::vector<SnapshotInfo>> OvhNashaProvider::list_snapshots(const ObjectRef& scope,
                                                                   const OpContext& ctx) {
  auto list = client_.list_objects(partition_path(scope) + "/customSnapshot", "", ctx,
                                   kCustomSnapshotMaxAge);
  if (!list.ok()) return list.error();
  std::vector<SnapshotInfo> out;
  out.reserve(list->objects.size());
  Status s = for_each_object(list->objects, "the custom snapshots of " + scope.volume_id,
                             [&](const rapidjson::Value& o) {
                               SnapshotInfo info = parse_nasha_custom_snapshot(o, scope.volume_id);
                               if (!info.name.empty()) out.push_back(std::move(info));
                             });
  if (!s.ok()) return s.error();

  std::vector<std::string> names;
  names.reserve(out.size());
  for (const SnapshotInfo& info : out) names.push_back(info.name);

  if (Status shown = add_unclear_creates(scope, names, out, ctx); !shown.ok()) {
    return shown.error();
  }
  learn_creation_times(scope.service_id, scope.volume_id, names, ctx);
  date_and_mark(scope, out);
  return out;
}

std::vector<std::pair<std::string, std::int64_t>> OvhNashaProvider::take_unclear_creates(
    const ObjectRef& scope, const std::vector<std::string>& names) {
  std::vector<std::pair<std::string, std::int64_t>> unclear;
  MutexLock lock(mu_);
  ServiceMemo& memo = memo_[scope.service_id];
  const std::string prefix = scope.volume_id + "\n";
  for (auto it = memo.unclear_creates.lower_bound(prefix);
       it != memo.unclear_creates.end() && it->first.rfind(prefix, 0) == 0;) {
    std::string name = it->first.substr(prefix.size());
    if (std::find(names.begin(), names.end(), name) != names.end()) {
      it = memo.unclear_creates.erase(it);
    } else {
      unclear.emplace_back(std::move(name), it->second);
      ++it;
    }
  }
  return unclear;
}

Status OvhNashaProvider::add_unclear_creates(const ObjectRef& scope,
                                             const std::vector<std::string>& names,
                                             std::vector<SnapshotInfo>& out, const OpContext& ctx) {
  // A create with an unclear outcome whose snapshot is not listed yet may still have its task
  // pending: the task history tells, and the snapshot is shown `creating` until it is listed
  // (in every listing meanwhile, not just the one that decides the create: a prefetch may come
  // first). Once listed, or with no such task, it is forgotten.
  const std::vector<std::pair<std::string, std::int64_t>> unclear =
      take_unclear_creates(scope, names);  // name, when the create was sent
  if (unclear.empty()) return Status::Ok();
  // One read of the task history for all of them. The snapshot list was read before it, so a
  // task that ended in between made a snapshot this listing does not hold: such a name is still
  // shown (`creating`) and kept until a listing holds it. Only a history that was read and shows
  // no successful create of the name forgets it. A history that cannot be read tells nothing,
  // and a listing without the answer could show a made snapshot gone or an unmade one present:
  // the listing fails instead (the caller's check of an unclear create then fails too).
  auto creates = client_.list_objects(task_path(scope.service_id),
                                      std::string("operation=") + kCreateOperation, ctx, {});
  if (!creates.ok()) return creates.error();
  for (const auto& entry : unclear) {
    const std::string& name = entry.first;
    std::optional<NashaTask> pending;
    if (!find_create_task(creates->objects, scope.volume_id, name, entry.second, &pending)) {
      MutexLock lock(mu_);
      memo_[scope.service_id].unclear_creates.erase(key(scope.volume_id, name));
      continue;
    }
    if (pending) {
      MutexLock lock(mu_);
      memo_[scope.service_id].own_creates[pending->id] = key(scope.volume_id, name);
    }
    out.push_back(creating_snapshot(name, scope.volume_id, server_now_us()));
  }
  return Status::Ok();
}

void OvhNashaProvider::date_and_mark(const ObjectRef& scope, std::vector<SnapshotInfo>& out) {
  const std::int64_t now = now_unix_us();
  MutexLock lock(mu_);
  ServiceMemo& memo = memo_[scope.service_id];
  std::set<std::string> listed;
  for (SnapshotInfo& info : out) {
    const std::string k = key(scope.volume_id, info.name);
    listed.insert(k);
    auto created = memo.created_us.find(digest(k));
    if (created != memo.created_us.end()) {
      info.created_us = created->second;
    } else {
      auto [seen, inserted] = first_seen_us_.emplace(digest(scope.service_id + "\n" + k), now);
      info.created_us = seen->second;
    }
    if (memo.own_deletes.count(k)) info.state = "deleting";
  }
  // A delete whose snapshot is no longer listed is done.
  for (auto it = memo.own_deletes.begin(); it != memo.own_deletes.end();) {
    bool same_partition = it->first.rfind(scope.volume_id + "\n", 0) == 0;
    it = same_partition && !listed.count(it->first) ? memo.own_deletes.erase(it) : std::next(it);
  }
}

Status OvhNashaProvider::validate_name(const std::string& name) const {
  if (Status s = Provider::validate_name(name); !s.ok()) return s;
  if (!valid_nasha_snapshot_name(name)) {
    return Error(ErrorKind::InvalidArgument,
                 "HA-NAS custom snapshot names may contain only letters, digits, '.', ':' and '-' "
                 "(the control panel's rule)");
  }
  return Status::Ok();
}

Result<std::unique_ptr<Provider>> make_ovh_nasha_provider(const RemoteConfig& remote,
                                                          const ProviderEnv& env) {
  return make_ovh_provider<OvhNashaProvider>(remote, env);
}

}  // namespace snapfs
