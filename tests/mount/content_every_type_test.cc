// Snapshot contents on every NAS type: the export and the snapshot's directory come from each
// provider (against the emulator's demo data); a mountinfo file says the export is mounted on a
// directory the test fills.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "tests/support/mount.h"
#include "tests/support/process.h"

namespace snapfs::test {
namespace {

struct NasType {
  const char* name;
  const char* config;  // the section's keys after type, with ENDPOINT for the emulator's URL
  const char* volume;  // the volume directory under the mount
};

class ContentEveryTypeTest : public ::testing::TestWithParam<NasType> {
 protected:
  void SetUp() override {
    SNAPFS_REQUIRE_FUSE();
    root_ = files_.path() + "/exports";
    emulator_ = std::make_unique<EmulatorProcess>(std::vector<std::string>{"--seed", "demo"});
    ASSERT_TRUE(emulator_->ok());
    mountinfo_ = files_.write_file("mountinfo", "", 0644);
  }
  std::string Config() const {
    std::string keys = GetParam().config;
    const std::string marker = "ENDPOINT";
    keys.replace(keys.find(marker), marker.size(), emulator_->base_url());
    return "[nas]\n" + keys;
  }
  void Mount() {
    mount_.reset();
    mount_ =
        std::make_unique<SnapfsMount>(Config(), std::vector<std::string>{},
                                      std::vector<std::string>{"SNAPFS_MOUNTINFO=" + mountinfo_});
    ASSERT_TRUE(mount_->ok()) << mount_->log();
  }
  std::string Content(const std::string& snapshot) const {
    return mount_
        ->sh("getfattr --only-values -n user.snapfs.content " +
             shell_quote(Snapshots() + "/" + snapshot))
        .out;
  }
  std::string Snapshots() const { return std::string(GetParam().volume) + "/.snapshots"; }

  TempDir files_;
  std::string root_;
  std::string mountinfo_;
  std::unique_ptr<EmulatorProcess> emulator_;
  std::unique_ptr<SnapfsMount> mount_;
};

TEST_P(ContentEveryTypeTest, SnapshotsShowTheirFilesAndKeepOldBytes) {
  Mount();
  // Without a mount of the export, the snapshot says which export it needs.
  const std::string first = [&] {
    std::string s = mount_->sh("ls " + shell_quote(Snapshots()) + " | head -n 1").out;
    return s.empty() ? s : s.substr(0, s.size() - 1);
  }();
  ASSERT_FALSE(first.empty());
  const std::string why = Content(first);
  const std::string prefix = "no local mount of ";
  ASSERT_EQ(why.rfind(prefix, 0), 0u) << why;
  const std::string exported = why.substr(prefix.size());
  const std::string local = root_ + "/" + exported.substr(0, exported.find(':')) +
                            exported.substr(exported.find(':') + 1);
  std::ofstream(mountinfo_) << "36 25 0:50 / " << local << " rw - nfs4 " << exported << " rw\n";
  Mount();
  // Where the provider says the snapshot's files are under the export: make them there, and a
  // newer version of the file on the live tree.
  const std::string copy = Content(first);
  ASSERT_EQ(copy.rfind(local + "/", 0), 0u) << copy;
  ASSERT_EQ(run_command("set -e; mkdir -p " + shell_quote(copy + "/docs") + " " +
                        shell_quote(local + "/docs") + "; printf 'old bytes' > " +
                        shell_quote(copy + "/docs/report.txt") + "; printf 'new bytes' > " +
                        shell_quote(local + "/docs/report.txt") + "; ln -s docs " +
                        shell_quote(copy + "/link"))
                .exit_code,
            0);
  const std::string snap = Snapshots() + "/" + first;
  const long long requests = emulator_->total_requests();
  EXPECT_EQ(mount_->sh("cat " + shell_quote(snap + "/docs/report.txt")).out, "old bytes");
  EXPECT_EQ(
      mount_
          ->sh("cd " + shell_quote(snap) + " && find . -mindepth 1 -printf '%p %y %s %m\\n' | sort")
          .out,
      run_command("cd " + shell_quote(copy) +
                  " && find . -mindepth 1 -printf '%p %y %s %m\\n' | sort")
          .out);
  EXPECT_EQ(mount_->sh("readlink " + shell_quote(snap + "/link")).out, "docs\n");
  CommandResult write = mount_->sh("touch " + shell_quote(snap + "/docs/new") + " 2>&1");
  EXPECT_NE(write.out.find("Read-only file system"), std::string::npos) << write.out;
  EXPECT_EQ(emulator_->total_requests(), requests);  // nothing inside asks the API
}

INSTANTIATE_TEST_SUITE_P(
    Nas, ContentEveryTypeTest,
    ::testing::Values(
        NasType{"nasha",
                "type = ovh-nasha\nendpoint = ENDPOINT/1.0\napplication_key = demo-ak\n"
                "application_secret = demo-as\nconsumer_key = demo-ck\n",
                "nas/zpool-123456/partition1"},
        NasType{"netapp",
                "type = ovh-netapp\nendpoint = ENDPOINT/1.0\napplication_key = demo-ak\n"
                "application_secret = demo-as\nconsumer_key = demo-ck\n",
                "nas/efs-prod/share-a"},
        NasType{"naver",
                "type = naver-nas\nplatform = vpc\nformat = json\napi_url = ENDPOINT\n"
                "access_key = demo-access-key\nsecret_key = demo-secret-key\n",
                "nas/KR/n1234567_data"}),
    [](const ::testing::TestParamInfo<NasType>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace snapfs::test
