// OVHcloud HA-NAS (/dedicated/nasha): the services, partitions, snapshot schedules, custom
// snapshots and the asynchronous tasks that change them. Nasha owns that state; its route
// handlers are in nasha_routes.cc, the rest (answers' JSON, tasks, seeds, state file) in
// nasha_model.cc.
#pragma once

#include <rapidjson/document.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "emulator/api_module.h"
#include "emulator/apis/ovh/common.h"

namespace snapfs::emu::ovh {

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

class Nasha : private ApiPart {
 public:
  // `advance_all` brings the whole API's state (HA-NAS and EFS) up to now, as every request does
  // first; a handler that waits on a task calls it again.
  Nasha(EmuContext& ctx, std::function<void()> advance_all)
      : ApiPart(ctx, std::move(advance_all)) {}

  // Adds the /dedicated/nasha routes under `prefix` (nasha_routes.cc).
  void register_routes(const AddRoute& add, const std::string& prefix);
  // Applies the tasks and expirations whose time has come.
  void advance(std::int64_t now);
  void clear();
  void seed_demo(std::int64_t base, std::int64_t day);
  void seed_synthetic(const SyntheticSpec& spec, std::int64_t base);
  // The state file's `expand_custom_snapshots`, `next_task_id` and `nasha` members.
  void load(const rapidjson::Value& section);
  rapidjson::Value dump(Alloc& alloc) const;
  // Each partition's export "<ip>:/<service>/<partition>", with ".zfs/snapshot/<name>" for its
  // custom snapshots and those whose create task is pending; the demo seed's partitions also
  // get their automatic snapshots, which the API does not list.
  void content_volumes(std::vector<ContentVolume>& out) const;
  bool expand_custom() const { return expand_custom_; }
  std::int64_t next_task_id() const { return next_task_id_; }

 private:
  // The objects a request names, or its error answer.
  struct NasLookup {
    NasService* service = nullptr;
    Partition* partition = nullptr;
    std::optional<EmuResponse> error;
  };

  // advance(now) above steps this half alone; advance() brings the whole API up to now.
  using ApiPart::advance;
  NasLookup nas_lookup(const EmuRequest& r, bool want_partition);

  // Route handlers (nasha_routes.cc), by resource.
  EmuResponse nas_list_services(const EmuRequest& r);
  EmuResponse nas_get_service(const EmuRequest& r);
  EmuResponse nas_service_use(const EmuRequest& r);
  static EmuResponse use_answer(const EmuRequest& r, double size, double used, double by_snaps);

  EmuResponse nas_list_partitions(const EmuRequest& r);
  EmuResponse nas_get_partition(const EmuRequest& r);
  EmuResponse nas_partition_use(const EmuRequest& r);
  static void write_partition(JsonWriter& w, const Partition& p);

  EmuResponse nas_list_schedules(const EmuRequest& r);
  EmuResponse nas_get_schedule(const EmuRequest& r);
  EmuResponse nas_add_schedule(const EmuRequest& r);
  EmuResponse nas_remove_schedule(const EmuRequest& r);
  // Pending (not yet applied) tasks of one partition with this effect.
  std::vector<const NasTask*> pending_tasks(const NasService& svc, const std::string& partition,
                                            NasEffect effect) const;

  EmuResponse nas_list_custom(const EmuRequest& r);
  EmuResponse nas_get_custom(const EmuRequest& r);
  EmuResponse nas_create_custom(const EmuRequest& r);
  EmuResponse nas_delete_custom(const EmuRequest& r);
  static void write_custom(JsonWriter& w, const CustomSnap& c);

  EmuResponse nas_list_tasks(const EmuRequest& r);
  EmuResponse nas_get_task(const EmuRequest& r);
  NasTask& new_task(NasService& svc, const std::string& operation, const std::string& partition,
                    NasEffect effect, const std::string& target);
  EmuResponse answer_task(NasService& svc, NasTask& task);

  // The model (nasha_model.cc).
  void apply_task(NasService& svc, NasTask& task);
  void add_done_task(NasService& svc, const std::string& operation, const std::string& partition,
                     const std::string& details, std::int64_t done_us);
  void index_expiries();
  NasService service_from_state(const rapidjson::Value& sv);
  void write_nas_service(JsonWriter& w, const NasService& s) const;
  std::string task_status(const NasTask& t) const;
  void write_task(JsonWriter& w, const NasService& s, const NasTask& t) const;
  std::string task_json(const NasService& s, const NasTask& t) const;

  bool demo_ = false;  // seeded with the demo data set
  bool expand_custom_ = true;
  std::int64_t next_task_id_ = 10000000;
  std::map<std::string, NasService> nasha_;
  std::vector<std::pair<std::string, std::int64_t>> nas_pending_;  // service, task id
  // expiration -> (service, (partition, name))
  std::multimap<std::int64_t, std::pair<std::string, std::pair<std::string, std::string>>>
      expiries_;
};

}  // namespace snapfs::emu::ovh
