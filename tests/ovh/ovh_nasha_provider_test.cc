// ovh-nasha against snapfs-emulator: the tree, custom snapshots and their times, schedules, usage.
#include "providers/ovh/ovh_nasha_provider.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "providers/common/time_util.h"
#include "tests/ovh/ovh_test_env.h"

namespace snapfs {
namespace {

using test::emulator_settings;
using test::EmulatorProcess;
using test::route_count;
using test::test_ctx;

constexpr const char* kService = "zpool-123456";
constexpr const char* kTaskListRoute = "/1.0/dedicated/nasha/{serviceName}/task";
constexpr const char* kCustomPost =
    "/1.0/dedicated/nasha/{serviceName}/partition/{partitionName}/customSnapshot";

ObjectRef volume_ref(const std::string& partition, const std::string& service = kService) {
  ObjectRef r;
  r.level = Level::Volume;
  r.service_id = service;
  r.volume_id = partition;
  return r;
}

ObjectRef snapshots_dir(const std::string& partition) {
  ObjectRef r = volume_ref(partition);
  r.level = Level::SnapshotsDir;
  return r;
}

ObjectRef snapshot_ref(const std::string& partition, const std::string& name) {
  ObjectRef r = volume_ref(partition);
  r.level = Level::Snapshot;
  r.snapshot_id = name;
  r.snapshot_name = name;
  return r;
}

const SnapshotInfo* find(const std::vector<SnapshotInfo>& list, const std::string& name) {
  for (const SnapshotInfo& s : list) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::string attr(const AttrList& attrs, const std::string& key) {
  for (const Attr& a : attrs) {
    if (a.key == key) return a.value;
  }
  return "<absent>";
}

// The doneDate (µs) of the emulator's create task for `name`, or 0.
std::int64_t task_done_us(const EmulatorProcess& emu, const std::string& name) {
  rapidjson::Document doc;
  const auto& ovh = test::ovh_state(emu, &doc);
  for (const auto& svc : ovh["nasha"].GetArray()) {
    for (const auto& t : svc["tasks"].GetArray()) {
      if (std::string(t["operation"].GetString()) == "clusterLeclercCustomSnapCreate" &&
          std::string(t["details"].GetString()) == name && t["applied"].GetBool()) {
        return t["due_us"].GetInt64() / 1000000 * 1000000;  // the API shows whole seconds
      }
    }
  }
  return 0;
}

std::vector<std::string> schedules_in_state(const EmulatorProcess& emu,
                                            const std::string& partition) {
  rapidjson::Document doc;
  const auto& ovh = test::ovh_state(emu, &doc);
  std::vector<std::string> out;
  for (const auto& svc : ovh["nasha"].GetArray()) {
    if (std::string(svc["serviceName"].GetString()) != kService) continue;
    for (const auto& p : svc["partitions"].GetArray()) {
      if (std::string(p["partitionName"].GetString()) != partition) continue;
      for (const auto& t : p["schedules"].GetArray()) out.push_back(t.GetString());
    }
  }
  return out;
}

class NashaProviderTest : public ::testing::Test {
 protected:
  NashaProviderTest() : emu_({"--seed", "demo", "--async-ms", "300"}) {}
  void SetUp() override {
    ASSERT_TRUE(emu_.ok());
    provider_ = std::make_unique<OvhNashaProvider>(emulator_settings(emu_), "nas");
  }
  Result<std::vector<SnapshotInfo>> list(const std::string& partition) {
    return provider_->list_snapshots(volume_ref(partition), test_ctx());
  }

  EmulatorProcess emu_;
  std::unique_ptr<OvhNashaProvider> provider_;
};

TEST_F(NashaProviderTest, CapabilitiesDeclareExpirationScheduleAndUsage) {
  const Capabilities& caps = provider_->capabilities();
  EXPECT_EQ(caps.listing, SnapshotListing::PerVolume);
  EXPECT_FALSE(caps.rename);
  EXPECT_TRUE(caps.create_expiration);
  auto has = [&](Level level, const std::string& key, bool writable, bool lazy) {
    return std::any_of(caps.attrs.begin(), caps.attrs.end(), [&](const AttrSpec& s) {
      return s.level == level && s.key == key && s.writable == writable && s.lazy == lazy;
    });
  };
  EXPECT_TRUE(has(Level::SnapshotsDir, "schedule", true, true));
  EXPECT_TRUE(has(Level::Volume, "used", false, true));
  EXPECT_TRUE(has(Level::Volume, "usedbysnapshots", false, true));
}

TEST_F(NashaProviderTest, ListsServicesAndPartitions) {
  auto services = provider_->list_services(test_ctx());
  ASSERT_TRUE(services.ok()) << services.error().message;
  ASSERT_EQ(services->size(), 2u);
  EXPECT_EQ((*services)[0].id, "zpool-123456");
  EXPECT_EQ((*services)[1].id, "zpool-654321");
  EXPECT_NE((*services)[0].json.find("\"customName\":\"backup-nas\""), std::string::npos);
  auto volumes = provider_->list_volumes(volume_ref(""), test_ctx());
  ASSERT_TRUE(volumes.ok()) << volumes.error().message;
  ASSERT_EQ(volumes->size(), 2u);
  EXPECT_EQ((*volumes)[0].name, "partition1");
  EXPECT_EQ((*volumes)[0].size, 100ULL << 30);
  EXPECT_EQ(attr((*volumes)[0].attrs, "protocol"), "NFS");
  EXPECT_EQ(attr((*volumes)[1].attrs, "protocol"), "NFS_CIFS");
  // One expanded request per list, no per-object GETs and no usage calls while listing.
  EXPECT_EQ(route_count(emu_, "GET", "/1.0/dedicated/nasha"), 1);
  EXPECT_EQ(route_count(emu_, "GET", "/1.0/dedicated/nasha/{serviceName}/partition"), 1);
  EXPECT_EQ(
      route_count(emu_, "GET", "/1.0/dedicated/nasha/{serviceName}/partition/{partitionName}/use"),
      0);
}

TEST_F(NashaProviderTest, PartitionsCarryTheirExportFromTheServiceListing) {
  // The service objects carry `ip`: exports need no request of their own.
  ASSERT_TRUE(provider_->list_services(test_ctx()).ok());
  auto volumes = provider_->list_volumes(volume_ref(""), test_ctx());
  ASSERT_TRUE(volumes.ok()) << volumes.error().message;
  ASSERT_EQ(volumes->size(), 2u);
  EXPECT_EQ((*volumes)[0].nfs_export, "10.16.101.42:/zpool-123456/partition1");
  EXPECT_EQ((*volumes)[1].nfs_export, "10.16.101.42:/zpool-123456/partition2");
  auto other = provider_->list_volumes(volume_ref("", "zpool-654321"), test_ctx());
  ASSERT_TRUE(other.ok()) << other.error().message;
  ASSERT_FALSE(other->empty());
  EXPECT_EQ((*other)[0].nfs_export, "10.16.102.7:/zpool-654321/data");
  EXPECT_EQ(route_count(emu_, "GET", "/1.0/dedicated/nasha/{serviceName}"), 0);
}

TEST_F(NashaProviderTest, PartitionsListedFirstGetTheIpInOneRequestPerService) {
  auto volumes = provider_->list_volumes(volume_ref(""), test_ctx());
  ASSERT_TRUE(volumes.ok()) << volumes.error().message;
  ASSERT_EQ(volumes->size(), 2u);
  EXPECT_EQ((*volumes)[0].nfs_export, "10.16.101.42:/zpool-123456/partition1");
  EXPECT_EQ((*volumes)[1].nfs_export, "10.16.101.42:/zpool-123456/partition2");
  ASSERT_TRUE(provider_->list_volumes(volume_ref(""), test_ctx()).ok());
  EXPECT_EQ(route_count(emu_, "GET", "/1.0/dedicated/nasha/{serviceName}"), 1);
}

TEST_F(NashaProviderTest, SnapshotsAreUnderZfsSnapshotByName) {
  auto listed = list("partition1");
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  ASSERT_NE(find(*listed, "snap-daily-backup"), nullptr);
  for (const SnapshotInfo& s : *listed) EXPECT_EQ(s.content_dir, ".zfs/snapshot/" + s.name);
  EXPECT_EQ(find(*listed, "snap-daily-backup")->content_dir, ".zfs/snapshot/snap-daily-backup");
  CreateRequest request;
  request.name = "snap-new";
  auto made = provider_->create_snapshot(volume_ref("partition1"), request, test_ctx());
  ASSERT_TRUE(made.ok()) << made.error().message;
  EXPECT_EQ(made->content_dir, ".zfs/snapshot/snap-new");
}

TEST_F(NashaProviderTest, CreationTimesComeFromTaskHistoryElseFirstListing) {
  const std::int64_t before = now_unix_us();
  auto snaps = list("partition1");
  ASSERT_TRUE(snaps.ok()) << snaps.error().message;
  ASSERT_EQ(snaps->size(), 3u);
  const SnapshotInfo* daily = find(*snaps, "snap-daily-backup");
  const SnapshotInfo* upgrade = find(*snaps, "snap-before-upgrade");
  const SnapshotInfo* untracked = find(*snaps, "snap-untracked");
  ASSERT_TRUE(daily && upgrade && untracked);
  EXPECT_EQ(daily->created_us, task_done_us(emu_, "snap-daily-backup"));
  EXPECT_EQ(upgrade->created_us, task_done_us(emu_, "snap-before-upgrade"));
  EXPECT_GE(untracked->created_us, before);
  EXPECT_LE(untracked->created_us, now_unix_us());
  EXPECT_EQ(daily->expiration, "");
  ASSERT_TRUE(upgrade->expiration.has_value());
  EXPECT_TRUE(parse_rfc3339_us(*upgrade->expiration).has_value()) << *upgrade->expiration;
  EXPECT_EQ(upgrade->expiration->back(), 'Z');
  EXPECT_EQ(daily->state, "available");
  EXPECT_EQ(daily->type, "manual");
  EXPECT_EQ(daily->id, "snap-daily-backup");
  EXPECT_NE(daily->json.find("\"name\":\"snap-daily-backup\""), std::string::npos);

  // The first-listed time is kept; the history is not asked again for names it did not know.
  auto again = list("partition1");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(find(*again, "snap-untracked")->created_us, untracked->created_us);
  EXPECT_EQ(route_count(emu_, "GET", kTaskListRoute), 1);
}

TEST_F(NashaProviderTest, TaskHistoryIsFetchedOncePerListingBurst) {
  ASSERT_TRUE(list("partition1").ok());
  auto p2 = list("partition2");
  ASSERT_TRUE(p2.ok());
  ASSERT_EQ(p2->size(), 1u);
  EXPECT_EQ((*p2)[0].created_us, task_done_us(emu_, "snap-partition2-2024-06-24T10:00:00.000Z"));
  EXPECT_EQ(route_count(emu_, "GET", kTaskListRoute), 1);
}

TEST_F(NashaProviderTest, PartitionListingReadsTheTaskHistoryForTheSnapshotListsAfterIt) {
  // The history is read with the partition list (one round trip instead of one more after the
  // first snapshot list), and the snapshot lists of the burst use it without asking again.
  ASSERT_TRUE(provider_->list_volumes(volume_ref(""), test_ctx()).ok());
  EXPECT_EQ(route_count(emu_, "GET", kTaskListRoute), 1);
  auto p1 = list("partition1");
  ASSERT_TRUE(p1.ok()) << p1.error().message;
  ASSERT_NE(find(*p1, "snap-daily-backup"), nullptr);
  EXPECT_EQ(find(*p1, "snap-daily-backup")->created_us, task_done_us(emu_, "snap-daily-backup"));
  auto p2 = list("partition2");
  ASSERT_TRUE(p2.ok()) << p2.error().message;
  ASSERT_EQ(p2->size(), 1u);
  EXPECT_EQ((*p2)[0].created_us, task_done_us(emu_, "snap-partition2-2024-06-24T10:00:00.000Z"));
  EXPECT_EQ(route_count(emu_, "GET", kTaskListRoute), 1);
}

TEST_F(NashaProviderTest, CreateReturnsCreatingThenListsWithTheTaskDoneDate) {
  CreateRequest req;
  req.name = "snap-new.1";
  req.expires_in_seconds = 7 * 86400;
  auto created = provider_->create_snapshot(volume_ref("partition1"), req, test_ctx());
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(created->id, "snap-new.1");
  EXPECT_EQ(created->name, "snap-new.1");
  EXPECT_EQ(created->volume_id, "partition1");
  EXPECT_EQ(created->state, "creating");
  ASSERT_TRUE(created->expiration.has_value());
  auto expires = parse_rfc3339_us(*created->expiration);
  ASSERT_TRUE(expires.has_value()) << *created->expiration;
  EXPECT_NEAR(static_cast<double>(*expires - now_unix_us()) / 1e6, 7 * 86400.0, 60.0);

  const SnapshotInfo* listed = nullptr;
  std::vector<SnapshotInfo> snaps;
  ASSERT_TRUE(test::eventually([&] {
    auto r = list("partition1");
    if (!r.ok()) return false;
    snaps = r.value();
    listed = find(snaps, "snap-new.1");
    return listed != nullptr;
  }));
  EXPECT_EQ(listed->state, "available");
  EXPECT_EQ(listed->created_us, task_done_us(emu_, "snap-new.1"));
  ASSERT_TRUE(listed->expiration.has_value());
  EXPECT_EQ(parse_rfc3339_us(*listed->expiration).value_or(0) / 1000000, *expires / 1000000);
  // The emulator received the expiration as ISO 8601.
  rapidjson::Document doc;
  EXPECT_NE(emu_.state_json().find("snap-new.1"), std::string::npos);
}

TEST_F(NashaProviderTest, DeleteSendsTheTaskAndTheNameGoesAway) {
  ASSERT_TRUE(
      provider_->delete_snapshot(snapshot_ref("partition1", "snap-daily-backup"), test_ctx()).ok());
  auto during = list("partition1");
  ASSERT_TRUE(during.ok());
  if (const SnapshotInfo* s = find(*during, "snap-daily-backup")) {
    EXPECT_EQ(s->state, "deleting");
  }
  ASSERT_TRUE(test::eventually([&] {
    auto r = list("partition1");
    return r.ok() && find(*r, "snap-daily-backup") == nullptr;
  }));
  // Deleting what is already gone succeeds.
  EXPECT_TRUE(
      provider_->delete_snapshot(snapshot_ref("partition1", "snap-daily-backup"), test_ctx()).ok());
}

TEST(NashaProviderPendingCreate, DeleteDuringTheCreateTaskIsBusyNotDone) {
  // Tasks stay pending far longer than the test runs: the create is certainly not done.
  EmulatorProcess emu({"--seed", "demo", "--async-ms", "600000"});
  ASSERT_TRUE(emu.ok());
  OvhNashaProvider provider(emulator_settings(emu), "nas");
  CreateRequest req;
  req.name = "snap-pending";
  auto created = provider.create_snapshot(volume_ref("partition1"), req, test_ctx());
  ASSERT_TRUE(created.ok()) << created.error().message;
  ASSERT_EQ(created->state, "creating");
  // The API answers 404 to this DELETE; that must not pass for a deletion.
  Status deleted = provider.delete_snapshot(snapshot_ref("partition1", "snap-pending"), test_ctx());
  ASSERT_FALSE(deleted.ok());
  EXPECT_EQ(deleted.error().kind, ErrorKind::Busy) << deleted.error().message;
  EXPECT_EQ(route_count(emu, "DELETE", std::string(kCustomPost) + "/{name}", 404), 1);
  // No delete task was made: the snapshot will appear when its create task ends.
  rapidjson::Document doc;
  const auto& ovh = test::ovh_state(emu, &doc);
  int delete_tasks = 0;
  for (const auto& svc : ovh["nasha"].GetArray()) {
    for (const auto& t : svc["tasks"].GetArray()) {
      if (std::string(t["operation"].GetString()) == "clusterLeclercCustomSnapDelete") {
        ++delete_tasks;
      }
    }
  }
  EXPECT_EQ(delete_tasks, 0);
  // A name with no snapshot and no pending create is still gone at once.
  EXPECT_TRUE(provider.delete_snapshot(snapshot_ref("partition1", "never-made"), test_ctx()).ok());
}

TEST_F(NashaProviderTest, NamesOutsideThePanelRuleFailLocallyWithoutARequest) {
  const long long before = emu_.total_requests();
  for (const std::string bad : {"with space", "under_score", "slash/name", "", "caf\xc3\xa9"}) {
    Status v = provider_->validate_name(bad);
    ASSERT_FALSE(v.ok()) << bad;
    EXPECT_EQ(v.error().kind, ErrorKind::InvalidArgument);
    CreateRequest req;
    req.name = bad;
    auto r = provider_->create_snapshot(volume_ref("partition1"), req, test_ctx());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, ErrorKind::InvalidArgument);
  }
  EXPECT_EQ(emu_.total_requests(), before);
  EXPECT_TRUE(provider_->validate_name("snap-2024-06-24T10:00:00.000Z").ok());
}

TEST_F(NashaProviderTest, EleventhCustomSnapshotIsQuotaExceeded) {
  // partition1 holds 3; seven more reach the limit of 10.
  for (int i = 0; i < 7; ++i) {
    CreateRequest req;
    req.name = "snap-fill-" + std::to_string(i);
    auto r = provider_->create_snapshot(volume_ref("partition1"), req, test_ctx());
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  CreateRequest req;
  req.name = "snap-eleventh";
  auto r = provider_->create_snapshot(volume_ref("partition1"), req, test_ctx());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::QuotaExceeded) << r.error().message;
}

TEST_F(NashaProviderTest, DuplicateNameIsAlreadyExists) {
  CreateRequest req;
  req.name = "snap-daily-backup";
  auto r = provider_->create_snapshot(volume_ref("partition1"), req, test_ctx());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::AlreadyExists) << r.error().message;
}

TEST_F(NashaProviderTest, RenameIsNotSupported) {
  auto r = provider_->rename_snapshot(snapshot_ref("partition1", "snap-daily-backup"), "snap-x",
                                      test_ctx());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::NotSupported);
}

TEST_F(NashaProviderTest, ScheduleReadsInApiOrderAndWritesTheDifference) {
  auto read = provider_->fetch_attrs(snapshots_dir("partition1"), test_ctx());
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(attr(*read, "schedule"), "day-1,hour-1");

  auto written =
      provider_->set_attr(snapshots_dir("partition1"), "schedule", "hour-6, day-1\n", test_ctx());
  ASSERT_TRUE(written.ok()) << written.error().message;
  EXPECT_EQ(route_count(emu_, "DELETE",
                        "/1.0/dedicated/nasha/{serviceName}/partition/{partitionName}/snapshot/"
                        "{snapshotType}"),
            1);
  EXPECT_EQ(route_count(emu_, "POST",
                        "/1.0/dedicated/nasha/{serviceName}/partition/{partitionName}/snapshot"),
            1);
  // Read back at once: the pending tasks are taken into account.
  auto pending = provider_->fetch_attrs(snapshots_dir("partition1"), test_ctx());
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ(attr(*pending, "schedule"), "day-1,hour-6");
  ASSERT_TRUE(test::eventually([&] {
    return schedules_in_state(emu_, "partition1") == std::vector<std::string>{"day-1", "hour-6"};
  }));
  auto done = provider_->fetch_attrs(snapshots_dir("partition1"), test_ctx());
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(attr(*done, "schedule"), "day-1,hour-6");

  auto cleared = provider_->set_attr(snapshots_dir("partition1"), "schedule", "", test_ctx());
  ASSERT_TRUE(cleared.ok()) << cleared.error().message;
  ASSERT_TRUE(test::eventually([&] { return schedules_in_state(emu_, "partition1").empty(); }));
}

TEST(NashaProviderScheduleOrder, AWriteUndoingAPendingOneAppliesAfterIt) {
  // Tasks stay pending for two seconds: the second write is made while the first is pending.
  EmulatorProcess emu({"--seed", "demo", "--async-ms", "2000"});
  ASSERT_TRUE(emu.ok());
  OvhNashaProvider provider(emulator_settings(emu), "nas");
  ASSERT_TRUE(provider.set_attr(snapshots_dir("partition1"), "schedule", "day-2", test_ctx()).ok());
  auto cleared = provider.set_attr(snapshots_dir("partition1"), "schedule", "", test_ctx());
  ASSERT_TRUE(cleared.ok()) << cleared.error().message;
  // The last write wins once every task has ended.
  ASSERT_TRUE(test::eventually([&] { return schedules_in_state(emu, "partition1").empty(); },
                               std::chrono::seconds(20)))
      << "left: " << schedules_in_state(emu, "partition1").size() << " frequencies";
  auto read = provider.fetch_attrs(snapshots_dir("partition1"), test_ctx());
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(attr(*read, "schedule"), "");
}

TEST(NashaProviderScheduleOrder, AWriteThatCannotApplyBeforeItsDeadlineFails) {
  EmulatorProcess emu({"--seed", "demo", "--async-ms", "600000"});
  ASSERT_TRUE(emu.ok());
  OvhNashaProvider provider(emulator_settings(emu), "nas");
  ASSERT_TRUE(provider.set_attr(snapshots_dir("partition1"), "schedule", "day-2", test_ctx()).ok());
  auto cleared = provider.set_attr(snapshots_dir("partition1"), "schedule", "",
                                   test_ctx(std::chrono::seconds(5)));
  ASSERT_FALSE(cleared.ok());
  EXPECT_EQ(cleared.error().kind, ErrorKind::Busy) << cleared.error().message;
  // The pending write is still what reads show.
  auto read = provider.fetch_attrs(snapshots_dir("partition1"), test_ctx());
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(attr(*read, "schedule"), "day-2");
}

TEST_F(NashaProviderTest, ScheduleValuesOutsideTheApiChangeNothing) {
  const long long before = emu_.total_requests();
  for (const std::string bad : {"day-5", "hour-1,weekly", "hour-1,hour-6,day-1,day-2,day-7"}) {
    auto r = provider_->set_attr(snapshots_dir("partition1"), "schedule", bad, test_ctx());
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().kind, ErrorKind::InvalidArgument) << bad;
  }
  EXPECT_EQ(emu_.total_requests(), before);
  EXPECT_EQ(schedules_in_state(emu_, "partition1"), (std::vector<std::string>{"day-1", "hour-1"}));
}

TEST_F(NashaProviderTest, VolumeUsageIsFetchedOnDemandInBytes) {
  auto attrs = provider_->fetch_attrs(volume_ref("partition1"), test_ctx());
  ASSERT_TRUE(attrs.ok()) << attrs.error().message;
  EXPECT_EQ(attr(*attrs, "used"), std::to_string(static_cast<std::uint64_t>(42.5 * (1ULL << 30))));
  EXPECT_EQ(attr(*attrs, "usedbysnapshots"),
            std::to_string(static_cast<std::uint64_t>(3.25 * (1ULL << 30))));
}

TEST_F(NashaProviderTest, DroppedCreateIsLeftToTheListingAndNeverResent) {
  ASSERT_EQ(
      emu_.post("/_emulator/faults", "[\"reset,count=1,method=POST,route=*/customSnapshot\"]"),
      200);
  const long long tasks = route_count(emu_, "GET", kTaskListRoute);
  CreateRequest req;
  req.name = "snap-dropped";
  auto r = provider_->create_snapshot(volume_ref("partition1"), req, test_ctx());
  // The filesystem decides an unclear create, in one fresh listing: the provider only says so.
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().may_have_applied()) << r.error().message;
  EXPECT_EQ(route_count(emu_, "POST", kCustomPost), 1);
  EXPECT_EQ(route_count(emu_, "GET", kTaskListRoute), tasks) << "no lookup of its own";
  // That listing shows the snapshot, `creating` while its task is pending.
  auto first = list("partition1");
  ASSERT_TRUE(first.ok()) << first.error().message;
  const SnapshotInfo* shown = find(*first, "snap-dropped");
  ASSERT_NE(shown, nullptr);
  EXPECT_TRUE(shown->state == "creating" || shown->state == "available") << shown->state;
  ASSERT_TRUE(test::eventually([&] {
    auto l = list("partition1");
    return l.ok() && find(*l, "snap-dropped") != nullptr;
  }));
}

TEST(NashaProviderFallback, WorksWhenTheApiAnswersNamesOnly) {
  test::TempDir dir;
  std::string seed = test::write_edited_demo(
      dir, "seed.json", [](auto& ovh, auto&) { ovh["expand_custom_snapshots"].SetBool(false); });
  EmulatorProcess emu({"--seed", seed});
  ASSERT_TRUE(emu.ok());
  OvhNashaProvider provider(emulator_settings(emu), "nas");
  auto snaps = provider.list_snapshots(volume_ref("partition1"), test_ctx());
  ASSERT_TRUE(snaps.ok()) << snaps.error().message;
  ASSERT_EQ(snaps->size(), 3u);
  EXPECT_FALSE(find(*snaps, "snap-before-upgrade")->expiration->empty());
  auto schedule = provider.fetch_attrs(snapshots_dir("partition1"), test_ctx());
  ASSERT_TRUE(schedule.ok()) << schedule.error().message;
  EXPECT_EQ(attr(*schedule, "schedule"), "day-1,hour-1");
  EXPECT_EQ(route_count(emu, "GET",
                        "/1.0/dedicated/nasha/{serviceName}/partition/{partitionName}/snapshot/"
                        "{snapshotType}"),
            2);
  EXPECT_EQ(route_count(emu, "GET",
                        "/1.0/dedicated/nasha/{serviceName}/partition/{partitionName}/"
                        "customSnapshot/{name}"),
            3);
}

TEST(NashaProviderSynthetic, ListsTenThousandSnapshotsInFewRequests) {
  EmulatorProcess emu({"--seed", "synthetic:services=2,volumes=2,snapshots=3,big=10000"});
  ASSERT_TRUE(emu.ok());
  OvhNashaProvider provider(emulator_settings(emu), "nas");
  auto services = provider.list_services(test_ctx());
  ASSERT_TRUE(services.ok());
  ASSERT_EQ(services->size(), 2u);
  EXPECT_EQ((*services)[0].id, "zpool-1000");
  auto big = provider.list_snapshots(volume_ref("big", "zpool-1000"), test_ctx());
  ASSERT_TRUE(big.ok()) << big.error().message;
  EXPECT_EQ(big->size(), 10000u);
  EXPECT_LE(emu.total_requests(), 8);
}

}  // namespace
}  // namespace snapfs
