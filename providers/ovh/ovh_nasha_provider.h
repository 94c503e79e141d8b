// ovh-nasha: OVHcloud HA-NAS. Services from GET /dedicated/nasha, volumes = partitions,
// snapshots = custom snapshots (/partition/{p}/customSnapshot, addressed by name), the automatic
// snapshot frequencies as user.snapfs.schedule on .snapshots.
//
// A custom snapshot carries only a name and an expiration, so its creation time is the doneDate
// of the task that created it: learned from this mount's own creates and, once per listing burst,
// from the service's clusterLeclercCustomSnapCreate task history; failing both, the time this
// provider first listed the name.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "providers/common/thread_annotations.h"
#include "providers/ovh/ovh_client.h"
#include "providers/ovh/ovh_objects.h"
#include "providers/ovh/ovh_provider_base.h"

namespace snapfs {

class OvhNashaProvider : public OvhProvider {
 public:
  // How long a fetched task history serves the listings that follow (one `ls -R` burst).
  static constexpr std::chrono::seconds kHistoryBurst{5};

  OvhNashaProvider(OvhSettings settings, std::string remote_name, OvhClient::LocalClock clock = {});

  // Listings (ovh_nasha_provider.cc): services, partitions with their exports, custom snapshots
  // dated from the task history (ovh_nasha_history.cc).
  Result<std::vector<ServiceInfo>> list_services(const OpContext& ctx) override;
  Result<std::vector<VolumeInfo>> list_volumes(const ObjectRef& service,
                                               const OpContext& ctx) override;
  Result<std::vector<SnapshotInfo>> list_snapshots(const ObjectRef& scope,
                                                   const OpContext& ctx) override;
  Status validate_name(const std::string& name) const override;

  // Custom snapshots made and removed by tasks (ovh_nasha_mutation.cc); they have no rename.
  Result<SnapshotInfo> create_snapshot(const ObjectRef& volume, const CreateRequest& request,
                                       const OpContext& ctx) override;
  Status delete_snapshot(const ObjectRef& snapshot, const OpContext& ctx) override;
  Result<SnapshotInfo> rename_snapshot(const ObjectRef& snapshot, const std::string& new_name,
                                       const OpContext& ctx) override;

  // The schedule of .snapshots and a partition's usage (ovh_nasha_schedule.cc).
  Result<AttrList> fetch_attrs(const ObjectRef& object, const OpContext& ctx) override;
  Result<AttrUpdate> set_attr(const ObjectRef& object, const std::string& key,
                              const std::string& value, const OpContext& ctx) override;

 private:
  // What this mount knows of one service's custom snapshots beyond the API's listing.
  struct ServiceMemo {
    // The two per-snapshot memos (a large account has hundreds of thousands of entries) are
    // keyed by digest(key(partition, name)), not by the text: a collision, about n^2/2^64,
    // would only misdate one snapshot.
    std::unordered_map<std::uint64_t, std::int64_t> created_us;  // -> task doneDate
    std::unordered_set<std::uint64_t> checked;        // looked up in a history, not found
    std::map<std::int64_t, std::string> own_creates;  // task id -> "partition\nname", not done
    std::map<std::string, std::int64_t> own_deletes;  // "partition\nname" -> task id
    std::vector<NashaTask> history;                   // last fetched create-task history
    std::chrono::steady_clock::time_point history_at{};
    bool have_history = false;
    // "partition\nname" of creates sent whose answer was unclear, until a listing decides them.
    // key(partition, name) -> when the create was sent (API clock, microseconds)
    std::map<std::string, std::int64_t> unclear_creates;
    // The service's `ip` (its partitions' NFS exports are "<ip>:/<service>/<partition>"), from
    // the last service listing or GET of the service.
    std::string ip;
  };
  // A schedule change sent but maybe not applied yet (its task may still be todo/doing).
  struct ScheduleChange {
    std::string type;
    bool add = true;
    std::int64_t task_id = 0;
  };

  static std::string partition_path(const ObjectRef& ref);
  static std::string key(const std::string& partition, const std::string& name) {
    return partition + "\n" + name;
  }
  static std::uint64_t digest(const std::string& text) { return std::hash<std::string>()(text); }
  // The service's ip: remembered from the service listing, else one GET of the service.
  std::string service_ip(const std::string& service, const OpContext& ctx);
  void learn_creation_times(const std::string& service, const std::string& partition,
                            const std::vector<std::string>& names, const OpContext& ctx);
  // What learn_creation_times has to do for one listing, decided from the memo.
  struct LearnPlan {
    std::vector<std::int64_t> own;     // tasks of this mount's creates whose snapshot is listed
    std::vector<std::string> unknown;  // listed names with no creation time known or looked up
    bool fetch_history = false;
  };
  LearnPlan plan_learning(const std::string& service, const std::string& partition,
                          const std::vector<std::string>& names);
  // A missing or unreadable task is left out (nullopt).
  std::vector<std::optional<NashaTask>> fetch_own_tasks(const std::string& service,
                                                        const std::vector<std::int64_t>& ids,
                                                        const OpContext& ctx);
  // The lock one listing holds while it fetches the service's task history.
  std::unique_lock<std::mutex> lock_history(const std::string& service);
  // Reads the service's create-task history into its memo unless a fresh one is there (one
  // reader per service at a time; the others wait for it).
  void refresh_history(const std::string& service, const OpContext& ctx);
  // Empty when the history cannot be read.
  std::vector<NashaTask> fetch_create_history(const std::string& service, const OpContext& ctx);
  static bool history_is_fresh(const ServiceMemo& memo);
  static void record_own_tasks(ServiceMemo& memo,
                               const std::vector<std::optional<NashaTask>>& tasks);
  static void date_from_history(ServiceMemo& memo, const std::string& partition,
                                const std::vector<std::string>& unknown);
  // Removes from the memo the partition's unclear creates whose snapshot is listed and returns
  // the others: name, when the create was sent.
  std::vector<std::pair<std::string, std::int64_t>> take_unclear_creates(
      const ObjectRef& scope, const std::vector<std::string>& names);
  // Adds to `out` the unclear creates not listed yet whose task is pending or done.
  Status add_unclear_creates(const ObjectRef& scope, const std::vector<std::string>& names,
                             std::vector<SnapshotInfo>& out, const OpContext& ctx);
  // Gives each listed snapshot its creation time and `deleting` state; forgets the deletes done.
  void date_and_mark(const ObjectRef& scope, std::vector<SnapshotInfo>& out);
  // A create whose outcome is unclear: the filesystem decides it by a fresh listing, and that
  // listing must show the snapshot while its create task is still pending (it is not in the
  // customSnapshot list until the task is done).
  void note_unclear_create(const ObjectRef& volume, const std::string& name);
  // The unfinished task of `operation` on the custom snapshot `name` of this partition, if the
  // service's task history has one: how a create or delete with a lost answer is recognised.
  std::optional<NashaTask> pending_task(const ObjectRef& partition, const char* operation,
                                        const std::string& name, const OpContext& ctx);
  Result<std::vector<std::string>> read_schedule(const ObjectRef& ref, const OpContext& ctx);
  // Polls the task until it ends: Busy when the deadline comes first.
  Status wait_for_task(const std::string& service, std::int64_t task_id, const OpContext& ctx);
  Result<AttrUpdate> write_schedule(const ObjectRef& ref, const std::string& value,
                                    const OpContext& ctx);
  // Waits for the pending changes that `wanted` undoes; *current is read again after a wait.
  Status wait_for_undone_changes(const ObjectRef& ref, const std::vector<std::string>& wanted,
                                 std::vector<std::string>* current, const OpContext& ctx);
  // DELETE of each frequency of `current` not in `wanted` (a missing one is already removed).
  Status remove_frequencies(const ObjectRef& ref, const std::vector<std::string>& current,
                            const std::vector<std::string>& wanted, const OpContext& ctx,
                            std::vector<ScheduleChange>* sent);
  // POST of each frequency of `wanted` not in `current` (409: already there).
  Status add_frequencies(const ObjectRef& ref, const std::vector<std::string>& current,
                         const std::vector<std::string>& wanted, const OpContext& ctx,
                         std::vector<ScheduleChange>* sent);
  // A change sent whose task has not ended yet goes to *sent.
  static void record_change(const std::string& type, bool add, const rapidjson::Document& doc,
                            std::vector<ScheduleChange>* sent);
  // Keeps the changes sent, each replacing any earlier one of the same type.
  void remember_schedule_changes(const ObjectRef& ref, const std::vector<ScheduleChange>& sent);
  Result<AttrList> volume_usage(const ObjectRef& ref, const OpContext& ctx);

  // Lock order: a service's history lock (history_locks_, held across the history's fetch),
  // then mu_, which is never held across a request. The history locks are made per service at
  // run time, so the analysis cannot name them: plain std::mutex, order kept by the one place
  // that takes them (refresh_history).
  Mutex mu_;
  std::map<std::string, ServiceMemo> memo_ GUARDED_BY(mu_);  // by service
  // Held while one listing fetches a service's task history.
  std::map<std::string, std::shared_ptr<std::mutex>> history_locks_ GUARDED_BY(mu_);
  // digest("service\npartition\nname")
  std::unordered_map<std::uint64_t, std::int64_t> first_seen_us_ GUARDED_BY(mu_);
  // "service\npartition"
  std::map<std::string, std::vector<ScheduleChange>> schedule_changes_ GUARDED_BY(mu_);
};

}  // namespace snapfs
