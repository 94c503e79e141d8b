// "The mount's view equals the emulator's state": the snapshots of one remote as snapshot ids per
// volume id, read from the emulator's GET /_emulator/state and from a mount (user.snapfs.id of
// every volume and snapshot directory), so the two can be compared whatever names show.
#pragma once

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace snapfs::test {

// volume id -> snapshot ids (a volume without snapshots maps to an empty set).
using SnapshotIds = std::map<std::string, std::set<std::string>>;

// Which part of the emulator's state a remote shows.
struct RemoteScope {
  std::string type;                   // scaleway-instance, ovh-nasha, ovh-netapp, naver-nas
  std::vector<std::string> services;  // zones / regions / service names shown; empty: all
  std::string naver_platform = "classic";
};

// The emulator's snapshots for a remote, as the provider's ids (Scaleway and EFS ids, HA-NAS and
// NAVER names). Volumes are keyed by id (HA-NAS partition name, NAVER instance number).
SnapshotIds emulator_snapshot_ids(const std::string& state_json, const RemoteScope& scope);

// The mount's snapshots under `remote_dir`: every directory on the way is refreshed first
// (user.snapfs.refresh), so this is the provider's current word plus the mount's own pending
// changes. Aliases (symlinks) are left out. False, with *error, when a call fails.
bool mount_snapshot_ids(const std::string& remote_dir, SnapshotIds* out, std::string* error,
                        std::chrono::milliseconds limit = std::chrono::seconds(30));

// Human text of how two views differ; empty when equal.
std::string describe_difference(const SnapshotIds& mount, const SnapshotIds& emulator);

// Polls the mount and the emulator until they agree or `timeout` passes (asynchronous creates and
// deletes settle in the emulator after --async-ms); returns the last difference, "" on agreement.
std::string wait_for_matching_view(const EmulatorProcess& emulator, const std::string& remote_dir,
                                   const RemoteScope& scope, std::chrono::milliseconds timeout);

}  // namespace snapfs::test
