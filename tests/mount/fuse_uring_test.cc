// FUSE over io_uring: with the kernel's switch on, requests come over one ring per CPU, and what
// a user sees is the same as over /dev/fuse. The tests turn the switch on for their own mounts
// and put it back as they found it.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "tests/support/fs_call.h"
#include "tests/support/mount.h"
#include "tests/support/process.h"
#include "tests/support/reliability.h"

namespace snapfs::test {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::seconds;

const char* const kSwitch = "/sys/module/fuse/parameters/enable_uring";

std::string read_switch() {
  std::ifstream in(kSwitch);
  std::string value;
  std::getline(in, value);
  return value;
}

bool write_switch(const std::string& value) {
  std::ofstream out(kSwitch);
  out << value << "\n";
  out.close();
  return static_cast<bool>(out) && read_switch() == value;
}

class FuseUringTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SNAPFS_REQUIRE_FUSE();
    saved_ = read_switch();
    if (saved_.empty()) {
      GTEST_SKIP() << "SKIPPED LOUDLY: this kernel has no FUSE over io_uring (" << kSwitch
                   << " is missing; Linux 6.14+ with CONFIG_FUSE_IO_URING)";
    }
    if (!write_switch("Y")) {
      GTEST_SKIP() << "SKIPPED LOUDLY: cannot turn on " << kSwitch << " (needs root)";
    }
    emulator_ = std::make_unique<EmulatorProcess>(std::vector<std::string>{"--seed", "demo"});
    ASSERT_TRUE(emulator_->ok());
  }

  void TearDown() override {
    if (!saved_.empty()) write_switch(saved_);
  }

  std::string Config() const {
    return "[r]\ntype = scaleway-instance\nzones = fr-par-1,nl-ams-1\napi_url = " +
           emulator_->base_url() + "\nsecret_key = 00000000-0000-4000-8000-000000000001\n";
  }

  // The number in "FUSE over io_uring answered N requests", logged at unmount; -1 without one.
  static long answered_over_rings(const std::string& log) {
    static const std::regex kAnswered(R"(FUSE over io_uring answered (\d+) requests)");
    std::smatch m;
    return std::regex_search(log, m, kAnswered) ? std::stol(m[1]) : -1;
  }

  // `ls -lAR --time-style=+%s` of the mount, with the start time of the mount (the mtime of the
  // directories snapfs makes up: remote, zone, .snapshots) shown as "MOUNT-TIME": two mounts
  // may start a second apart.
  static CommandResult crawl(const SnapfsMount& mount) {
    CommandResult listed = mount.sh("ls -lAR --time-style=+%s .");
    struct stat remote {};
    if (stat((mount.path() + "/r").c_str(), &remote) != 0) return listed;
    const std::string started = " " + std::to_string(remote.st_mtime) + " ";
    for (std::size_t at = listed.out.find(started); at != std::string::npos;
         at = listed.out.find(started, at + 1)) {
      listed.out.replace(at, started.size(), " MOUNT-TIME ");
    }
    return listed;
  }

  std::string saved_;
  std::unique_ptr<EmulatorProcess> emulator_;
};

// Every operation a user makes, over the rings: the same crawl output as over /dev/fuse, then
// mkdir, a rename, an attribute and rmdir.
TEST_F(FuseUringTest, EveryOperationWorksOverTheRingsAsOverTheDevice) {
  SnapfsMount device(Config(), {"io_uring=0"});
  ASSERT_TRUE(device.ok()) << device.log();
  SnapfsMount rings(Config());
  ASSERT_TRUE(rings.ok()) << rings.log();
  CommandResult over_device = crawl(device);
  CommandResult over_rings = crawl(rings);
  ASSERT_EQ(over_device.exit_code, 0) << over_device.err;
  ASSERT_EQ(over_rings.exit_code, 0) << over_rings.err;
  EXPECT_GT(over_rings.out.size(), 200u);
  EXPECT_NE(over_rings.out.find(" MOUNT-TIME r\n"), std::string::npos) << over_rings.out;
  EXPECT_EQ(over_rings.out, over_device.out);
  EXPECT_NE(rings.log().find("FUSE requests over io_uring"), std::string::npos) << rings.log();
  EXPECT_EQ(device.log().find("FUSE requests over io_uring"), std::string::npos) << device.log();

  FsCallResult volumes = fs_list(rings.path() + "/r/fr-par-1", seconds(20));
  ASSERT_TRUE(volumes.ok() && !volumes.entries.empty()) << errno_name(volumes.error);
  const std::string snapshots = "r/fr-par-1/" + volumes.entries[0].name + "/.snapshots";
  CommandResult made = rings.sh("mkdir " + snapshots + "/over-rings && ls " + snapshots);
  ASSERT_EQ(made.exit_code, 0) << made.err;
  EXPECT_NE(made.out.find("over-rings\n"), std::string::npos) << made.out;
  CommandResult renamed =
      rings.sh("mv " + snapshots + "/over-rings " + snapshots + "/renamed && ls " + snapshots);
  ASSERT_EQ(renamed.exit_code, 0) << renamed.err;
  EXPECT_NE(renamed.out.find("renamed\n"), std::string::npos) << renamed.out;
  FsCallResult json =
      fs_getxattr(rings.path() + "/" + snapshots + "/renamed", "user.snapfs.json", seconds(20));
  ASSERT_TRUE(json.ok()) << errno_name(json.error);
  EXPECT_NE(json.value.find("\"renamed\""), std::string::npos) << json.value;
  // EBUSY while the provider still reports the new snapshot as being created.
  EXPECT_TRUE(eventually([&] { return rings.sh("rmdir " + snapshots + "/renamed").exit_code == 0; },
                         seconds(20)))
      << rings.sh("rmdir " + snapshots + "/renamed").err;
  CommandResult absent = rings.sh("stat " + snapshots + "/no-such-snapshot");
  EXPECT_NE(absent.exit_code, 0);
  EXPECT_NE(absent.err.find("No such file or directory"), std::string::npos) << absent.err;

  ASSERT_TRUE(rings.unmount()) << rings.log();
  EXPECT_GT(answered_over_rings(rings.log()), 20) << rings.log();
}

// With -o io_uring=0 the kernel's offer is declined before any hook goes in: libfuse reads and
// answers /dev/fuse itself, and no ring ever carries a request.
TEST_F(FuseUringTest, DeclinedRingsLeaveTheDeviceToLibfuse) {
  SnapfsMount mount(Config(), {"io_uring=0"});
  ASSERT_TRUE(mount.ok()) << mount.log();
  CommandResult listed = crawl(mount);
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find(" MOUNT-TIME r\n"), std::string::npos) << listed.out;
  EXPECT_NE(mount.log().find("FUSE requests over /dev/fuse only"), std::string::npos)
      << mount.log();
  ASSERT_TRUE(mount.unmount()) << mount.log();
  EXPECT_EQ(mount.log().find("FUSE requests over io_uring"), std::string::npos) << mount.log();
  EXPECT_EQ(answered_over_rings(mount.log()), -1) << mount.log();
}

// A request that waits on the API holds its ring entry, not the ring: another request on the
// same rings is answered meanwhile, and Ctrl-C (an INTERRUPT, which comes over /dev/fuse) ends
// the waiting one long before its deadline.
TEST_F(FuseUringTest, ARequestWaitingOnTheApiLeavesTheRingsToOthers) {
  constexpr int kTimeoutSeconds = 20;
  SnapfsMount mount(Config(), {"timeout=" + std::to_string(kTimeoutSeconds), "prefetch=0"});
  ASSERT_TRUE(mount.ok()) << mount.log();
  ASSERT_TRUE(fs_list(mount.path() + "/r", seconds(10)).ok());
  // The kernel switches over once every CPU's ring has registered, just after the mount.
  ASSERT_TRUE(eventually(
      [&] {
        fs_getxattr(mount.path(), "user.snapfs.stats", seconds(5));
        return mount.log().find("FUSE requests over io_uring") != std::string::npos;
      },
      seconds(10)))
      << mount.log();
  emulator_->set_faults({"delay-ms=60000"});
  Subprocess ls({"ls", mount.path() + "/r/fr-par-1"});
  ASSERT_TRUE(eventually([&] { return blocked_in_fuse(ls.pid()); }, seconds(10)))
      << "ls never reached the daemon";
  const Clock::time_point started = Clock::now();
  expect_answers_while_stuck(mount.path(), &ls, kTimeoutSeconds);
  EXPECT_LT(std::chrono::duration<double>(Clock::now() - started).count(), kTimeoutSeconds)
      << "the interrupt did not reach the waiting request";
  emulator_->clear_faults();
  EXPECT_TRUE(mount.unmount()) << mount.log();
  EXPECT_GT(answered_over_rings(mount.log()), 0) << mount.log();
}

// FUSE passthrough over the rings: the answer to an OPEN leaves through a ring, and still carries
// the backing file, so the kernel reads the snapshot's file itself (no read reaches snapfs).
TEST_F(FuseUringTest, PassthroughOpensAreAnsweredOverTheRingsToo) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root (passthrough needs CAP_SYS_ADMIN)";
  TempDir files;
  const std::string root = files.path() + "/export";
  const std::string snapdir = root + "/.zfs/snapshot/snap-daily-backup";
  ASSERT_EQ(run_command("mkdir -p " + shell_quote(snapdir) + " && head -c 1000000 /dev/urandom > " +
                        shell_quote(snapdir + "/data.bin"))
                .exit_code,
            0);
  const std::string mountinfo = files.write_file(
      "mountinfo",
      "36 25 0:50 / " + root + " rw,relatime - nfs4 10.16.101.42:/zpool-123456/partition1 rw\n",
      0644);
  SnapfsMount mount("[nas]\ntype = ovh-nasha\nendpoint = " + emulator_->base_url() +
                        "/1.0\napplication_key = demo-ak\napplication_secret = demo-as\n"
                        "consumer_key = demo-ck\n",
                    {}, {"SNAPFS_MOUNTINFO=" + mountinfo});
  ASSERT_TRUE(mount.ok()) << mount.log();
  // The kernel switches over once every CPU's ring has registered, just after the mount.
  ASSERT_TRUE(eventually(
      [&] {
        fs_getxattr(mount.path(), "user.snapfs.stats", seconds(5));
        return mount.log().find("FUSE requests over io_uring") != std::string::npos;
      },
      seconds(10)))
      << mount.log();
  const std::string file = "nas/zpool-123456/partition1/.snapshots/snap-daily-backup/data.bin";
  CommandResult read = mount.sh("sha256sum < " + file);
  EXPECT_EQ(read.out, run_command("sha256sum < " + shell_quote(snapdir + "/data.bin")).out)
      << read.err << mount.log();
  FsCallResult stats = fs_getxattr(mount.path(), "user.snapfs.stats", seconds(5));
  ASSERT_TRUE(stats.ok()) << errno_name(stats.error);
  EXPECT_NE(stats.value.find("\"reads\": 0,"), std::string::npos) << stats.value;
  EXPECT_NE(mount.log().find("FUSE passthrough: the kernel reads snapshot files"),
            std::string::npos)
      << mount.log();
  ASSERT_TRUE(mount.unmount()) << mount.log();
  EXPECT_GT(answered_over_rings(mount.log()), 0) << mount.log();
}

}  // namespace
}  // namespace snapfs::test
