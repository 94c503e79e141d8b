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

// `kb` lowered to a whole number of READs of `max_read` bytes (0: `kb` as it is). The kernel
// cuts each readahead window into READs of max_read: 4096 KiB with max_read 1032192 (a pipe's
// bound, read_data.h) made four READs and a fifth of 64 KiB, a round trip for 1.5 % of the
// bytes; 4032 KiB makes four.
unsigned read_ahead_in_whole_reads(unsigned kb, unsigned max_read);

// Sets read_ahead_kb of the FUSE mount at `mount_point` (found in `mountinfo`, the last entry
// mounted there) under `bdi_root`. "" when done, else why not.
std::string set_read_ahead(const std::string& mount_point, unsigned kb,
                           const std::string& mountinfo = "/proc/self/mountinfo",
                           const std::string& bdi_root = "/sys/class/bdi");

// The bdi name ("major:minor", "-fuseblk" appended for fuseblk mounts) of the last FUSE mount at
// `mount_point` in a mountinfo text; "" when there is none.
std::string fuse_bdi_of(const std::string& mountinfo_text, const std::string& mount_point);

}  // namespace snapfs
