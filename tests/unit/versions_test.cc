// `snapfs versions`: which mounts of a mountinfo text are snapfs mounts.
#include "fs/versions.h"

#include <gtest/gtest.h>

namespace snapfs {
namespace {

TEST(VersionsMountTable, FindsSnapfsMountsOnly) {
  const std::string table =
      "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
      "40 22 0:50 / /mnt/nas rw,relatime - nfs4 10.0.0.1:/export rw\n"
      "41 22 0:51 / /mnt/snap\\040shots rw,nosuid shared:7 - fuse.snapfs snapfs rw,user_id=0\n"
      "42 22 0:52 / /mnt/other rw - fuse.sshfs host: rw\n"
      "43 22 0:53 / /srv/snapfs rw - fuse.snapfs snapfs rw\n"
      "garbage line\n";
  EXPECT_EQ(snapfs_mounts_in(table), (std::vector<std::string>{"/mnt/snap shots", "/srv/snapfs"}));
}

}  // namespace
}  // namespace snapfs
