#include "providers/ovh/ovh_nasha_provider.h"

// ovh-nasha: the attributes: the automatic snapshot frequencies of a partition
// (user.snapfs.schedule on .snapshots, changed through tasks) and its usage.

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <thread>

#include "providers/common/log.h"
#include "providers/common/strings.h"
#include "providers/common/wait_notice.h"
#include "providers/ovh/ovh_nasha_internal.h"

namespace snapfs {

using namespace nasha_internal;

namespace {

bool contains(const std::vector<std::string>& v, const std::string& t) {
  return std::find(v.begin(), v.end(), t) != v.end();
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

}  // namespace

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

}  // namespace snapfs
