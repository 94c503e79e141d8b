// The namespace tree, its caches and every operation of SEMANTICS.md, against FakeProvider.
#include "fs/namespace.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cerrno>
#include <set>
#include <thread>

#include "tests/unit/fake_provider.h"

namespace snapfs {
namespace {

using test::FakeProvider;

class RecordingNotifier : public KernelNotifier {
 public:
  void inval_entry(std::uint64_t parent, const std::string& name) override {
    std::lock_guard<std::mutex> lock(mu);
    entries.push_back({parent, name});
  }
  void inval_inode(std::uint64_t ino) override {
    std::lock_guard<std::mutex> lock(mu);
    inodes.push_back(ino);
  }
  std::mutex mu;
  std::vector<std::pair<std::uint64_t, std::string>> entries;
  std::vector<std::uint64_t> inodes;
};

constexpr std::int64_t kDay = 86400LL * 1000000;
constexpr std::int64_t kT0 = 1'790'000'000LL * 1000000;

class NamespaceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake_ = new FakeProvider();
    fake_->add_volume("zone-1", "vol-1", "data");
    fake_->add_volume("zone-1", "vol-2", "logs");
    fake_->add_snapshot("zone-1", "vol-1", "aaaaaaaa-1", "daily", kT0);
    fake_->add_snapshot("zone-1", "vol-1", "bbbbbbbb-2", "daily", kT0 + kDay);
    fake_->add_snapshot("zone-1", "vol-1", "cccccccc-3", "a/b", kT0 + 2 * kDay);
    fake_->add_snapshot("zone-1", "vol-1", "dddddddd-4", "", kT0 + 3 * kDay);
    fake_->add_snapshot("zone-1", "vol-1", "eeeeeeee-5", "inflight", kT0 + 4 * kDay, "creating");
  }

  // No background listings: these tests change the fake provider's data between calls. The
  // prefetch tests turn them on explicitly.
  static FsOptions Quiet() {
    FsOptions options;
    options.prefetch = 0;
    return options;
  }

  void Mount(FsOptions options = Quiet()) {
    options.uid = 1234;
    options.gid = 5678;
    std::vector<Remote> remotes;
    RemoteConfig rc;
    rc.name = "cloud";
    rc.type = "fake";
    remotes.push_back(Remote{rc, std::unique_ptr<Provider>(fake_)});
    ns_ = std::make_unique<Namespace>(std::move(remotes), options, &notifier_);
  }

  // Resolves a path below the root, one lookup per component.
  int Resolve(const std::string& path, EntryReply* out) {
    std::uint64_t ino = Namespace::kRootIno;
    std::size_t start = 1;
    EntryReply entry;
    entry.ino = ino;
    while (start < path.size()) {
      std::size_t slash = path.find('/', start);
      if (slash == std::string::npos) slash = path.size();
      int rc = ns_->lookup(ino, path.substr(start, slash - start), Ctx(), &entry);
      if (rc != 0) return rc;
      ino = entry.ino;
      start = slash + 1;
    }
    *out = entry;
    return 0;
  }
  std::uint64_t Ino(const std::string& path) {
    EntryReply e;
    EXPECT_EQ(Resolve(path, &e), 0) << path;
    return e.ino;
  }
  std::vector<std::string> List(const std::string& path) {
    std::vector<DirEntryReply> entries;
    EXPECT_EQ(ns_->readdir(path == "/" ? Namespace::kRootIno : Ino(path), Ctx(), &entries), 0);
    std::vector<std::string> names;
    for (const auto& e : entries) names.push_back(e.name);
    return names;
  }
  static OpContext Ctx() { return OpContext(std::chrono::seconds(5)); }
  std::string Xattr(const std::string& path, const std::string& name, int* rc_out = nullptr) {
    std::string value;
    int rc = ns_->getxattr(Ino(path), name, Ctx(), &value);
    if (rc_out) *rc_out = rc;
    return value;
  }

  FakeProvider* fake_ = nullptr;  // owned by the namespace
  RecordingNotifier notifier_;
  std::unique_ptr<Namespace> ns_;
};

TEST_F(NamespaceTest, TreeShowsRemotesServicesVolumesAndSnapshotsDir) {
  Mount();
  EXPECT_EQ(List("/"), std::vector<std::string>{"cloud"});
  EXPECT_EQ(List("/cloud"), std::vector<std::string>{"zone-1"});
  EXPECT_EQ(List("/cloud/zone-1"), (std::vector<std::string>{"data", "logs"}));
  EXPECT_EQ(List("/cloud/zone-1/logs"), std::vector<std::string>{".snapshots"});
  EXPECT_TRUE(List("/cloud/zone-1/logs/.snapshots").empty());
}

TEST_F(NamespaceTest, SnapshotNamesAreEscapedDeduplicatedAndNeverEmpty) {
  Mount();
  auto names = List("/cloud/zone-1/data/.snapshots");
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"a%2Fb", "daily", "daily~bbbbbbbb", "dddddddd-4",
                                             "inflight"}));
  // The oldest of the two "daily" keeps the plain name.
  EXPECT_EQ(Xattr("/cloud/zone-1/data/.snapshots/daily", "user.snapfs.id"), "aaaaaaaa-1");
  EXPECT_EQ(Xattr("/cloud/zone-1/data/.snapshots/a%2Fb", "user.snapfs.name"), "a/b");
}

TEST_F(NamespaceTest, AttributesFollowSemantics) {
  Mount();
  struct stat st {};
  EntryReply e;
  ASSERT_EQ(Resolve("/cloud/zone-1/data/.snapshots/daily", &e), 0);
  EXPECT_TRUE(S_ISDIR(e.attr.st_mode));
  EXPECT_EQ(e.attr.st_mode & 07777, 0555u);
  EXPECT_EQ(e.attr.st_mtim.tv_sec, kT0 / 1000000);
  EXPECT_EQ(e.attr.st_size, 1000);
  EXPECT_EQ(e.attr.st_uid, 1234u);
  EXPECT_EQ(e.attr.st_gid, 5678u);
  ASSERT_EQ(ns_->getattr(Ino("/cloud/zone-1/data/.snapshots"), Ctx(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  EXPECT_EQ(st.st_nlink, 1u);
  ASSERT_EQ(ns_->getattr(Ino("/cloud/zone-1/data"), Ctx(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0555u);
}

TEST_F(NamespaceTest, ReadOnlyMountShowsSnapshotsDirReadOnlyAndRefusesWithErofs) {
  FsOptions options = Quiet();
  options.read_only = true;
  Mount(options);
  struct stat st {};
  ASSERT_EQ(ns_->getattr(Ino("/cloud/zone-1/data/.snapshots"), Ctx(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0555u);
  EntryReply e;
  std::uint64_t dir = Ino("/cloud/zone-1/data/.snapshots");
  EXPECT_EQ(ns_->mkdir(dir, "new", Ctx(), &e), EROFS);
  EXPECT_EQ(ns_->rmdir(dir, "daily", Ctx()), EROFS);
  EXPECT_EQ(ns_->rename(dir, "daily", dir, "other", 0, Ctx()), EROFS);
  EXPECT_EQ(
      ns_->setxattr(Ino("/cloud/zone-1/data/.snapshots/daily"), "user.snapfs.tags", "x", Ctx()),
      EROFS);
  EXPECT_EQ(ns_->refused(), EROFS);
  EXPECT_EQ(fake_->create_calls, 0);
  EXPECT_EQ(fake_->delete_calls, 0);
}

TEST_F(NamespaceTest, ListingsAreCachedAndProbesOfAbsentNamesCostNothing) {
  Mount();
  List("/cloud/zone-1/data/.snapshots");
  int calls = fake_->list_snapshots_calls;
  std::uint64_t dir = Ino("/cloud/zone-1/data/.snapshots");
  for (const char* probe : {".hidden", ".directory", "desktop.ini", "autorun.inf", ".Trash-1000",
                            ".xdg-volume-info", ".git"}) {
    EntryReply e;
    EXPECT_EQ(ns_->lookup(dir, probe, Ctx(), &e), ENOENT);
    EXPECT_EQ(e.ino, 0u) << "a negative entry lets the kernel absorb repeated probes";
    EXPECT_GT(e.timeout, 0);
  }
  List("/cloud/zone-1/data/.snapshots");
  EXPECT_EQ(fake_->list_snapshots_calls, calls);
}

TEST_F(NamespaceTest, ZeroTtlListsEveryTime) {
  FsOptions options = Quiet();
  options.cache_ttl = std::chrono::milliseconds(0);
  Mount(options);
  List("/cloud/zone-1/data/.snapshots");
  int calls = fake_->list_snapshots_calls;
  List("/cloud/zone-1/data/.snapshots");
  EXPECT_EQ(fake_->list_snapshots_calls, calls + 1);
}

TEST_F(NamespaceTest, ConcurrentColdLookupsShareOneRequest) {
  Mount();
  std::uint64_t dir = Ino("/cloud/zone-1/data/.snapshots");
  fake_->list_delay = std::chrono::milliseconds(200);
  std::vector<std::thread> threads;
  std::atomic<int> found{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      EntryReply e;
      if (ns_->lookup(dir, "daily", Ctx(), &e) == 0) found++;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(found, 8);
  EXPECT_EQ(fake_->list_snapshots_calls, 1);
}

TEST_F(NamespaceTest, StaleListingIsServedWhenTheProviderFails) {
  FsOptions options = Quiet();
  options.cache_ttl = std::chrono::milliseconds(0);
  Mount(options);
  EXPECT_EQ(List("/cloud/zone-1/data/.snapshots").size(), 5u);
  fake_->fail_lists = Error(ErrorKind::Unavailable, "503", 503);
  std::vector<DirEntryReply> entries;
  EXPECT_EQ(ns_->readdir(Ino("/cloud/zone-1/data/.snapshots"), Ctx(), &entries), 0);
  EXPECT_EQ(entries.size(), 5u);
  rapidjson::Document stats;
  stats.Parse(Xattr("/", "user.snapfs.stats").c_str());
  ASSERT_FALSE(stats.HasParseError());
  EXPECT_GE(stats["cache"]["stale"].GetUint64(), 1u);
}

TEST_F(NamespaceTest, NothingCachedAndProviderDownGivesErrno) {
  Mount();
  fake_->fail_lists = Error(ErrorKind::Unavailable, "503", 503);
  EntryReply e;
  EXPECT_EQ(ns_->lookup(Namespace::kRootIno + 0, "cloud", Ctx(), &e), 0);
  EXPECT_EQ(ns_->lookup(e.ino, "zone-1", Ctx(), &e), EIO);
  fake_->fail_lists = Error(ErrorKind::Timeout, "deadline", 0);
  EXPECT_EQ(ns_->lookup(Ino("/cloud"), "zone-1", Ctx(), &e), ETIMEDOUT);
}

TEST_F(NamespaceTest, MkdirCreatesASnapshotVisibleAtOnce) {
  Mount();
  std::uint64_t dir = Ino("/cloud/zone-1/data/.snapshots");
  EntryReply e;
  ASSERT_EQ(ns_->mkdir(dir, "nightly", Ctx(), &e), 0);
  EXPECT_NE(e.ino, 0u);
  EXPECT_TRUE(S_ISDIR(e.attr.st_mode));
  EXPECT_EQ(fake_->create_calls, 1);
  EXPECT_EQ(Xattr("/cloud/zone-1/data/.snapshots/nightly", "user.snapfs.state"), "creating");
  auto names = List("/cloud/zone-1/data/.snapshots");
  EXPECT_NE(std::find(names.begin(), names.end(), "nightly"), names.end());
  EXPECT_EQ(fake_->list_snapshots_calls, 1) << "the create's answer updates the cache";
  EXPECT_FALSE(notifier_.inodes.empty());
}

TEST_F(NamespaceTest, MkdirDecodesEscapesAndChecksNames) {
  Mount();
  std::uint64_t dir = Ino("/cloud/zone-1/data/.snapshots");
  EntryReply e;
  ASSERT_EQ(ns_->mkdir(dir, "weekly%2F1", Ctx(), &e), 0);
  EXPECT_EQ(Xattr("/cloud/zone-1/data/.snapshots/weekly%2F1", "user.snapfs.name"), "weekly/1");
  EXPECT_EQ(ns_->mkdir(dir, "daily", Ctx(), &e), EEXIST);
  EXPECT_EQ(ns_->mkdir(dir, "bad!name", Ctx(), &e), EINVAL);
  EXPECT_EQ(ns_->mkdir(dir, std::string(300, 'x'), Ctx(), &e), ENAMETOOLONG);
  EXPECT_EQ(fake_->create_calls, 1);
  EXPECT_EQ(ns_->mkdir(Ino("/cloud/zone-1/data"), "x", Ctx(), &e), EPERM);
  EXPECT_EQ(ns_->mkdir(Namespace::kRootIno, "x", Ctx(), &e), EPERM);
}

// For every name mkdir accepts, a lookup of that same name finds the snapshot and a second mkdir
// of it meets EEXIST; a name that would be shown otherwise, or is not UTF-8, makes no request.
TEST_F(NamespaceTest, MkdirNamesAreFoundByTheNameTyped) {
  Mount();
  std::uint64_t dir = Ino("/cloud/zone-1/data/.snapshots");
  EntryReply e;
  const std::vector<std::pair<std::string, std::string>> made = {
      {"a%zz", "a%zz"}, {"lc%2fb", "lc%2fb"}, {"50%", "50%"}, {"x%2Fy", "x/y"}, {"%2525", "%25"}};
  int creates = 0;
  for (const auto& [name, provider_name] : made) {
    ASSERT_EQ(ns_->mkdir(dir, name, Ctx(), &e), 0) << name;
    EXPECT_EQ(fake_->create_calls, ++creates);
    EntryReply found;
    EXPECT_EQ(ns_->lookup(dir, name, Ctx(), &found), 0) << name;
    EXPECT_EQ(found.ino, e.ino) << name;
    EXPECT_EQ(Xattr("/cloud/zone-1/data/.snapshots/" + name, "user.snapfs.name"), provider_name);
    EXPECT_EQ(ns_->mkdir(dir, name, Ctx(), &e), EEXIST) << name;
  }
  for (const std::string name : {"100%25", "nul%00", "bad\xff", "over\xc0\xaf"}) {
    EXPECT_EQ(ns_->mkdir(dir, name, Ctx(), &e), EINVAL) << name;
    EXPECT_EQ(ns_->rename(dir, "daily", dir, name, 0, Ctx()), EINVAL) << name;
  }
  EXPECT_EQ(fake_->create_calls, creates);
  // A value that is not UTF-8 is refused before any request as well.
  ASSERT_EQ(ns_->setxattr(dir, "user.snapfs.schedule", "nightly", Ctx()), 0);
  EXPECT_EQ(ns_->setxattr(dir, "user.snapfs.schedule", "bad\xff", Ctx()), EINVAL);
  EXPECT_EQ(fake_->find_volume("zone-1", "vol-1")->schedule, "nightly");
}

// A provider name past NAME_MAX is shown shortened, unique and usable: lookup, stat and the full
// name in user.snapfs.name.
TEST_F(NamespaceTest, LongProviderNamesAreShortenedAndResolve) {
  const std::string common(300, 'n');
  fake_->add_snapshot("zone-1", "vol-2", "long-1", common + "-one", kT0);
  fake_->add_snapshot("zone-1", "vol-2", "long-2", common + "-two", kT0 + kDay);
  fake_->add_snapshot("zone-1", "vol-2", "long-3", common + "-two", kT0 + 2 * kDay);
  Mount();
  auto names = List("/cloud/zone-1/logs/.snapshots");
  ASSERT_EQ(names.size(), 3u);
  std::set<std::string> distinct(names.begin(), names.end());
  EXPECT_EQ(distinct.size(), 3u);
  std::set<std::string> full;
  for (const std::string& name : names) {
    EXPECT_LE(name.size(), 255u) << name;
    full.insert(Xattr("/cloud/zone-1/logs/.snapshots/" + name, "user.snapfs.name"));
  }
  EXPECT_EQ(full, (std::set<std::string>{common + "-one", common + "-two"}));
  // The same names on the next listing from the provider.
  ASSERT_EQ(ns_->setxattr(Ino("/cloud/zone-1/logs/.snapshots"), "user.snapfs.refresh", "1", Ctx()),
            0);
  EXPECT_EQ(List("/cloud/zone-1/logs/.snapshots"), names);
}

// A name once shown keeps resolving to its snapshot while it exists, so `rm -rf` over a listing
// deletes every entry it read.
TEST_F(NamespaceTest, ShownNameKeepsResolvingAfterItsSiblingIsDeleted) {
  Mount();
  const std::string dir_path = "/cloud/zone-1/data/.snapshots";
  std::uint64_t dir = Ino(dir_path);
  auto names = List(dir_path);
  ASSERT_NE(std::find(names.begin(), names.end(), "daily~bbbbbbbb"), names.end());
  ASSERT_EQ(ns_->rmdir(dir, "daily", Ctx()), 0);
  EXPECT_EQ(Xattr(dir_path + "/daily~bbbbbbbb", "user.snapfs.id"), "bbbbbbbb-2");
  EntryReply e;
  EXPECT_EQ(ns_->lookup(dir, "daily", Ctx(), &e), ENOENT);
  // Still so once the provider's own listing is read again; and an older sibling that appears
  // there takes no name already shown.
  fake_->add_snapshot("zone-1", "vol-1", "00000000-9", "daily", kT0 - kDay);
  ASSERT_EQ(ns_->setxattr(dir, "user.snapfs.refresh", "1", Ctx()), 0);
  names = List(dir_path);
  EXPECT_EQ(Xattr(dir_path + "/daily~bbbbbbbb", "user.snapfs.id"), "bbbbbbbb-2");
  EXPECT_EQ(Xattr(dir_path + "/inflight", "user.snapfs.id"), "eeeeeeee-5");
  // The new one gets the free plain name; a mkdir of a taken name still meets EEXIST.
  EXPECT_EQ(Xattr(dir_path + "/daily", "user.snapfs.id"), "00000000-9");
  EXPECT_EQ(ns_->mkdir(dir, "daily~bbbbbbbb", Ctx(), &e), EEXIST);
  ASSERT_EQ(ns_->rmdir(dir, "daily~bbbbbbbb", Ctx()), 0);
}

TEST_F(NamespaceTest, MkdirErrorsMapToErrno) {
  Mount();
  std::uint64_t dir = Ino("/cloud/zone-1/data/.snapshots");
  EntryReply e;
  fake_->fail_create = Error(ErrorKind::QuotaExceeded, "quota", 403);
  EXPECT_EQ(ns_->mkdir(dir, "q", Ctx(), &e), EDQUOT);
  fake_->fail_create = Error(ErrorKind::AccessDenied, "denied", 401);
  EXPECT_EQ(ns_->mkdir(dir, "q", Ctx(), &e), EACCES);
}

TEST_F(NamespaceTest, MkdirWithUnclearOutcomeFindsTheAppliedSnapshotInsteadOfResending) {
  Mount();
  std::uint64_t dir = Ino("/cloud/zone-1/data/.snapshots");
  Error dropped(ErrorKind::Unavailable, "connection reset", 0);
  dropped.outcome_unknown = true;
  fake_->fail_create = dropped;
  fake_->create_applies_before_failing = true;
  EntryReply e;
  EXPECT_EQ(ns_->mkdir(dir, "once", Ctx(), &e), 0);
  EXPECT_EQ(fake_->create_calls, 1);
  auto names = List("/cloud/zone-1/data/.snapshots");
  EXPECT_EQ(std::count(names.begin(), names.end(), "once"), 1);
}

TEST_F(NamespaceTest, MkdirWithUnclearOutcomeAndNothingCreatedFails) {
  Mount();
  std::uint64_t dir = Ino("/cloud/zone-1/data/.snapshots");
  Error dropped(ErrorKind::Timeout, "timed out", 0);
  dropped.outcome_unknown = true;
  fake_->fail_create = dropped;
  EntryReply e;
  EXPECT_EQ(ns_->mkdir(dir, "never", Ctx(), &e), ETIMEDOUT);
  EXPECT_EQ(fake_->create_calls, 1);
}

TEST_F(NamespaceTest, ServerAssignedNameGetsAnAliasSymlink) {
  Mount();
  fake_->assigned_name = "now.20261123.101500";
  std::uint64_t dir = Ino("/cloud/zone-1/data/.snapshots");
  EntryReply e;
  ASSERT_EQ(ns_->mkdir(dir, "before-upgrade", Ctx(), &e), 0);
  EXPECT_TRUE(S_ISDIR(e.attr.st_mode)) << "mkdir must answer with a directory";
  bool invalidated = false;
  for (const auto& [parent, name] : notifier_.entries) {
    if (parent == dir && name == "before-upgrade") invalidated = true;
  }
  EXPECT_TRUE(invalidated) << "the kernel's directory entry must be replaced by the link";
  EntryReply alias;
  ASSERT_EQ(ns_->lookup(dir, "before-upgrade", Ctx(), &alias), 0);
  EXPECT_TRUE(S_ISLNK(alias.attr.st_mode));
  std::string target;
  ASSERT_EQ(ns_->readlink(alias.ino, &target), 0);
  EXPECT_EQ(target, "now.20261123.101500");
  // The alias goes with its snapshot.
  fake_->find_volume("zone-1", "vol-1")->snapshots.back().state = "available";
  ASSERT_EQ(ns_->rmdir(dir, "now.20261123.101500", Ctx()), 0);
  EXPECT_EQ(ns_->lookup(dir, "before-upgrade", Ctx(), &alias), ENOENT);
}

TEST_F(NamespaceTest, ServerNamedCreateWithUnclearOutcomeStillGetsItsAlias) {
  fake_->caps.server_names = true;
  Mount();
  fake_->assigned_name = "now.20261123.101500";
  std::uint64_t dir = Ino("/cloud/zone-1/data/.snapshots");
  // Applied, then answered with a body that does not parse.
  fake_->fail_create = Error(ErrorKind::BadResponse, "malformed XML", 200);
  fake_->create_applies_before_failing = true;
  EntryReply e;
  ASSERT_EQ(ns_->mkdir(dir, "pre-deploy", Ctx(), &e), 0);
  EXPECT_EQ(fake_->create_calls, 1);
  EntryReply alias;
  ASSERT_EQ(ns_->lookup(dir, "pre-deploy", Ctx(), &alias), 0);
  ASSERT_TRUE(S_ISLNK(alias.attr.st_mode));
  std::string target;
  ASSERT_EQ(ns_->readlink(alias.ino, &target), 0);
  EXPECT_EQ(target, "now.20261123.101500");
}

TEST_F(NamespaceTest, ServerNamedCreateNeverClaimsAnOlderSnapshot) {
  fake_->caps.server_names = true;
  Mount();
  std::uint64_t dir = Ino("/cloud/zone-1/data/.snapshots");
  List("/cloud/zone-1/data/.snapshots");
  // Made elsewhere long ago but not in this mount's listing yet; the create itself did nothing.
  fake_->add_snapshot("zone-1", "vol-1", "now.20200101.000000", "now.20200101.000000",
                      1'577'836'800'000'000);
  Error dropped(ErrorKind::Timeout, "timed out", 0);
  dropped.outcome_unknown = true;
  fake_->fail_create = dropped;
  EntryReply e;
  EXPECT_EQ(ns_->mkdir(dir, "pre-deploy", Ctx(), &e), ETIMEDOUT);
  EXPECT_EQ(ns_->lookup(dir, "pre-deploy", Ctx(), &e), ENOENT);
}

TEST_F(NamespaceTest, RmdirDeletesAndRefusesBusyOrForeignDirectories) {
  Mount();
  std::uint64_t dir = Ino("/cloud/zone-1/data/.snapshots");
  ASSERT_EQ(ns_->rmdir(dir, "daily~bbbbbbbb", Ctx()), 0);
  EXPECT_EQ(fake_->delete_calls, 1);
  EXPECT_EQ(fake_->find_volume("zone-1", "vol-1")->snapshots.size(), 4u);
  EntryReply e;
  EXPECT_EQ(ns_->lookup(dir, "daily~bbbbbbbb", Ctx(), &e), ENOENT);
  EXPECT_EQ(ns_->rmdir(dir, "missing", Ctx()), ENOENT);
  EXPECT_EQ(ns_->rmdir(dir, "inflight", Ctx()), EBUSY);
  EXPECT_EQ(fake_->delete_calls, 1);
  EXPECT_EQ(ns_->rmdir(Ino("/cloud/zone-1"), "data", Ctx()), EPERM);
  EXPECT_EQ(ns_->rmdir(Ino("/cloud/zone-1/data"), ".snapshots", Ctx()), EPERM);
}

TEST_F(NamespaceTest, RmdirOfSnapshotThatFinishedCreatingRechecksTheProvider) {
  Mount();
  std::uint64_t dir = Ino("/cloud/zone-1/data/.snapshots");
  List("/cloud/zone-1/data/.snapshots");
  fake_->find_volume("zone-1", "vol-1")->snapshots.back().state = "available";
  EXPECT_EQ(ns_->rmdir(dir, "inflight", Ctx()), 0);
}

TEST_F(NamespaceTest, PendingDeleteHidesAnEntryTheProviderStillLists) {
  Mount();
  std::uint64_t dir = Ino("/cloud/zone-1/data/.snapshots");
  ASSERT_EQ(ns_->rmdir(dir, "a%2Fb", Ctx()), 0);
  // An API that deletes asynchronously still lists it for a while.
  fake_->add_snapshot("zone-1", "vol-1", "cccccccc-3", "a/b", kT0 + 2 * kDay, "deleting");
  ns_->setxattr(dir, "user.snapfs.refresh", "1", Ctx());
  auto names = List("/cloud/zone-1/data/.snapshots");
  EXPECT_EQ(std::count(names.begin(), names.end(), "a%2Fb"), 0);
}

TEST_F(NamespaceTest, RenameWithinSnapshotsDir) {
  Mount();
  std::uint64_t dir = Ino("/cloud/zone-1/data/.snapshots");
  ASSERT_EQ(ns_->rename(dir, "a%2Fb", dir, "c%2Fd", 0, Ctx()), 0);
  EXPECT_EQ(Xattr("/cloud/zone-1/data/.snapshots/c%2Fd", "user.snapfs.name"), "c/d");
  EXPECT_EQ(ns_->rename(dir, "c%2Fd", dir, "daily", 0, Ctx()), EEXIST);
  EXPECT_EQ(ns_->rename(dir, "c%2Fd", Ino("/cloud/zone-1/logs/.snapshots"), "x", 0, Ctx()), EXDEV);
  EXPECT_EQ(ns_->rename(dir, "c%2Fd", Ino("/cloud/zone-1/logs"), "x", 0, Ctx()), EPERM);
  fake_->caps.rename = false;
  EXPECT_EQ(ns_->rename(dir, "c%2Fd", dir, "e", 0, Ctx()), ENOTSUP);
}

TEST_F(NamespaceTest, XattrsListAndReadTheObjectsMetadata) {
  Mount();
  std::vector<std::string> names;
  ASSERT_EQ(ns_->listxattr(Ino("/cloud/zone-1/data/.snapshots/daily"), Ctx(), &names), 0);
  for (const char* expected :
       {"user.snapfs.id", "user.snapfs.name", "user.snapfs.state", "user.snapfs.created",
        "user.snapfs.size", "user.snapfs.tags", "user.snapfs.json"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
  }
  EXPECT_EQ(Xattr("/cloud/zone-1/data/.snapshots/daily", "user.snapfs.created"),
            "2026-09-21T14:13:20Z");
  EXPECT_EQ(Xattr("/cloud/zone-1/data/.snapshots/daily", "user.snapfs.size"), "1000");
  int rc = 0;
  const int lists_before = fake_->list_snapshots_calls + fake_->fetch_attrs_calls;
  Xattr("/cloud/zone-1/data/.snapshots/daily", "security.selinux", &rc);
  // ls -l treats ENOTSUP like ENODATA, and then stops probing the other entries of the mount.
  EXPECT_EQ(rc, ENOTSUP);
  Xattr("/cloud/zone-1/data/.snapshots/daily", "system.posix_acl_access", &rc);
  EXPECT_EQ(rc, ENOTSUP);
  Xattr("/cloud/zone-1/data", "system.posix_acl_default", &rc);
  EXPECT_EQ(rc, ENOTSUP);
  EXPECT_EQ(fake_->list_snapshots_calls + fake_->fetch_attrs_calls, lists_before)
      << "no request for a security label or an ACL";
  Xattr("/cloud/zone-1/data/.snapshots/daily", "user.snapfs.nope", &rc);
  EXPECT_EQ(rc, ENODATA);
}

TEST_F(NamespaceTest, XattrWritesFollowTheRules) {
  Mount();
  std::uint64_t snap = Ino("/cloud/zone-1/data/.snapshots/daily");
  EXPECT_EQ(ns_->setxattr(snap, "user.xdg.origin.url", "x", Ctx()), ENOTSUP);
  EXPECT_EQ(ns_->removexattr(snap, "user.xdg.origin.url", Ctx()), ENOTSUP);
  EXPECT_EQ(ns_->setxattr(snap, "user.snapfs.id", "x", Ctx()), EPERM);
  EXPECT_EQ(ns_->setxattr(snap, "user.snapfs.tags", "prod", Ctx()), 0);
  EXPECT_EQ(Xattr("/cloud/zone-1/data/.snapshots/daily", "user.snapfs.tags"), "prod");
}

TEST_F(NamespaceTest, ScheduleIsFetchedLazilyAndWritten) {
  Mount();
  fake_->find_volume("zone-1", "vol-1")->schedule = "day-1";
  std::uint64_t dir = Ino("/cloud/zone-1/data/.snapshots");
  std::vector<std::string> names;
  ASSERT_EQ(ns_->listxattr(dir, Ctx(), &names), 0);
  EXPECT_NE(std::find(names.begin(), names.end(), "user.snapfs.schedule"), names.end());
  EXPECT_EQ(fake_->fetch_attrs_calls, 0) << "listing attribute names costs no request";
  EXPECT_EQ(Xattr("/cloud/zone-1/data/.snapshots", "user.snapfs.schedule"), "day-1");
  EXPECT_EQ(Xattr("/cloud/zone-1/data/.snapshots", "user.snapfs.schedule"), "day-1");
  EXPECT_EQ(fake_->fetch_attrs_calls, 1);
  EXPECT_EQ(ns_->setxattr(dir, "user.snapfs.schedule", "bogus", Ctx()), EINVAL);
  EXPECT_EQ(ns_->setxattr(dir, "user.snapfs.schedule", "hour-6", Ctx()), 0);
  EXPECT_EQ(Xattr("/cloud/zone-1/data/.snapshots", "user.snapfs.schedule"), "hour-6");
  EXPECT_EQ(Xattr("/cloud/zone-1/data", "user.snapfs.protocol"), "NFS");
}

TEST_F(NamespaceTest, DefaultExpirationAppliesToLaterCreates) {
  fake_->caps.create_expiration = true;
  Mount();
  std::uint64_t dir = Ino("/cloud/zone-1/data/.snapshots");
  EXPECT_EQ(ns_->setxattr(dir, "user.snapfs.default-expiration", "soon", Ctx()), EINVAL);
  // A duration past the last date RFC 3339 can write (9999-12-31) is refused at once, not at
  // every later mkdir; the last one accepted is kept.
  ASSERT_EQ(ns_->setxattr(dir, "user.snapfs.default-expiration", "7d", Ctx()), 0);
  EXPECT_EQ(ns_->setxattr(dir, "user.snapfs.default-expiration", "99999999999d", Ctx()), EINVAL);
  EXPECT_EQ(ns_->setxattr(dir, "user.snapfs.default-expiration", "999999999999s", Ctx()), EINVAL);
  // What reads show is what was written.
  EXPECT_EQ(Xattr("/cloud/zone-1/data/.snapshots", "user.snapfs.default-expiration"), "7d");
  EntryReply e;
  ASSERT_EQ(ns_->mkdir(dir, "kept-a-week", Ctx(), &e), 0);
  EXPECT_EQ(fake_->find_volume("zone-1", "vol-1")->snapshots.back().expiration, "604800");
}

TEST_F(NamespaceTest, RefreshXattrDropsTheListing) {
  Mount();
  List("/cloud/zone-1/data/.snapshots");
  fake_->add_snapshot("zone-1", "vol-1", "ffffffff-6", "outside", kT0 + 5 * kDay);
  EntryReply e;
  std::uint64_t dir = Ino("/cloud/zone-1/data/.snapshots");
  EXPECT_EQ(ns_->lookup(dir, "outside", Ctx(), &e), ENOENT);
  ASSERT_EQ(ns_->setxattr(dir, "user.snapfs.refresh", "1", Ctx()), 0);
  EXPECT_EQ(ns_->lookup(dir, "outside", Ctx(), &e), 0);
  // The kernel hears of the new name so its negative entry goes away.
  bool told = false;
  for (const auto& [parent, name] : notifier_.entries) told |= parent == dir && name == "outside";
  EXPECT_TRUE(told);
}

TEST_F(NamespaceTest, PerServiceListingGroupsOneRequestByVolume) {
  fake_->caps.listing = SnapshotListing::PerService;
  fake_->add_snapshot("zone-1", "vol-2", "99999999-9", "log-snap", kT0);
  Mount();
  EXPECT_EQ(List("/cloud/zone-1/data/.snapshots").size(), 5u);
  EXPECT_EQ(List("/cloud/zone-1/logs/.snapshots"), std::vector<std::string>{"log-snap"});
  EXPECT_EQ(fake_->list_snapshots_calls, 1);
}

TEST_F(NamespaceTest, ForgottenSnapshotNodesAreDropped) {
  Mount();
  List("/cloud/zone-1/data/.snapshots");
  std::size_t before = ns_->node_count();
  EntryReply e;
  std::uint64_t dir = Ino("/cloud/zone-1/data/.snapshots");
  ASSERT_EQ(ns_->lookup(dir, "daily", Ctx(), &e), 0);
  ns_->forget(e.ino, 1);
  EXPECT_EQ(ns_->node_count(), before - 1);
  struct stat st {};
  EXPECT_EQ(ns_->getattr(e.ino, Ctx(), &st), ENOENT);
  EXPECT_EQ(ns_->lookup(dir, "daily", Ctx(), &e), 0);
}

// A directory's copy (taken at opendir) may still name a leaf the kernel forgot since: a
// READDIRPLUS reply must not hand that inode out again, so taking a reference to it fails.
TEST_F(NamespaceTest, AReferenceToAForgottenLeafIsRefused) {
  Mount();
  std::uint64_t dir = Ino("/cloud/zone-1/data/.snapshots");
  std::vector<DirEntryReply> copy;
  ASSERT_EQ(ns_->readdir(dir, Ctx(), &copy, nullptr), 0);
  EntryReply e;
  ASSERT_EQ(ns_->lookup(dir, "daily", Ctx(), &e), 0);
  std::uint64_t listed = 0;
  for (const DirEntryReply& entry : copy) {
    if (entry.name == "daily") listed = entry.attr.st_ino;
  }
  ASSERT_EQ(listed, e.ino);
  ns_->forget(e.ino, 1);
  const std::size_t count = ns_->node_count();
  EXPECT_FALSE(ns_->add_lookup(listed));
  EXPECT_EQ(ns_->node_count(), count);
  // Looked up again, the snapshot is a node again, under a number the kernel can hold.
  ASSERT_EQ(ns_->lookup(dir, "daily", Ctx(), &e), 0);
  EXPECT_TRUE(ns_->add_lookup(e.ino));
  struct stat st {};
  EXPECT_EQ(ns_->getattr(e.ino, Ctx(), &st), 0);
}

TEST_F(NamespaceTest, AttributesFollowTheListingOnceTheTtlPassed) {
  FsOptions options = Quiet();
  options.cache_ttl = std::chrono::milliseconds(0);
  Mount(options);
  std::uint64_t snap = Ino("/cloud/zone-1/data/.snapshots/inflight");
  std::string value;
  ASSERT_EQ(ns_->getxattr(snap, "user.snapfs.state", Ctx(), &value), 0);
  EXPECT_EQ(value, "creating");
  fake_->find_volume("zone-1", "vol-1")->snapshots.back().state = "available";
  ASSERT_EQ(ns_->getxattr(snap, "user.snapfs.state", Ctx(), &value), 0);
  EXPECT_EQ(value, "available");
  // Deleted at the provider: the inode answers ENOENT.
  fake_->find_volume("zone-1", "vol-1")->snapshots.pop_back();
  struct stat st {};
  EXPECT_EQ(ns_->getattr(snap, Ctx(), &st), ENOENT);
}

TEST(DurationTest, ParsesUnits) {
  std::int64_t s = 0;
  EXPECT_TRUE(parse_duration_seconds("7d", &s));
  EXPECT_EQ(s, 604800);
  EXPECT_TRUE(parse_duration_seconds("12h", &s));
  EXPECT_EQ(s, 43200);
  EXPECT_TRUE(parse_duration_seconds("90", &s));
  EXPECT_EQ(s, 90);
  EXPECT_FALSE(parse_duration_seconds("", &s));
  EXPECT_FALSE(parse_duration_seconds("7x", &s));
  EXPECT_FALSE(parse_duration_seconds("d", &s));
  EXPECT_FALSE(parse_duration_seconds("0d", &s));
}

}  // namespace
}  // namespace snapfs
