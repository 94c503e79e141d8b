// A create whose outcome is unclear (no answer, an unreadable one, or a 5xx, which may come after
// the work) is decided in one place: the namespace looks for the snapshot in a fresh listing and
// never sends the create again.
#include <gtest/gtest.h>

#include <chrono>

#include "fs/namespace.h"
#include "tests/unit/fake_provider.h"

namespace snapfs {
namespace {

using test::FakeProvider;

OpContext Ctx() {
  return OpContext(std::chrono::seconds(5));
}

class UnclearCreateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake_ = new FakeProvider();
    fake_->add_volume("zone-1", "vol-1", "data");
    std::vector<Remote> remotes;
    RemoteConfig rc;
    rc.name = "cloud";
    rc.type = "fake";
    remotes.push_back(Remote{rc, std::unique_ptr<Provider>(fake_)});
    FsOptions options;
    options.prefetch = 0;
    ns_ = std::make_unique<Namespace>(std::move(remotes), options, nullptr);
    std::uint64_t ino = Namespace::kRootIno;
    for (const char* name : {"cloud", "zone-1", "data", ".snapshots"}) {
      EntryReply e;
      EXPECT_EQ(ns_->lookup(ino, name, Ctx(), &e), 0) << name;
      ino = e.ino;
    }
    dir_ = ino;
    std::vector<DirEntryReply> entries;
    EXPECT_EQ(ns_->readdir(dir_, Ctx(), &entries), 0);  // cached: mkdir lists nothing first
  }

  FakeProvider* fake_ = nullptr;  // owned by the namespace
  std::unique_ptr<Namespace> ns_;
  std::uint64_t dir_ = 0;
};

TEST_F(UnclearCreateTest, A5xxAfterTheWorkIsFoundInAFreshListing) {
  fake_->fail_create = Error(ErrorKind::Unavailable, "HTTP 503", 503);
  fake_->create_applies_before_failing = true;
  EntryReply made;
  EXPECT_EQ(ns_->mkdir(dir_, "nightly", Ctx(), &made), 0);
  EXPECT_NE(made.ino, 0u);
  EXPECT_EQ(fake_->create_calls, 1) << "the create is never sent again";
}

TEST_F(UnclearCreateTest, ALostOrUnreadableAnswerIsFoundInAFreshListing) {
  // What every provider reports when the create's answer is lost or cannot be read: the
  // namespace, not the provider, finds the snapshot.
  Error lost(ErrorKind::Timeout, "no answer");
  lost.outcome_unknown = true;
  const Error unreadable(ErrorKind::BadResponse, "the answer is not a task");
  const char* names[] = {"lost", "unreadable"};
  int i = 0;
  for (const Error& error : {lost, unreadable}) {
    fake_->fail_create = error;
    fake_->create_applies_before_failing = true;
    const int creates = fake_->create_calls;
    EntryReply made;
    EXPECT_EQ(ns_->mkdir(dir_, names[i++], Ctx(), &made), 0) << error.message;
    EXPECT_NE(made.ino, 0u);
    EXPECT_EQ(fake_->create_calls, creates + 1) << "the create is never sent again";
  }
}

TEST_F(UnclearCreateTest, A5xxBeforeAnyWorkIsReportedAfterLooking) {
  fake_->fail_create = Error(ErrorKind::Unavailable, "HTTP 503", 503);
  const int lists = fake_->list_snapshots_calls;
  EntryReply made;
  EXPECT_EQ(ns_->mkdir(dir_, "nightly", Ctx(), &made), EIO);
  EXPECT_EQ(fake_->create_calls, 1);
  EXPECT_GT(fake_->list_snapshots_calls, lists) << "a fresh listing was checked";
}

TEST_F(UnclearCreateTest, ARefusalIsReportedWithoutLooking) {
  fake_->fail_create = Error(ErrorKind::InvalidArgument, "HTTP 400", 400);
  const int lists = fake_->list_snapshots_calls;
  EntryReply made;
  EXPECT_EQ(ns_->mkdir(dir_, "nightly", Ctx(), &made), EINVAL);
  EXPECT_EQ(fake_->list_snapshots_calls, lists);
}

}  // namespace
}  // namespace snapfs
