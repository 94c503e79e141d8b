// A snapshot's files served from a local directory: the tree, its inode numbers, read-only
// answers, the caller's permissions, and backing calls that block.
#include "fs/content/content_tree.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <malloc.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "fs/namespace.h"
#include "tests/support/process.h"
#include "tests/unit/read_bytes.h"

namespace snapfs::content {
namespace {

constexpr std::uint64_t kSnapshotIno = 100;

class RecordingNotifier : public KernelNotifier {
 public:
  void inval_entry(std::uint64_t, const std::string&) override {}
  void inval_inode(std::uint64_t ino) override { inodes.push_back(ino); }
  std::vector<std::uint64_t> inodes;
};

class ContentTreeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    chmod(dir_.c_str(), 0755);
    std::ofstream(dir_ + "/a.txt") << "old bytes\n";
    chmod((dir_ + "/a.txt").c_str(), 0640);
    mkdir((dir_ + "/sub").c_str(), 0755);
    std::ofstream(dir_ + "/sub/b.txt") << "b";
    ASSERT_EQ(symlink("a.txt", (dir_ + "/link").c_str()), 0);
    ASSERT_EQ(symlink("/etc", (dir_ + "/out").c_str()), 0);
    std::ofstream(dir_ + "/secret") << "root only";
    chmod((dir_ + "/secret").c_str(), 0600);
    tree_ = std::make_unique<ContentTree>(&notifier_);
    tree_->attach(kSnapshotIno, dir_);
  }
  void TearDown() override {
    current_caller() = {};
    tree_.reset();
  }
  OpContext Ctx(int ms = 5000) { return OpContext(std::chrono::milliseconds(ms)); }
  EntryReply Lookup(std::uint64_t parent, const std::string& name, int* rc) {
    EntryReply entry;
    *rc = tree_->lookup(parent, name, Ctx(), &entry);
    return entry;
  }
  std::string ReadAll(std::uint64_t ino, int* rc) {
    std::uint64_t fh = 0;
    *rc = tree_->open(ino, O_RDONLY, Ctx(), &fh);
    if (*rc != 0) return "";
    ReadData data;
    *rc = tree_->read(fh, 4096, 0, Ctx(), /*into_pipe=*/true, &data);
    tree_->release(fh);
    return test::bytes_of(&data);
  }
  test::TempDir files_;
  const std::string dir_ = files_.path();
  RecordingNotifier notifier_;
  std::unique_ptr<ContentTree> tree_;
};

TEST_F(ContentTreeTest, ListsAndLooksUpWithTheBackingAttributes) {
  std::vector<DirEntryReply> entries;
  ASSERT_EQ(tree_->readdir(kSnapshotIno, Ctx(), &entries), 0);
  std::map<std::string, struct stat> by_name;
  for (const auto& e : entries) by_name[e.name] = e.attr;
  ASSERT_EQ(by_name.size(), 5u);
  EXPECT_TRUE(S_ISDIR(by_name["sub"].st_mode));
  EXPECT_TRUE(S_ISLNK(by_name["link"].st_mode));
  for (const auto& [name, st] : by_name) EXPECT_TRUE(ContentTree::is_content(st.st_ino)) << name;

  int rc = 0;
  EntryReply a = Lookup(kSnapshotIno, "a.txt", &rc);
  ASSERT_EQ(rc, 0);
  struct stat backing {};
  ASSERT_EQ(lstat((dir_ + "/a.txt").c_str(), &backing), 0);
  EXPECT_EQ(a.attr.st_mode, backing.st_mode);
  EXPECT_EQ(a.attr.st_size, backing.st_size);
  EXPECT_EQ(a.attr.st_uid, backing.st_uid);
  EXPECT_EQ(a.attr.st_mtim.tv_sec, backing.st_mtim.tv_sec);
  EXPECT_EQ(a.attr.st_mtim.tv_nsec, backing.st_mtim.tv_nsec);
  EXPECT_EQ(a.attr.st_nlink, backing.st_nlink);
  // The same backing file, the same inode, from the listing and from a lookup.
  EXPECT_EQ(a.ino, by_name["a.txt"].st_ino);
  EXPECT_EQ(a.timeout, ContentTree::kTimeout);

  EntryReply sub = Lookup(kSnapshotIno, "sub", &rc);
  ASSERT_EQ(rc, 0);
  EntryReply b = Lookup(sub.ino, "b.txt", &rc);
  ASSERT_EQ(rc, 0);
  EXPECT_EQ(ReadAll(b.ino, &rc), "b");
  EXPECT_EQ(ReadAll(a.ino, &rc), "old bytes\n");
  EXPECT_EQ(rc, 0);

  EntryReply missing = Lookup(kSnapshotIno, "none", &rc);
  EXPECT_EQ(rc, ENOENT);
  EXPECT_EQ(missing.ino, 0u);
  EXPECT_GT(missing.timeout, 0);  // a negative entry the kernel may keep
}

// A crawl looks up every name of a plain READDIR and asks again for each directory's attributes
// (the kernel drops a directory's atime after it lists it): a snapshot does not change, so none
// of that goes to the backing mount again.
TEST_F(ContentTreeTest, LookupsAfterAListingAndDirectoryAttributesCostNoBackingCall) {
  std::vector<DirEntryReply> entries;
  ASSERT_EQ(tree_->readdir(kSnapshotIno, Ctx(), &entries), 0);
  const std::uint64_t calls = tree_->backing_calls();
  for (const DirEntryReply& listed : entries) {
    int rc = 0;
    EntryReply e = Lookup(kSnapshotIno, listed.name, &rc);
    ASSERT_EQ(rc, 0) << listed.name;
    EXPECT_EQ(e.ino, listed.attr.st_ino) << listed.name;
    EXPECT_EQ(e.attr.st_mode, listed.attr.st_mode) << listed.name;
    EXPECT_EQ(e.attr.st_size, listed.attr.st_size) << listed.name;
    EXPECT_EQ(e.timeout, ContentTree::kTimeout);
  }
  int rc = 0;
  EntryReply sub = Lookup(kSnapshotIno, "sub", &rc);
  ASSERT_EQ(rc, 0);
  struct stat st {};
  ASSERT_EQ(tree_->getattr(sub.ino, Ctx(), &st), 0);
  struct stat backing {};
  ASSERT_EQ(lstat((dir_ + "/sub").c_str(), &backing), 0);
  EXPECT_EQ(st.st_ino, sub.ino);
  EXPECT_EQ(st.st_mode, backing.st_mode);
  EXPECT_EQ(st.st_mtim.tv_nsec, backing.st_mtim.tv_nsec);
  EXPECT_EQ(tree_->backing_calls(), calls);
  // A name the listing does not hold, and another caller's lookup, go to the backing mount.
  Lookup(kSnapshotIno, "none", &rc);
  EXPECT_EQ(rc, ENOENT);
  EXPECT_EQ(tree_->backing_calls(), calls + 1);
  current_caller() = {true, 65534, 65534, [] { return std::vector<gid_t>{}; }};
  Lookup(kSnapshotIno, "a.txt", &rc);
  EXPECT_EQ(tree_->backing_calls(), calls + 2);
  current_caller() = {};
  // A file's attributes are read again: the kernel keeps them itself.
  EntryReply a = Lookup(kSnapshotIno, "a.txt", &rc);
  ASSERT_EQ(tree_->getattr(a.ino, Ctx(), &st), 0);
  EXPECT_EQ(tree_->backing_calls(), calls + 3);
  // Detached, nothing is answered from memory.
  tree_->detach(kSnapshotIno);
  EXPECT_EQ(tree_->getattr(sub.ino, Ctx(), &st), ESTALE);
}

// find lists a directory, descends into the subdirectories its first page (READDIRPLUS) named,
// then looks up the names of the later pages (plain READDIR): the listing is still there.
TEST_F(ContentTreeTest, ACrawlKeepsTheListingItLooksUpIn) {
  for (int i = 0; i < 8; ++i) {
    const std::string d = dir_ + "/d" + std::to_string(i);
    ASSERT_EQ(mkdir(d.c_str(), 0755), 0);
    std::ofstream(d + "/f") << "f";
  }
  std::vector<DirEntryReply> entries;
  ASSERT_EQ(tree_->readdir(kSnapshotIno, Ctx(), &entries), 0);
  const std::uint64_t calls = tree_->backing_calls();
  for (int i = 0; i < 500 && tree_->listings_made_ahead() < 9; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  int listed = 0;
  for (const DirEntryReply& e : entries) {
    if (!S_ISDIR(e.attr.st_mode)) continue;
    ASSERT_TRUE(tree_->add_listed(kSnapshotIno, e.name, e.attr));  // given by READDIRPLUS
    std::vector<DirEntryReply> below;
    ASSERT_EQ(tree_->readdir(e.attr.st_ino, Ctx(), &below), 0);
    ++listed;
  }
  EXPECT_EQ(listed, 9);
  for (const DirEntryReply& e : entries) {
    int rc = 0;
    EXPECT_EQ(Lookup(kSnapshotIno, e.name, &rc).ino, e.attr.st_ino) << e.name;
  }
  // The nine listings were made ahead (listing_ahead.h) as soon as the root was listed; no
  // lookup and no listing waited for a backing call of its own.
  EXPECT_EQ(tree_->backing_calls(), calls);
  EXPECT_EQ(tree_->listings_ahead(), 9u);
}

TEST_F(ContentTreeTest, SymbolicLinksAreShownNeverFollowed) {
  int rc = 0;
  EntryReply link = Lookup(kSnapshotIno, "link", &rc);
  ASSERT_EQ(rc, 0);
  EXPECT_TRUE(S_ISLNK(link.attr.st_mode));
  std::string target;
  ASSERT_EQ(tree_->readlink(link.ino, Ctx(), &target), 0);
  EXPECT_EQ(target, "a.txt");
  std::uint64_t fh = 0;
  EXPECT_EQ(tree_->open(link.ino, O_RDONLY, Ctx(), &fh), EACCES);
  EntryReply out = Lookup(kSnapshotIno, "out", &rc);
  ASSERT_EQ(rc, 0);
  EXPECT_EQ(tree_->lookup(out.ino, "passwd", Ctx(), &link), ENOTDIR);
}

TEST_F(ContentTreeTest, EveryWriteIsRefused) {
  int rc = 0;
  EntryReply a = Lookup(kSnapshotIno, "a.txt", &rc);
  std::uint64_t fh = 0;
  EXPECT_EQ(tree_->open(a.ino, O_WRONLY, Ctx(), &fh), EROFS);
  EXPECT_EQ(tree_->open(a.ino, O_RDWR, Ctx(), &fh), EROFS);
  EXPECT_EQ(tree_->open(a.ino, O_RDONLY | O_TRUNC, Ctx(), &fh), EROFS);
}

TEST_F(ContentTreeTest, BackingCallsRunAsTheCaller) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to switch to another user";
  int rc = 0;
  EntryReply secret = Lookup(kSnapshotIno, "secret", &rc);
  ASSERT_EQ(rc, 0);
  EXPECT_EQ(ReadAll(secret.ino, &rc), "root only");  // snapfs itself, or root
  current_caller() = {true, 65534, 65534, [] { return std::vector<gid_t>{}; }};
  ReadAll(secret.ino, &rc);
  EXPECT_EQ(rc, EACCES);
  EXPECT_EQ(ReadAll(Lookup(kSnapshotIno, "a.txt", &rc).ino, &rc), "");
  EXPECT_EQ(rc, EACCES);  // 0640, owner root, group root: not for nobody
  // A supplementary group the caller has grants what it grants on the backing file.
  current_caller() = {true, 65534, 65534, [] { return std::vector<gid_t>{0}; }};
  EXPECT_EQ(ReadAll(Lookup(kSnapshotIno, "a.txt", &rc).ino, &rc), "old bytes\n");
  current_caller() = {};
  // The pool thread went back to snapfs's own ids.
  EXPECT_EQ(ReadAll(secret.ino, &rc), "root only");
}

TEST_F(ContentTreeTest, ADetachedSnapshotsFilesFailCleanly) {
  int rc = 0;
  EntryReply a = Lookup(kSnapshotIno, "a.txt", &rc);
  std::uint64_t fh = 0;
  ASSERT_EQ(tree_->open(a.ino, O_RDONLY, Ctx(), &fh), 0);
  EXPECT_EQ(tree_->open_files(), 1u);
  tree_->detach(kSnapshotIno);
  ReadData data;
  EXPECT_EQ(tree_->read(fh, 10, 0, Ctx(), true, &data), ESTALE);
  struct stat st {};
  EXPECT_EQ(tree_->getattr(a.ino, Ctx(), &st), ESTALE);
  EXPECT_EQ(tree_->open_files(), 0u);
  EXPECT_EQ(tree_->node_count(), 0u);
  // The kernel was told to drop what it cached of the file.
  EXPECT_NE(std::find(notifier_.inodes.begin(), notifier_.inodes.end(), a.ino),
            notifier_.inodes.end());
  tree_->release(fh);  // after the detach: nothing left to release, no crash
}

TEST_F(ContentTreeTest, ForgottenNodesGoAndComeBackWithTheirNumber) {
  int rc = 0;
  EntryReply sub = Lookup(kSnapshotIno, "sub", &rc);
  EntryReply b = Lookup(sub.ino, "b.txt", &rc);
  EXPECT_EQ(tree_->node_count(), 2u);
  tree_->forget(sub.ino, 1);
  EXPECT_EQ(tree_->node_count(), 2u);  // b still needs its parent's path
  tree_->forget(b.ino, 1);
  EXPECT_EQ(tree_->node_count(), 0u);
}

// `ls` of a big directory is answered with plain READDIR: the kernel gets names and numbers and
// no reference, so it will never forget them: they leave no node behind. The numbers shown are
// those a lookup, a READDIRPLUS entry, or a lookup after the node was forgotten gives.
TEST_F(ContentTreeTest, APlainListingLeavesNoNodeAndItsNumbersHold) {
  const std::string many = dir_ + "/many";
  ASSERT_EQ(mkdir(many.c_str(), 0755), 0);
  constexpr int kFiles = 200;
  for (int i = 0; i < kFiles; ++i) std::ofstream(many + "/" + std::to_string(i)) << i;
  int rc = 0;
  EntryReply dir = Lookup(kSnapshotIno, "many", &rc);
  ASSERT_EQ(rc, 0);
  std::vector<DirEntryReply> entries;
  ASSERT_EQ(tree_->readdir(dir.ino, Ctx(), &entries), 0);
  ASSERT_EQ(entries.size(), static_cast<std::size_t>(kFiles));
  EXPECT_EQ(tree_->node_count(), 1u);  // the directory alone
  std::set<std::uint64_t> numbers;
  for (const DirEntryReply& e : entries) {
    EXPECT_TRUE(ContentTree::is_content(e.attr.st_ino)) << e.name;
    numbers.insert(e.attr.st_ino);
  }
  EXPECT_EQ(numbers.size(), entries.size());
  // A lookup, a second listing, and the node a READDIRPLUS entry makes keep the numbers.
  EntryReply first = Lookup(dir.ino, entries[0].name, &rc);
  ASSERT_EQ(rc, 0);
  EXPECT_EQ(first.ino, entries[0].attr.st_ino);
  std::vector<DirEntryReply> again;
  ASSERT_EQ(tree_->readdir(dir.ino, Ctx(), &again), 0);
  ASSERT_EQ(again.size(), entries.size());
  for (const DirEntryReply& e : again) EXPECT_TRUE(numbers.count(e.attr.st_ino) > 0) << e.name;
  ASSERT_TRUE(tree_->add_listed(dir.ino, entries[1].name, entries[1].attr));
  EXPECT_EQ(tree_->node_count(), 3u);
  struct stat st {};
  ASSERT_EQ(tree_->getattr(entries[1].attr.st_ino, Ctx(), &st), 0);
  EXPECT_EQ(st.st_ino, entries[1].attr.st_ino);
  EXPECT_EQ(st.st_size, entries[1].attr.st_size);
  EXPECT_EQ(ReadAll(entries[1].attr.st_ino, &rc), entries[1].name);
  // Forgotten and looked up again: the same number.
  tree_->forget(first.ino, 1);
  EXPECT_EQ(tree_->node_count(), 2u);
  EXPECT_EQ(Lookup(dir.ino, entries[0].name, &rc).ino, entries[0].attr.st_ino);
}

// The kernel forgets a big crawl in batches: the memory freed by the last of them goes back to
// the system too, not only what was freed when the first table shrink trimmed.
TEST_F(ContentTreeTest, MemoryGoesBackAfterTheLastForgetOfACrawl) {
  const std::string many = dir_ + "/many";
  ASSERT_EQ(mkdir(many.c_str(), 0755), 0);
  constexpr int kFiles = 5000;  // more than a table worth shrinking
  for (int i = 0; i < kFiles; ++i) {
    const int fd = ::open((many + "/" + std::to_string(i)).c_str(), O_CREAT | O_WRONLY, 0644);
    ASSERT_GE(fd, 0);
    close(fd);
  }
  int rc = 0;
  EntryReply dir = Lookup(kSnapshotIno, "many", &rc);
  ASSERT_EQ(rc, 0);
  std::vector<DirEntryReply> entries;
  ASSERT_EQ(tree_->readdir(dir.ino, Ctx(), &entries), 0);
  for (const DirEntryReply& e : entries) ASSERT_TRUE(tree_->add_listed(dir.ino, e.name, e.attr));
  // The first batch shrinks the tables; the rest follows at once.
  std::size_t i = 0;
  for (; i < entries.size() * 4 / 5; ++i) tree_->forget(entries[i].attr.st_ino, 1);
  const std::uint64_t trims = ContentTree::memory_trims();
  for (; i < entries.size(); ++i) tree_->forget(entries[i].attr.st_ino, 1);
  EXPECT_EQ(tree_->node_count(), 1u);
  tree_->forget(dir.ino, 1);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (ContentTree::memory_trims() == trims && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_GT(ContentTree::memory_trims(), trims);
}

#if defined(__has_feature)  // clang's way of saying -fsanitize=address
#if __has_feature(address_sanitizer)
#define SNAPFS_HAS_ADDRESS_SANITIZER 1
#endif
#endif
#ifndef SNAPFS_HAS_ADDRESS_SANITIZER
#define SNAPFS_HAS_ADDRESS_SANITIZER 0
#endif

// With the thresholds fixed, a thread arena gives its freed top back when it is freed, even
// after a big block freed before would have raised glibc's trim threshold to twice its size.
// Checked on the arenas' footprint (mallinfo2's `arena`: bytes the arenas hold from the
// system), not on the resident set.
TEST(AllocatorTest, AThreadArenaGivesBackWhatACrawlFreed) {
#if defined(__SANITIZE_ADDRESS__) || SNAPFS_HAS_ADDRESS_SANITIZER
  GTEST_SKIP() << "SKIPPED: glibc's allocator, which this checks, is the sanitizer's here "
                  "(mallinfo2 reports nothing)";
#endif
  ContentTree::fix_allocator_thresholds();
  std::size_t before = 0, grown = 0, after = 0;
  std::thread crawl([&] {
    // A big block of its own mapping, freed: what a crawl's hash table is.
    auto* table = static_cast<char*>(std::malloc(16 << 20));
    ASSERT_NE(table, nullptr);
    table[0] = 1;
    asm volatile("" : : "r"(table) : "memory");  // no malloc-free pair the compiler may drop
    std::free(table);
    before = mallinfo2().arena;
    // Nodes of a crawl, too big for the fast bins, all freed once the kernel forgets them.
    std::vector<void*> nodes(60000);
    for (void*& n : nodes) n = std::malloc(256);
    asm volatile("" : : "r"(nodes.data()) : "memory");
    grown = mallinfo2().arena;
    for (void* n : nodes) std::free(n);
    after = mallinfo2().arena;
  });
  crawl.join();
  ASSERT_GT(grown, before + (10u << 20));
  EXPECT_LT(after, before + static_cast<std::size_t>(ContentTree::kTrimThreshold) * 4);
}

TEST_F(ContentTreeTest, AMissingSnapshotDirectoryLeavesNoNegativeEntry) {
  tree_->attach(kSnapshotIno + 1, dir_ + "/not-there");
  int rc = 0;
  EntryReply e = Lookup(kSnapshotIno + 1, "a.txt", &rc);
  EXPECT_EQ(rc, ENOENT);
  EXPECT_EQ(e.timeout, 0);
}

TEST(BackingPoolTest, ABlockedCallAnswersAtItsDeadlineAndOthersGoOn) {
  test::TempDir files;
  const std::string fifo = files.path() + "/fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  BackingPool pool(4);
  {
    OpContext ctx(std::chrono::milliseconds(200));
    // Opening a FIFO for reading waits for a writer: as a read from a dead server would.
    int rc = pool.run({}, ctx, [fifo] {
      int fd = open(fifo.c_str(), O_RDONLY);
      if (fd >= 0) close(fd);
      return 0;
    });
    EXPECT_EQ(rc, ETIMEDOUT);
  }
  {
    OpContext ctx(std::chrono::seconds(10));
    EXPECT_EQ(pool.run({}, ctx, [] { return 0; }), 0);  // another thread serves it
  }
  EXPECT_EQ(pool.threads(), 2u);
  // Lets the stuck call end.
  int w = open(fifo.c_str(), O_WRONLY);
  if (w >= 0) close(w);
}

TEST(BackingPoolTest, ThreadsAreBounded) {
  BackingPool pool(2);
  // Shared: the pool's threads outlive this test's frame.
  auto release = std::make_shared<std::atomic<bool>>(false);
  for (int i = 0; i < 3; ++i) {
    OpContext ctx(std::chrono::milliseconds(50));
    pool.run({}, ctx, [release] {
      while (!release->load()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      return 0;
    });
  }
  EXPECT_EQ(pool.threads(), 2u);
  *release = true;
}

}  // namespace
}  // namespace snapfs::content
