// FUSE passthrough of a snapshot's files on a real mount: with it, the kernel reads an open file
// straight from its backing file, so no read reaches snapfs (user.snapfs.stats "reads" stays 0)
// and the bytes are the backing file's; with -o passthrough=0, or when snapfs may not use it
// (no CAP_SYS_ADMIN), reads come to snapfs as before, with the same bytes.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/fs_call.h"
#include "tests/support/mount.h"
#include "tests/support/process.h"

namespace snapfs::test {
namespace {

using std::chrono::seconds;

constexpr const char* kExport = "10.16.101.42:/zpool-123456/partition1";
constexpr const char* kSnap = "nas/zpool-123456/partition1/.snapshots/snap-daily-backup";

class PassthroughMountTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SNAPFS_REQUIRE_FUSE();
    if (geteuid() != 0) GTEST_SKIP() << "needs root (passthrough needs CAP_SYS_ADMIN)";
    emulator_ = std::make_unique<EmulatorProcess>(std::vector<std::string>{"--seed", "demo"});
    ASSERT_TRUE(emulator_->ok());
    const std::string root = files_.path() + "/export";
    snapdir_ = root + "/.zfs/snapshot/snap-daily-backup";
    // 3 MiB and a bit of varied bytes: many reads of the kernel's size, a short last one.
    ASSERT_EQ(
        run_command("set -e; mkdir -p " + shell_quote(snapdir_ + "/docs") +
                    "; head -c 3146000 /dev/urandom > " + shell_quote(snapdir_ + "/docs/big.bin"))
            .exit_code,
        0);
    expected_ = run_command("sha256sum < " + shell_quote(snapdir_ + "/docs/big.bin")).out;
    ASSERT_EQ(expected_.size(), 68u) << expected_;
    mountinfo_ = files_.write_file(
        "mountinfo", "36 25 0:50 / " + root + " rw,relatime - nfs4 " + kExport + " rw\n", 0644);
  }

  std::string Config() const {
    return "[nas]\ntype = ovh-nasha\nendpoint = " + emulator_->base_url() +
           "/1.0\napplication_key = demo-ak\napplication_secret = demo-as\n"
           "consumer_key = demo-ck\n";
  }

  std::unique_ptr<SnapfsMount> Mount(const std::vector<std::string>& options = {}) {
    return std::make_unique<SnapfsMount>(
        Config(), options, std::vector<std::string>{"SNAPFS_MOUNTINFO=" + mountinfo_});
  }

  // The "reads" counter (or another) of user.snapfs.stats at `root`; -1 when it shows none.
  static long long reads_counted(const std::string& root, const std::string& counter = "reads") {
    FsCallResult stats = fs_getxattr(root, "user.snapfs.stats", seconds(10));
    const std::regex number("\"" + counter + R"(": (\d+))");
    std::smatch m;
    return stats.ok() && std::regex_search(stats.value, m, number) ? std::stoll(m[1]) : -1;
  }

  TempDir files_;
  std::string snapdir_;
  std::string mountinfo_;
  std::string expected_;
  std::unique_ptr<EmulatorProcess> emulator_;
};

TEST_F(PassthroughMountTest, TheKernelReadsASnapshotFileItself) {
  auto mount = Mount();
  ASSERT_TRUE(mount->ok()) << mount->log();
  if (mount->log().find("FUSE passthrough not used: the kernel does not offer it") !=
      std::string::npos) {
    GTEST_SKIP() << "SKIPPED LOUDLY: this kernel has no FUSE passthrough (CONFIG_FUSE_PASSTHROUGH)";
  }
  const std::string file = std::string(kSnap) + "/docs/big.bin";
  CommandResult first = mount->sh("sha256sum < " + file);
  EXPECT_EQ(first.out, expected_) << first.err << mount->log();
  // Two opens of the file at once share the kernel's one backing file of the inode; a later
  // open after both were closed registers it again.
  EXPECT_EQ(mount
                ->sh("exec 3< " + file + " 4< " + file +
                     " && sha256sum <&3 && sha256sum <&4 && sha256sum < " + file)
                .out,
            expected_ + expected_ + expected_);
  EXPECT_EQ(
      mount->sh("tail -c 100 " + file + " | sha256sum").out,
      run_command("tail -c 100 " + shell_quote(snapdir_ + "/docs/big.bin") + " | sha256sum").out);
  EXPECT_EQ(reads_counted(mount->path()), 0) << mount->log();
  // The open is still decided by snapfs, as the caller: a write open is refused.
  CommandResult write = mount->sh("sh -c 'echo x >> " + file + "' 2>&1");
  EXPECT_NE(write.out.find("Read-only file system"), std::string::npos) << write.out;
  EXPECT_EQ(mount->log().find("FUSE passthrough not used"), std::string::npos) << mount->log();
}

TEST_F(PassthroughMountTest, DeclinedEveryReadGoesThroughSnapfs) {
  auto mount = Mount({"passthrough=0"});
  ASSERT_TRUE(mount->ok()) << mount->log();
  const std::string file = std::string(kSnap) + "/docs/big.bin";
  EXPECT_EQ(mount->sh("sha256sum < " + file).out, expected_);
  // Pieces that start and end inside pages, read without the kernel's cache.
  const std::string piece = "dd bs=4097 skip=300 count=5 status=none if=";
  EXPECT_EQ(mount->sh(piece + file + " iflag=direct | sha256sum").out,
            run_command(piece + shell_quote(snapdir_ + "/docs/big.bin") + " | sha256sum").out);
  const long long reads = reads_counted(mount->path());
  EXPECT_GT(reads, 0) << mount->log();
  // Each answered from a pipe of the backing file's pages, unless it came over an io_uring
  // ring, whose answers never leave by splice.
  if (mount->log().find("FUSE requests over io_uring") == std::string::npos) {
    EXPECT_EQ(reads_counted(mount->path(), "spliced_reads"), reads) << mount->log();
  } else {
    EXPECT_EQ(reads_counted(mount->path(), "spliced_reads"), 0) << mount->log();
  }
  // `snapfs status` says so too.
  CommandResult status =
      run_command(std::string(SNAPFS_BINARY_PATH) + " status " + shell_quote(mount->path()));
  EXPECT_TRUE(std::regex_search(status.out,
                                std::regex(R"(\nsnapshot file reads through snapfs: [1-9]\d*\n)")))
      << status.out << status.err;
  EXPECT_TRUE(std::regex_search(
      status.out, std::regex("\nof those, answered from a pipe: " +
                             std::to_string(reads_counted(mount->path(), "spliced_reads")) + "\n")))
      << status.out;
  CommandResult bad = run_command(std::string(SNAPFS_BINARY_PATH) + " -o passthrough=2 " +
                                  shell_quote(files_.path()));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("passthrough must be 0 or 1"), std::string::npos) << bad.err;
}

// The kernel's readahead of the mount (its bdi's read_ahead_kb); "" when unreadable.
std::string read_ahead_of(const std::string& mount_point) {
  struct stat st {};
  if (::stat(mount_point.c_str(), &st) != 0) return "";
  std::ifstream in("/sys/class/bdi/" + std::to_string(major(st.st_dev)) + ":" +
                   std::to_string(minor(st.st_dev)) + "/read_ahead_kb");
  std::string kb;
  std::getline(in, kb);
  return kb;
}

// The mount's max_read, as /proc/self/mountinfo shows it; 0 when it shows none.
long long max_read_of(const std::string& mount_point) {
  std::ifstream in("/proc/self/mountinfo");
  long long max_read = 0;
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (line.find(" " + mount_point + " ") == std::string::npos) continue;
    max_read = std::regex_search(line, m, std::regex(R"(max_read=(\d+))")) ? std::stoll(m[1]) : 0;
  }
  return max_read;
}

// Reads that go through snapfs come in pieces the size of the kernel's readahead: raised to
// 4 MiB by default, in whole READs (four of the mount's max_read, 1 MiB at most: the most libfuse
// asks for), left at the kernel's 128 KiB with -o read_ahead_kb=0.
TEST_F(PassthroughMountTest, ReadsThroughSnapfsComeInPiecesAsLargeAsTheReadahead) {
  const std::string file = std::string(kSnap) + "/docs/big.bin";
  auto raised = Mount({"passthrough=0"});
  ASSERT_TRUE(raised->ok()) << raised->log();
  const long long max_read = max_read_of(raised->path());
  const long long whole = max_read > 0 ? (4096LL << 10) / max_read * max_read / 1024 : 4096;
  EXPECT_EQ(read_ahead_of(raised->path()), std::to_string(whole)) << "max_read " << max_read << "\n"
                                                                  << raised->log();
  EXPECT_EQ(raised->sh("sha256sum < " + file).out, expected_);
  const long long few = reads_counted(raised->path());
  auto kept = Mount({"passthrough=0", "read_ahead_kb=0"});
  ASSERT_TRUE(kept->ok()) << kept->log();
  EXPECT_EQ(read_ahead_of(kept->path()), "128") << kept->log();
  EXPECT_EQ(kept->sh("sha256sum < " + file).out, expected_);
  const long long many = reads_counted(kept->path());
  // 3 MiB: a handful of 1 MiB READs, against pieces of 128 KiB (or a little more where the
  // kernel lets a large read(2) past its readahead).
  EXPECT_GT(few, 0);
  EXPECT_LT(few * 2, many) << few << " READs with 4 MiB readahead, " << many << " with 128 KiB";
  auto asked = Mount({"passthrough=0", "read_ahead_kb=512"});
  ASSERT_TRUE(asked->ok()) << asked->log();
  EXPECT_EQ(read_ahead_of(asked->path()), "512") << asked->log();
  CommandResult bad = run_command(std::string(SNAPFS_BINARY_PATH) + " -o read_ahead_kb=lots " +
                                  shell_quote(files_.path()));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("read_ahead_kb must be a number of KiB from 0 to 1048576"),
            std::string::npos)
      << bad.err;
}

// A snapshot whose backing files sit on an overlayfs: the kernel will not stack passthrough on
// it (ELOOP), so each open of them is answered the old way, and reads come to snapfs.
TEST_F(PassthroughMountTest, ABackingFileTheKernelWillNotStackOnIsReadThroughSnapfs) {
  const std::string layers = files_.path() + "/layers";
  const std::string merged = layers + "/merged";
  ASSERT_EQ(
      run_command("mkdir -p " + shell_quote(layers) + "/upper " + shell_quote(layers) + "/work " +
                  shell_quote(merged) + " && mv " + shell_quote(files_.path() + "/export") + " " +
                  shell_quote(layers + "/lower"))
          .exit_code,
      0);
  CommandResult overlay =
      run_command("mount -t overlay overlay -o lowerdir=" + layers + "/lower,upperdir=" + layers +
                  "/upper,workdir=" + layers + "/work " + shell_quote(merged) + " 2>&1");
  if (overlay.exit_code != 0) GTEST_SKIP() << "SKIPPED LOUDLY: no overlayfs: " << overlay.out;
  struct Unmount {
    std::string path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{merged};
  mountinfo_ = files_.write_file(
      "mountinfo", "36 25 0:50 / " + merged + " rw,relatime - nfs4 " + kExport + " rw\n", 0644);
  auto mount = Mount();
  ASSERT_TRUE(mount->ok()) << mount->log();
  const std::string file = std::string(kSnap) + "/docs/big.bin";
  CommandResult read = mount->sh("sha256sum < " + file + " && sha256sum < " + file);
  EXPECT_EQ(read.out, expected_ + expected_) << read.err << mount->log();
  EXPECT_GT(reads_counted(mount->path()), 0) << mount->log();
  EXPECT_NE(mount->log().find("FUSE passthrough not used for a snapshot file: its filesystem is "
                              "stacked (overlayfs)"),
            std::string::npos)
      << mount->log();
}

// snapfs without CAP_SYS_ADMIN: it cannot mount either (fusermount3 cannot get the capability
// it lacks), so the test mounts as a mount helper does and hands it the device as /dev/fd/N.
// The kernel would refuse to register a backing file: snapfs does not accept passthrough, says
// why once, and every read comes to it.
TEST_F(PassthroughMountTest, WithoutCapSysAdminReadsStillWork) {
  if (run_command("command -v setpriv").exit_code != 0) GTEST_SKIP() << "no setpriv";
  const std::string mnt = files_.path() + "/mnt";
  ASSERT_EQ(::mkdir(mnt.c_str(), 0755), 0);
  const std::string config = files_.write_file("snapfs.conf", Config(), 0600);
  const int device = ::open("/dev/fuse", O_RDWR);  // inherited by the daemon
  ASSERT_GE(device, 0);
  const std::string data =
      "fd=" + std::to_string(device) + ",rootmode=40000,user_id=0,group_id=0,default_permissions";
  ASSERT_EQ(::mount("snapfs", mnt.c_str(), "fuse.snapfs", MS_NOSUID | MS_NODEV, data.c_str()), 0)
      << strerror(errno);
  struct Unmount {  // whatever the test's end
    std::string path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{mnt};
  const std::string log = files_.path() + "/snapfs.log";
  {
    Subprocess daemon(
        {"setpriv", "--inh-caps=-all", "--bounding-set=-sys_admin", SNAPFS_BINARY_PATH, "-f",
         "--config", config, "/dev/fd/" + std::to_string(device)},
        {"SNAPFS_MOUNTINFO=" + mountinfo_, "HOME=" + files_.path()}, log);
    ::close(device);
    const std::string file = mnt + "/" + kSnap + "/docs/big.bin";
    EXPECT_EQ(run_command("sha256sum < " + shell_quote(file)).out, expected_);
    EXPECT_GT(reads_counted(mnt), 0);
    EXPECT_EQ(::umount2(mnt.c_str(), 0), 0) << strerror(errno);
    EXPECT_EQ(daemon.stop(0, seconds(10)), 0);
  }
  const std::string logged = run_command("cat " + shell_quote(log)).out;
  EXPECT_NE(logged.find("FUSE passthrough not used: snapfs lacks CAP_SYS_ADMIN"), std::string::npos)
      << logged;
}

}  // namespace
}  // namespace snapfs::test
