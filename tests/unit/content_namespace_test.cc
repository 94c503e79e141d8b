// Snapshot directories that show their snapshot's files: the namespace hands lookups and
// listings inside them to the content tree, says where the files are, refuses changes with
// EROFS, and drops the tree when the snapshot goes away. No provider call inside a snapshot.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>

#include "tests/unit/content_fixture.h"
#include "tests/unit/read_bytes.h"

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

class ContentNamespaceTest : public ContentFixture {
 protected:
  void Prepare() override {
    fake_->add_snapshot("nas-1", "partition1", "weekly", "weekly", 1'700'000'000'000'000LL)
        .content_dir = ".zfs/snapshot/weekly";  // not on the backing mount
  }
  KernelNotifier* notifier() override { return &notifier_; }

  Notifier notifier_;
};

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
  content::ReadData data;
  ASSERT_EQ(ns_->content().read(fh, 100, 0, Ctx(), /*into_pipe=*/false, &data), 0);
  EXPECT_EQ(bytes_of(&data), "old");
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
  content::ReadData data;
  EXPECT_EQ(ns_->content().read(fh, 10, 0, Ctx(), true, &data), ESTALE);
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
