// The content location of a snapshot directory, asked on every lookup and readdir inside it, is
// resolved once and reused while the snapshot's entry and the mount table stay the same; and the
// kernel keeps its copy of a snapshot's listing while the same files are attached.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include "fs/content/mount_table.h"
#include "tests/unit/content_fixture.h"

namespace snapfs::test {
namespace {

class ContentLocationCacheTest : public ContentFixture {
 protected:
  void Prepare() override {  // a second directory the API may move the snapshot to
    ASSERT_EQ(mkdir((export_ + "/.zfs/snapshot/moved").c_str(), 0755), 0);
    std::ofstream(export_ + "/.zfs/snapshot/moved/other.txt") << "new";
  }
};

TEST_F(ContentLocationCacheTest, LookupsAndReadsInsideASnapshotResolveItsLocationOnce) {
  const std::uint64_t daily = Ino(std::string(kSnaps) + "/daily");
  ASSERT_NE(daily, 0u);
  const std::uint64_t before = ns_->content_resolves();
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(Names(daily), std::vector<std::string>{"report.txt"});
    EntryReply file;
    EXPECT_EQ(ns_->lookup(daily, "report.txt", Ctx(), &file), 0);
    EXPECT_EQ(ns_->refused_at(daily), EROFS);
  }
  EXPECT_EQ(ns_->content_resolves(), before + 1);
}

TEST_F(ContentLocationCacheTest, ANewListingOfTheSnapshotIsResolvedAnew) {
  const std::uint64_t daily = Ino(std::string(kSnaps) + "/daily");
  ASSERT_EQ(Names(daily), std::vector<std::string>{"report.txt"});
  fake_->find_volume("nas-1", "partition1")->snapshots[0].content_dir = ".zfs/snapshot/moved";
  ASSERT_EQ(ns_->setxattr(Ino(kSnaps), "user.snapfs.refresh", "", Ctx()), 0);
  ASSERT_EQ(Ino(std::string(kSnaps) + "/daily"), daily);  // the node shows the new entry
  EXPECT_EQ(Names(daily), std::vector<std::string>{"other.txt"});
  std::string value;
  ASSERT_EQ(ns_->getxattr(daily, "user.snapfs.content", Ctx(), &value), 0);
  EXPECT_EQ(value, export_ + "/.zfs/snapshot/moved");
}

TEST_F(ContentLocationCacheTest, TheKernelKeepsItsCopyOfASnapshotListingWhileItsFilesStay) {
  ASSERT_EQ(mkdir((export_ + "/.zfs/snapshot/daily/sub").c_str(), 0755), 0);
  const std::uint64_t daily = Ino(std::string(kSnaps) + "/daily");
  bool unchanged = true;
  EXPECT_EQ(Names(daily, &unchanged), (std::vector<std::string>{"report.txt", "sub"}));
  EXPECT_FALSE(unchanged);  // the first read: any copy the kernel has is not of these files
  Names(daily, &unchanged);
  EXPECT_TRUE(unchanged);
  EntryReply sub;
  ASSERT_EQ(ns_->lookup(daily, "sub", Ctx(), &sub), 0);
  unchanged = false;
  Names(sub.ino, &unchanged);
  EXPECT_TRUE(unchanged);  // a directory of the snapshot's files never changes either
  // Other files attached (the API moved the snapshot's directory): the kernel's copy goes.
  fake_->find_volume("nas-1", "partition1")->snapshots[0].content_dir = ".zfs/snapshot/moved";
  ASSERT_EQ(ns_->setxattr(Ino(kSnaps), "user.snapfs.refresh", "", Ctx()), 0);
  ASSERT_EQ(Ino(std::string(kSnaps) + "/daily"), daily);
  EXPECT_EQ(Names(daily, &unchanged), std::vector<std::string>{"other.txt"});
  EXPECT_FALSE(unchanged);
  Names(daily, &unchanged);
  EXPECT_TRUE(unchanged);
}

// `ls -R` reads every snapshot directory: one of a remote that never shows files (a block
// volume's, or content = off) is told so without resolving anything, each time.
TEST(ContentLocationOfBlockSnapshots, IsAnsweredWithoutResolving) {
  for (const std::string type : {"scaleway-block", "ovh-nasha"}) {
    auto* fake = new FakeProvider();
    auto& volume = fake->add_volume("fr-par-1", "vol-1", "vol-1");
    volume.info.nfs_export = "10.16.101.42:/zpool-123456/partition1";
    fake->add_snapshot("fr-par-1", "vol-1", "snap-1", "daily", 1'700'000'000'000'000LL)
        .content_dir = ".zfs/snapshot/daily";
    RemoteConfig rc;
    rc.name = "r";
    rc.type = type;
    if (type == "ovh-nasha") rc.keys["content"] = "off";
    std::vector<Remote> remotes;
    remotes.push_back(Remote{rc, std::unique_ptr<Provider>(fake)});
    FsOptions options;
    options.prefetch = 0;
    Namespace ns(std::move(remotes), options, nullptr);
    const OpContext ctx(std::chrono::seconds(5));
    std::uint64_t ino = Namespace::kRootIno;
    for (const char* name : {"r", "fr-par-1", "vol-1", ".snapshots", "daily"}) {
      EntryReply entry;
      ASSERT_EQ(ns.lookup(ino, name, ctx, &entry), 0) << type << " " << name;
      ino = entry.ino;
    }
    for (int i = 0; i < 3; ++i) {
      std::vector<DirEntryReply> entries;
      EXPECT_EQ(ns.readdir(ino, ctx, &entries), 0);
      EXPECT_TRUE(entries.empty());
      EntryReply file;
      EXPECT_EQ(ns.lookup(ino, "report.txt", ctx, &file), ENOENT);
    }
    std::string why;
    ASSERT_EQ(ns.getxattr(ino, "user.snapfs.content", ctx, &why), 0);
    EXPECT_EQ(why, type == "ovh-nasha" ? "content off" : "block volume snapshot: no file access");
    EXPECT_EQ(ns.content_resolves(), 0u) << type;
  }
}

TEST(MountTableGeneration, ChangesWhenTheTableIsReadAnew) {
  char tmpl[] = "/tmp/snapfs-mountgen-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string path = std::string(tmpl) + "/mountinfo";
  std::ofstream(path) << "36 25 0:50 / /mnt/a rw - nfs4 h:/a rw\n";
  content::MountTable table(path, std::chrono::milliseconds(0));
  const std::uint64_t first = table.generation();
  EXPECT_EQ(table.generation(), first);  // unchanged: same generation, not read again
  EXPECT_EQ(table.reads(), 1u);
  std::ofstream(path, std::ios::trunc) << "37 25 0:51 / /mnt/b rw - nfs4 h:/b rw, extra\n";
  EXPECT_NE(table.generation(), first);
  EXPECT_EQ(table.find("h:/b"), "/mnt/b");
  std::system(("rm -rf " + std::string(tmpl)).c_str());
}

}  // namespace
}  // namespace snapfs::test
