// `snapfs versions FILE` on a real mount: an HA-NAS partition whose export a fake mount table
// (SNAPFS_MOUNTINFO) places on the emulator's content root, snapshots taken between changes of a
// live file, and `cp` from the listed path bringing the old bytes back.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/support/mount.h"
#include "tests/support/process.h"

namespace snapfs::test {
namespace {

constexpr const char* kExport = "10.16.101.42:/zpool-123456/partition1";
constexpr const char* kSnaps = "nas/zpool-123456/partition1/.snapshots";

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Writes `text` to `path` and sets its mtime `age` in the past, so that each version's mtime
// differs from the others' by far more than any clock granularity.
void write_version(const std::string& path, const std::string& text, std::chrono::hours age) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  ASSERT_TRUE(out.good()) << path;
  const auto t = std::chrono::system_clock::now() - age;
  timespec times[2];
  times[0].tv_sec = times[1].tv_sec = std::chrono::system_clock::to_time_t(t);
  times[0].tv_nsec = times[1].tv_nsec = 0;
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0) << path;
}

std::string mtime_text(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  std::tm tm{};
  ::gmtime_r(&st.st_mtim.tv_sec, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

bool eventually(const std::function<bool()>& condition) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

class VersionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SNAPFS_REQUIRE_FUSE();
    live_ = root_.path() + "/files/10.16.101.42/zpool-123456/partition1";
    emulator_ = std::make_unique<EmulatorProcess>(std::vector<std::string>{
        "--seed", "demo", "--async-ms", "0", "--content-root", root_.path() + "/files"});
    ASSERT_TRUE(emulator_->ok());
    ASSERT_NO_FATAL_FAILURE(settle());
    // The NFS mount this host would have: the export on the emulator's tree.
    mountinfo_ = root_.write_file(
        "mountinfo", "40 1 0:50 / " + live_ + " rw,relatime - nfs4 " + kExport + " rw,vers=4.2\n",
        0644);
    const std::string endpoint = emulator_->base_url() + "/1.0";
    mount_ = std::make_unique<SnapfsMount>(
        "[nas]\ntype = ovh-nasha\nendpoint = " + endpoint +
            "\napplication_key = demo-ak\napplication_secret = demo-as\nconsumer_key = demo-ck\n",
        std::vector<std::string>{"cache_ttl=1"},
        std::vector<std::string>{"SNAPFS_MOUNTINFO=" + mountinfo_});
    ASSERT_TRUE(mount_->ok()) << mount_->log();
  }

  // Waits until the emulator has written its seeded trees and every snapshot copy it owes.
  void settle() {
    ASSERT_TRUE(eventually([&] {
      std::string body;
      return emulator_->get("/_emulator/content", &body) == 200 &&
             body.find("\"pending\":0") != std::string::npos;
    }));
  }

  // mkdir of a snapshot, then waits until it is available and the emulator made its copy.
  void snapshot(const std::string& name) {
    auto made = mount_->sh("mkdir " + std::string(kSnaps) + "/" + name);
    ASSERT_EQ(made.exit_code, 0) << made.err << mount_->log();
    ASSERT_TRUE(eventually([&] {
      mount_->sh("setfattr -n user.snapfs.refresh -v 1 " + std::string(kSnaps));
      return mount_
                 ->sh("getfattr --only-values -n user.snapfs.state " + std::string(kSnaps) + "/" +
                      name)
                 .out == "available";
    }));
    settle();
  }

  CommandResult versions(const std::string& file, bool with_mount = true) const {
    return run_command("SNAPFS_MOUNTINFO=" + shell_quote(mountinfo_) + " " +
                       shell_quote(SNAPFS_BINARY_PATH) + " versions " +
                       (with_mount ? "--mount " + shell_quote(mount_->path()) + " " : "") +
                       shell_quote(file));
  }

  TempDir root_;
  std::string live_;
  std::string mountinfo_;
  std::unique_ptr<EmulatorProcess> emulator_;
  std::unique_ptr<SnapfsMount> mount_;
};

TEST_F(VersionsTest, ListsOlderVersionsNewestFirstAndCpRestoresThem) {
  const std::string file = live_ + "/docs/versions.txt";
  ASSERT_NO_FATAL_FAILURE(write_version(file, "first version\n", std::chrono::hours(2)));
  ASSERT_NO_FATAL_FAILURE(snapshot("snap-v1"));
  ASSERT_NO_FATAL_FAILURE(write_version(file, "second version, longer\n", std::chrono::hours(1)));
  ASSERT_NO_FATAL_FAILURE(snapshot("snap-v2"));
  ASSERT_NO_FATAL_FAILURE(snapshot("snap-v3"));  // the same version again: listed once, here
  const std::string second_mtime = mtime_text(file);
  ASSERT_NO_FATAL_FAILURE(write_version(file, "third\n", std::chrono::hours(0)));

  const std::string snaps = mount_->path() + "/" + kSnaps;
  const std::string newer = snaps + "/snap-v3/docs/versions.txt";
  const std::string older = snaps + "/snap-v1/docs/versions.txt";
  auto listed = versions(file);
  ASSERT_EQ(listed.exit_code, 0) << listed.err << mount_->log();
  std::istringstream lines(listed.out);
  std::string first, second, extra;
  std::getline(lines, first);
  std::getline(lines, second);
  EXPECT_FALSE(std::getline(lines, extra)) << listed.out;
  EXPECT_EQ(first, second_mtime + " 23 " + newer) << listed.out;
  EXPECT_NE(second.find(" 14 " + older), std::string::npos) << listed.out;
  EXPECT_EQ(second.find(" 14 " + older) + 4 + older.size(), second.size()) << listed.out;

  // Without --mount, the snapfs mounts are found in the mount table.
  auto found = versions(file, /*with_mount=*/false);
  EXPECT_EQ(found.exit_code, 0) << found.err;
  EXPECT_EQ(found.out, listed.out);

  // The first path restores the version before the live one.
  auto cp = run_command("cp " + shell_quote(newer) + " " + shell_quote(file));
  ASSERT_EQ(cp.exit_code, 0) << cp.err;
  EXPECT_EQ(read_file(file), "second version, longer\n");

  // A deleted file is found too: every snapshot's version is another one.
  ASSERT_EQ(::unlink(file.c_str()), 0);
  auto deleted = versions(file);
  EXPECT_EQ(deleted.exit_code, 0) << deleted.err;
  EXPECT_EQ(deleted.out, listed.out);
}

// A snapfs mount whose daemon stopped answering (SIGSTOP): each call on it would wait for ever.
// The search passes it over once it made no progress for --timeout seconds, and lists what the
// other mount holds all the same.
TEST_F(VersionsTest, AMountThatStoppedAnsweringIsPassedOver) {
  const std::string file = live_ + "/docs/versions.txt";
  ASSERT_NO_FATAL_FAILURE(write_version(file, "first version\n", std::chrono::hours(1)));
  ASSERT_NO_FATAL_FAILURE(snapshot("snap-v1"));
  ASSERT_NO_FATAL_FAILURE(write_version(file, "second\n", std::chrono::hours(0)));
  SnapfsMount stopped(
      "[nas]\ntype = ovh-nasha\nendpoint = " + emulator_->base_url() +
          "/1.0\napplication_key = demo-ak\napplication_secret = demo-as\nconsumer_key = demo-ck\n",
      {}, {"SNAPFS_MOUNTINFO=" + mountinfo_});
  ASSERT_TRUE(stopped.ok()) << stopped.log();
  ASSERT_EQ(kill(stopped.pid(), SIGSTOP), 0);
  struct Resume {
    pid_t pid;
    ~Resume() { kill(pid, SIGCONT); }  // before the mount goes, whatever happens here
  } resume{stopped.pid()};

  const auto start = std::chrono::steady_clock::now();
  auto listed = run_command("SNAPFS_MOUNTINFO=" + shell_quote(mountinfo_) + " " +
                            shell_quote(SNAPFS_BINARY_PATH) + " versions --timeout 2 --mount " +
                            shell_quote(stopped.path()) + " --mount " +
                            shell_quote(mount_->path()) + " " + shell_quote(file));
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find(" 14 " + mount_->path() + "/" + kSnaps + "/snap-v1/docs/versions.txt"),
            std::string::npos)
      << listed.out;
  EXPECT_NE(listed.err.find(stopped.path() + ": no answer for 2 s; passed over"), std::string::npos)
      << listed.err;
  EXPECT_LT(took, std::chrono::seconds(15));

  auto bad =
      run_command(shell_quote(SNAPFS_BINARY_PATH) + " versions --timeout 0 " + shell_quote(file));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("usage: snapfs versions"), std::string::npos) << bad.err;
}

TEST_F(VersionsTest, ExitCodesForNoOtherVersionAndForAFileOffTheMounts) {
  // The demo's README is the same in every snapshot as on the live tree.
  auto same = versions(live_ + "/README.txt");
  EXPECT_EQ(same.exit_code, 1) << same.out << same.err;
  EXPECT_EQ(same.out, "");
  EXPECT_NE(same.err.find("no snapshot holds another version"), std::string::npos) << same.err;

  auto off = versions(root_.path() + "/mountinfo");
  EXPECT_EQ(off.exit_code, 2);
  EXPECT_NE(off.err.find("is not on an NFS mount"), std::string::npos) << off.err;

  auto usage = run_command(shell_quote(SNAPFS_BINARY_PATH) + " versions");
  EXPECT_EQ(usage.exit_code, 2);
  EXPECT_NE(usage.err.find("usage: snapfs versions"), std::string::npos) << usage.err;
}

}  // namespace
}  // namespace snapfs::test
