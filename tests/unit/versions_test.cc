// `snapfs versions`: which mounts of a mountinfo text are snapfs mounts, and the walk of a
// snapfs tree for a file's versions (on a tree of plain directories carrying the xattrs a mount
// shows, so every case of the walk is met without a mount).
#include "fs/versions.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>

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

// A temporary directory with the live NFS mount's files (nfs/) and a snapfs tree (snapfs/) in it.
class VersionsWalk : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/snapfs-versions-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = std::filesystem::canonical(tmpl).string();
    if (::setxattr(root_.c_str(), "user.snapfs.test", "1", 1, 0) != 0) {
      GTEST_SKIP() << "no user xattrs on " << root_ << ": " << std::strerror(errno);
    }
    nfs_ = root_ + "/nfs";
    live_ = nfs_ + "/docs/f";
    file(live_, "live!", 1700000000);
    mountinfo_ = root_ + "/mountinfo";
    std::ofstream(mountinfo_) << "40 1 0:50 / " << nfs_
                              << " rw,relatime - nfs4 10.0.0.1:/export rw\n";
    const char* old = std::getenv("SNAPFS_MOUNTINFO");
    if (old != nullptr) old_mountinfo_ = old;
    ::setenv("SNAPFS_MOUNTINFO", mountinfo_.c_str(), 1);
  }
  void TearDown() override {
    if (old_mountinfo_.empty()) {
      ::unsetenv("SNAPFS_MOUNTINFO");
    } else {
      ::setenv("SNAPFS_MOUNTINFO", old_mountinfo_.c_str(), 1);
    }
    std::filesystem::remove_all(root_);
  }

  static void file(const std::string& path, const std::string& text, std::time_t mtime) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path) << text;
    timespec times[2] = {{mtime, 0}, {mtime, 0}};
    ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0) << path;
  }

  // A snapshot directory of a volume at snapfs/VOLUME/.snapshots/NAME whose files are at
  // `content` (user.snapfs.content), holding `text` as the live file's path when not empty.
  std::string snapshot(const std::string& volume, const std::string& name,
                       const std::string& content, const std::string& created,
                       const std::string& text = "", std::time_t mtime = 0) {
    const std::string dir = root_ + "/snapfs/" + volume + "/.snapshots/" + name;
    std::filesystem::create_directories(dir);
    EXPECT_EQ(::setxattr(dir.c_str(), "user.snapfs.content", content.data(), content.size(), 0), 0);
    EXPECT_EQ(::setxattr(dir.c_str(), "user.snapfs.created", created.data(), created.size(), 0), 0);
    if (!text.empty()) file(dir + "/docs/f", text, mtime);
    return dir + "/docs/f";
  }

  // run_versions on the live file; its exit code, and its standard output in *out.
  int versions(std::string* out, std::string* err) {
    char* out_text = nullptr;
    char* err_text = nullptr;
    std::size_t out_size = 0, err_size = 0;
    std::FILE* out_file = ::open_memstream(&out_text, &out_size);
    std::FILE* err_file = ::open_memstream(&err_text, &err_size);
    int rc = run_versions({"--mount", root_ + "/snapfs", live_}, out_file, err_file);
    std::fclose(out_file);
    std::fclose(err_file);
    *out = std::string(out_text, out_size);
    *err = std::string(err_text, err_size);
    std::free(out_text);
    std::free(err_text);
    return rc;
  }

  static std::string line(std::time_t mtime, int size, const std::string& path) {
    std::tm tm{};
    ::gmtime_r(&mtime, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return std::string(buf) + " " + std::to_string(size) + " " + path + "\n";
  }

  std::string root_, nfs_, live_, mountinfo_, old_mountinfo_;
};

// Within a volume, a snapshot the API gives no directory for is passed over, while a snapshot
// whose files are not on the live file's NFS mount (content off, another mount) ends the
// volume's walk: the same holds for all its snapshots. Versions are newest first, each once.
TEST_F(VersionsWalk, EachKindOfSnapshotIsTakenOrPassedOver) {
  const std::string snap = nfs_ + "/.snap/";
  const std::string oldest =
      snapshot("r/s/vol1", "a", snap + "a", "2020-01-02T00:00:00Z", "one", 1577836800);
  snapshot("r/s/vol1", "b", "the API gives no directory for this snapshot's files",
           "2020-06-01T00:00:00Z");
  snapshot("r/s/vol1", "c", snap + "c", "2021-01-02T00:00:00Z", "two2", 1609459200);
  const std::string newest =
      snapshot("r/s/vol1", "d", snap + "d", "2021-06-02T00:00:00Z", "two2", 1609459200);
  std::filesystem::create_directories(root_ + "/snapfs/r/s/vol1/.snapshots/e/docs/f");
  snapshot("r/s/vol1", "e", snap + "e", "2022-01-01T00:00:00Z");  // a directory at the path
  snapshot("r/s/vol1", "f", snap + "f", "2022-01-02T00:00:00Z");  // nothing at the path
  snapshot("r/s/vol2", "a", "content off", "2020-01-02T00:00:00Z", "zzz", 1500000000);
  snapshot("r/s/vol2", "b", snap + "b", "2020-01-03T00:00:00Z", "zzzz", 1500000001);
  snapshot("r/s/vol3", "a", "/elsewhere/a", "2020-01-02T00:00:00Z", "yyy", 1500000002);
  snapshot("r/s/vol3", "b", snap + "b", "2020-01-03T00:00:00Z", "yyyy", 1500000003);
  snapshot("r/t/vol4", "same", snap + "same", "2023-01-01T00:00:00Z", "live!", 1700000000);

  std::string out, err;
  EXPECT_EQ(versions(&out, &err), 0) << err;
  EXPECT_EQ(out, line(1609459200, 4, newest) + line(1577836800, 3, oldest));
  EXPECT_EQ(err, "");
}

// Snapshots whose files are all elsewhere: the volume was never found.
TEST_F(VersionsWalk, NoSnapshotOnTheFilesMountIsAnError) {
  snapshot("r/s/vol1", "a", "/elsewhere/a", "2020-01-02T00:00:00Z", "one", 1577836800);
  std::string out, err;
  EXPECT_EQ(versions(&out, &err), 2);
  EXPECT_EQ(out, "");
  EXPECT_EQ(err,
            "snapfs versions: no snapshot on a snapfs mount has its files on 10.0.0.1:/export "
            "(mounted on " +
                nfs_ + ")\n");
}

}  // namespace
}  // namespace snapfs
