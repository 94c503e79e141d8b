// Snapshot directories that show their snapshot's files: the namespace hands lookups and
// listings inside them to the content tree, says where the files are, refuses changes with
// EROFS, and drops the tree when the snapshot goes away. No provider call inside a snapshot.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>

#include "fs/namespace.h"
#include "tests/unit/fake_provider.h"

namespace snapfs::test {
namespace {

class Notifier : public KernelNotifier {
 public:
  void inval_entry(std::uint64_t, const std::string&) override {}
  void inval_inode(std::uint64_t ino) override {
    std::lock_guard<std::mutex> lock(mu);
    inodes.push_back(ino);
  }
  std::mutex mu;
  std::vector<std::uint64_t> inodes;
};

class ContentNamespaceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/snapfs-nscontent-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    export_ = tmpl;
    mkdir((export_ + "/.zfs").c_str(), 0755);
    mkdir((export_ + "/.zfs/snapshot").c_str(), 0755);
    mkdir((export_ + "/.zfs/snapshot/daily").c_str(), 0755);
    std::ofstream(export_ + "/.zfs/snapshot/daily/report.txt") << "old";
    fake_ = new FakeProvider();
    auto& volume = fake_->add_volume("nas-1", "partition1", "partition1");
    volume.info.nfs_export = "10.16.101.42:/zpool-123456/partition1";
    fake_->add_snapshot("nas-1", "partition1", "daily", "daily", 1'700'000'000'000'000LL)
        .content_dir = ".zfs/snapshot/daily";
    fake_->add_snapshot("nas-1", "partition1", "weekly", "weekly", 1'700'000'000'000'000LL)
        .content_dir = ".zfs/snapshot/weekly";  // not on the backing mount
    std::vector<Remote> remotes;
    RemoteConfig rc;
    rc.name = "nas";
    rc.type = "ovh-nasha";
    rc.keys["content_map"] = "10.16.101.42:/zpool-123456/partition1=" + export_;
    remotes.push_back(Remote{rc, std::unique_ptr<Provider>(fake_)});
    FsOptions options;
    options.prefetch = 0;
    ns_ = std::make_unique<Namespace>(std::move(remotes), options, &notifier_);
  }
  void TearDown() override {
    ns_.reset();
    std::system(("rm -rf " + export_).c_str());
  }
  static OpContext Ctx() { return OpContext(std::chrono::seconds(5)); }
  std::uint64_t Ino(const std::string& path, int* rc_out = nullptr) {
    std::uint64_t ino = Namespace::kRootIno;
    std::size_t start = 1;
    while (start < path.size()) {
      std::size_t slash = path.find('/', start);
      if (slash == std::string::npos) slash = path.size();
      EntryReply entry;
      int rc = ns_->lookup(ino, path.substr(start, slash - start), Ctx(), &entry);
      if (rc_out) *rc_out = rc;
      if (rc != 0) return 0;
      ino = entry.ino;
      start = slash + 1;
    }
    return ino;
  }
  int Calls() const {
    return fake_->list_services_calls + fake_->list_volumes_calls + fake_->list_snapshots_calls;
  }

  std::string export_;
  FakeProvider* fake_ = nullptr;
  Notifier notifier_;
  std::unique_ptr<Namespace> ns_;
};

constexpr const char* kSnaps = "/nas/nas-1/partition1/.snapshots";

TEST_F(ContentNamespaceTest, ASnapshotDirectoryShowsItsFilesWithoutAnApiCall) {
  const std::uint64_t daily = Ino(std::string(kSnaps) + "/daily");
  ASSERT_NE(daily, 0u);
  const int calls = Calls();
  std::vector<DirEntryReply> entries;
  ASSERT_EQ(ns_->readdir(daily, Ctx(), &entries), 0);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].name, "report.txt");
  EntryReply file;
  ASSERT_EQ(ns_->lookup(daily, "report.txt", Ctx(), &file), 0);
  EXPECT_TRUE(content::ContentTree::is_content(file.ino));
  EXPECT_EQ(file.attr.st_size, 3);
  struct stat st {};
  ASSERT_EQ(ns_->getattr(file.ino, Ctx(), &st), 0);
  EXPECT_EQ(st.st_ino, file.ino);
  std::uint64_t fh = 0;
  ASSERT_EQ(ns_->content().open(file.ino, 0, Ctx(), &fh), 0);
  std::string data;
  ASSERT_EQ(ns_->content().read(fh, 100, 0, Ctx(), &data), 0);
  EXPECT_EQ(data, "old");
  ns_->content().release(fh);
  EXPECT_EQ(Calls(), calls);  // nothing inside a snapshot asks the API
}

TEST_F(ContentNamespaceTest, TheContentAttributeSaysWhereOrWhyNot) {
  std::string value;
  ASSERT_EQ(
      ns_->getxattr(Ino(std::string(kSnaps) + "/daily"), "user.snapfs.content", Ctx(), &value), 0);
  EXPECT_EQ(value, export_ + "/.zfs/snapshot/daily");
  std::vector<std::string> names;
  ASSERT_EQ(ns_->listxattr(Ino(std::string(kSnaps) + "/daily"), Ctx(), &names), 0);
  EXPECT_NE(std::find(names.begin(), names.end(), "user.snapfs.content"), names.end());
}

TEST_F(ContentNamespaceTest, EveryChangeInsideIsReadOnly) {
  const std::uint64_t daily = Ino(std::string(kSnaps) + "/daily");
  EntryReply out;
  EXPECT_EQ(ns_->mkdir(daily, "new", Ctx(), &out), EROFS);
  EXPECT_EQ(ns_->rmdir(daily, "report.txt", Ctx()), EROFS);
  EXPECT_EQ(ns_->rename(daily, "report.txt", daily, "x", 0, Ctx()), EROFS);
  EXPECT_EQ(ns_->refused_at(daily), EROFS);
  EntryReply file;
  ASSERT_EQ(ns_->lookup(daily, "report.txt", Ctx(), &file), 0);
  EXPECT_EQ(ns_->refused_at(file.ino), EROFS);
  EXPECT_EQ(ns_->setxattr(file.ino, "user.x", "1", Ctx()), EROFS);
  EXPECT_EQ(ns_->removexattr(file.ino, "user.x", Ctx()), EROFS);
  std::uint64_t fh = 0;
  EXPECT_EQ(ns_->content().open(file.ino, O_WRONLY, Ctx(), &fh), EROFS);
  // Outside snapshots, nothing changed.
  EXPECT_EQ(ns_->refused_at(Namespace::kRootIno), EPERM);
}

TEST_F(ContentNamespaceTest, RmdirOfASnapshotWithFilesDeletesItAndDropsItsTree) {
  const std::uint64_t daily = Ino(std::string(kSnaps) + "/daily");
  EntryReply file;
  ASSERT_EQ(ns_->lookup(daily, "report.txt", Ctx(), &file), 0);
  std::uint64_t fh = 0;
  ASSERT_EQ(ns_->content().open(file.ino, 0, Ctx(), &fh), 0);
  ASSERT_EQ(ns_->rmdir(Ino(kSnaps), "daily", Ctx()), 0);
  EXPECT_EQ(fake_->delete_calls, 1);
  EXPECT_FALSE(ns_->content().attached(daily));
  std::string data;
  EXPECT_EQ(ns_->content().read(fh, 10, 0, Ctx(), &data), ESTALE);
  struct stat st {};
  EXPECT_EQ(ns_->getattr(file.ino, Ctx(), &st), ESTALE);
  std::lock_guard<std::mutex> lock(notifier_.mu);
  EXPECT_NE(std::find(notifier_.inodes.begin(), notifier_.inodes.end(), file.ino),
            notifier_.inodes.end());
}

TEST_F(ContentNamespaceTest, AForgottenSnapshotDirectoryReleasesItsFilesQuietly) {
  const std::uint64_t daily = Ino(std::string(kSnaps) + "/daily");
  EntryReply file;
  ASSERT_EQ(ns_->lookup(daily, "report.txt", Ctx(), &file), 0);
  EXPECT_EQ(ns_->content().node_count(), 1u);
  ns_->forget(daily, 1000);  // every reference the lookups gave
  EXPECT_EQ(ns_->content().node_count(), 0u);
  EXPECT_FALSE(ns_->content().attached(daily));
  // The kernel forgot them first: nothing to tell it.
  std::lock_guard<std::mutex> lock(notifier_.mu);
  EXPECT_EQ(std::count(notifier_.inodes.begin(), notifier_.inodes.end(), daily), 0);
  EXPECT_EQ(std::count(notifier_.inodes.begin(), notifier_.inodes.end(), file.ino), 0);
}

TEST_F(ContentNamespaceTest, ASnapshotMissingOnTheBackingMountIsNoNegativeEntry) {
  const std::uint64_t weekly = Ino(std::string(kSnaps) + "/weekly");
  ASSERT_NE(weekly, 0u);
  EntryReply out;
  EXPECT_EQ(ns_->lookup(weekly, "report.txt", Ctx(), &out), ENOENT);
  EXPECT_EQ(out.timeout, 0);
}

}  // namespace
}  // namespace snapfs::test
