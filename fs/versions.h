// `snapfs versions FILE`: the snapshots that hold another version of a file on a live NFS mount,
// found through the snapfs mounts of this host, each with the path that `cp` restores it from.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace snapfs {

// The mount points of the fuse.snapfs entries of a mountinfo text, in file order.
std::vector<std::string> snapfs_mounts_in(std::string_view mountinfo);

// The whole command; `args` are the words after "versions". 0 with one line per version on
// `out`, 1 when no snapshot holds another version, 2 on a usage error or when the file's
// snapshots cannot be found (a message on `err`).
int run_versions(const std::vector<std::string>& args, std::FILE* out, std::FILE* err);

}  // namespace snapfs
