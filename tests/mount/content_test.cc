// Snapshot contents on a real mount: an HA-NAS snapshot directory shows the files of the
// snapshot's directory on the (here: pretend) NFS mount of its partition, found through a
// mountinfo file (SNAPFS_MOUNTINFO; this kernel has no NFS client). Checked with ordinary tools:
// sha256sum, cp -a, ls -lR, find, stat, readlink, an unprivileged reader, and the emulator's
// request counter.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <fstream>
#include <thread>

#include "tests/support/fs_call.h"
#include "tests/support/mount.h"
#include "tests/support/process.h"
#include "tests/support/reliability.h"

namespace snapfs::test {
namespace {

constexpr const char* kExport = "10.16.101.42:/zpool-123456/partition1";
constexpr const char* kSnap = "nas/zpool-123456/partition1/.snapshots/snap-daily-backup";
constexpr const char* kCredentials =
    "application_key = demo-ak\napplication_secret = demo-as\nconsumer_key = demo-ck\n";

class ContentMountTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SNAPFS_REQUIRE_FUSE();
    emulator_ = std::make_unique<EmulatorProcess>(std::vector<std::string>{"--seed", "demo"});
    ASSERT_TRUE(emulator_->ok());
    root_ = files_.path() + "/export";
    snapdir_ = root_ + "/.zfs/snapshot/snap-daily-backup";
    // The partition's live tree and its snapshot's copy, as ZFS shows them over NFS.
    ASSERT_EQ(run_command("set -e; mkdir -p " + shell_quote(root_ + "/docs") + " " +
                          shell_quote(snapdir_ + "/docs/deep") + "; cd " + shell_quote(snapdir_) +
                          "; printf 'old bytes\\n' > docs/report.txt; chmod 0640 docs/report.txt;"
                          " touch -d '2024-03-01 10:00:00' docs/report.txt;"
                          " printf 'x' > docs/deep/leaf; printf 'root only' > secret;"
                          " chmod 0600 secret; ln -s docs/report.txt link; ln -s /etc out;"
                          " printf 'new bytes\\n' > " +
                          shell_quote(root_ + "/docs/report.txt"))
                  .exit_code,
              0);
    mountinfo_ = files_.write_file(
        "mountinfo", "36 25 0:50 / " + root_ + " rw,relatime - nfs4 " + kExport + " rw\n", 0644);
  }

  std::string Config(const std::string& extra = "") const {
    return "[nas]\ntype = ovh-nasha\nendpoint = " + emulator_->base_url() + "/1.0\n" +
           kCredentials + extra;
  }

  void Mount(const std::string& extra = "", const std::vector<std::string>& options = {}) {
    std::vector<std::string> opts = {"allow_other"};
    opts.insert(opts.end(), options.begin(), options.end());
    mount_ = std::make_unique<SnapfsMount>(
        Config(extra), opts, std::vector<std::string>{"SNAPFS_MOUNTINFO=" + mountinfo_});
    ASSERT_TRUE(mount_->ok()) << mount_->log();
  }

  std::string sh_out(const std::string& command) const { return mount_->sh(command).out; }

  TempDir files_;
  std::string root_;
  std::string snapdir_;
  std::string mountinfo_;
  std::unique_ptr<EmulatorProcess> emulator_;
  std::unique_ptr<SnapfsMount> mount_;
};

TEST_F(ContentMountTest, ASnapshotShowsItsFilesReadOnlyWithoutApiRequests) {
  Mount();
  const std::string snap = kSnap;
  EXPECT_EQ(sh_out("getfattr --only-values -n user.snapfs.content " + snap), snapdir_);
  // Everything inside the snapshot is served from the backing directory, not the API.
  ASSERT_EQ(mount_->sh("ls " + snap).exit_code, 0);
  const long long requests = emulator_->total_requests();

  // The old bytes in the snapshot, the new ones on the live tree.
  EXPECT_EQ(sh_out("sha256sum < " + snap + "/docs/report.txt"),
            run_command("printf 'old bytes\\n' | sha256sum").out);
  EXPECT_EQ(run_command("cat " + shell_quote(root_ + "/docs/report.txt")).out, "new bytes\n");

  // cp -a restores the file with its mode and times.
  const std::string restored = files_.path() + "/restored.txt";
  ASSERT_EQ(mount_->sh("cp -a " + snap + "/docs/report.txt " + shell_quote(restored)).exit_code, 0);
  EXPECT_EQ(run_command("stat -c '%a %Y' " + shell_quote(restored)).out,
            run_command("stat -c '%a %Y' " + shell_quote(snapdir_ + "/docs/report.txt")).out);
  EXPECT_EQ(run_command("cat " + shell_quote(restored)).out, "old bytes\n");

  // ls -lR, find, stat: the backing tree's names, types, modes, sizes, times.
  EXPECT_EQ(sh_out("cd " + snap + " && find . | sort"),
            run_command("cd " + shell_quote(snapdir_) + " && find . | sort").out);
  EXPECT_EQ(sh_out("cd " + snap + " && ls -lR --time-style=+%s . | sed 's/^total .*//'"),
            run_command("cd " + shell_quote(snapdir_) +
                        " && ls -lR --time-style=+%s . | sed 's/^total .*//'")
                .out);
  EXPECT_EQ(
      sh_out("stat -c '%F %s %a %U %Y' " + snap + "/docs/report.txt"),
      run_command("stat -c '%F %s %a %U %Y' " + shell_quote(snapdir_ + "/docs/report.txt")).out);
  // Symbolic links are links, never followed by snapfs.
  EXPECT_EQ(sh_out("stat -c %F " + snap + "/link"), "symbolic link\n");
  EXPECT_EQ(sh_out("readlink " + snap + "/out"), "/etc\n");
  EXPECT_EQ(
      sh_out("du -s --apparent-size -B1 " + snap + "/docs | cut -f1"),
      run_command("du -s --apparent-size -B1 " + shell_quote(snapdir_ + "/docs") + " | cut -f1")
          .out);
  // Inode numbers are stable: the same file, the same number, however it is reached.
  EXPECT_EQ(sh_out("stat -c %i " + snap + "/docs/report.txt"),
            sh_out("cd " + snap + "/docs && stat -c %i report.txt"));

  // Every change inside answers EROFS.
  for (const std::string& change :
       {"touch " + snap + "/new", "rm -f " + snap + "/docs/report.txt", "mkdir " + snap + "/dir",
        "mv " + snap + "/docs/report.txt " + snap + "/docs/r2",
        "chmod 0777 " + snap + "/docs/report.txt", "ln -s x " + snap + "/l2",
        "sh -c 'echo x >> " + snap + "/docs/report.txt'",
        "truncate -s 0 " + snap + "/docs/report.txt", "rmdir " + snap + "/docs/deep",
        "setfattr -n user.x -v 1 " + snap + "/docs/report.txt"}) {
    CommandResult r = mount_->sh(change + " 2>&1");
    EXPECT_NE(r.exit_code, 0) << change;
    EXPECT_NE(r.out.find("Read-only file system"), std::string::npos) << change << ": " << r.out;
  }
  EXPECT_EQ(run_command("cat " + shell_quote(snapdir_ + "/docs/report.txt")).out, "old bytes\n");
  EXPECT_EQ(emulator_->total_requests(), requests);
}

// ZFS keeps the partition's automatic snapshots beside the custom ones; the API lists only the
// custom ones. They show in .snapshots, read-only, with their files.
TEST_F(ContentMountTest, AutomaticSnapshotsTheApiDoesNotListShowReadOnly) {
  const std::string automatic = root_ + "/.zfs/snapshot/auto-day-1";
  ASSERT_EQ(
      run_command("set -e; mkdir -p " + shell_quote(automatic + "/docs") +
                  "; printf 'auto bytes\\n' > " + shell_quote(automatic + "/docs/report.txt") +
                  "; touch -d '2024-05-01 12:00:00 UTC' " + shell_quote(automatic))
          .exit_code,
      0);
  Mount();
  const std::string dir = "nas/zpool-123456/partition1/.snapshots";
  const std::string snap = dir + "/auto-day-1";
  EXPECT_EQ(sh_out("ls " + dir + " | grep -c -x -e auto-day-1 -e snap-daily-backup"), "2\n");
  EXPECT_EQ(sh_out("getfattr --only-values -n user.snapfs.type " + snap), "automatic");
  EXPECT_EQ(sh_out("getfattr --only-values -n user.snapfs.type " + std::string(kSnap)), "manual");
  EXPECT_EQ(sh_out("getfattr --only-values -n user.snapfs.state " + snap), "available");
  EXPECT_NE(sh_out("getfattr --only-values -n user.snapfs.created " + snap).find("2024-05-01"),
            std::string::npos);
  EXPECT_EQ(sh_out("getfattr --only-values -n user.snapfs.content " + snap), automatic);
  EXPECT_EQ(sh_out("cat " + snap + "/docs/report.txt"), "auto bytes\n");

  // The API cannot delete it: refused without a request, and it stays.
  const long long requests = emulator_->total_requests();
  CommandResult removed = mount_->sh("rmdir " + snap + " 2>&1");
  EXPECT_NE(removed.exit_code, 0);
  EXPECT_NE(removed.out.find("Operation not permitted"), std::string::npos) << removed.out;
  EXPECT_EQ(emulator_->total_requests(), requests);
  EXPECT_EQ(mount_->sh("test -d " + snap).exit_code, 0);

  // Gone from the snapshot directory (the schedule removed it): gone from .snapshots once
  // listed again.
  ASSERT_EQ(run_command("rm -rf " + shell_quote(automatic)).exit_code, 0);
  ASSERT_EQ(mount_->sh("setfattr -n user.snapfs.refresh -v 1 " + dir).exit_code, 0);
  EXPECT_EQ(sh_out("ls " + dir + " | grep -c -x auto-day-1"), "0\n");
}

TEST_F(ContentMountTest, AFileTheBackingMountRefusesAUserStaysRefused) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root (allow_other and another user)";
  Mount();
  // Another user must reach the mount point and the backing tree (private temporary dirs).
  ASSERT_EQ(run_command("chmod 0755 " + shell_quote(files_.path()) + " \"$(dirname " +
                        shell_quote(mount_->path()) + ")\"")
                .exit_code,
            0);
  const std::string secret = mount_->path() + "/" + kSnap + "/secret";
  EXPECT_EQ(run_command("cat " + shell_quote(secret)).out, "root only");
  CommandResult denied = run_command("setpriv --reuid=65534 --regid=65534 --clear-groups cat " +
                                     shell_quote(secret) + " 2>&1");
  EXPECT_NE(denied.exit_code, 0);
  EXPECT_NE(denied.out.find("Permission denied"), std::string::npos) << denied.out;
  // What the user may read directly, they may read through snapfs.
  CommandResult allowed =
      run_command("setpriv --reuid=65534 --regid=65534 --clear-groups cat " +
                  shell_quote(mount_->path() + "/" + kSnap + "/docs/deep/leaf"));
  EXPECT_EQ(allowed.out, "x");
  // The backing mount now refuses the user a directory above the snapshot's: its files are
  // refused through snapfs too, whatever modes they show (snapfs itself could read them).
  ASSERT_EQ(chmod((root_ + "/.zfs").c_str(), 0700), 0);
  CommandResult refused =
      run_command("setpriv --reuid=65534 --regid=65534 --clear-groups cat " +
                  shell_quote(mount_->path() + "/" + kSnap + "/docs/deep/leaf") + " 2>&1");
  EXPECT_NE(refused.exit_code, 0) << refused.out;
  EXPECT_NE(refused.out.find("Permission denied"), std::string::npos) << refused.out;
}

TEST_F(ContentMountTest, ADeletedSnapshotsOpenFileAndPathsFailCleanly) {
  Mount();
  const std::string snap = kSnap;
  ASSERT_EQ(mount_->sh("stat " + snap + "/docs/report.txt").exit_code, 0);
  // The file is open (not yet read) while its snapshot is deleted; rmdir deletes a snapshot
  // that holds files.
  CommandResult r =
      mount_->sh("exec 3< " + snap + "/docs/report.txt && rmdir " + snap +
                     " && cat <&3; echo \"rc=$?\"; stat " + snap + "/docs/report.txt 2>&1",
                 std::chrono::seconds(30));
  EXPECT_NE(r.out.find("rc=1"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.err.find("Stale file handle"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("No such file or directory"), std::string::npos) << r.out;
  EXPECT_EQ(mount_->sh("ls nas/zpool-123456/partition1/.snapshots").out.find("snap-daily-backup"),
            std::string::npos);
}

TEST_F(ContentMountTest, ABackingDirectoryThatDisappearsFailsCleanly) {
  Mount();
  const std::string snap = kSnap;
  ASSERT_EQ(mount_->sh("stat " + snap + "/docs/report.txt").exit_code, 0);
  // The NFS side loses the snapshot's directory (a server-side delete, an unmounted export).
  ASSERT_EQ(run_command("rm -rf " + shell_quote(snapdir_)).exit_code, 0);
  FsCallResult read = fs_stat(mount_->path() + "/" + snap + "/docs/deep", std::chrono::seconds(20));
  EXPECT_EQ(errno_name(read.error), "ENOENT");
  CommandResult cat = mount_->sh("cat " + snap + "/docs/report.txt 2>&1");
  EXPECT_NE(cat.exit_code, 0);
  EXPECT_NE(cat.out.find("No such file or directory"), std::string::npos) << cat.out;
  // The rest of the mount answers as before.
  EXPECT_NE(mount_->sh("ls nas/zpool-123456/partition1/.snapshots").out.find("snap-daily-backup"),
            std::string::npos);
}

TEST_F(ContentMountTest, WithoutALocalMountTheSnapshotSaysWhy) {
  mountinfo_ = files_.write_file("mountinfo", "", 0644);
  Mount();
  EXPECT_EQ(sh_out(std::string("getfattr --only-values -n user.snapfs.content ") + kSnap),
            std::string("no local mount of ") + kExport);
  EXPECT_EQ(sh_out(std::string("ls -A ") + kSnap), "");
}

TEST_F(ContentMountTest, ContentOffKeepsSnapshotsEmpty) {
  Mount("content = off\n");
  EXPECT_EQ(sh_out(std::string("getfattr --only-values -n user.snapfs.content ") + kSnap),
            "content off");
  EXPECT_EQ(sh_out(std::string("ls -A ") + kSnap), "");
}

// A backing call that never returns (a hard NFS mount whose server is gone): here the backing
// directory lies on a second snapfs mount whose emulator is stopped. The caller gets ETIMEDOUT
// at this mount's deadline, and the mount keeps answering.
TEST_F(ContentMountTest, AStuckBackingCallAnswersAtTheDeadline) {
  EmulatorProcess stalled({"--seed", "demo"});
  ASSERT_TRUE(stalled.ok());
  SnapfsMount backing(
      "[nas]\ntype = ovh-nasha\nendpoint = " + stalled.base_url() + "/1.0\n" + kCredentials,
      {"timeout=60"});
  ASSERT_TRUE(backing.ok()) << backing.log();
  ASSERT_EQ(kill(stalled.pid(), SIGSTOP), 0);
  Mount(std::string("content_map = ") + kExport + "=" + backing.path() + "/nas\n", {"timeout=2"});
  // The API's part first, which is not what this test is about: with a 2 s deadline, a loaded
  // machine can make a listing time out, and the remote then answers EIO until it is reachable
  // again (an outage costs one deadline, not one per call).
  const std::string snapshots = mount_->path() + "/nas/zpool-123456/partition1/.snapshots";
  ASSERT_TRUE(eventually([&] { return fs_list(snapshots, std::chrono::seconds(20)).ok(); },
                         std::chrono::seconds(60)))
      << mount_->log();
  FsCallResult stuck;
  std::thread caller(
      [&] { stuck = fs_stat(mount_->path() + "/" + kSnap + "/docs", std::chrono::seconds(20)); });
  // Other requests are served while the stuck one waits: a request that reaches the daemon
  // (getxattr is never answered from the kernel's caches) answers well before the deadline.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  FsCallResult other = fs_getxattr(mount_->path(), "user.snapfs.stats", std::chrono::seconds(20));
  caller.join();
  EXPECT_TRUE(other.ok()) << errno_name(other.error);
  EXPECT_LT(other.seconds, 1.0) << "a stuck backing call held another request";
  EXPECT_EQ(errno_name(stuck.error), "ETIMEDOUT") << mount_->log() << "backing mount:\n"
                                                  << backing.log();
  // The stuck call has now run for longer than a new one could wait: the snapshot's next calls
  // answer at once, not at their own deadlines (a crawl waits one deadline, not one per name).
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  FsCallResult next = fs_stat(mount_->path() + "/" + kSnap + "/secret", std::chrono::seconds(20));
  EXPECT_EQ(errno_name(next.error), "ETIMEDOUT");
  EXPECT_LT(next.seconds, 1.0) << "a second call waited for its own deadline";
  // Once the backing mount answers again, so does the snapshot (the stand-in backing mount
  // has no such directory: ENOENT).
  kill(stalled.pid(), SIGCONT);
  EXPECT_TRUE(eventually(
      [&] {
        return fs_stat(mount_->path() + "/" + kSnap + "/secret", std::chrono::seconds(20)).error ==
               ENOENT;
      },
      std::chrono::seconds(30)))
      << mount_->log();
  mount_.reset();  // before the backing mount goes
}

// The look for automatic snapshots (HA-NAS: `.zfs/snapshot/` on the partition's NFS mount) on a
// mount that stopped answering: the listing still answers, with the API's snapshots, once the
// look's own limit (2 s) passed, and later listings do not start a second look while the first
// is still stuck.
TEST_F(ContentMountTest, AStuckLookForAutomaticSnapshotsLeavesTheApiListing) {
  EmulatorProcess stalled({"--seed", "demo"});
  ASSERT_TRUE(stalled.ok());
  SnapfsMount backing(
      "[nas]\ntype = ovh-nasha\nendpoint = " + stalled.base_url() + "/1.0\n" + kCredentials,
      {"timeout=60"});
  ASSERT_TRUE(backing.ok()) << backing.log();
  ASSERT_EQ(kill(stalled.pid(), SIGSTOP), 0);
  Mount(std::string("content_map = ") + kExport + "=" + backing.path() + "/nas\n",
        {"timeout=5", "log_level=debug"});
  const std::string dir = mount_->path() + "/nas/zpool-123456/partition1/.snapshots";
  FsCallResult first = fs_list(dir, std::chrono::seconds(20));
  ASSERT_TRUE(first.ok()) << errno_name(first.error) << mount_->log();
  bool api_snapshot = false;
  for (const auto& e : first.entries) api_snapshot |= e.name == "snap-daily-backup";
  EXPECT_TRUE(api_snapshot) << mount_->log();
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(fs_setxattr(dir, "user.snapfs.refresh", "1", std::chrono::seconds(20)).ok());
    FsCallResult again = fs_list(dir, std::chrono::seconds(20));
    EXPECT_TRUE(again.ok()) << errno_name(again.error);
  }
  const std::string log = mount_->log();
  std::size_t looks = 0;
  for (std::size_t at = log.find("no unlisted snapshots read from"); at != std::string::npos;
       at = log.find("no unlisted snapshots read from", at + 1)) {
    ++looks;
  }
  EXPECT_EQ(looks, 1u) << log;
  kill(stalled.pid(), SIGCONT);
  mount_.reset();  // before the backing mount goes
}

}  // namespace
}  // namespace snapfs::test
