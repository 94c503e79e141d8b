// A dead API costs one deadline per outage, not one per operation: once a request found the API
// unreachable, the remote's later requests fail at once with that error (nothing sent), cached
// listings are served as they are, a delete is refused with the outage's errno rather than a
// guess from an old listing, and one background probe notices the API's return. Counted with the
// daemon's own request counters (user.snapfs.stats), never with a clock.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cerrno>
#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/fs_call.h"
#include "tests/support/mount.h"
#include "tests/support/process.h"
#include "tests/support/reliability.h"

namespace snapfs::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kTimeoutSeconds = 2;
const milliseconds kLimit = seconds(60);  // only so that a hung call cannot hang the test

// Every directory below `dir` (relative names) with its entries, depth first, as `ls -R` reads it.
using Tree = std::map<std::string, std::vector<std::string>>;

bool walk(const std::string& root, const std::string& dir, Tree* tree, std::string* error) {
  FsCallResult r = fs_list(root + "/" + dir, kLimit);
  if (!r.ok()) {
    *error = "ls " + dir + ": " + errno_name(r.error);
    return false;
  }
  std::vector<std::string>& names = (*tree)[dir];
  for (const FsEntry& e : r.entries) {
    names.push_back(e.name);
    if (!e.is_link && !walk(root, dir + "/" + e.name, tree, error)) return false;
  }
  return true;
}

// One remote's outage counters from user.snapfs.stats.
struct Health {
  bool parsed = false;
  bool unreachable = false;
  long long requests = 0;
  long long not_sent = 0;
  long long probes = 0;
};

Health health(const std::string& root, const std::string& remote) {
  Health h;
  FsCallResult r = fs_getxattr(root, "user.snapfs.stats", seconds(10));
  if (!r.ok()) return h;
  rapidjson::Document doc;
  doc.Parse(r.value.c_str());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("remotes")) return h;
  const auto& remotes = doc["remotes"];
  if (!remotes.HasMember(remote.c_str())) return h;
  const auto& s = remotes[remote.c_str()];
  h.parsed = s.HasMember("unreachable") && s.HasMember("not_sent") && s.HasMember("probes");
  h.requests = s["requests"].GetInt64();
  if (h.parsed) {
    h.unreachable = s["unreachable"].GetBool();
    h.not_sent = s["not_sent"].GetInt64();
    h.probes = s["probes"].GetInt64();
  }
  return h;
}

class OutageTest : public ::testing::Test {
 protected:
  void SetUp() override { SNAPFS_REQUIRE_FUSE(); }
};

TEST_F(OutageTest, ADeadApiIsWaitedOnOncePerOutage) {
  // A create stays "creating" for as long as the test runs.
  EmulatorProcess emulator({"--seed", "demo", "--async-ms", "600000"});
  ASSERT_TRUE(emulator.ok());
  // Listings old after a second, and no background refresh: every directory of the walk below
  // asks the API before it answers.
  SnapfsMount mount(
      "[r]\ntype = scaleway-instance\nzones = fr-par-1,nl-ams-1\napi_url = " + emulator.base_url() +
          "\nsecret_key = 00000000-0000-4000-8000-000000000001\n",
      {"timeout=" + std::to_string(kTimeoutSeconds), "cache_ttl=1", "prefetch=0"});
  ASSERT_TRUE(mount.ok()) << mount.log();
  const std::string snapshots = mount.path() + "/r/fr-par-1/db-01-data/.snapshots";
  FsCallResult made = fs_mkdir(snapshots + "/in-the-making", kLimit);
  ASSERT_TRUE(made.ok()) << errno_name(made.error) << "\n" << log_tail(mount.log());
  Tree warm;
  std::string error;
  ASSERT_TRUE(walk(mount.path(), "r", &warm, &error)) << error;
  ASSERT_GE(warm.size(), 5u);

  std::this_thread::sleep_for(milliseconds(1500));  // every listing is past cache_ttl now
  const Health before = health(mount.path(), "r");
  EXPECT_TRUE(before.parsed) << "user.snapfs.stats shows no outage counters";
  EXPECT_FALSE(before.unreachable);
  emulator.set_faults({"delay-ms=120000"});  // the API takes requests and never answers

  // The whole tree again: the first request waits out its deadline, every later one is refused
  // at once, and each directory shows its cached listing.
  Tree dark;
  ASSERT_TRUE(walk(mount.path(), "r", &dark, &error)) << error << "\n" << log_tail(mount.log());
  EXPECT_EQ(dark, warm);
  const Health during = health(mount.path(), "r");
  EXPECT_TRUE(during.unreachable);
  EXPECT_LE(during.requests - before.requests, 2)
      << "requests sent to a dead API during one walk of " << warm.size() << " directories";
  EXPECT_GT(during.not_sent, before.not_sent);

  // A delete during the outage reports the outage. The cached listing says "creating", but only
  // the API can say the snapshot is still busy; asking it fails, and that is the answer.
  FsCallResult removed = fs_rmdir(snapshots + "/in-the-making", kLimit);
  EXPECT_EQ(removed.error, ETIMEDOUT) << errno_name(removed.error);
  EXPECT_EQ(fs_mkdir(snapshots + "/during-outage", kLimit).error, ETIMEDOUT);
  EXPECT_LE(health(mount.path(), "r").requests - before.requests, 2);

  // The API comes back: the background probe notices with no operation asking for it.
  emulator.clear_faults();
  EXPECT_TRUE(eventually(
      [&] {
        const Health h = health(mount.path(), "r");
        return h.parsed && !h.unreachable;
      },
      seconds(90)))
      << log_tail(mount.log());
  const Health after = health(mount.path(), "r");
  EXPECT_GE(after.probes, 1);
  FsCallResult zone = fs_list(mount.path() + "/r/fr-par-1", kLimit);
  EXPECT_TRUE(zone.ok()) << errno_name(zone.error);
  EXPECT_GT(health(mount.path(), "r").requests, after.requests) << "the listing asked the API";
  EXPECT_TRUE(mount.unmount()) << log_tail(mount.log());
}

}  // namespace
}  // namespace snapfs::test
