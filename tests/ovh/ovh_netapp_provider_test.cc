// ovh-netapp against snapfs-emulator: the tree, snapshot create/rename/describe/delete, protected
// snapshots, the snapshot policy as schedule, hold re-keys, the 200-snapshot limit.
#include "providers/ovh/ovh_netapp_provider.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "providers/common/json_util.h"
#include "tests/ovh/ovh_test_env.h"

namespace snapfs {
namespace {

using test::emulator_settings;
using test::EmulatorProcess;
using test::route_count;
using test::test_ctx;

constexpr const char* kService = "5f7a0ec8-1d3e-4b5e-9d55-3c0c9b1e2a10";
constexpr const char* kShareA = "a1b2c3d4-1111-4aaa-8bbb-000000000001";
constexpr const char* kShareB = "b2c3d4e5-2222-4bbb-8ccc-000000000002";
constexpr const char* kHourlyPolicy = "c1d2e3f4-0a1b-4c2d-8e3f-405162738495";
constexpr const char* kAutomatic = "8b3f4e5d-6c7b-4a8a-ad9c-2e3f4a5b6c7d";
constexpr const char* kSystem = "ad5b6a7f-8e9d-4cac-8f1e-4a5b6c7d8e9f";
constexpr const char* kCreating = "f2a0bfce-d34c-4b1b-9e6d-9fa0b1c2d3e4";
constexpr const char* kGolden = "6f1d2c3b-4a59-4e68-8b7a-0c1d2e3f4a5b";

ObjectRef ref(Level level, const std::string& share = kShareA, const std::string& snapshot = "") {
  ObjectRef r;
  r.level = level;
  r.service_id = kService;
  r.volume_id = share;
  r.snapshot_id = snapshot;
  return r;
}

const SnapshotInfo* by_id(const std::vector<SnapshotInfo>& list, const std::string& id) {
  for (const SnapshotInfo& s : list) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

std::vector<const SnapshotInfo*> by_name(const std::vector<SnapshotInfo>& list,
                                         const std::string& name) {
  std::vector<const SnapshotInfo*> out;
  for (const SnapshotInfo& s : list) {
    if (s.name == name) out.push_back(&s);
  }
  return out;
}

std::string attr(const AttrList& attrs, const std::string& key) {
  for (const Attr& a : attrs) {
    if (a.key == key) return a.value;
  }
  return "<absent>";
}

class NetappProviderTest : public ::testing::Test {
 protected:
  NetappProviderTest() : emu_({"--seed", "demo", "--async-ms", "300"}) {}
  void SetUp() override {
    ASSERT_TRUE(emu_.ok());
    provider_ = std::make_unique<OvhNetappProvider>(emulator_settings(emu_), "efs");
  }
  Result<std::vector<SnapshotInfo>> list(const std::string& share = kShareA) {
    return provider_->list_snapshots(ref(Level::Volume, share), test_ctx());
  }
  std::string schedule(const std::string& share = kShareA) {
    auto attrs = provider_->fetch_attrs(ref(Level::SnapshotsDir, share), test_ctx());
    EXPECT_TRUE(attrs.ok()) << (attrs.ok() ? "" : attrs.error().message);
    return attrs.ok() ? attr(*attrs, "schedule") : "<error>";
  }

  EmulatorProcess emu_;
  std::unique_ptr<OvhNetappProvider> provider_;
};

TEST_F(NetappProviderTest, CapabilitiesDeclareRenameScheduleDescriptionAndPolicies) {
  const Capabilities& caps = provider_->capabilities();
  EXPECT_TRUE(caps.rename);
  EXPECT_FALSE(caps.create_expiration);
  auto has = [&](Level level, const std::string& key, bool writable, bool lazy) {
    return std::any_of(caps.attrs.begin(), caps.attrs.end(), [&](const AttrSpec& s) {
      return s.level == level && s.key == key && s.writable == writable && s.lazy == lazy;
    });
  };
  EXPECT_TRUE(has(Level::SnapshotsDir, "schedule", true, true));
  EXPECT_TRUE(has(Level::Service, "policies", false, true));
  EXPECT_TRUE(has(Level::Snapshot, "description", true, false));
}

TEST_F(NetappProviderTest, ListsTheServiceItsSharesAndTheirSnapshots) {
  auto services = provider_->list_services(test_ctx());
  ASSERT_TRUE(services.ok()) << services.error().message;
  ASSERT_EQ(services->size(), 1u);
  EXPECT_EQ((*services)[0].id, kService);
  EXPECT_EQ((*services)[0].name, "efs-prod");
  auto shares = provider_->list_volumes(ref(Level::Service), test_ctx());
  ASSERT_TRUE(shares.ok()) << shares.error().message;
  ASSERT_EQ(shares->size(), 2u);
  EXPECT_EQ((*shares)[0].name, "share-a");
  EXPECT_EQ((*shares)[0].size, 500ULL << 30);
  EXPECT_EQ((*shares)[0].state, "available");
  EXPECT_NE((*shares)[0].created_us, 0);

  auto snaps = list();
  ASSERT_TRUE(snaps.ok()) << snaps.error().message;
  EXPECT_EQ(snaps->size(), 10u);
  for (const SnapshotInfo& s : *snaps) {
    EXPECT_FALSE(s.type.empty()) << s.id << " (detail=true gives every field)";
    EXPECT_NE(s.created_us, 0) << s.id;
    EXPECT_EQ(s.volume_id, kShareA);
  }
  EXPECT_EQ(by_id(*snaps, kAutomatic)->type, "automatic");
  EXPECT_EQ(by_id(*snaps, kSystem)->type, "system");
  EXPECT_EQ(by_id(*snaps, kCreating)->state, "creating");
  EXPECT_EQ(by_name(*snaps, "nightly").size(), 2u);
  EXPECT_EQ(by_name(*snaps, "before/after upgrade").size(), 1u);
  EXPECT_EQ(by_name(*snaps, "").size(), 1u);
  EXPECT_EQ(by_id(*snaps, kGolden)->description, "source of share-b");
}

TEST_F(NetappProviderTest, SharesCarryTheirPreferredAccessPathOncePerShare) {
  constexpr const char* kAccessPath =
      "/1.0/storage/netapp/{serviceName}/share/{shareId}/accessPath";
  auto shares = provider_->list_volumes(ref(Level::Service), test_ctx());
  ASSERT_TRUE(shares.ok()) << shares.error().message;
  ASSERT_EQ(shares->size(), 2u);
  // The emulator lists a non-preferred path first: the preferred one is taken.
  EXPECT_EQ((*shares)[0].nfs_export, "10.17.4.20:/share_a1b2c3d4");
  EXPECT_EQ((*shares)[1].nfs_export, "10.17.4.20:/share_b2c3d4e5");
  EXPECT_EQ(route_count(emu_, "GET", kAccessPath), 2);
  // Kept with the provider: the next listing asks only for the shares.
  auto again = provider_->list_volumes(ref(Level::Service), test_ctx());
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ((*again)[0].nfs_export, "10.17.4.20:/share_a1b2c3d4");
  EXPECT_EQ(route_count(emu_, "GET", kAccessPath), 2);
}

TEST_F(NetappProviderTest, SnapshotsAreUnderDotSnapshotByTheirPathsLastComponent) {
  auto snaps = list();
  ASSERT_TRUE(snaps.ok()) << snaps.error().message;
  const SnapshotInfo* golden = by_id(*snaps, kGolden);
  ASSERT_NE(golden, nullptr);
  EXPECT_EQ(attr(golden->attrs, "path"),
            "/share_a1b2c3d4/.snapshot/snapshot_6f1d2c3b4a594e688b7a0c1d2e3f4a5b");
  EXPECT_EQ(golden->content_dir, ".snapshot/snapshot_6f1d2c3b4a594e688b7a0c1d2e3f4a5b");
  for (const SnapshotInfo& s : *snaps) {
    const std::string path = attr(s.attrs, "path");
    EXPECT_EQ(s.content_dir, ".snapshot/" + path.substr(path.rfind('/') + 1)) << s.id;
  }
  CreateRequest request;
  request.name = "with-files";
  auto made = provider_->create_snapshot(ref(Level::Volume), request, test_ctx());
  ASSERT_TRUE(made.ok()) << made.error().message;
  const std::string path = attr(made->attrs, "path");
  ASSERT_NE(path, "<absent>");
  EXPECT_EQ(made->content_dir, ".snapshot/" + path.substr(path.rfind('/') + 1));
}

TEST_F(NetappProviderTest, CreateRenameDescribeAndDelete) {
  CreateRequest req;
  req.name = "release 1.2 / final";
  auto created = provider_->create_snapshot(ref(Level::Volume), req, test_ctx());
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(created->state, "creating");
  EXPECT_EQ(created->name, "release 1.2 / final");
  EXPECT_EQ(created->type, "manual");
  const std::string id = created->id;
  ASSERT_TRUE(test::eventually([&] {
    auto l = list();
    return l.ok() && by_id(*l, id) != nullptr && by_id(*l, id)->state == "available";
  }));

  auto renamed =
      provider_->rename_snapshot(ref(Level::Snapshot, kShareA, id), "release-1.2", test_ctx());
  ASSERT_TRUE(renamed.ok()) << renamed.error().message;
  EXPECT_EQ(renamed->id, id);
  EXPECT_EQ(renamed->name, "release-1.2");

  auto described = provider_->set_attr(ref(Level::Snapshot, kShareA, id), "description",
                                       "kept for the audit", test_ctx());
  ASSERT_TRUE(described.ok()) << described.error().message;
  ASSERT_TRUE(described->snapshot.has_value());
  EXPECT_EQ(described->snapshot->description, "kept for the audit");
  EXPECT_EQ(described->snapshot->name, "release-1.2");
  // A description that would push user.snapfs.json past the 64 KiB of an xattr value is
  // refused before any request, and the one before stays.
  const long long puts = route_count(
      emu_, "PUT", "/1.0/storage/netapp/{serviceName}/share/{shareId}/snapshot/{snapshotId}");
  EXPECT_EQ(puts, 2);  // the rename and the description above
  auto huge = provider_->set_attr(ref(Level::Snapshot, kShareA, id), "description",
                                  std::string(64 * 1024, 'd'), test_ctx());
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.error().kind, ErrorKind::InvalidArgument) << huge.error().message;
  EXPECT_EQ(route_count(emu_, "PUT",
                        "/1.0/storage/netapp/{serviceName}/share/{shareId}/snapshot/{snapshotId}"),
            puts);

  ASSERT_TRUE(provider_->delete_snapshot(ref(Level::Snapshot, kShareA, id), test_ctx()).ok());
  ASSERT_TRUE(test::eventually([&] {
    auto l = list();
    return l.ok() && by_id(*l, id) == nullptr;
  }));
  // Gone: deleting again succeeds.
  EXPECT_TRUE(provider_->delete_snapshot(ref(Level::Snapshot, kShareA, id), test_ctx()).ok());
}

TEST_F(NetappProviderTest, DroppedCreateIsLeftToTheListingAndNeverResent) {
  ASSERT_EQ(emu_.post("/_emulator/faults", "[\"reset,count=1,method=POST,route=*/snapshot\"]"),
            200);
  const char* list_route = "/1.0/storage/netapp/{serviceName}/share/{shareId}/snapshot";
  const long long lists = route_count(emu_, "GET", list_route);
  CreateRequest req;
  req.name = "dropped";
  auto created = provider_->create_snapshot(ref(Level::Volume), req, test_ctx());
  // The filesystem decides an unclear create in a fresh listing: the provider only says so.
  ASSERT_FALSE(created.ok());
  EXPECT_TRUE(created.error().may_have_applied()) << created.error().message;
  EXPECT_EQ(route_count(emu_, "POST", list_route), 1);
  EXPECT_EQ(route_count(emu_, "GET", list_route), lists) << "no listing of its own";
  auto l = list();
  ASSERT_TRUE(l.ok()) << l.error().message;
  EXPECT_EQ(by_name(*l, "dropped").size(), 1u);
}

TEST_F(NetappProviderTest, ProtectedSnapshotsAreRefusedAsTheApiSays) {
  auto automatic =
      provider_->delete_snapshot(ref(Level::Snapshot, kShareA, kAutomatic), test_ctx());
  ASSERT_FALSE(automatic.ok());
  EXPECT_EQ(automatic.error().kind, ErrorKind::NotDeletable) << automatic.error().message;
  auto system = provider_->delete_snapshot(ref(Level::Snapshot, kShareA, kSystem), test_ctx());
  ASSERT_FALSE(system.ok());
  EXPECT_EQ(system.error().kind, ErrorKind::NotDeletable);
  auto creating = provider_->delete_snapshot(ref(Level::Snapshot, kShareA, kCreating), test_ctx());
  ASSERT_FALSE(creating.ok());
  EXPECT_EQ(creating.error().kind, ErrorKind::Busy);
  auto source = provider_->delete_snapshot(ref(Level::Snapshot, kShareA, kGolden), test_ctx());
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.error().kind, ErrorKind::Busy) << source.error().message;
}

TEST_F(NetappProviderTest, ScheduleShowsTheAttachedPolicyAndAttachesByNameOrId) {
  EXPECT_EQ(schedule(), "hourly-24: copies=24 prefix=hourly minutes=0");
  EXPECT_EQ(schedule(kShareB), "");

  ASSERT_TRUE(
      provider_->set_attr(ref(Level::SnapshotsDir), "schedule", "daily-7\n", test_ctx()).ok());
  EXPECT_EQ(schedule(),
            "daily-7: copies=7 prefix=daily minutes=0 hours=3; "
            "copies=4 prefix=weekly minutes=0 hours=4 weekdays=0");
  ASSERT_TRUE(
      provider_->set_attr(ref(Level::SnapshotsDir, kShareB), "schedule", kHourlyPolicy, test_ctx())
          .ok());
  EXPECT_EQ(schedule(kShareB), "hourly-24: copies=24 prefix=hourly minutes=0");
  // The value as read back is accepted as well.
  ASSERT_TRUE(provider_
                  ->set_attr(ref(Level::SnapshotsDir), "schedule",
                             "hourly-24: copies=24 prefix=hourly minutes=0", test_ctx())
                  .ok());
  EXPECT_EQ(schedule(), "hourly-24: copies=24 prefix=hourly minutes=0");
  EXPECT_EQ(
      route_count(emu_, "PUT", "/1.0/storage/netapp/{serviceName}/share/{shareId}/snapshotPolicy"),
      3);

  const long long puts_before =
      route_count(emu_, "PUT", "/1.0/storage/netapp/{serviceName}/share/{shareId}/snapshotPolicy");
  // Empty means no policy: the API cannot detach one, so a share with a policy keeps it...
  for (const std::string bad : {"no-such-policy", "", "  "}) {
    auto r = provider_->set_attr(ref(Level::SnapshotsDir), "schedule", bad, test_ctx());
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().kind, ErrorKind::InvalidArgument) << bad;
  }
  EXPECT_EQ(
      route_count(emu_, "PUT", "/1.0/storage/netapp/{serviceName}/share/{shareId}/snapshotPolicy"),
      puts_before);
  EXPECT_EQ(schedule(), "hourly-24: copies=24 prefix=hourly minutes=0");
}

TEST_F(NetappProviderTest, EmptyScheduleOnAShareWithoutAPolicyIsAlreadyTrue) {
  ASSERT_EQ(schedule(kShareB), "");
  // ...and one without a policy already has the value: writing back what was read succeeds.
  for (const std::string none : {"", "  "}) {
    auto r = provider_->set_attr(ref(Level::SnapshotsDir, kShareB), "schedule", none, test_ctx());
    EXPECT_TRUE(r.ok()) << r.error().message;
  }
  EXPECT_EQ(schedule(kShareB), "");
  EXPECT_EQ(
      route_count(emu_, "PUT", "/1.0/storage/netapp/{serviceName}/share/{shareId}/snapshotPolicy"),
      0);
}

TEST_F(NetappProviderTest, PoliciesAreListedOnTheService) {
  auto attrs = provider_->fetch_attrs(ref(Level::Service), test_ctx());
  ASSERT_TRUE(attrs.ok()) << attrs.error().message;
  EXPECT_EQ(attr(*attrs, "policies"),
            "hourly-24 (c1d2e3f4-0a1b-4c2d-8e3f-405162738495): copies=24 prefix=hourly minutes=0\n"
            "daily-7 (d4c3b2a1-9f8e-4d7c-a6b5-0f1e2d3c4b5a): copies=7 prefix=daily minutes=0 "
            "hours=3; copies=4 prefix=weekly minutes=0 hours=4 weekdays=0\n");
}

TEST_F(NetappProviderTest, HoldGivesANewIdThatLaterCallsFollow) {
  auto before = list();
  ASSERT_TRUE(before.ok());
  const SnapshotInfo* automatic = by_id(*before, kAutomatic);
  ASSERT_NE(automatic, nullptr);
  const std::int64_t created = automatic->created_us;

  // Someone puts the automatic snapshot on hold.
  OvhClient other(emulator_settings(emu_), "other", nullptr);
  rapidjson::Document held;
  ASSERT_TRUE(other
                  .call_json("POST",
                             std::string("/storage/netapp/") + kService + "/share/" + kShareA +
                                 "/snapshot/" + kAutomatic + "/hold",
                             "", test_ctx(), &held)
                  .ok());
  const std::string new_id = held["id"].GetString();
  ASSERT_NE(new_id, kAutomatic);
  EXPECT_EQ(std::string(held["type"].GetString()), "manual");

  // A rename through the old id reaches the held snapshot (404, re-list, retry).
  auto renamed =
      provider_->rename_snapshot(ref(Level::Snapshot, kShareA, kAutomatic), "kept", test_ctx());
  ASSERT_TRUE(renamed.ok()) << renamed.error().message;
  EXPECT_EQ(renamed->id, new_id);
  EXPECT_EQ(renamed->created_us, created);
  EXPECT_EQ(provider_->current_id(kAutomatic), new_id);
  auto after = list();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(by_id(*after, kAutomatic), nullptr);
  ASSERT_NE(by_id(*after, new_id), nullptr);
  EXPECT_EQ(by_id(*after, new_id)->type, "manual");
  EXPECT_EQ(by_id(*after, new_id)->name, "kept");

  // Now manual, it can be deleted through the old id too.
  ASSERT_TRUE(
      provider_->delete_snapshot(ref(Level::Snapshot, kShareA, kAutomatic), test_ctx()).ok());
  ASSERT_TRUE(test::eventually([&] {
    auto l = list();
    return l.ok() && by_id(*l, new_id) == nullptr;
  }));
}

TEST_F(NetappProviderTest, ListingNoticesAHoldWithoutExtraRequests) {
  ASSERT_TRUE(list().ok());
  OvhClient other(emulator_settings(emu_), "other", nullptr);
  rapidjson::Document held;
  ASSERT_TRUE(other
                  .call_json("POST",
                             std::string("/storage/netapp/") + kService + "/share/" + kShareA +
                                 "/snapshot/" + kAutomatic + "/hold",
                             "", test_ctx(), &held)
                  .ok());
  ASSERT_TRUE(list().ok());
  EXPECT_EQ(provider_->current_id(kAutomatic), held["id"].GetString());
}

TEST_F(NetappProviderTest, TwoHundredAndFirstSnapshotIsQuotaExceeded) {
  // share-b holds one snapshot.
  for (int i = 0; i < 199; ++i) {
    CreateRequest req;
    req.name = "fill-" + std::to_string(i);
    auto r = provider_->create_snapshot(ref(Level::Volume, kShareB), req, test_ctx());
    ASSERT_TRUE(r.ok()) << i << ": " << r.error().message;
  }
  CreateRequest req;
  req.name = "one-too-many";
  auto r = provider_->create_snapshot(ref(Level::Volume, kShareB), req, test_ctx());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::QuotaExceeded) << r.error().message;
}

TEST(NetappProviderSynthetic, ListsABigShare) {
  EmulatorProcess emu({"--seed", "synthetic:services=1,volumes=2,snapshots=3,big=20000"});
  ASSERT_TRUE(emu.ok());
  OvhNetappProvider provider(emulator_settings(emu), "efs");
  auto services = provider.list_services(test_ctx());
  ASSERT_TRUE(services.ok());
  ASSERT_EQ(services->size(), 1u);
  ObjectRef service;
  service.level = Level::Service;
  service.service_id = (*services)[0].id;
  auto shares = provider.list_volumes(service, test_ctx());
  ASSERT_TRUE(shares.ok());
  ASSERT_EQ(shares->size(), 3u);
  EXPECT_EQ((*shares)[2].name, "big");
  ObjectRef big = service;
  big.level = Level::Volume;
  big.volume_id = (*shares)[2].id;
  auto snaps = provider.list_snapshots(big, test_ctx());
  ASSERT_TRUE(snaps.ok()) << snaps.error().message;
  EXPECT_EQ(snaps->size(), 20000u);
  // The clock, the services, the shares with one accessPath list each, one snapshot list.
  EXPECT_EQ(emu.total_requests(), 4 + 3);
}

}  // namespace
}  // namespace snapfs
