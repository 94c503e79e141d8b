// snapfs-emulator --content-root with the OVH APIs: each HA-NAS partition's and EFS share's files
// at DIR/<host>/<export path>/, where the providers' nfs_export says, and each snapshot's copy
// where their content_dir says, made on create, gone on delete.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "providers/ovh/ovh_nasha_provider.h"
#include "providers/ovh/ovh_netapp_provider.h"
#include "tests/ovh/ovh_test_env.h"

namespace snapfs {
namespace {

using test::emulator_settings;
using test::EmulatorProcess;
using test::eventually;
using test::TempDir;
using test::test_ctx;

constexpr const char* kService = "zpool-123456";
constexpr const char* kEfsService = "5f7a0ec8-1d3e-4b5e-9d55-3c0c9b1e2a10";
constexpr const char* kShareA = "a1b2c3d4-1111-4aaa-8bbb-000000000001";

bool exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

struct stat lstat_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Copies and removals the emulator still has queued or running.
long long pending(const EmulatorProcess& emu) {
  std::string body;
  if (emu.get("/_emulator/content", &body) != 200) return -1;
  rapidjson::Document doc;
  doc.Parse(body.c_str(), body.size());
  if (doc.HasParseError() || !doc.HasMember("pending")) return -1;
  return doc["pending"].GetInt64();
}

// Waits until the trees match the emulator's state as of its last request.
void settle(const EmulatorProcess& emu) {
  ASSERT_TRUE(eventually([&] { return pending(emu) == 0; }, std::chrono::seconds(30)));
}

// A copy made by the emulator: the same type, mode, owner, size and times as the original, and
// a distinct inode (never a hard link).
void expect_copy_of(const std::string& copy, const std::string& original) {
  struct stat c = lstat_of(copy);
  struct stat o = lstat_of(original);
  EXPECT_EQ(c.st_mode, o.st_mode) << copy;
  EXPECT_EQ(c.st_uid, o.st_uid) << copy;
  EXPECT_EQ(c.st_gid, o.st_gid) << copy;
  EXPECT_EQ(c.st_size, o.st_size) << copy;
  EXPECT_EQ(c.st_mtim.tv_sec, o.st_mtim.tv_sec) << copy;
  EXPECT_EQ(c.st_mtim.tv_nsec, o.st_mtim.tv_nsec) << copy;
  EXPECT_NE(c.st_ino, o.st_ino) << copy;
  if (S_ISREG(c.st_mode)) {
    EXPECT_EQ(c.st_nlink, 1u) << copy;
  }
}

ObjectRef partition(const std::string& name) {
  ObjectRef r;
  r.level = Level::Volume;
  r.service_id = kService;
  r.volume_id = name;
  return r;
}

class ContentRootTest : public ::testing::Test {
 protected:
  ContentRootTest()
      : emu_({"--seed", "demo", "--async-ms", "300", "--content-root", root_.path() + "/files"}) {}
  void SetUp() override { ASSERT_TRUE(emu_.ok()); }
  // DIR/<host>/<path> of an export "host:/path"; a path that exists nowhere for anything else.
  std::string files(const std::string& nfs_export) const {
    const std::size_t colon = nfs_export.find(":/");
    if (colon == std::string::npos) return root_.path() + "/no-export";
    return root_.path() + "/files/" + nfs_export.substr(0, colon) + "/" +
           nfs_export.substr(colon + 2);
  }

  TempDir root_;
  EmulatorProcess emu_;
};

TEST_F(ContentRootTest, HaNasPartitionsHoldTheDemoFilesAndTheirSnapshots) {
  settle(emu_);
  OvhNashaProvider provider(emulator_settings(emu_), "nas");
  auto volumes = provider.list_volumes(partition(""), test_ctx());
  ASSERT_TRUE(volumes.ok()) << volumes.error().message;
  ASSERT_EQ((*volumes)[0].nfs_export, "10.16.101.42:/zpool-123456/partition1");
  const std::string live = files((*volumes)[0].nfs_export);
  EXPECT_EQ(live, root_.path() + "/files/10.16.101.42/zpool-123456/partition1");

  // The demo tree: files in folders, a root-only file, a symlink.
  EXPECT_NE(read_text(live + "/README.txt").find("partition1"), std::string::npos);
  EXPECT_TRUE(exists(live + "/docs/report.txt"));
  EXPECT_TRUE(exists(live + "/photos/2024/beach.jpg"));
  struct stat secret = lstat_of(live + "/private/secret.key");
  EXPECT_EQ(secret.st_mode & 07777, 0600u);
  EXPECT_EQ(secret.st_uid, 0u);
  struct stat link = lstat_of(live + "/latest-report");
  ASSERT_TRUE(S_ISLNK(link.st_mode));
  char target[256] = {};
  ASSERT_GT(::readlink((live + "/latest-report").c_str(), target, sizeof target - 1), 0);
  EXPECT_STREQ(target, "docs/report.txt");
  if (::geteuid() == 0) {
    EXPECT_EQ(lstat_of(live + "/docs/report.txt").st_uid, 1000u);
  }

  // Every listed snapshot is a copy at content_dir, which holds no snapshot directory itself.
  auto snaps = provider.list_snapshots(partition("partition1"), test_ctx());
  ASSERT_TRUE(snaps.ok()) << snaps.error().message;
  ASSERT_FALSE(snaps->empty());
  for (const SnapshotInfo& s : *snaps) {
    const std::string copy = live + "/" + s.content_dir;
    EXPECT_EQ(s.content_dir, ".zfs/snapshot/" + s.name);
    expect_copy_of(copy + "/private/secret.key", live + "/private/secret.key");
    expect_copy_of(copy + "/latest-report", live + "/latest-report");
    expect_copy_of(copy + "/docs", live + "/docs");
    EXPECT_FALSE(exists(copy + "/.zfs")) << copy;
  }
  // Automatic snapshots are there too, and the API lists none of them.
  EXPECT_TRUE(exists(live + "/.zfs/snapshot/auto-day-1/README.txt"));
  EXPECT_TRUE(exists(live + "/.zfs/snapshot/auto-hour-1/README.txt"));
  for (const SnapshotInfo& s : *snaps) EXPECT_EQ(s.name.rfind("auto-", 0), std::string::npos);
}

TEST_F(ContentRootTest, HaNasCreateCopiesTheTreeAndDeleteRemovesIt) {
  settle(emu_);
  OvhNashaProvider provider(emulator_settings(emu_), "nas");
  const std::string live = files("10.16.101.42:/zpool-123456/partition2");
  ASSERT_TRUE(exists(live + "/README.txt"));
  { std::ofstream(live + "/docs/today.txt") << "written before the snapshot\n"; }
  CreateRequest request;
  request.name = "snap-with-files";
  auto made = provider.create_snapshot(partition("partition2"), request, test_ctx());
  ASSERT_TRUE(made.ok()) << made.error().message;
  const std::string copy = live + "/" + made->content_dir;
  EXPECT_EQ(copy, live + "/.zfs/snapshot/snap-with-files");
  settle(emu_);
  ASSERT_TRUE(exists(copy));
  EXPECT_EQ(read_text(copy + "/docs/today.txt"), "written before the snapshot\n");
  expect_copy_of(copy + "/docs/today.txt", live + "/docs/today.txt");
  // A real copy: writing the live file leaves the snapshot's as it was.
  { std::ofstream(live + "/docs/today.txt") << "changed after\n"; }
  EXPECT_EQ(read_text(copy + "/docs/today.txt"), "written before the snapshot\n");

  // Listed once its task is done; deleted, and gone once the delete task is done.
  ASSERT_TRUE(eventually([&] {
    auto l = provider.list_snapshots(partition("partition2"), test_ctx());
    if (!l.ok()) return false;
    for (const SnapshotInfo& s : *l) {
      if (s.name == "snap-with-files" && s.state == "available") return true;
    }
    return false;
  }));
  ObjectRef snap = partition("partition2");
  snap.level = Level::Snapshot;
  snap.snapshot_id = snap.snapshot_name = "snap-with-files";
  ASSERT_TRUE(provider.delete_snapshot(snap, test_ctx()).ok());
  ASSERT_TRUE(eventually([&] {
    auto l = provider.list_snapshots(partition("partition2"), test_ctx());
    if (!l.ok()) return false;
    for (const SnapshotInfo& s : *l) {
      if (s.name == "snap-with-files") return false;
    }
    return true;
  }));
  settle(emu_);
  EXPECT_FALSE(exists(copy));
  EXPECT_TRUE(exists(live + "/.zfs/snapshot/auto-hour-1"));  // never the unlisted ones
  EXPECT_TRUE(exists(live + "/docs/today.txt"));
}

TEST_F(ContentRootTest, EfsSnapshotsAreUnderTheAccessPathByTheirPath) {
  settle(emu_);
  OvhNetappProvider provider(emulator_settings(emu_), "efs");
  ObjectRef service;
  service.level = Level::Service;
  service.service_id = kEfsService;
  auto shares = provider.list_volumes(service, test_ctx());
  ASSERT_TRUE(shares.ok()) << shares.error().message;
  ASSERT_EQ((*shares)[0].id, kShareA);
  const std::string live = files((*shares)[0].nfs_export);
  EXPECT_EQ(live, root_.path() + "/files/10.17.4.20/share_a1b2c3d4");
  ASSERT_TRUE(exists(live + "/README.txt"));

  ObjectRef share = service;
  share.level = Level::Volume;
  share.volume_id = kShareA;
  auto snaps = provider.list_snapshots(share, test_ctx());
  ASSERT_TRUE(snaps.ok()) << snaps.error().message;
  for (const SnapshotInfo& s : *snaps) {
    EXPECT_TRUE(exists(live + "/" + s.content_dir + "/docs/report.txt")) << s.content_dir;
    EXPECT_FALSE(exists(live + "/" + s.content_dir + "/.snapshot")) << s.content_dir;
  }

  CreateRequest request;
  request.name = "efs-files";
  auto made = provider.create_snapshot(share, request, test_ctx());
  ASSERT_TRUE(made.ok()) << made.error().message;
  const std::string copy = live + "/" + made->content_dir;
  settle(emu_);
  ASSERT_TRUE(exists(copy + "/README.txt")) << copy;
  expect_copy_of(copy + "/private/secret.key", live + "/private/secret.key");

  // A rename keeps the snapshot's path, so its directory stays where it is.
  ObjectRef snap = share;
  snap.level = Level::Snapshot;
  snap.snapshot_id = made->id;
  ASSERT_TRUE(eventually([&] {
    auto l = provider.list_snapshots(share, test_ctx());
    if (!l.ok()) return false;
    for (const SnapshotInfo& s : *l) {
      if (s.id == made->id && s.state == "available") return true;
    }
    return false;
  }));
  auto renamed = provider.rename_snapshot(snap, "efs-files-renamed", test_ctx());
  ASSERT_TRUE(renamed.ok()) << renamed.error().message;
  EXPECT_EQ(renamed->content_dir, made->content_dir);
  settle(emu_);
  EXPECT_TRUE(exists(copy + "/README.txt"));

  ASSERT_TRUE(provider.delete_snapshot(snap, test_ctx()).ok());
  ASSERT_TRUE(eventually([&] {
    auto l = provider.list_snapshots(share, test_ctx());
    if (!l.ok()) return false;
    for (const SnapshotInfo& s : *l) {
      if (s.id == made->id) return false;
    }
    return true;
  }));
  settle(emu_);
  EXPECT_FALSE(exists(copy));
}

TEST(ContentRoot, SyntheticVolumesHoldTheRequestedFilesOverFolders) {
  TempDir root;
  EmulatorProcess emu({"--seed", "synthetic:services=1,volumes=1,snapshots=1,files=250",
                       "--content-root", root.path()});
  ASSERT_TRUE(emu.ok());
  settle(emu);
  const std::string live = root.path() + "/10.16.101.42/zpool-1000/partition-01";
  int count = 0;
  for (const char* folder : {"dir-000", "dir-001", "dir-002"}) {
    for (int i = 0; i < 250; ++i) {
      char name[32];
      std::snprintf(name, sizeof name, "/file-%05d.txt", i);
      count += exists(live + "/" + folder + name) ? 1 : 0;
    }
  }
  EXPECT_EQ(count, 250);
  EXPECT_FALSE(exists(live + "/dir-003"));
  EXPECT_EQ(read_text(live + "/dir-002/file-00249.txt"), "file 249\n");
  // The one custom snapshot is a copy of them.
  OvhNashaProvider provider(emulator_settings(emu), "nas");
  ObjectRef p = partition("partition-01");
  p.service_id = "zpool-1000";
  auto snaps = provider.list_snapshots(p, test_ctx());
  ASSERT_TRUE(snaps.ok()) << snaps.error().message;
  ASSERT_EQ(snaps->size(), 1u);
  EXPECT_TRUE(exists(live + "/" + (*snaps)[0].content_dir + "/dir-002/file-00249.txt"));
  // No automatic snapshots outside the demo data set.
  EXPECT_FALSE(exists(live + "/.zfs/snapshot/auto-hour-1"));
}

TEST(ContentRoot, WithoutItNothingIsWritten) {
  EmulatorProcess emu({"--seed", "demo"});
  ASSERT_TRUE(emu.ok());
  std::string body;
  ASSERT_EQ(emu.get("/_emulator/content", &body), 200);
  EXPECT_EQ(body, "{\"root\":\"\",\"pending\":0}");
  EXPECT_EQ(emu.state_json().find("content_root"), std::string::npos);
}

}  // namespace
}  // namespace snapfs
