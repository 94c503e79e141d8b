#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include "fs/content/mount_table.h"
#include "fs/mountinfo.h"
#include "tests/support/process.h"

namespace snapfs::content {
namespace {

const char* kLine1 =
    "36 25 0:50 / /mnt/nas rw,relatime shared:1 - nfs4 10.16.101.42:/zpool-123456/partition1 "
    "rw,vers=4.1\n";

TEST(MountTableParse, NfsEntriesOnlyWithTheirSourceAndMountPoint) {
  std::string text = std::string("22 1 8:1 / / rw - ext4 /dev/sda1 rw\n") + kLine1 +
                     "37 25 0:51 / /mnt/old rw - nfs 10.0.0.1:/vol/ rw\n";
  auto mounts = parse_mountinfo(text);
  ASSERT_EQ(mounts.size(), 2u);
  EXPECT_EQ(mounts[0].source, "10.16.101.42:/zpool-123456/partition1");
  EXPECT_EQ(mounts[0].mount_point, "/mnt/nas");
  EXPECT_EQ(mounts[1].source, "10.0.0.1:/vol");  // trailing slash ignored
  EXPECT_EQ(mounts[1].mount_point, "/mnt/old");
}

TEST(MountTableParse, OptionalFieldsAndOctalEscapes) {
  auto mounts = parse_mountinfo(
      "40 25 0:52 / /mnt/my\\040nas rw shared:3 master:2 - nfs4 host:/a\\040b rw\n");
  ASSERT_EQ(mounts.size(), 1u);
  EXPECT_EQ(mounts[0].mount_point, "/mnt/my nas");
  EXPECT_EQ(mounts[0].source, "host:/a b");
  EXPECT_EQ(decode_mount_escapes("a\\134b\\011c\\012"), "a\\b\tc\n");
  EXPECT_EQ(decode_mount_escapes("end\\04"), "end\\04");  // cut short: kept as is
}

TEST(MountTableParse, HiddenMountsAndSubdirectoryBindsAreNotRoots) {
  auto mounts = parse_mountinfo(
      std::string(kLine1) +
      // Another filesystem mounted over /mnt/nas hides the NFS mount.
      "50 36 0:60 / /mnt/nas rw - tmpfs tmpfs rw\n"
      // A bind of a subdirectory of an NFS mount: its root is not the export's.
      "51 25 0:50 /sub /mnt/sub rw - nfs4 10.16.101.42:/zpool-123456/partition1 rw\n");
  EXPECT_TRUE(mounts.empty());
}

TEST(MountTableParse, NormalizeExport) {
  EXPECT_EQ(normalize_export("h:/a/b//"), "h:/a/b");
  EXPECT_EQ(normalize_export("h:/"), "h:/");
  EXPECT_EQ(normalize_export("h:/a"), "h:/a");
}

class MountTableFile : public ::testing::Test {
 protected:
  void Write(const std::string& text) { std::ofstream(path_, std::ios::trunc) << text; }
  test::TempDir files_;
  const std::string dir_ = files_.path();
  const std::string path_ = dir_ + "/mountinfo";
};

TEST_F(MountTableFile, TheMostRecentMountWinsAndChangesAreSeen) {
  Write(std::string(kLine1) +
        "60 25 0:70 / /srv/again rw - nfs4 10.16.101.42:/zpool-123456/partition1/ rw\n");
  MountTable table(path_, std::chrono::milliseconds(0));
  EXPECT_EQ(table.find("10.16.101.42:/zpool-123456/partition1"), "/srv/again");
  EXPECT_EQ(table.find("10.16.101.42:/zpool-123456/partition1/"), "/srv/again");
  EXPECT_EQ(table.find("10.16.101.42:/zpool-123456/partition2"), "");
  EXPECT_EQ(table.reads(), 1u);  // unchanged: read once
  Write("61 25 0:71 / /mnt/p2 rw - nfs 10.16.101.42:/zpool-123456/partition2 rw,extra\n");
  EXPECT_EQ(table.find("10.16.101.42:/zpool-123456/partition2"), "/mnt/p2");
  EXPECT_EQ(table.find("10.16.101.42:/zpool-123456/partition1"), "");
  EXPECT_EQ(table.reads(), 2u);
}

TEST_F(MountTableFile, EnvironmentNamesTheFile) {
  Write(kLine1);
  setenv("SNAPFS_MOUNTINFO", path_.c_str(), 1);
  MountTable table;
  unsetenv("SNAPFS_MOUNTINFO");
  EXPECT_EQ(table.path(), path_);
  EXPECT_EQ(table.find("10.16.101.42:/zpool-123456/partition1"), "/mnt/nas");
}

TEST(MountTableProc, TheRealTableIsReadOnceWhileUnchanged) {
  MountTable table("/proc/self/mountinfo");
  EXPECT_EQ(table.find("192.0.2.1:/nothing"), "");
  EXPECT_EQ(table.find("192.0.2.1:/nothing"), "");
  EXPECT_EQ(table.reads(), 1u);
}

}  // namespace
}  // namespace snapfs::content
