// The "Careful" section of README.md and snapfs(1): ordinary commands whose effect on the cloud
// surprises, pinned as they behave (snapfs-emulator demo data, GNU coreutils), and the section
// key read_only = true that guards against all of them.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/support/fs_call.h"
#include "tests/support/mount.h"
#include "tests/support/process.h"

namespace snapfs::test {
namespace {

constexpr const char* kToken = "00000000-0000-4000-8000-000000000001";
constexpr auto kCallLimit = std::chrono::seconds(30);
// Demo data, fr-par-1: volume web-01-root with two snapshots, spare-disk with none.
constexpr const char* kWebVolumeId = "1a000000-0000-4000-8000-000000000101";
constexpr const char* kSpareVolumeId = "1a000000-0000-4000-8000-000000000103";
constexpr const char* kWebSnapshotId = "1b000000-0000-4000-8000-000000000101";
constexpr const char* kWebSnapshot = "web-01-root-2026-03-01";
constexpr const char* kWeb = "scw/fr-par-1/web-01-root";
constexpr const char* kWebSnaps = "scw/fr-par-1/web-01-root/.snapshots";
constexpr const char* kSpareSnaps = "scw/fr-par-1/spare-disk/.snapshots";

struct ApiSnapshot {
  std::string id;
  std::string name;
};

class CarefulTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SNAPFS_REQUIRE_FUSE();
    emulator_ = std::make_unique<EmulatorProcess>(
        std::vector<std::string>{"--seed", "demo", "--async-ms", "200"});
    ASSERT_TRUE(emulator_->ok());
  }

  void Mount(bool read_only = false) {
    std::string config =
        "[scw]\ntype = scaleway-instance\nzones = fr-par-1\napi_url = " + emulator_->base_url() +
        "\nsecret_key = " + kToken + "\n";
    if (read_only) config += "read_only = true\n";
    mount_ = std::make_unique<SnapfsMount>(config);
    ASSERT_TRUE(mount_->ok()) << mount_->log();
  }

  // The snapshots the API holds for a volume: what is in the cloud, whatever the mount shows.
  std::vector<ApiSnapshot> ApiSnapshotsOf(const std::string& volume_id) const {
    CommandResult r = run_command(
        "curl -sf -H 'X-Auth-Token: " + std::string(kToken) + "' " +
        shell_quote(emulator_->base_url() + "/instance/v1/zones/fr-par-1/snapshots?per_page=100"));
    rapidjson::Document doc;
    doc.Parse(r.out.c_str());
    std::vector<ApiSnapshot> out;
    EXPECT_TRUE(!doc.HasParseError() && doc.HasMember("snapshots")) << r.out << r.err;
    if (doc.HasParseError() || !doc.HasMember("snapshots")) return out;
    for (const auto& s : doc["snapshots"].GetArray()) {
      if (s["base_volume"].IsObject() && s["base_volume"]["id"].GetString() == volume_id) {
        out.push_back({s["id"].GetString(), s["name"].GetString()});
      }
    }
    return out;
  }

  static bool HasId(const std::vector<ApiSnapshot>& list, const std::string& id) {
    for (const auto& s : list) {
      if (s.id == id) return true;
    }
    return false;
  }

  std::string Xattr(const std::string& path, const std::string& name) const {
    return fs_getxattr(mount_->path() + "/" + path, name, kCallLimit).value;
  }

  CommandResult Sh(const std::string& command) const { return mount_->sh(command); }

  std::string Local() const { return shell_quote(local_.path()); }

  std::unique_ptr<EmulatorProcess> emulator_;
  std::unique_ptr<SnapfsMount> mount_;
  TempDir local_;
};

// mv to a local directory is a copy (an empty directory) followed by rmdir of the snapshot: the
// snapshot is deleted in the cloud, and mv reports success.
TEST_F(CarefulTest, MovingASnapshotOutOfTheMountDeletesIt) {
  Mount();
  ASSERT_TRUE(HasId(ApiSnapshotsOf(kWebVolumeId), kWebSnapshotId));
  CommandResult r = Sh(std::string("mv ") + kWebSnaps + "/" + kWebSnapshot + " " + Local());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(run_command("test -d " + Local() + "/" + kWebSnapshot).exit_code, 0);
  EXPECT_FALSE(HasId(ApiSnapshotsOf(kWebVolumeId), kWebSnapshotId));
}

// Between two volumes rename answers EXDEV, so mv copies: the mkdir makes a new snapshot of the
// target volume (its current state, a new id), then setting the copy's permissions fails and mv
// stops with an error, keeping the source.
TEST_F(CarefulTest, MovingASnapshotToAnotherVolumeMakesANewSnapshotThenFails) {
  Mount();
  CommandResult r = Sh(std::string("mv ") + kWebSnaps + "/" + kWebSnapshot + " " + kSpareSnaps);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("Operation not permitted"), std::string::npos) << r.err;
  std::vector<ApiSnapshot> spare = ApiSnapshotsOf(kSpareVolumeId);
  ASSERT_EQ(spare.size(), 1u);
  EXPECT_EQ(spare[0].name, kWebSnapshot);
  EXPECT_NE(spare[0].id, kWebSnapshotId);
  EXPECT_TRUE(HasId(ApiSnapshotsOf(kWebVolumeId), kWebSnapshotId));
}

// cp -r into .snapshots is a mkdir there: a new snapshot of the volume as it is now, not a copy
// of the source snapshot (another id, another creation time); cp then fails on the permissions.
TEST_F(CarefulTest, CopyingASnapshotIntoSnapshotsTakesANewSnapshotOfTheVolume) {
  Mount();
  const std::string source = std::string(kWebSnaps) + "/" + kWebSnapshot;
  const std::string copy = std::string(kWebSnaps) + "/copy";
  CommandResult r = Sh("cp -r " + source + " " + copy);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("Operation not permitted"), std::string::npos) << r.err;
  std::vector<ApiSnapshot> web = ApiSnapshotsOf(kWebVolumeId);
  EXPECT_EQ(web.size(), 3u);
  EXPECT_TRUE(HasId(web, kWebSnapshotId));
  std::string copy_id = Xattr(copy, "user.snapfs.id");
  EXPECT_TRUE(HasId(web, copy_id)) << copy_id;
  EXPECT_NE(copy_id, kWebSnapshotId);
  EXPECT_NE(Xattr(copy, "user.snapfs.created"), Xattr(source, "user.snapfs.created"));
}

// rm -rf removes each snapshot (one delete each), then fails on .snapshots itself: the volume
// stays, without a single snapshot.
TEST_F(CarefulTest, RemovingAVolumeRecursivelyDeletesEverySnapshotOfIt) {
  Mount();
  ASSERT_EQ(ApiSnapshotsOf(kWebVolumeId).size(), 2u);
  CommandResult r = Sh(std::string("rm -rf ") + kWeb);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find(".snapshots': Operation not permitted"), std::string::npos) << r.err;
  EXPECT_TRUE(ApiSnapshotsOf(kWebVolumeId).empty());
  EXPECT_EQ(Sh(std::string("ls -A ") + kWebSnaps).out, "");
}

// mv of a whole volume out of the mount is the same: copy, then every snapshot removed.
TEST_F(CarefulTest, MovingAVolumeOutOfTheMountDeletesEverySnapshotOfIt) {
  Mount();
  CommandResult r = Sh(std::string("mv ") + kWeb + " " + Local());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(ApiSnapshotsOf(kWebVolumeId).empty());
  EXPECT_EQ(run_command("test -d " + Local() + "/web-01-root/.snapshots/" + kWebSnapshot).exit_code,
            0);
}

// read_only = true in the remote's section: each of the commands above fails, and the cloud
// keeps every snapshot it had.
TEST_F(CarefulTest, ReadOnlyRemoteGuardsAgainstEachOfThese) {
  Mount(/*read_only=*/true);
  const std::string source = std::string(kWebSnaps) + "/" + kWebSnapshot;
  for (const std::string& command :
       {"mv " + source + " " + Local(), "mv " + source + " " + kSpareSnaps,
        "cp -r " + source + " " + kWebSnaps + "/copy", std::string("rm -rf ") + kWeb,
        std::string("mv ") + kWeb + " " + Local()}) {
    CommandResult r = Sh(command);
    EXPECT_NE(r.exit_code, 0) << command;
    EXPECT_NE(r.err.find("Read-only file system"), std::string::npos) << command << ": " << r.err;
  }
  EXPECT_EQ(ApiSnapshotsOf(kWebVolumeId).size(), 2u);
  EXPECT_TRUE(ApiSnapshotsOf(kSpareVolumeId).empty());
}

}  // namespace
}  // namespace snapfs::test
