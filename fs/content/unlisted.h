// Snapshots a volume holds that its API does not list. ZFS keeps an HA-NAS partition's
// automatic snapshots in `.zfs/snapshot/` beside the custom ones, and only the custom ones are
// API objects: the others are found by reading that directory on the host's NFS mount.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "fs/content/backing_pool.h"
#include "providers/op_context.h"

namespace snapfs::content {

struct UnlistedSnapshot {
  std::string name;
  std::int64_t created_us = 0;  // the directory's modification time
};

// The directories in `dir` whose names are not in `listed`, in name order, or an errno value.
// The calls run on `pool` as snapfs itself: names are shown to everyone as the API's are, while
// every access to the files stays the caller's. A directory is stat'ed without triggering the
// automount that NFS makes of each ZFS snapshot, so listing never mounts a snapshot. `busy`,
// when given, is held until the look has ended, also when its caller gave up at the deadline
// (a look stuck on a dead NFS server holds it for as long as it is stuck).
int list_unlisted(BackingPool& pool, const OpContext& ctx, const std::string& dir,
                  const std::set<std::string, std::less<>>& listed,
                  std::vector<UnlistedSnapshot>* out, std::shared_ptr<const void> busy = {});

}  // namespace snapfs::content
