// What the tests of snapshot directories with files share: an export directory holding one
// snapshot's files (.zfs/snapshot/daily/report.txt), a fake HA-NAS remote whose volume has that
// export and the snapshot "daily" in it, the export mapped to the local directory (content_map),
// and the namespace over them.
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "fs/namespace.h"
#include "tests/support/process.h"
#include "tests/unit/fake_provider.h"

namespace snapfs::test {

inline constexpr const char* kSnaps = "/nas/nas-1/partition1/.snapshots";

class ContentFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* dir : {"/.zfs", "/.zfs/snapshot", "/.zfs/snapshot/daily"}) {
      ASSERT_EQ(mkdir((export_ + dir).c_str(), 0755), 0);
    }
    std::ofstream(export_ + "/.zfs/snapshot/daily/report.txt") << "old";
    fake_ = new FakeProvider();
    auto& volume = fake_->add_volume("nas-1", "partition1", "partition1");
    volume.info.nfs_export = "10.16.101.42:/zpool-123456/partition1";
    fake_->add_snapshot("nas-1", "partition1", "daily", "daily", 1'700'000'000'000'000LL)
        .content_dir = ".zfs/snapshot/daily";
    Prepare();
    std::vector<Remote> remotes;
    RemoteConfig rc;
    rc.name = "nas";
    rc.type = "ovh-nasha";
    rc.keys["content_map"] = "10.16.101.42:/zpool-123456/partition1=" + export_;
    remotes.push_back(Remote{rc, std::unique_ptr<Provider>(fake_)});
    FsOptions options;
    options.prefetch = 0;
    ns_ = std::make_unique<Namespace>(std::move(remotes), options, notifier());
  }
  void TearDown() override { ns_.reset(); }
  // More files or snapshots for a test suite, before the namespace is made.
  virtual void Prepare() {}
  // What the namespace tells the kernel through; none by default.
  virtual KernelNotifier* notifier() { return nullptr; }

  static OpContext Ctx() { return OpContext(std::chrono::seconds(5)); }
  // The inode at `path` from the mount's root, or 0 (*rc_out: the last lookup's answer).
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
  std::vector<std::string> Names(std::uint64_t dir, bool* unchanged = nullptr) {
    std::vector<DirEntryReply> entries;
    EXPECT_EQ(ns_->readdir(dir, Ctx(), &entries, unchanged), 0);
    std::vector<std::string> names;
    for (const auto& e : entries) names.push_back(e.name);
    return names;
  }
  // Provider listing calls so far.
  int Calls() const {
    return fake_->list_services_calls + fake_->list_volumes_calls + fake_->list_snapshots_calls;
  }

  TempDir files_;
  const std::string export_ = files_.path();
  FakeProvider* fake_ = nullptr;
  std::unique_ptr<Namespace> ns_;
};

}  // namespace snapfs::test
