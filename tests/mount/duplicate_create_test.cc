// One mkdir, one snapshot, even when the create's answer is lost: 100 mkdirs on a real mount whose
// every create POST is applied by the API and then has its connection dropped before the answer
// (fault `reset`). Each mkdir must succeed -- snapfs looks for the snapshot in a fresh listing
// instead of sending the POST again (SEMANTICS.md section 3) -- and exactly 100 snapshots must
// exist afterwards, each shown once by the mount.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/support/fs_call.h"
#include "tests/support/mount.h"
#include "tests/support/process.h"
#include "tests/support/reliability.h"
#include "tests/support/snapshot_view.h"

namespace snapfs::test {
namespace {

constexpr int kCreates = 100;
constexpr int kTimeoutSeconds = 5;
const std::chrono::milliseconds kAbandonAfter = std::chrono::seconds(kTimeoutSeconds + 20);

struct Family {
  std::string id;
  RemoteScope scope;
  std::string config;  // with API_URL standing for the emulator's base URL
  std::string fault;
  // The .snapshots directories the creates go to, in turn (HA-NAS allows 10 per partition).
  std::vector<std::string> dirs;
  int per_dir = kCreates;
  bool server_names = false;  // NAVER names snapshots itself; mkdir NAME leaves an alias
};

void PrintTo(const Family& f, std::ostream* os) {
  *os << f.scope.type;
}

std::string with_url(std::string config, const std::string& url) {
  const std::string marker = "API_URL";
  return config.replace(config.find(marker), marker.size(), url);
}

std::vector<std::string> numbered(const std::string& pattern, int n) {
  std::vector<std::string> out;
  for (int i = 1; i <= n; ++i) {
    char buf[128];
    std::snprintf(buf, sizeof buf, pattern.c_str(), i);
    out.push_back(buf);
  }
  return out;
}

const char* const kOvhKeys =
    "application_key = demo-ak\napplication_secret = demo-as\nconsumer_key = demo-ck\n";

std::vector<Family> families() {
  // The emulator's synthetic data: one zone / service / region with ten empty volumes each.
  return {
      {"scaleway_instance",
       {"scaleway-instance", {"fr-par-1"}, ""},
       "[r]\ntype = scaleway-instance\nzones = fr-par-1\napi_url = API_URL\n"
       "secret_key = 00000000-0000-4000-8000-000000000001\n",
       "reset,method=POST",
       {"r/fr-par-1/data-001/.snapshots"}},
      {"ovh_nasha",
       {"ovh-nasha", {}, ""},
       std::string("[r]\ntype = ovh-nasha\nendpoint = API_URL/1.0\n") + kOvhKeys,
       "reset,method=POST",
       numbered("r/zpool-1000/partition-%02d/.snapshots", 10),
       10},
      {"ovh_netapp",
       {"ovh-netapp", {}, ""},
       std::string("[r]\ntype = ovh-netapp\nendpoint = API_URL/1.0\n") + kOvhKeys,
       "reset,method=POST",
       {"r/efs-1000/share-01/.snapshots"}},
      {"naver_nas",
       {"naver-nas", {"KR"}, "classic"},
       "[r]\ntype = naver-nas\nplatform = classic\nformat = xml\napi_url = API_URL\n"
       "access_key = demo-access-key\nsecret_key = demo-secret-key\n",
       "reset,method=POST,route=*createNasVolumeSnapshot",
       {"r/KR/n1000000_vol001/.snapshots"},
       kCreates,
       true},
  };
}

class DuplicateCreateTest : public ::testing::TestWithParam<Family> {
 protected:
  void SetUp() override { SNAPFS_REQUIRE_FUSE(); }
};

TEST_P(DuplicateCreateTest, HundredMkdirsWithDroppedAnswersMakeHundredSnapshots) {
  const Family& family = GetParam();
  EmulatorProcess emulator(
      {"--seed", "synthetic:services=1,volumes=10,snapshots=0", "--async-ms", "100"});
  ASSERT_TRUE(emulator.ok());
  SnapfsMount mount(with_url(family.config, emulator.base_url()),
                    {"timeout=" + std::to_string(kTimeoutSeconds)});
  ASSERT_TRUE(mount.ok()) << mount.log();
  const std::string root = mount.path() + "/";
  for (const auto& dir : family.dirs) {
    FsCallResult listed = fs_list(root + dir, kAbandonAfter);
    ASSERT_TRUE(listed.ok()) << dir << ": " << errno_name(listed.error) << "\n" << mount.log();
    ASSERT_TRUE(listed.entries.empty()) << dir << " starts empty";
  }
  const SnapshotIds before = emulator_snapshot_ids(emulator.state_json(), family.scope);
  emulator.reset_stats();
  emulator.set_faults({family.fault});

  std::map<std::string, std::vector<std::string>> names_by_dir;
  for (int i = 0; i < kCreates; ++i) {
    const std::string& dir = family.dirs[static_cast<std::size_t>(i / family.per_dir)];
    char name[32];
    std::snprintf(name, sizeof name, "dup-%03d", i + 1);
    FsCallResult made = fs_mkdir(root + dir + "/" + name, kAbandonAfter);
    EXPECT_EQ(errno_name(made.error), "ok") << "mkdir " << dir << "/" << name;
    EXPECT_LE(made.seconds, kTimeoutSeconds + 1.0) << "mkdir " << name;
    names_by_dir[dir].push_back(name);
    if (::testing::Test::HasFailure()) break;  // one diagnosis is enough
  }
  const int armed = armed_faults(emulator);
  emulator.clear_faults();
  EXPECT_EQ(armed, 1) << "the reset fault stays armed for every create";

  // The API saw each create exactly once and holds exactly one snapshot per mkdir.
  EXPECT_EQ(emulator_counters(emulator).posts, kCreates) << emulator.stats_json();
  // HA-NAS shows a custom snapshot once its creation task is done (--async-ms).
  std::string state_json;
  SnapshotIds after;
  std::size_t created = 0;
  eventually(
      [&] {
        state_json = emulator.state_json();
        after = emulator_snapshot_ids(state_json, family.scope);
        created = 0;
        for (const auto& [volume, ids] : after) {
          auto old = before.find(volume);
          for (const auto& id : ids) created += old == before.end() || !old->second.count(id);
        }
        return created >= static_cast<std::size_t>(kCreates);
      },
      std::chrono::seconds(10));
  EXPECT_EQ(created, static_cast<std::size_t>(kCreates));
  if (!family.server_names) {
    // Each name once: the API's own word (HA-NAS names are the ids).
    rapidjson::Document state;
    state.Parse(state_json.c_str(), state_json.size());
    for (const auto& [dir, names] : names_by_dir) {
      for (const auto& name : names) {
        bool found = family.scope.type == "ovh-nasha"
                         ? std::any_of(after.begin(), after.end(),
                                       [&](const auto& v) { return v.second.count(name) > 0; })
                         : find_object(state, "name", name) != nullptr;
        EXPECT_TRUE(found) << name << " is missing at the API";
      }
    }
  }

  // The mount shows every snapshot once, and each name it was given.
  for (const auto& [dir, names] : names_by_dir) {
    FsCallResult listed = fs_list(root + dir, kAbandonAfter);
    ASSERT_TRUE(listed.ok()) << dir << ": " << errno_name(listed.error);
    std::set<std::string> shown, links;
    for (const auto& e : listed.entries) (e.is_link ? links : shown).insert(e.name);
    EXPECT_EQ(shown.size(), names.size()) << dir;
    for (const auto& name : names) {
      EXPECT_TRUE(family.server_names ? links.count(name) > 0 : shown.count(name) > 0)
          << dir << "/" << name << " is not shown";
    }
  }
  EXPECT_EQ(wait_for_matching_view(emulator, root + "r", family.scope, std::chrono::seconds(10)),
            "");
}

// HA-NAS names are the snapshots' ids, so `mkdir x; rmdir x; mkdir x` makes a new snapshot with
// the id of the one just deleted: the second mkdir must succeed and show it, and only it.
TEST(RecreateAfterDeleteTest, MkdirOfADeletedNameMakesAndShowsOneSnapshot) {
  SNAPFS_REQUIRE_FUSE();
  EmulatorProcess emulator({"--seed", "demo", "--async-ms", "100"});
  ASSERT_TRUE(emulator.ok());
  SnapfsMount mount(
      with_url(std::string("[r]\ntype = ovh-nasha\nendpoint = API_URL/1.0\n") + kOvhKeys,
               emulator.base_url()),
      {"timeout=" + std::to_string(kTimeoutSeconds)});
  ASSERT_TRUE(mount.ok()) << mount.log();
  const std::string dir = mount.path() + "/r/zpool-123456/partition2/.snapshots";
  const RemoteScope scope{"ovh-nasha", {}, ""};
  auto at_api = [&] {
    return emulator_snapshot_ids(emulator.state_json(), scope)["partition2"].count("again");
  };
  ASSERT_TRUE(fs_list(dir, kAbandonAfter).ok());
  FsCallResult first = fs_mkdir(dir + "/again", kAbandonAfter);
  ASSERT_EQ(errno_name(first.error), "ok");
  ASSERT_TRUE(eventually([&] { return at_api() == 1; }, std::chrono::seconds(10)));
  FsCallResult removed = fs_rmdir(dir + "/again", kAbandonAfter);
  ASSERT_EQ(errno_name(removed.error), "ok");
  ASSERT_TRUE(eventually([&] { return at_api() == 0; }, std::chrono::seconds(10)));

  FsCallResult second = fs_mkdir(dir + "/again", kAbandonAfter);
  EXPECT_EQ(errno_name(second.error), "ok") << log_tail(mount.log());
  EXPECT_TRUE(eventually([&] { return at_api() == 1; }, std::chrono::seconds(10)));
  EXPECT_EQ(errno_name(fs_stat(dir + "/again", kAbandonAfter).error), "ok");
  EXPECT_EQ(wait_for_matching_view(emulator, mount.path() + "/r", scope, std::chrono::seconds(10)),
            "");
}

INSTANTIATE_TEST_SUITE_P(DuplicateCreate, DuplicateCreateTest, ::testing::ValuesIn(families()),
                         [](const ::testing::TestParamInfo<Family>& info) {
                           return info.param.id;
                         });

}  // namespace
}  // namespace snapfs::test
