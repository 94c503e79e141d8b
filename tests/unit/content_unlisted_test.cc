// The snapshots a volume's `.zfs/snapshot` directory holds beyond those its API lists.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>

#include "fs/content/unlisted.h"
#include "tests/support/process.h"

namespace snapfs::content {
namespace {

class UnlistedTest : public ::testing::Test {
 protected:
  void MakeDir(const std::string& name, std::int64_t mtime_s) {
    const std::string path = dir_ + "/" + name;
    ASSERT_EQ(mkdir(path.c_str(), 0755), 0);
    struct timeval times[2] = {{mtime_s, 0}, {mtime_s, 0}};
    ASSERT_EQ(utimes(path.c_str(), times), 0);
  }
  OpContext Ctx() { return OpContext(std::chrono::milliseconds(5000)); }
  test::TempDir files_;
  const std::string dir_ = files_.path();
  BackingPool pool_{2};
};

TEST_F(UnlistedTest, DirectoriesTheApiDoesNotListInNameOrderWithTheirTimes) {
  MakeDir("auto-hour-1", 1700000000);
  MakeDir("custom", 1700000100);
  MakeDir("auto-day-1", 1700000200);
  std::ofstream(dir_ + "/a-file") << "not a snapshot";
  ASSERT_EQ(symlink("custom", (dir_ + "/a-link").c_str()), 0);
  std::vector<UnlistedSnapshot> found;
  ASSERT_EQ(list_unlisted(pool_, Ctx(), dir_, {"custom"}, &found), 0);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].name, "auto-day-1");
  EXPECT_EQ(found[0].created_us, 1700000200LL * 1000000);
  EXPECT_EQ(found[1].name, "auto-hour-1");
  EXPECT_EQ(found[1].created_us, 1700000000LL * 1000000);
}

TEST_F(UnlistedTest, AMissingDirectoryIsAnErrnoNotAnEmptyList) {
  std::vector<UnlistedSnapshot> found;
  EXPECT_EQ(list_unlisted(pool_, Ctx(), dir_ + "/none", {}, &found), ENOENT);
  EXPECT_TRUE(found.empty());
}

}  // namespace
}  // namespace snapfs::content
