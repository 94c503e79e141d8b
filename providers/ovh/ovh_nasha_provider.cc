#include "providers/ovh/ovh_nasha_provider.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "providers/common/json_util.h"
#include "providers/common/log.h"
#include "providers/common/strings.h"
#include "providers/common/time_util.h"
#include "providers/common/wait_notice.h"
#include "providers/ovh/ovh_providers.h"

namespace snapfs {
namespace {

constexpr const char* kCreateOperation = "clusterLeclercCustomSnapCreate";
constexpr const char* kDeleteOperation = "clusterLeclercCustomSnapDelete";
// Custom snapshots never change (name and expiration are fixed at creation): their objects can be
// kept with the listing for as long as they are listed.
constexpr std::chrono::seconds kCustomSnapshotMaxAge = std::chrono::hours(24);
constexpr std::chrono::seconds kServiceMaxAge = std::chrono::minutes(5);
constexpr std::chrono::seconds kPartitionMaxAge = std::chrono::seconds(60);
constexpr std::chrono::seconds kTaskMaxAge = std::chrono::hours(1);

// Parses every object of a list; a malformed one fails the listing.
template <class F>
Status for_each_object(const std::vector<std::string>& objects, const std::string& what, F fn) {
  for (const std::string& text : objects) {
    rapidjson::Document doc;
    if (Status s = parse_json(text, &doc, what); !s.ok()) return s;
    fn(doc);
  }
  return Status::Ok();
}

bool contains(const std::vector<std::string>& v, const std::string& t) {
  return std::find(v.begin(), v.end(), t) != v.end();
}

std::string task_path(const std::string& service) {
  return ovh_path({"dedicated", "nasha", service, "task"});
}

// {"key": "value"} as JSON text.
std::string json_string_object(const char* key, const std::string& value) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key(key);
  w.String(value);
  w.EndObject();
  return buf.GetString();
}

std::string custom_snapshot_json(const std::string& name, const std::string& expiration) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("name");
  w.String(name);
  w.Key("expiration");
  if (expiration.empty()) {
    w.Null();
  } else {
    w.String(expiration);
  }
  w.EndObject();
  return buf.GetString();
}

// A create refused for a reason the API words in its message.
void refine_create_error(int status, const OvhErrorBody& body, Error& error) {
  std::string message = lower(body.message);
  if (status == 409 || message.find("already exist") != std::string::npos) {
    error.kind = ErrorKind::AlreadyExists;
  } else if ((status == 400 || status == 403) && (message.find("max") != std::string::npos ||
                                                  message.find("limit") != std::string::npos ||
                                                  message.find("quota") != std::string::npos ||
                                                  message.find("reached") != std::string::npos)) {
    error.kind = ErrorKind::QuotaExceeded;
  }
}

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

// The names of `unknown` that a done create task of `partition` in `history` made -> the latest
// doneDate of such a task.
std::unordered_map<std::string, std::int64_t> latest_done_dates(
    const std::vector<NashaTask>& history, const std::string& partition,
    const std::vector<std::string>& unknown) {
  std::unordered_map<std::string, std::int64_t> found;
  std::unordered_set<std::string> wanted(unknown.begin(), unknown.end());
  for (const NashaTask& task : history) {
    if (task.status != "done" || !task.done_us) continue;
    if (!task.partition.empty() && task.partition != partition) continue;
    std::vector<std::string> matched;
    if (wanted.count(task.details)) {
      matched.push_back(task.details);
    } else if (unknown.size() <= 1000) {
      for (const std::string& name : unknown) {
        if (nasha_task_names(task.details, name)) matched.push_back(name);
      }
    }
    for (const std::string& name : matched) {
      auto [it, inserted] = found.emplace(name, *task.done_us);
      if (!inserted) it->second = std::max(it->second, *task.done_us);
    }
  }
  return found;
}

}  // namespace

OvhNashaProvider::OvhNashaProvider(OvhSettings settings, std::string remote_name,
                                   OvhClient::LocalClock clock)
    : client_(std::move(settings), std::move(remote_name), &stats_, clock),
      clock_(std::move(clock)) {
  capabilities_.listing = SnapshotListing::PerVolume;
  capabilities_.rename = false;
  capabilities_.create_expiration = true;
  capabilities_.attrs = {{Level::SnapshotsDir, "schedule", true, true},
                         {Level::Volume, "used", false, true},
                         {Level::Volume, "usedbysnapshots", false, true}};
}

std::string OvhNashaProvider::partition_path(const ObjectRef& ref) {
  return ovh_path({"dedicated", "nasha", ref.service_id, "partition", ref.volume_id});
}

std::int64_t OvhNashaProvider::server_now_us() const {
  std::int64_t local_us = clock_ ? clock_() * 1000000 : now_unix_us();
  return local_us + client_.clock_offset() * 1000000;
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

bool OvhNashaProvider::history_is_fresh(const ServiceMemo& memo) {
  return memo.have_history && std::chrono::steady_clock::now() - memo.history_at <= kHistoryBurst;
}

OvhNashaProvider::LearnPlan OvhNashaProvider::plan_learning(const std::string& service,
                                                            const std::string& partition,
                                                            const std::vector<std::string>& names) {
  LearnPlan plan;
  MutexLock lock(mu_);
  ServiceMemo& memo = memo_[service];
  std::set<std::string> own_keys;
  std::unordered_set<std::string> listed(names.begin(), names.end());
  for (const auto& [id, k] : memo.own_creates) {
    own_keys.insert(k);
    if (k.rfind(partition + "\n", 0) == 0 && listed.count(k.substr(partition.size() + 1))) {
      plan.own.push_back(id);
    }
  }
  for (const std::string& name : names) {
    const std::string k = key(partition, name);
    if (!memo.created_us.count(digest(k)) && !memo.checked.count(digest(k)) && !own_keys.count(k)) {
      plan.unknown.push_back(name);
    }
  }
  plan.fetch_history = !plan.unknown.empty() && !history_is_fresh(memo);
  return plan;
}

std::vector<std::optional<NashaTask>> OvhNashaProvider::fetch_own_tasks(
    const std::string& service, const std::vector<std::int64_t>& ids, const OpContext& ctx) {
  std::vector<std::optional<NashaTask>> tasks(ids.size());
  ovh_parallel_for(ids.size(), OvhClient::kParallelGets, [&](std::size_t i) {
    rapidjson::Document doc;
    if (client_.call_json("GET", task_path(service) + "/" + std::to_string(ids[i]), "", ctx, &doc)
            .ok()) {
      tasks[i] = parse_nasha_task(doc);
    }
  });
  return tasks;
}

std::unique_lock<std::mutex> OvhNashaProvider::lock_history(const std::string& service) {
  std::shared_ptr<std::mutex> history_mu;
  {
    MutexLock lock(mu_);
    auto& slot = history_locks_[service];
    if (!slot) slot = std::make_shared<std::mutex>();
    history_mu = slot;
  }
  return std::unique_lock<std::mutex>(*history_mu);
}

std::vector<NashaTask> OvhNashaProvider::fetch_create_history(const std::string& service,
                                                              const OpContext& ctx) {
  std::vector<NashaTask> history;
  auto list = client_.list_objects(task_path(service), std::string("operation=") + kCreateOperation,
                                   ctx, kTaskMaxAge);
  if (list.ok()) {
    for_each_object(list->objects, "the task history of " + service,
                    [&](const rapidjson::Value& o) {
                      if (auto t = parse_nasha_task(o)) history.push_back(std::move(*t));
                    });
  } else {
    log_debug("remote '" + client_.remote_name() + "': task history of " + service +
              " unavailable: " + list.error().message);
  }
  return history;
}

void OvhNashaProvider::record_own_tasks(ServiceMemo& memo,
                                        const std::vector<std::optional<NashaTask>>& tasks) {
  for (const auto& task : tasks) {
    if (!task || !task->finished()) continue;
    auto it = memo.own_creates.find(task->id);
    if (it == memo.own_creates.end()) continue;
    if (task->status == "done" && task->done_us)
      memo.created_us[digest(it->second)] = *task->done_us;
    memo.own_creates.erase(it);
  }
}

void OvhNashaProvider::date_from_history(ServiceMemo& memo, const std::string& partition,
                                         const std::vector<std::string>& unknown) {
  const std::unordered_map<std::string, std::int64_t> found =
      latest_done_dates(memo.history, partition, unknown);
  for (const std::string& name : unknown) {
    const std::string k = key(partition, name);
    auto it = found.find(name);
    if (it != found.end()) {
      memo.created_us[digest(k)] = it->second;
    } else {
      memo.checked.insert(digest(k));
    }
  }
}

void OvhNashaProvider::learn_creation_times(const std::string& service,
                                            const std::string& partition,
                                            const std::vector<std::string>& names,
                                            const OpContext& ctx) {
  LearnPlan plan = plan_learning(service, partition, names);
  // Our own creates: their task tells the doneDate directly.
  const std::vector<std::optional<NashaTask>> own_tasks = fetch_own_tasks(service, plan.own, ctx);
  if (plan.fetch_history) refresh_history(service, ctx);

  MutexLock lock(mu_);
  ServiceMemo& memo = memo_[service];
  record_own_tasks(memo, own_tasks);
  if (plan.unknown.empty() || !memo.have_history) return;
  date_from_history(memo, partition, plan.unknown);
}

void OvhNashaProvider::refresh_history(const std::string& service, const OpContext& ctx) {
  // Partitions of one service are listed in parallel (prefetch), and the partition listing reads
  // the history too: one of them fetches it, the others wait for it and use it. Lock order: the
  // service's history lock, then mu_ (taken briefly inside it, never the other way round).
  std::unique_lock<std::mutex> history_lock = lock_history(service);
  {
    MutexLock lock(mu_);
    if (history_is_fresh(memo_[service])) return;
  }
  std::vector<NashaTask> history = fetch_create_history(service, ctx);
  MutexLock lock(mu_);
  ServiceMemo& memo = memo_[service];
  memo.history = std::move(history);
  memo.history_at = std::chrono::steady_clock::now();
  memo.have_history = true;
}

Result<SnapshotInfo> OvhNashaProvider::create_snapshot(const ObjectRef& volume,
                                                       const CreateRequest& request,
                                                       const OpContext& ctx) {
  if (Status s = validate_name(request.name); !s.ok()) return s.error();
  std::string expiration;
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("name");
  w.String(request.name);
  if (request.expires_in_seconds && *request.expires_in_seconds > 0) {
    expiration = nasha_expiration(server_now_us(), *request.expires_in_seconds);
    w.Key("expiration");
    w.String(expiration);
  }
  w.EndObject();

  rapidjson::Document doc;
  Status sent = client_.call_json("POST", partition_path(volume) + "/customSnapshot",
                                  buf.GetString(), ctx, &doc, refine_create_error);
  if (!sent.ok()) {
    // 501 and 505 refuse before any work; any other 5xx, like a lost answer, may follow it.
    const int status = sent.error().http_status;
    if (sent.error().may_have_applied() || (status >= 500 && status != 501 && status != 505))
      note_unclear_create(volume, request.name);
    return sent.error();
  }
  auto task = parse_nasha_task(doc);
  if (!task) {
    // The API took the request but its answer says nothing usable: the create may have been
    // applied, which the filesystem checks in a fresh listing.
    note_unclear_create(volume, request.name);
    return Error(ErrorKind::BadResponse,
                 "remote '" + client_.remote_name() +
                     "': the answer to a custom snapshot create is not a task");
  }
  SnapshotInfo info;
  info.id = request.name;
  info.name = request.name;
  info.volume_id = volume.volume_id;
  info.type = "manual";
  info.state = task->status == "done" ? "available" : "creating";
  info.expiration = expiration;
  info.created_us = task->done_us.value_or(task->todo_us.value_or(server_now_us()));
  info.json = custom_snapshot_json(request.name, expiration);
  info.content_dir = nasha_snapshot_dir(request.name);
  {
    MutexLock lock(mu_);
    ServiceMemo& memo = memo_[volume.service_id];
    const std::string k = key(volume.volume_id, request.name);
    memo.checked.erase(digest(k));
    memo.created_us.erase(digest(k));
    if (task->status == "done" && task->done_us) {
      memo.created_us[digest(k)] = *task->done_us;
    } else {
      memo.own_creates[task->id] = k;
    }
  }
  log_debug("remote '" + client_.remote_name() + "': custom snapshot " + request.name + " of " +
            volume.service_id + "/" + volume.volume_id + ": task " + std::to_string(task->id) +
            " " + task->status);
  return info;
}

void OvhNashaProvider::note_unclear_create(const ObjectRef& volume, const std::string& name) {
  MutexLock lock(mu_);
  memo_[volume.service_id].unclear_creates[key(volume.volume_id, name)] = server_now_us();
}

std::optional<NashaTask> OvhNashaProvider::pending_task(const ObjectRef& partition,
                                                        const char* operation,
                                                        const std::string& name,
                                                        const OpContext& ctx) {
  auto tasks = client_.list_objects(task_path(partition.service_id),
                                    std::string("operation=") + operation, ctx, {});
  if (!tasks.ok()) return std::nullopt;
  std::optional<NashaTask> pending;
  for_each_object(tasks->objects, "the task history", [&](const rapidjson::Value& o) {
    auto t = parse_nasha_task(o);
    if (t && !t->finished() && t->partition == partition.volume_id &&
        nasha_task_names(t->details, name)) {
      pending = t;
    }
  });
  return pending;
}

Status OvhNashaProvider::delete_snapshot(const ObjectRef& snapshot, const OpContext& ctx) {
  const std::string name =
      snapshot.snapshot_id.empty() ? snapshot.snapshot_name : snapshot.snapshot_id;
  rapidjson::Document doc;
  Status sent = client_.call_json(
      "DELETE", partition_path(snapshot) + "/customSnapshot/" + url_encode(name), "", ctx, &doc);
  if (!sent.ok() && sent.error().kind == ErrorKind::NotFound) {
    // The API also answers 404 for a snapshot whose create task has not ended: it appears once
    // that task is done, so the 404 only means "gone" when no create of that name is pending.
    auto creates = client_.list_objects(task_path(snapshot.service_id),
                                        std::string("operation=") + kCreateOperation, ctx, {});
    if (!creates.ok()) return creates.error();  // cannot tell: never report an unmade delete
    bool creating = false;
    for_each_object(creates->objects, "the task history", [&](const rapidjson::Value& o) {
      auto t = parse_nasha_task(o);
      creating = creating || (t && !t->finished() && t->partition == snapshot.volume_id &&
                              nasha_task_names(t->details, name));
    });
    if (creating) {
      return Error(ErrorKind::Busy, "remote '" + client_.remote_name() + "': custom snapshot " +
                                        name +
                                        " is still being created; delete it once it is listed");
    }
    // A create task may have ended between the DELETE and the task listing: ask once more, and
    // only a second 404 (with no create pending in between) means the snapshot is gone.
    doc = rapidjson::Document();
    sent = client_.call_json(
        "DELETE", partition_path(snapshot) + "/customSnapshot/" + url_encode(name), "", ctx, &doc);
    if (!sent.ok() && sent.error().kind == ErrorKind::NotFound) return Status::Ok();
  }
  std::optional<NashaTask> task;
  if (sent.ok()) {
    task = parse_nasha_task(doc);
  } else if (!sent.error().may_have_applied()) {
    return sent;
  } else {
    // No answer, or an unreadable one. The snapshot stays listed until the deletion task ends,
    // so the task history tells whether this delete was taken.
    task = pending_task(snapshot, kDeleteOperation, name, ctx);
    if (!task) return sent;
  }
  MutexLock lock(mu_);
  ServiceMemo& memo = memo_[snapshot.service_id];
  const std::string k = key(snapshot.volume_id, name);
  if (task && !task->finished()) {
    memo.own_deletes[k] = task->id;
  }
  memo.created_us.erase(digest(k));
  memo.checked.erase(digest(k));
  first_seen_us_.erase(digest(snapshot.service_id + "\n" + k));
  return Status::Ok();
}

Result<SnapshotInfo> OvhNashaProvider::rename_snapshot(const ObjectRef&, const std::string&,
                                                       const OpContext&) {
  return Error(ErrorKind::NotSupported,
               "HA-NAS custom snapshots cannot be renamed (the API has no such route)");
}

Result<AttrList> OvhNashaProvider::fetch_attrs(const ObjectRef& object, const OpContext& ctx) {
  if (object.level == Level::Volume) return volume_usage(object, ctx);
  if (object.level == Level::SnapshotsDir) {
    auto types = read_schedule(object, ctx);
    if (!types.ok()) return types.error();
    return AttrList{{"schedule", format_nasha_schedule(*types)}};
  }
  return AttrList{};
}

Result<AttrList> OvhNashaProvider::volume_usage(const ObjectRef& ref, const OpContext& ctx) {
  static const char* const kTypes[] = {"used", "usedbysnapshots"};
  std::vector<Result<std::string>> values(2, Result<std::string>(std::string()));
  ovh_parallel_for(2, 2, [&](std::size_t i) {
    rapidjson::Document doc;
    Status s =
        client_.call_json("GET", partition_path(ref) + "/use?type=" + kTypes[i], "", ctx, &doc);
    if (!s.ok()) {
      values[i] = s.error();
    } else {
      values[i] = nasha_usage_text(doc);
    }
  });
  AttrList attrs;
  for (std::size_t i = 0; i < 2; ++i) {
    if (!values[i].ok()) return values[i].error();
    attrs.push_back({kTypes[i], values[i].value()});
  }
  return attrs;
}

Result<std::vector<std::string>> OvhNashaProvider::read_schedule(const ObjectRef& ref,
                                                                 const OpContext& ctx) {
  auto list =
      client_.list_objects(partition_path(ref) + "/snapshot", "", ctx, kCustomSnapshotMaxAge);
  if (!list.ok()) return list.error();
  std::vector<std::string> types;
  Status s = for_each_object(list->objects, "the snapshot schedule of " + ref.volume_id,
                             [&](const rapidjson::Value& o) {
                               if (auto t = json_string(o, "snapshotType")) types.push_back(*t);
                             });
  if (!s.ok()) return s.error();

  const std::string change_key = ref.service_id + "\n" + ref.volume_id;
  std::vector<ScheduleChange> changes;
  {
    MutexLock lock(mu_);
    changes = schedule_changes_[change_key];
  }
  auto listed = [&](const std::string& t) {
    return std::find(types.begin(), types.end(), t) != types.end();
  };
  std::vector<ScheduleChange> pending;
  for (const ScheduleChange& c : changes) {
    if (c.add == listed(c.type)) continue;  // applied
    rapidjson::Document doc;
    Status got = client_.call_json(
        "GET", task_path(ref.service_id) + "/" + std::to_string(c.task_id), "", ctx, &doc);
    auto task = got.ok() ? parse_nasha_task(doc) : std::nullopt;
    if (task && !task->finished()) pending.push_back(c);
  }
  {
    MutexLock lock(mu_);
    schedule_changes_[change_key] = pending;
  }
  if (pending.empty()) return types;
  for (const ScheduleChange& c : pending) {
    if (c.add && !listed(c.type)) types.push_back(c.type);
    if (!c.add) types.erase(std::remove(types.begin(), types.end(), c.type), types.end());
  }
  const auto& order = nasha_schedule_types();
  std::stable_sort(types.begin(), types.end(), [&](const std::string& a, const std::string& b) {
    return std::find(order.begin(), order.end(), a) < std::find(order.begin(), order.end(), b);
  });
  return types;
}

Status OvhNashaProvider::wait_for_task(const std::string& service, std::int64_t task_id,
                                       const OpContext& ctx) {
  // Tasks take seconds; polling stops early enough to leave the caller's requests their time.
  constexpr auto kPoll = std::chrono::milliseconds(250);
  constexpr auto kReserve = std::chrono::seconds(2);
  const std::string path = task_path(service) + "/" + std::to_string(task_id);
  for (;;) {
    rapidjson::Document doc;
    Status got = client_.call_json("GET", path, "", ctx, &doc);
    if (!got.ok()) return got.error().kind == ErrorKind::NotFound ? Status::Ok() : got;
    auto task = parse_nasha_task(doc);
    if (!task || task->finished()) return Status::Ok();
    if (ctx.cancelled()) return Error(ErrorKind::Cancelled, "cancelled while waiting for a task");
    if (ctx.remaining() < kPoll + kReserve) {
      return Error(ErrorKind::Busy, "remote '" + client_.remote_name() + "': task " +
                                        std::to_string(task_id) + " of " + service +
                                        " has not ended yet; write again once it has");
    }
    WaitNotice::before_waiting();
    std::this_thread::sleep_for(kPoll);
  }
}

Status OvhNashaProvider::wait_for_undone_changes(const ObjectRef& ref,
                                                 const std::vector<std::string>& wanted,
                                                 std::vector<std::string>* current,
                                                 const OpContext& ctx) {
  for (;;) {
    std::vector<std::int64_t> blocking;
    {
      MutexLock lock(mu_);
      for (const ScheduleChange& c : schedule_changes_[ref.service_id + "\n" + ref.volume_id]) {
        if (c.add != contains(wanted, c.type)) blocking.push_back(c.task_id);
      }
    }
    if (blocking.empty()) return Status::Ok();
    for (std::int64_t id : blocking) {
      if (Status s = wait_for_task(ref.service_id, id, ctx); !s.ok()) return s;
    }
    auto reread = read_schedule(ref, ctx);
    if (!reread.ok()) return reread.error();
    *current = std::move(*reread);
  }
}

void OvhNashaProvider::record_change(const std::string& type, bool add,
                                     const rapidjson::Document& doc,
                                     std::vector<ScheduleChange>* sent) {
  if (auto task = parse_nasha_task(doc); task && !task->finished()) {
    sent->push_back({type, add, task->id});
  }
}

void OvhNashaProvider::remember_schedule_changes(const ObjectRef& ref,
                                                 const std::vector<ScheduleChange>& sent) {
  MutexLock lock(mu_);
  auto& changes = schedule_changes_[ref.service_id + "\n" + ref.volume_id];
  for (const ScheduleChange& c : sent) {
    changes.erase(std::remove_if(changes.begin(), changes.end(),
                                 [&](const ScheduleChange& old) { return old.type == c.type; }),
                  changes.end());
    changes.push_back(c);
  }
}

Status OvhNashaProvider::remove_frequencies(const ObjectRef& ref,
                                            const std::vector<std::string>& current,
                                            const std::vector<std::string>& wanted,
                                            const OpContext& ctx,
                                            std::vector<ScheduleChange>* sent) {
  for (const std::string& type : current) {
    if (contains(wanted, type)) continue;
    rapidjson::Document doc;
    Status s = client_.call_json("DELETE", partition_path(ref) + "/snapshot/" + url_encode(type),
                                 "", ctx, &doc);
    if (!s.ok() && s.error().kind != ErrorKind::NotFound) return s;
    if (s.ok()) record_change(type, false, doc, sent);
  }
  return Status::Ok();
}

Status OvhNashaProvider::add_frequencies(const ObjectRef& ref,
                                         const std::vector<std::string>& current,
                                         const std::vector<std::string>& wanted,
                                         const OpContext& ctx, std::vector<ScheduleChange>* sent) {
  for (const std::string& type : wanted) {
    if (contains(current, type)) continue;
    rapidjson::Document doc;
    Status s = client_.call_json("POST", partition_path(ref) + "/snapshot",
                                 json_string_object("snapshotType", type), ctx, &doc);
    if (!s.ok() && s.error().http_status != 409) return s;
    if (s.ok()) record_change(type, true, doc, sent);
  }
  return Status::Ok();
}

Result<AttrUpdate> OvhNashaProvider::write_schedule(const ObjectRef& ref, const std::string& value,
                                                    const OpContext& ctx) {
  auto wanted = parse_nasha_schedule(value);
  if (!wanted.ok()) return wanted.error();
  auto current = read_schedule(ref, ctx);
  if (!current.ok()) return current.error();
  // A change this write undoes whose task has not ended yet cannot be undone now (the API
  // answers 404 to removing a frequency still being added, and that removal would be lost): wait
  // for those tasks, so writes apply in the order they were made, or fail if they do not end.
  if (Status s = wait_for_undone_changes(ref, *wanted, &*current, ctx); !s.ok()) {
    return s.error();
  }
  std::vector<ScheduleChange> sent;
  // Removals first, so that the API's limit on frequencies is never crossed on the way.
  Status s = remove_frequencies(ref, *current, *wanted, ctx, &sent);
  if (s.ok()) s = add_frequencies(ref, *current, *wanted, ctx, &sent);
  remember_schedule_changes(ref, sent);
  if (!s.ok()) return s.error();
  log_debug("remote '" + client_.remote_name() + "': snapshot schedule of " + ref.service_id + "/" +
            ref.volume_id + " set to '" + format_nasha_schedule(*wanted) + "'");
  return AttrUpdate{};
}

Result<AttrUpdate> OvhNashaProvider::set_attr(const ObjectRef& object, const std::string& key,
                                              const std::string& value, const OpContext& ctx) {
  if (object.level == Level::SnapshotsDir && key == "schedule") {
    return write_schedule(object, value, ctx);
  }
  return Provider::set_attr(object, key, value, ctx);
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
  auto settings = resolve_ovh_settings(remote, env);
  if (!settings.ok()) return settings.error();
  if (settings->insecure) {
    log_warning("remote '" + remote.name +
                "': TLS certificate verification is OFF (insecure = true)");
  }
  return std::unique_ptr<Provider>(
      std::make_unique<OvhNashaProvider>(std::move(settings.value()), remote.name));
}

}  // namespace snapfs
