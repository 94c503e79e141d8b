// HA-NAS model: time passing (tasks, expirations), the answers' JSON, tasks, seeds and the state
// file section.
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "emulator/apis/ovh/nasha.h"
#include "emulator/emu_util.h"

namespace snapfs::emu::ovh {
namespace {

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

}  // namespace

// ---- time passing ---------------------------------------------------------------------------

void Nasha::advance(std::int64_t now) {
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
}

void Nasha::apply_task(NasService& svc, NasTask& task) {
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

// ---- answers ----------------------------------------------------------------------------------

void Nasha::write_nas_service(JsonWriter& w, const NasService& s) const {
  w.StartObject();
  w.Key("serviceName");
  w.String(s.name);
  w.Key("customName");
  write_text_or_null(w, s.custom_name);
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

void Nasha::write_partition(JsonWriter& w, const Partition& p) {
  w.StartObject();
  w.Key("partitionName");
  w.String(p.name);
  w.Key("partitionDescription");
  write_text_or_null(w, p.description);
  w.Key("protocol");
  w.String(p.protocol);
  w.Key("size");
  w.Int64(p.size_gb);
  w.Key("partitionCapacity");
  w.Int64(p.size_gb > 0 ? static_cast<std::int64_t>(100.0 * p.used_gb / p.size_gb) : 0);
  w.Key("usedBySnapshots");
  w.Int64(p.size_gb > 0 ? static_cast<std::int64_t>(100.0 * p.usedbysnapshots_gb / p.size_gb) : 0);
  w.EndObject();
}

void Nasha::write_custom(JsonWriter& w, const CustomSnap& c) {
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

std::string Nasha::task_status(const NasTask& t) const {
  if (t.applied) return t.final_status;
  return now_us() < t.todo_us + (t.due_us - t.todo_us) / 2 ? "todo" : "doing";
}

void Nasha::write_task(JsonWriter& w, const NasService& s, const NasTask& t) const {
  const std::string status = task_status(t);
  w.StartObject();
  w.Key("taskId");
  w.Int64(t.id);
  w.Key("status");
  w.String(status);
  w.Key("operation");
  w.String(t.operation);
  w.Key("details");
  write_text_or_null(w, t.details);
  w.Key("partitionName");
  write_text_or_null(w, t.partition);
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

std::string Nasha::task_json(const NasService& s, const NasTask& t) const {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  write_task(w, s, t);
  return buf.GetString();
}

Nasha::NasLookup Nasha::nas_lookup(const EmuRequest& r, bool want_partition) {
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

NasTask& Nasha::new_task(NasService& svc, const std::string& operation,
                         const std::string& partition, NasEffect effect,
                         const std::string& target) {
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
std::vector<const NasTask*> Nasha::pending_tasks(const NasService& svc,
                                                 const std::string& partition,
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

EmuResponse Nasha::answer_task(NasService& svc, NasTask& task) {
  if (task.due_us <= now_us()) advance();
  return json_answer(200, task_json(svc, task));
}

// ---- seeds --------------------------------------------------------------------------------

void Nasha::clear() {
  nasha_.clear();
  nas_pending_.clear();
  expiries_.clear();
  expand_custom_ = true;
  demo_ = false;
}

void Nasha::content_volumes(std::vector<ContentVolume>& out) const {
  for (const auto& [sname, svc] : nasha_) {
    for (const auto& [pname, p] : svc.partitions) {
      ContentVolume v;
      v.nfs_export = svc.ip + ":/" + sname + "/" + pname;
      v.hidden = {".zfs"};
      for (const auto& [cname, c] : p.custom) v.snapshot_dirs.push_back(".zfs/snapshot/" + cname);
      // A create whose task is pending: its copy is made now, so that it is there when the
      // snapshot is listed.
      for (const auto& [id, t] : svc.tasks) {
        if (!t.applied && t.effect == NasEffect::CreateCustom && t.partition == pname) {
          v.snapshot_dirs.push_back(".zfs/snapshot/" + t.target);
        }
      }
      if (demo_) {
        // ZFS keeps the automatic snapshots beside the custom ones; the API lists none of them.
        for (std::size_t i = 0; i < p.schedules.size() && i < 2; ++i) {
          v.automatic.push_back(".zfs/snapshot/auto-" + p.schedules[i]);
        }
      }
      out.push_back(std::move(v));
    }
  }
}

void Nasha::add_done_task(NasService& svc, const std::string& operation,
                          const std::string& partition, const std::string& details,
                          std::int64_t done_us) {
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

void Nasha::index_expiries() {
  expiries_.clear();
  for (const auto& [sname, svc] : nasha_) {
    for (const auto& [pname, p] : svc.partitions) {
      for (const auto& [cname, c] : p.custom) {
        if (c.expiration_us) {
          expiries_.emplace(*c.expiration_us, std::make_pair(sname, std::make_pair(pname, cname)));
        }
      }
    }
  }
}

void Nasha::seed_demo(std::int64_t base, std::int64_t day) {
  demo_ = true;
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
}

void Nasha::seed_synthetic(const SyntheticSpec& spec, std::int64_t base) {
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
}

// ---- state files ------------------------------------------------------------------------------
// One reader and one writer per object; the state file keeps the answers' member names where
// they exist, and adds the internal fields (task deadlines and effects, used space).

namespace {

rapidjson::Value custom_to_state(const CustomSnap& c, Alloc& alloc) {
  rapidjson::Value cv(rapidjson::kObjectType);
  cv.AddMember("name", string_value(c.name, alloc), alloc);
  if (c.expiration_us) {
    cv.AddMember("expiration", string_value(nas_date(*c.expiration_us), alloc), alloc);
  } else {
    cv.AddMember("expiration", rapidjson::Value(rapidjson::kNullType), alloc);
  }
  return cv;
}

Partition partition_from_state(const rapidjson::Value& pv) {
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
  return p;
}

rapidjson::Value partition_to_state(const Partition& p, Alloc& alloc) {
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
  for (const auto& [cname, c] : p.custom) custom.PushBack(custom_to_state(c, alloc), alloc);
  pv.AddMember("custom_snapshots", custom, alloc);
  return pv;
}

NasTask task_from_state(const rapidjson::Value& tv) {
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
  return t;
}

rapidjson::Value task_to_state(const NasTask& t, Alloc& alloc) {
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
  return tv;
}

rapidjson::Value service_to_state(const NasService& svc, Alloc& alloc) {
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
  for (const auto& [pname, p] : svc.partitions) parts.PushBack(partition_to_state(p, alloc), alloc);
  sv.AddMember("partitions", parts, alloc);
  rapidjson::Value tasks(rapidjson::kArrayType);
  for (const auto& [id, t] : svc.tasks) tasks.PushBack(task_to_state(t, alloc), alloc);
  sv.AddMember("tasks", tasks, alloc);
  return sv;
}

}  // namespace

// The service's tasks also feed the task counter and the pending list, so its reader is a member.
NasService Nasha::service_from_state(const rapidjson::Value& sv) {
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
      Partition p = partition_from_state(pv);
      svc.partitions[p.name] = std::move(p);
    }
  }
  if (const auto* tasks = arr(sv, "tasks")) {
    for (const auto& tv : tasks->GetArray()) {
      NasTask t = task_from_state(tv);
      next_task_id_ = std::max(next_task_id_, t.id + 1);
      if (!t.applied) nas_pending_.emplace_back(svc.name, t.id);
      svc.tasks[t.id] = t;
    }
  }
  return svc;
}

void Nasha::load(const rapidjson::Value& section) {
  expand_custom_ = flag(section, "expand_custom_snapshots", true);
  next_task_id_ = num(section, "next_task_id", 10000000);
  if (const auto* list = arr(section, "nasha")) {
    for (const auto& sv : list->GetArray()) {
      NasService svc = service_from_state(sv);
      nasha_[svc.name] = std::move(svc);
    }
  }
  index_expiries();
}

rapidjson::Value Nasha::dump(Alloc& alloc) const {
  rapidjson::Value nasha(rapidjson::kArrayType);
  for (const auto& [name, svc] : nasha_) nasha.PushBack(service_to_state(svc, alloc), alloc);
  return nasha;
}

}  // namespace snapfs::emu::ovh
