// The one mountinfo parser: each entry's device, root, mount point, type and source, whatever
// number of optional fields precede the "-", with the kernel's octal escapes decoded.
#include "fs/mountinfo.h"

#include <gtest/gtest.h>

namespace snapfs {
namespace {

TEST(MountInfoTest, EntriesKeepTheirFieldsWhateverTheOptionalOnes) {
  const std::string text =
      "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
      "36 22 0:50 /sub /mnt/nas\\040share rw - nfs4 10.0.0.1:/export\\040a rw,vers=4.2\n"
      "40 22 0:61 / /mnt/snap rw,nosuid shared:7 master:2 - fuse.snapfs snapfs rw\n"
      "garbage line\n"
      "41 22 0:62 / /cut rw -\n";
  const std::vector<MountInfoEntry> entries = parse_mountinfo_entries(text);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].device, "254:0");
  EXPECT_EQ(entries[0].type, "ext4");
  EXPECT_EQ(entries[1].root, "/sub");
  EXPECT_EQ(entries[1].mount_point, "/mnt/nas share");
  EXPECT_EQ(entries[1].source, "10.0.0.1:/export a");
  EXPECT_EQ(entries[2].mount_point, "/mnt/snap");
  EXPECT_EQ(entries[2].type, "fuse.snapfs");
  EXPECT_EQ(entries[2].device, "0:61");
}

}  // namespace
}  // namespace snapfs
