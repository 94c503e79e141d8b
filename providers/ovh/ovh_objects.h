// OVH objects to snapfs types and back: HA-NAS services, partitions, custom snapshots, tasks and
// schedules; Enterprise File Storage services, shares, snapshots and snapshot policies. Pure
// functions, no I/O.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "providers/provider.h"
#include "providers/result.h"

namespace snapfs {

// ---- HA-NAS (/dedicated/nasha) ----

ServiceInfo parse_nasha_service(const rapidjson::Value& object);
VolumeInfo parse_nasha_partition(const rapidjson::Value& object);
// A customSnap ({name, expiration}); created_us and state are left to the caller.
SnapshotInfo parse_nasha_custom_snapshot(const rapidjson::Value& object,
                                         const std::string& partition);
// A partition's NFS export as users mount it: "<service ip>:/<serviceName>/<partitionName>".
std::string nasha_export(const std::string& ip, const std::string& service,
                         const std::string& partition);
// Where a snapshot's files are under the export root: ".zfs/snapshot/<name>" (ZFS).
std::string nasha_snapshot_dir(const std::string& name);

struct NashaTask {
  std::int64_t id = 0;
  std::string status;  // todo, doing, done, init, cancelled, customerError, ovhError
  std::string operation;
  std::string details;
  std::string partition;
  std::optional<std::int64_t> todo_us;
  std::optional<std::int64_t> done_us;

  bool finished() const { return status != "todo" && status != "doing" && status != "init"; }
};
std::optional<NashaTask> parse_nasha_task(const rapidjson::Value& object);

// Whether a task's `details` names this snapshot: equal, or the name as a whole word of it.
bool nasha_task_names(const std::string& details, const std::string& name);

// The control panel's rule for custom snapshot names: [a-zA-Z0-9.:-]+.
bool valid_nasha_snapshot_name(const std::string& name);

// The automatic snapshot frequencies (dedicated.storage.SnapshotEnum), in the API's enum order.
const std::vector<std::string>& nasha_schedule_types();
// At most this many frequencies per partition: hour-1 plus "up to 3 additional" (seed 000).
inline constexpr std::size_t kNashaMaxScheduleTypes = 4;
// Parses a user.snapfs.schedule value ("day-1,hour-6", spaces or commas, "" = none) into the set
// to enable, in enum order; InvalidArgument for unknown values or too many.
Result<std::vector<std::string>> parse_nasha_schedule(const std::string& value);
// "day-1,hour-6".
std::string format_nasha_schedule(const std::vector<std::string>& types);

// The ISO 8601 expiration the API takes for a snapshot expiring `seconds` after `now_us`.
std::string nasha_expiration(std::int64_t now_us, std::int64_t seconds);

// A {"unit": "GB", "value": 1.5} usage in bytes (binary multiples), or nullopt when the unit is
// unknown.
std::optional<std::uint64_t> nasha_usage_bytes(const rapidjson::Value& object);
// The same as text: bytes when the unit is known, else "<value> <unit>".
std::string nasha_usage_text(const rapidjson::Value& object);

// ---- Enterprise File Storage (/storage/netapp) ----

ServiceInfo parse_netapp_service(const rapidjson::Value& object);
VolumeInfo parse_netapp_share(const rapidjson::Value& object);
SnapshotInfo parse_netapp_snapshot(const rapidjson::Value& object, const std::string& share_id);
// Where a snapshot's files are under its share's export root: ".snapshot/" + the last component of
// the snapshot's own `path` (read, never built: its format is not documented); empty without one.
std::string netapp_snapshot_dir(const std::string& path);
// The export to mount from an accessPath list ([{id, path, preferred}]): the preferred entry's
// path, else the first one's; empty when the list has none.
std::string netapp_preferred_access_path(const rapidjson::Value& list);
// SEMANTICS state words for a NetAppSnapshotStatusEnum value.
std::string map_netapp_snapshot_status(const std::string& status);

// "name: copies=24 prefix=hourly minutes=0; copies=7 prefix=daily minutes=0 hours=3" (the name,
// else the id, then every rule; schedule lists comma-joined, absent or empty lists left out).
std::string format_netapp_policy(const rapidjson::Value& policy);
// One line per policy: "name (id): rules".
std::string format_netapp_policy_list(const rapidjson::Value& policies);

}  // namespace snapfs
