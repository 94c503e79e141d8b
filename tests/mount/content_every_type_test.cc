// Snapshot contents on every NAS type: the export and the snapshot's directory come from each
// provider (against the emulator's demo data); a mountinfo file says the export is mounted on a
// directory the test fills.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <thread>

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
    std::vector<std::string> args = {"--seed", "demo"};
    if (emulator_trees_) args.insert(args.end(), {"--content-root", root_});
    emulator_ = std::make_unique<EmulatorProcess>(args);
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
  // The export a snapshot needs, from the reason it shows no files; the directory it is mounted
  // on from then on (the emulator's tree of it, with --content-root).
  void MountExportOf(const std::string& snapshot, std::string* local) {
    const std::string why = Content(snapshot);
    const std::string prefix = "no local mount of ";
    ASSERT_EQ(why.rfind(prefix, 0), 0u) << why;
    const std::string exported = why.substr(prefix.size());
    *local = root_ + "/" + exported.substr(0, exported.find(':')) +
             exported.substr(exported.find(':') + 1);
    std::ofstream(mountinfo_) << "36 25 0:50 / " << *local << " rw - nfs4 " << exported << " rw\n";
    Mount();
  }
  std::string FirstSnapshot() const {
    std::string s = mount_->sh("ls " + shell_quote(Snapshots()) + " | head -n 1").out;
    return s.empty() ? s : s.substr(0, s.size() - 1);
  }

  // The emulator writes its trees off the request path: until none is left to write.
  void WaitForEmulatorTrees() const {
    for (int i = 0; i < 150; ++i) {
      std::string body;
      emulator_->get("/_emulator/content", &body);
      if (body.find("\"pending\":0") != std::string::npos) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "the emulator's trees are still being written";
  }

  bool emulator_trees_ = false;

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

// The emulator keeps each volume's exported tree and copies it when a snapshot is made: a file
// changed on the live tree afterwards keeps its old bytes in the snapshot.
class ContentEmulatorTreeTest : public ContentEveryTypeTest {
 protected:
  void SetUp() override {
    emulator_trees_ = true;
    ContentEveryTypeTest::SetUp();
  }
};

TEST_P(ContentEmulatorTreeTest, AFileChangedAfterMkdirKeepsItsOldBytesInTheSnapshot) {
  Mount();
  const std::string first = FirstSnapshot();
  ASSERT_FALSE(first.empty());
  std::string local;
  MountExportOf(first, &local);
  WaitForEmulatorTrees();
  ASSERT_EQ(access(local.c_str(), F_OK), 0) << local;
  const std::string file = [&] {
    std::string f = run_command("cd " + shell_quote(local) +
                                " && find . -type f ! -path './.zfs/*' ! -path './.snapshot/*' "
                                "-perm -0004 | sort | head -n 1")
                        .out;
    return f.size() < 3 ? std::string() : f.substr(2, f.size() - 3);  // no "./", no newline
  }();
  ASSERT_FALSE(file.empty());
  const std::string before = run_command("sha256sum < " + shell_quote(local + "/" + file)).out;
  const std::string snap = Snapshots() + "/content-test";
  ASSERT_EQ(mount_->sh("mkdir " + shell_quote(snap)).exit_code, 0) << mount_->log();
  // The copy is made while the snapshot is being created: wait for the file to show.
  bool copied = false;
  for (int i = 0; i < 150 && !copied; ++i) {
    copied = mount_->sh("test -f " + shell_quote(snap + "/" + file)).exit_code == 0;
    if (!copied) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(copied) << Content("content-test");
  WaitForEmulatorTrees();  // the whole copy, not only its first file
  ASSERT_EQ(run_command("echo changed >> " + shell_quote(local + "/" + file)).exit_code, 0);
  const long long requests = emulator_->total_requests();
  EXPECT_EQ(mount_->sh("sha256sum < " + shell_quote(snap + "/" + file)).out, before);
  EXPECT_NE(run_command("sha256sum < " + shell_quote(local + "/" + file)).out, before);
  // cp -a out of the snapshot restores the old file with its mode and times.
  const std::string restored = files_.path() + "/restored";
  ASSERT_EQ(
      mount_->sh("cp -a " + shell_quote(snap + "/" + file) + " " + shell_quote(restored)).exit_code,
      0);
  EXPECT_EQ(run_command("sha256sum < " + shell_quote(restored)).out, before);
  const std::string copy =
      mount_->sh("getfattr --only-values -n user.snapfs.content " + shell_quote(snap + "/.")).out;
  EXPECT_EQ(run_command("stat -c '%a %Y' " + shell_quote(restored)).out,
            run_command("stat -c '%a %Y' " + shell_quote(copy + "/" + file)).out);
  EXPECT_EQ(emulator_->total_requests(), requests);  // nothing inside asks the API
}

const NasType kTypes[] = {
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
            "nas/KR/n1234567_data"}};

std::string TypeName(const ::testing::TestParamInfo<NasType>& info) {
  return info.param.name;
}

INSTANTIATE_TEST_SUITE_P(Nas, ContentEveryTypeTest, ::testing::ValuesIn(kTypes), TypeName);
INSTANTIATE_TEST_SUITE_P(Nas, ContentEmulatorTreeTest, ::testing::ValuesIn(kTypes), TypeName);

}  // namespace
}  // namespace snapfs::test
