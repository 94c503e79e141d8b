#include "providers/ovh/ovh_nasha_provider.h"

// ovh-nasha: custom snapshots created and deleted through their tasks; no rename.

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "providers/common/log.h"
#include "providers/common/strings.h"
#include "providers/ovh/ovh_nasha_internal.h"

namespace snapfs {

using namespace nasha_internal;

namespace {

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

}  // namespace

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

}  // namespace snapfs
