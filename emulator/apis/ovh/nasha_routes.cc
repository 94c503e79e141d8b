// HA-NAS route handlers: the requests, their checks and errors; the state they read and change
// is Nasha's (nasha_model.cc).
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <string>
#include <vector>

#include "emulator/apis/ovh/nasha.h"
#include "emulator/emu_util.h"

namespace snapfs::emu::ovh {

void Nasha::register_routes(const AddRoute& add, const std::string& prefix) {
  auto on = [&](const char* method, const std::string& path,
                EmuResponse (Nasha::*fn)(const EmuRequest&)) {
    add(method, path, [this, fn](const EmuRequest& r) { return (this->*fn)(r); });
  };
  const std::string nas = prefix + "/dedicated/nasha";
  on("GET", nas, &Nasha::nas_list_services);
  const std::string service = nas + "/{serviceName}";
  on("GET", service, &Nasha::nas_get_service);
  on("GET", service + "/use", &Nasha::nas_service_use);
  on("GET", service + "/partition", &Nasha::nas_list_partitions);
  const std::string part = service + "/partition/{partitionName}";
  on("GET", part, &Nasha::nas_get_partition);
  on("GET", part + "/use", &Nasha::nas_partition_use);
  const std::string schedules = part + "/snapshot";
  on("GET", schedules, &Nasha::nas_list_schedules);
  on("POST", schedules, &Nasha::nas_add_schedule);
  on("GET", schedules + "/{snapshotType}", &Nasha::nas_get_schedule);
  on("DELETE", schedules + "/{snapshotType}", &Nasha::nas_remove_schedule);
  const std::string custom = part + "/customSnapshot";
  on("GET", custom, &Nasha::nas_list_custom);
  on("POST", custom, &Nasha::nas_create_custom);
  on("GET", custom + "/{name}", &Nasha::nas_get_custom);
  on("DELETE", custom + "/{name}", &Nasha::nas_delete_custom);
  const std::string tasks = service + "/task";
  on("GET", tasks, &Nasha::nas_list_tasks);
  on("GET", tasks + "/{taskId}", &Nasha::nas_get_task);
}

EmuResponse Nasha::nas_list_services(const EmuRequest& r) {
  std::vector<const NasService*> items;
  for (const auto& [name, svc] : nasha_) items.push_back(&svc);
  return expandable_list<NasService>(
      r, items, true, [](JsonWriter& w, const NasService& s) { w.String(s.name); },
      [this](JsonWriter& w, const NasService& s) { write_nas_service(w, s); });
}

EmuResponse Nasha::nas_get_service(const EmuRequest& r) {
  NasLookup l = nas_lookup(r, false);
  if (l.error) return *l.error;
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  write_nas_service(w, *l.service);
  return json_answer(200, buf.GetString());
}

EmuResponse Nasha::use_answer(const EmuRequest& r, double size, double used, double by_snaps) {
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

EmuResponse Nasha::nas_service_use(const EmuRequest& r) {
  NasLookup l = nas_lookup(r, false);
  if (l.error) return *l.error;
  double used = 0, snaps = 0;
  for (const auto& [name, p] : l.service->partitions) {
    used += p.used_gb;
    snaps += p.usedbysnapshots_gb;
  }
  return use_answer(r, static_cast<double>(l.service->zpool_size), used, snaps);
}

EmuResponse Nasha::nas_list_partitions(const EmuRequest& r) {
  NasLookup l = nas_lookup(r, false);
  if (l.error) return *l.error;
  std::vector<const Partition*> items;
  for (const auto& [name, p] : l.service->partitions) items.push_back(&p);
  return expandable_list<Partition>(
      r, items, true, [](JsonWriter& w, const Partition& p) { w.String(p.name); },
      &Nasha::write_partition);
}

EmuResponse Nasha::nas_get_partition(const EmuRequest& r) {
  NasLookup l = nas_lookup(r, true);
  if (l.error) return *l.error;
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  write_partition(w, *l.partition);
  return json_answer(200, buf.GetString());
}

EmuResponse Nasha::nas_partition_use(const EmuRequest& r) {
  NasLookup l = nas_lookup(r, true);
  if (l.error) return *l.error;
  const Partition& p = *l.partition;
  return use_answer(r, static_cast<double>(p.size_gb), p.used_gb, p.usedbysnapshots_gb);
}

EmuResponse Nasha::nas_list_schedules(const EmuRequest& r) {
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

EmuResponse Nasha::nas_get_schedule(const EmuRequest& r) {
  NasLookup l = nas_lookup(r, true);
  if (l.error) return *l.error;
  const std::string type = path_param(r, "snapshotType");
  const auto& s = l.partition->schedules;
  if (std::find(s.begin(), s.end(), type) == s.end()) return not_found_object("type", type);
  return json_answer(200, "{\"snapshotType\":\"" + type + "\"}");
}

EmuResponse Nasha::nas_add_schedule(const EmuRequest& r) {
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
  bool on = std::find(part.schedules.begin(), part.schedules.end(), *type) != part.schedules.end();
  for (const NasTask* t : adds) on = on || t->target == *type;
  for (const NasTask* t : removes) {
    if (t->target == *type) on = false;
  }
  if (on) {
    return api_error(409, "Client::Conflict",
                     "Snapshot type " + *type + " already exists on partition " + part.name);
  }
  if (static_cast<int>(part.schedules.size() + adds.size() - removes.size()) >= kMaxScheduleTypes) {
    return bad_request("Maximum number of snapshot frequencies (" +
                       std::to_string(kMaxScheduleTypes) + ") reached");
  }
  NasTask& task = new_task(*l.service, "clusterLeclercSnapshotUpdate", part.name,
                           NasEffect::AddSchedule, *type);
  return answer_task(*l.service, task);
}

EmuResponse Nasha::nas_remove_schedule(const EmuRequest& r) {
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

EmuResponse Nasha::nas_list_custom(const EmuRequest& r) {
  NasLookup l = nas_lookup(r, true);
  if (l.error) return *l.error;
  std::vector<const CustomSnap*> items;
  items.reserve(l.partition->custom.size());
  for (const auto& [name, c] : l.partition->custom) items.push_back(&c);
  return expandable_list<CustomSnap>(
      r, items, expand_custom_, [](JsonWriter& w, const CustomSnap& c) { w.String(c.name); },
      &Nasha::write_custom);
}

EmuResponse Nasha::nas_get_custom(const EmuRequest& r) {
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

EmuResponse Nasha::nas_create_custom(const EmuRequest& r) {
  NasLookup l = nas_lookup(r, true);
  if (l.error) return *l.error;
  rapidjson::Document body;
  if (!parse_body(r, &body)) return bad_request("Invalid JSON in the request body");
  bool bad = false;
  auto name = body_string(body, "name", &bad);
  auto expiration = body_string(body, "expiration", &bad);
  if (bad || !name) return bad_request("[name] Property is mandatory");
  if (!valid_custom_name(*name)) {
    return bad_request("Invalid snapshot name: only letters, digits, '.', ':' and '-' are allowed");
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

EmuResponse Nasha::nas_delete_custom(const EmuRequest& r) {
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

EmuResponse Nasha::nas_list_tasks(const EmuRequest& r) {
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

EmuResponse Nasha::nas_get_task(const EmuRequest& r) {
  NasLookup l = nas_lookup(r, false);
  if (l.error) return *l.error;
  const std::string id_text = path_param(r, "taskId");
  auto id = to_int(id_text);
  auto t = id ? l.service->tasks.find(*id) : l.service->tasks.end();
  if (t == l.service->tasks.end()) return not_found_object("taskId", id_text);
  return json_answer(200, task_json(*l.service, t->second));
}

}  // namespace snapfs::emu::ovh
