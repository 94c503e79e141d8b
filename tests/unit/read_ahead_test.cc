// The readahead snapfs sets on its mount: whole READs, and the mount's bdi found in mountinfo.
#include "fs/read_ahead.h"

#include <gtest/gtest.h>

namespace snapfs {
namespace {

TEST(ReadAheadTest, TheDefaultIsAWholeNumberOfReads) {
  EXPECT_EQ(read_ahead_in_whole_reads(4096, 1032192), 4032u);  // four READs of 252 pages
  EXPECT_EQ(read_ahead_in_whole_reads(4096, 1 << 20), 4096u);
  EXPECT_EQ(read_ahead_in_whole_reads(4096, 0), 4096u);  // no bound known
  EXPECT_EQ(read_ahead_in_whole_reads(4096, 3 << 20), 3072u);
  EXPECT_EQ(read_ahead_in_whole_reads(512, 1032192), 512u);  // less than one READ: kept
  EXPECT_EQ(read_ahead_in_whole_reads(0, 1032192), 0u);
}

TEST(ReadAheadTest, TheBdiIsTheLastFuseMountAtThePoint) {
  const std::string text =
      "40 27 0:40 / /mnt/s rw,relatime - fuse.snapfs snapfs rw,max_read=1032192\n"
      "41 27 0:41 / /mnt/other rw - fuse.snapfs snapfs rw\n"
      "42 40 0:42 / /mnt/s rw - fuseblk.x /dev/sdb rw\n";
  EXPECT_EQ(fuse_bdi_of(text, "/mnt/other"), "0:41");
  EXPECT_EQ(fuse_bdi_of(text, "/mnt/s"), "0:42-fuseblk");
  EXPECT_EQ(fuse_bdi_of(text, "/mnt/none"), "");
}

}  // namespace
}  // namespace snapfs
