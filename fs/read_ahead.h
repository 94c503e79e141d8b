// How far the kernel reads ahead of a reader of a snapshot's file that goes through snapfs.
//
// A FUSE mount's readahead is its backing_dev_info's, 128 KiB by default, and the daemon's INIT
// answer can only lower it: a sequential `cp` out of a snapshot then reaches snapfs as one
// 128 KiB READ at a time, each a round trip through the daemon, while the backing NFS mount or
// disk reads ahead megabytes. Only the bdi's sysfs file raises it, and only root may write it.
#pragma once

#include <string>

namespace snapfs {

// The default of -o read_ahead_kb: 4 MiB keeps four 1 MiB READs (the most libfuse asks for) in
// flight.
constexpr unsigned kDefaultReadAheadKb = 4096;

// Sets read_ahead_kb of the FUSE mount at `mount_point` (found in `mountinfo`, the last entry
// mounted there) under `bdi_root`. "" when done, else why not.
std::string set_read_ahead(const std::string& mount_point, unsigned kb,
                           const std::string& mountinfo = "/proc/self/mountinfo",
                           const std::string& bdi_root = "/sys/class/bdi");

// The bdi name ("major:minor", "-fuseblk" appended for fuseblk mounts) of the last FUSE mount at
// `mount_point` in a mountinfo text; "" when there is none.
std::string fuse_bdi_of(const std::string& mountinfo_text, const std::string& mount_point);

}  // namespace snapfs
