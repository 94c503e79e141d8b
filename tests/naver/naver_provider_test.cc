// The naver-nas provider against snapfs-emulator over HTTP, on both platforms and in both
// response formats: listing, server-named creates, capacity eviction, busy snapshots, deletes,
// the schedule attribute, authentication and the request signature checks.
#include "providers/naver/naver_provider.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <regex>
#include <thread>

#include "providers/common/json_util.h"
#include "providers/http/http_client.h"
#include "providers/naver/naver_signer.h"
#include "tests/support/process.h"

namespace snapfs {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kAccessKey = "demo-access-key";
constexpr const char* kSecretKey = "demo-secret-key";
const std::regex kServerName(R"(now\.\d{8}\.\d{6})");

struct Variant {
  const char* platform;
  const char* format;
};

// Names the variant in test listings (instead of the struct's bytes).
void PrintTo(const Variant& v, std::ostream* os) {
  *os << v.platform << "/" << v.format;
}

std::string variant_name(const ::testing::TestParamInfo<Variant>& info) {
  return std::string(info.param.platform) + "_" + info.param.format;
}

OpContext ctx(int seconds = 20) {
  return OpContext(std::chrono::seconds(seconds));
}

std::string describe(const Error& e) {
  return std::string(error_kind_name(e.kind)) + ": " + e.message;
}

CreateRequest named(const std::string& name) {
  CreateRequest r;
  r.name = name;
  return r;
}

const std::string* attr(const AttrList& attrs, const std::string& key) {
  for (const auto& a : attrs) {
    if (a.key == key) return &a.value;
  }
  return nullptr;
}

// Count of API requests to routes ending in `action` in /_emulator/stats.
long long requests_to(const test::EmulatorProcess& emu, const std::string& action) {
  rapidjson::Document doc;
  if (!parse_json(emu.stats_json(), &doc, "stats").ok()) return -1;
  long long n = 0;
  const rapidjson::Value* list = json_array(doc, "requests");
  if (list == nullptr) return -1;
  for (const auto& r : list->GetArray()) {
    std::string route = json_string_or(r, "route");
    if (route.size() >= action.size() &&
        route.compare(route.size() - action.size(), action.size(), action) == 0) {
      n += json_int64(r, "count").value_or(0);
    }
  }
  return n;
}

class NaverProviderTest : public ::testing::TestWithParam<Variant> {
 protected:
  void SetUp() override { start({"--seed", "demo", "--async-ms", "1500"}); }

  void start(const std::vector<std::string>& args) {
    provider_.reset();
    emu_ = std::make_unique<test::EmulatorProcess>(args);
    ASSERT_TRUE(emu_->ok());
    provider_ = make({});
    ASSERT_NE(provider_, nullptr);
  }

  bool classic() const { return std::string(GetParam().platform) == "classic"; }

  std::unique_ptr<Provider> make(std::map<std::string, std::string> extra) {
    RemoteConfig remote;
    remote.name = "nas";
    remote.type = "naver-nas";
    remote.keys = {{"access_key", kAccessKey},
                   {"secret_key", kSecretKey},
                   {"api_url", emu_->base_url()},
                   {"platform", GetParam().platform},
                   {"format", GetParam().format}};
    for (auto& [k, v] : extra) remote.keys[k] = v;
    ProviderEnv env;
    env.home = home_.path();
    env.getenv = [](const std::string&) { return std::optional<std::string>(); };
    auto made = make_naver_nas_provider(remote, env);
    EXPECT_TRUE(made.ok()) << (made.ok() ? "" : describe(made.error()));
    return made.ok() ? std::move(made.value()) : nullptr;
  }

  VolumeInfo volume(const std::string& name, Provider* p = nullptr) {
    p = p ? p : provider_.get();
    auto volumes = p->list_volumes(service_ref(), ctx());
    EXPECT_TRUE(volumes.ok()) << (volumes.ok() ? "" : describe(volumes.error()));
    if (volumes.ok()) {
      for (const auto& v : volumes.value()) {
        if (v.name == name) return v;
      }
    }
    ADD_FAILURE() << "no volume " << name;
    return {};
  }

  ObjectRef service_ref() const {
    ObjectRef r;
    r.level = Level::Service;
    r.service_id = "KR";
    return r;
  }
  ObjectRef volume_ref(const VolumeInfo& v, Level level = Level::Volume) const {
    ObjectRef r = service_ref();
    r.level = level;
    r.volume_id = v.id;
    r.volume_data = v.provider_data;
    return r;
  }
  ObjectRef snapshot_ref(const VolumeInfo& v, const std::string& name) const {
    ObjectRef r = volume_ref(v, Level::Snapshot);
    r.snapshot_id = name;
    r.snapshot_name = name;
    return r;
  }

  std::vector<SnapshotInfo> snapshots(const VolumeInfo& v) {
    auto list = provider_->list_snapshots(volume_ref(v), ctx());
    EXPECT_TRUE(list.ok()) << (list.ok() ? "" : describe(list.error()));
    return list.ok() ? list.value() : std::vector<SnapshotInfo>{};
  }

  std::optional<SnapshotInfo> find(const VolumeInfo& v, const std::string& name) {
    for (auto& s : snapshots(v)) {
      if (s.name == name) return s;
    }
    return std::nullopt;
  }

  std::string schedule(const ObjectRef& dir) {
    auto attrs = provider_->fetch_attrs(dir, ctx());
    EXPECT_TRUE(attrs.ok()) << (attrs.ok() ? "" : attrs.error().message);
    if (!attrs.ok()) return "<error>";
    const std::string* value = attr(attrs.value(), "schedule");
    return value ? *value : "<absent>";
  }

  test::TempDir home_;
  std::unique_ptr<test::EmulatorProcess> emu_;
  std::unique_ptr<Provider> provider_;
};

TEST_P(NaverProviderTest, CapabilitiesDeclareTheScheduleAndVolumeAttributes) {
  const Capabilities& caps = provider_->capabilities();
  EXPECT_EQ(caps.listing, SnapshotListing::PerVolume);
  EXPECT_FALSE(caps.rename);
  bool schedule = false;
  for (const auto& spec : caps.attrs) {
    if (spec.level == Level::SnapshotsDir && spec.key == "schedule") {
      schedule = spec.writable && spec.lazy;
    }
  }
  EXPECT_TRUE(schedule);
}

TEST_P(NaverProviderTest, ServicesAreRegions) {
  auto services = provider_->list_services(ctx());
  ASSERT_TRUE(services.ok()) << services.error().message;
  ASSERT_EQ(services->size(), 1u);
  EXPECT_EQ(services.value()[0].id, "KR");
  if (classic()) {
    // Classic asks getRegionList, which also tells the region's name.
    EXPECT_EQ(requests_to(*emu_, "/getRegionList"), 1);
    ASSERT_NE(attr(services.value()[0].attrs, "region-name"), nullptr);
    EXPECT_EQ(*attr(services.value()[0].attrs, "region-name"), "Korea");
  } else {
    EXPECT_EQ(emu_->total_requests(), 0);
  }
}

TEST_P(NaverProviderTest, ConfiguredRegionsNeedNoRequest) {
  auto p = make({{"regions", "KR,JPN"}});
  auto services = p->list_services(ctx());
  ASSERT_TRUE(services.ok());
  ASSERT_EQ(services->size(), 2u);
  EXPECT_EQ(services.value()[1].id, "JPN");
  EXPECT_EQ(emu_->total_requests(), 0);
}

TEST_P(NaverProviderTest, VolumesCarryCapacityAttributes) {
  VolumeInfo data = volume("n1234567_data");
  EXPECT_FALSE(data.id.empty());
  EXPECT_EQ(data.state, "available");
  ASSERT_TRUE(data.size.has_value());
  EXPECT_EQ(*data.size, 536870912000u);
  ASSERT_NE(attr(data.attrs, "snapshot-capacity"), nullptr);
  EXPECT_EQ(*attr(data.attrs, "snapshot-capacity"), "107374182400");  // 20 % of 500 GiB
  EXPECT_EQ(*attr(data.attrs, "snapshot-ratio"), "20");
  EXPECT_EQ(*attr(data.attrs, "protocol"), "NFS");
  EXPECT_THAT(*attr(data.attrs, "mount"), HasSubstr(":/n1234567_data"));
  rapidjson::Document json;
  ASSERT_TRUE(parse_json(data.json, &json, "volume json").ok());
  EXPECT_EQ(json_string_or(json, "volumeName"), "n1234567_data");
  EXPECT_TRUE(json["volumeTotalSize"].IsUint64());  // typed alike in XML and JSON
  VolumeInfo logs = volume("n1234567_logs");
  EXPECT_EQ(*attr(logs.attrs, "protocol"), "CIFS");
  VolumeInfo scratch = volume("n1234567_scratch");
  EXPECT_EQ(*attr(scratch.attrs, "snapshot-capacity"), "0");
  EXPECT_EQ(*attr(scratch.attrs, "snapshot-ratio"), "0");
}

TEST_P(NaverProviderTest, VolumesAndSnapshotsSayWhereTheirFilesAre) {
  // The export is the volume's mountInformation; a snapshot is snapshot_dir/<name> under it.
  VolumeInfo data = volume("n1234567_data");
  EXPECT_EQ(data.nfs_export, "10.250.53.74:/n1234567_data");
  ASSERT_NE(attr(data.attrs, "mount"), nullptr);
  EXPECT_EQ(data.nfs_export, *attr(data.attrs, "mount"));
  auto list = snapshots(data);
  ASSERT_FALSE(list.empty());
  for (const SnapshotInfo& s : list) EXPECT_EQ(s.content_dir, ".snapshot/" + s.name);
  auto made = provider_->create_snapshot(volume_ref(data), named("mine"), ctx());
  ASSERT_TRUE(made.ok()) << describe(made.error());
  EXPECT_EQ(made->content_dir, ".snapshot/" + made->name);

  auto other = make({{"snapshot_dir", ".zfs/snapshot"}});
  ASSERT_NE(other, nullptr);
  auto listed = other->list_snapshots(volume_ref(data), ctx());
  ASSERT_TRUE(listed.ok()) << describe(listed.error());
  ASSERT_FALSE(listed->empty());
  for (const SnapshotInfo& s : *listed) EXPECT_EQ(s.content_dir, ".zfs/snapshot/" + s.name);
}

TEST_P(NaverProviderTest, SnapshotsListWithBusyState) {
  VolumeInfo data = volume("n1234567_data");
  auto list = snapshots(data);
  ASSERT_EQ(list.size(), 3u);
  std::map<std::string, SnapshotInfo> by_name;
  for (const auto& s : list) by_name[s.name] = s;
  ASSERT_TRUE(by_name.count("now.20240403.164347"));
  const SnapshotInfo& busy = by_name["now.20240403.164347"];
  EXPECT_EQ(busy.id, busy.name);
  EXPECT_EQ(busy.volume_id, data.id);
  EXPECT_EQ(busy.state, "busy");
  EXPECT_EQ(busy.created_us, 1712130227LL * 1000000);
  EXPECT_EQ(busy.size.value_or(0), 196608u);
  EXPECT_EQ(busy.type, "manual");
  EXPECT_EQ(by_name["now.20240403.164335"].state, "available");
  rapidjson::Document json;
  ASSERT_TRUE(parse_json(busy.json, &json, "snapshot json").ok());
  EXPECT_EQ(json_string_or(json, "nasVolumeSnapshotName"), "now.20240403.164347");
  EXPECT_EQ(json_bool(json, "isBusy").value_or(false), true);
}

TEST_P(NaverProviderTest, CreateReturnsTheServerNamedSnapshot) {
  VolumeInfo data = volume("n1234567_data");
  CreateRequest request;
  request.name = "before-upgrade";
  auto created = provider_->create_snapshot(volume_ref(data), request, ctx());
  ASSERT_TRUE(created.ok()) << describe(created.error());
  EXPECT_TRUE(std::regex_match(created->name, kServerName)) << created->name;
  EXPECT_NE(created->name, request.name);
  EXPECT_EQ(created->id, created->name);
  EXPECT_EQ(created->volume_id, data.id);
  EXPECT_EQ(created->state, "creating");
  auto listed = find(data, created->name);
  ASSERT_TRUE(listed.has_value());
  EXPECT_EQ(listed->state, "busy");
  EXPECT_EQ(snapshots(data).size(), 4u);
  // isBusy clears after the emulator's async delay.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline &&
         find(data, created->name)->state != "available") {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(find(data, created->name)->state, "available");
}

TEST_P(NaverProviderTest, CreateSendsOneCreateRequest) {
  VolumeInfo data = volume("n1234567_data");
  emu_->reset_stats();
  auto created = provider_->create_snapshot(volume_ref(data), named("x"), ctx());
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(requests_to(*emu_, "/createNasVolumeSnapshot"), 1);
}

TEST_P(NaverProviderTest, TwoCreatesInOneSecondGetDistinctNames) {
  VolumeInfo data = volume("n1234567_data");
  auto a = provider_->create_snapshot(volume_ref(data), named("a"), ctx());
  auto b = provider_->create_snapshot(volume_ref(data), named("b"), ctx());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->name, b->name);
  EXPECT_TRUE(find(data, a->name).has_value());
  EXPECT_TRUE(find(data, b->name).has_value());
}

TEST_P(NaverProviderTest, CreateWithoutReserveIsQuotaExceeded) {
  VolumeInfo scratch = volume("n1234567_scratch");
  auto created = provider_->create_snapshot(volume_ref(scratch), named("x"), ctx());
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().kind, ErrorKind::QuotaExceeded);
  EXPECT_THAT(created.error().message, HasSubstr("ratio"));
  EXPECT_TRUE(snapshots(scratch).empty());
}

TEST_P(NaverProviderTest, CreateBeyondCapacityEvictsTheOldestAndSaysSo) {
  VolumeInfo full = volume("n1234567_full");
  auto before = snapshots(full);
  ASSERT_EQ(before.size(), 2u);
  std::string oldest =
      before[0].created_us < before[1].created_us ? before[0].name : before[1].name;
  std::string newer = oldest == before[0].name ? before[1].name : before[0].name;
  ::testing::internal::CaptureStderr();
  auto created = provider_->create_snapshot(volume_ref(full), named("x"), ctx());
  std::string log = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(created.ok()) << describe(created.error());
  EXPECT_FALSE(find(full, oldest).has_value());
  EXPECT_TRUE(find(full, newer).has_value());
  EXPECT_TRUE(find(full, created->name).has_value());
  EXPECT_THAT(log, HasSubstr("may be deleted by NAVER Cloud"));
  EXPECT_THAT(log, HasSubstr("5368709120 bytes"));
  EXPECT_THAT(log, HasSubstr("deleted 1 older snapshot(s)"));
  EXPECT_THAT(log, HasSubstr(oldest));
}

TEST_P(NaverProviderTest, CapacityHeldByBusySnapshotsIsQuotaExceeded) {
  VolumeInfo full = volume("n1234567_full");
  // Each create evicts one old snapshot; two fresh 2 GiB snapshots stay busy and cannot go.
  ASSERT_TRUE(provider_->create_snapshot(volume_ref(full), named("a"), ctx()).ok());
  ASSERT_TRUE(provider_->create_snapshot(volume_ref(full), named("b"), ctx()).ok());
  auto third = provider_->create_snapshot(volume_ref(full), named("c"), ctx());
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.error().kind, ErrorKind::QuotaExceeded);
  EXPECT_THAT(third.error().message, HasSubstr("capacity of the NAS volume is exceeded"));
  EXPECT_THAT(third.error().message, HasSubstr("remote 'nas': createNasVolumeSnapshot: "));
  EXPECT_EQ(snapshots(full).size(), 2u);
}

TEST_P(NaverProviderTest, DeleteRemovesTheSnapshot) {
  VolumeInfo data = volume("n1234567_data");
  ASSERT_TRUE(provider_->delete_snapshot(snapshot_ref(data, "now.20240403.164335"), ctx()).ok());
  EXPECT_FALSE(find(data, "now.20240403.164335").has_value());
  EXPECT_EQ(snapshots(data).size(), 2u);
}

TEST_P(NaverProviderTest, DeletingAMissingSnapshotSucceeds) {
  VolumeInfo data = volume("n1234567_data");
  EXPECT_TRUE(provider_->delete_snapshot(snapshot_ref(data, "now.20000101.000000"), ctx()).ok());
  EXPECT_EQ(snapshots(data).size(), 3u);
}

TEST_P(NaverProviderTest, DeletingABusySnapshotIsBusy) {
  VolumeInfo data = volume("n1234567_data");
  Status s = provider_->delete_snapshot(snapshot_ref(data, "now.20240403.164347"), ctx());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind, ErrorKind::Busy);
  EXPECT_TRUE(find(data, "now.20240403.164347").has_value());
}

TEST_P(NaverProviderTest, DeletingAFreshSnapshotIsBusyUntilItSettles) {
  VolumeInfo data = volume("n1234567_data");
  auto created = provider_->create_snapshot(volume_ref(data), named("x"), ctx());
  ASSERT_TRUE(created.ok());
  Status early = provider_->delete_snapshot(snapshot_ref(data, created->name), ctx());
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().kind, ErrorKind::Busy);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  Status later = early;
  while (!later.ok() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    later = provider_->delete_snapshot(snapshot_ref(data, created->name), ctx());
  }
  EXPECT_TRUE(later.ok());
  EXPECT_FALSE(find(data, created->name).has_value());
}

TEST_P(NaverProviderTest, ScheduleReadsFromTheListing) {
  VolumeInfo data = volume("n1234567_data");
  VolumeInfo logs = volume("n1234567_logs");
  VolumeInfo scratch = volume("n1234567_scratch");
  emu_->reset_stats();
  EXPECT_EQ(schedule(volume_ref(data, Level::SnapshotsDir)), "weekly sun 03:00 ratio=20");
  EXPECT_EQ(schedule(volume_ref(logs, Level::SnapshotsDir)), "daily 01:00 ratio=10");
  EXPECT_EQ(schedule(volume_ref(scratch, Level::SnapshotsDir)), "");
  EXPECT_EQ(emu_->total_requests(), 0);  // provider_data had it all
}

TEST_P(NaverProviderTest, ScheduleWithoutListingDataAsksTheApi) {
  VolumeInfo data = volume("n1234567_data");
  ObjectRef dir = volume_ref(data, Level::SnapshotsDir);
  dir.volume_data.clear();
  EXPECT_EQ(schedule(dir), "weekly sun 03:00 ratio=20");
}

TEST_P(NaverProviderTest, ScheduleWriteChangesTheConfiguration) {
  VolumeInfo data = volume("n1234567_data");
  ObjectRef dir = volume_ref(data, Level::SnapshotsDir);
  auto update = provider_->set_attr(dir, "schedule", "daily 04:00 ratio=15", ctx());
  ASSERT_TRUE(update.ok()) << update.error().message;
  ASSERT_TRUE(update->volume.has_value());
  EXPECT_EQ(update->volume->id, data.id);
  EXPECT_EQ(*attr(update->volume->attrs, "snapshot-ratio"), "15");
  EXPECT_EQ(*attr(update->volume->attrs, "snapshot-capacity"), "80530636800");
  // Read back with the listing data the filesystem still has, then with a fresh listing.
  EXPECT_EQ(schedule(dir), "daily 04:00 ratio=15");
  VolumeInfo fresh = volume("n1234567_data");
  EXPECT_EQ(*attr(fresh.attrs, "snapshot-ratio"), "15");
  EXPECT_EQ(schedule(volume_ref(fresh, Level::SnapshotsDir)), "daily 04:00 ratio=15");
  EXPECT_EQ(requests_to(*emu_, "/changeNasVolumeSnapshotConfiguration"), 1);
}

TEST_P(NaverProviderTest, ScheduleChangedElsewhereShowsAfterTheListingRefreshes) {
  VolumeInfo data = volume("n1234567_data");
  ObjectRef dir = volume_ref(data, Level::SnapshotsDir);
  ASSERT_TRUE(provider_->set_attr(dir, "schedule", "daily 04:00", ctx()).ok());
  // Another client changes it; a new listing carries that, and it wins over this mount's write.
  auto other = make({});
  VolumeInfo seen = volume("n1234567_data", other.get());
  ASSERT_TRUE(
      other->set_attr(volume_ref(seen, Level::SnapshotsDir), "schedule", "weekly fri 22:00", ctx())
          .ok());
  VolumeInfo fresh = volume("n1234567_data");
  EXPECT_EQ(schedule(volume_ref(fresh, Level::SnapshotsDir)), "weekly fri 22:00 ratio=20");
}

TEST_P(NaverProviderTest, ScheduleWithoutRatioKeepsTheReserve) {
  VolumeInfo data = volume("n1234567_data");
  ObjectRef dir = volume_ref(data, Level::SnapshotsDir);
  ASSERT_TRUE(provider_->set_attr(dir, "schedule", "weekly mon 05:00", ctx()).ok());
  EXPECT_EQ(schedule(dir), "weekly mon 05:00 ratio=20");
}

TEST_P(NaverProviderTest, EmptyScheduleTurnsAutomaticSnapshotsOff) {
  VolumeInfo data = volume("n1234567_data");
  ObjectRef dir = volume_ref(data, Level::SnapshotsDir);
  ASSERT_TRUE(provider_->set_attr(dir, "schedule", "", ctx()).ok());
  EXPECT_EQ(schedule(dir), "ratio=20");
  VolumeInfo fresh = volume("n1234567_data");
  rapidjson::Document json;
  ASSERT_TRUE(parse_json(fresh.json, &json, "volume").ok());
  EXPECT_EQ(json_member(json, "snapshotVolumeConfigDayOfWeekType"), nullptr);
  EXPECT_EQ(*attr(fresh.attrs, "snapshot-ratio"), "20");
}

TEST_P(NaverProviderTest, MalformedScheduleIsInvalidAndSendsNothing) {
  VolumeInfo data = volume("n1234567_data");
  VolumeInfo scratch = volume("n1234567_scratch");
  emu_->reset_stats();
  for (const char* bad :
       {"hourly", "daily 03:30", "weekly xyz 03:00", "ratio=120", "daily 03:00 ratio=0"}) {
    auto r = provider_->set_attr(volume_ref(data, Level::SnapshotsDir), "schedule", bad, ctx());
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().kind, ErrorKind::InvalidArgument) << bad;
  }
  // A schedule on a volume without reserve needs ratio=N.
  auto r = provider_->set_attr(volume_ref(scratch, Level::SnapshotsDir), "schedule", "daily 03:00",
                               ctx());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::InvalidArgument);
  EXPECT_EQ(emu_->total_requests(), 0);
  EXPECT_EQ(schedule(volume_ref(volume("n1234567_data"), Level::SnapshotsDir)),
            "weekly sun 03:00 ratio=20");
}

TEST_P(NaverProviderTest, LoweringTheReserveEvictsTheOldest) {
  VolumeInfo full = volume("n1234567_full");
  ASSERT_TRUE(
      provider_->set_attr(volume_ref(full, Level::SnapshotsDir), "schedule", "ratio=0", ctx())
          .ok());
  EXPECT_TRUE(snapshots(full).empty());
}

TEST_P(NaverProviderTest, OtherAttributesAreNotWritable) {
  VolumeInfo data = volume("n1234567_data");
  auto r = provider_->set_attr(volume_ref(data), "snapshot-ratio", "5", ctx());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::NotSupported);
}

TEST_P(NaverProviderTest, NamesLikeServerNamesAreRefused) {
  EXPECT_TRUE(provider_->validate_name("before-upgrade").ok());
  Status s = provider_->validate_name("now.20240101.000000");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind, ErrorKind::InvalidArgument);
  EXPECT_EQ(provider_->validate_name(std::string(256, 'a')).error().kind, ErrorKind::NameTooLong);
  EXPECT_FALSE(provider_->validate_name("").ok());
}

TEST_P(NaverProviderTest, WrongSecretIsAccessDeniedWithTheFix) {
  auto p = make({{"secret_key", "not-the-secret"}});
  auto volumes = p->list_volumes(service_ref(), ctx());
  ASSERT_FALSE(volumes.ok());
  EXPECT_EQ(volumes.error().kind, ErrorKind::AccessDenied);
  EXPECT_EQ(volumes.error().http_status, 401);
  EXPECT_THAT(volumes.error().message, HasSubstr("'nas'"));
  EXPECT_THAT(volumes.error().message, HasSubstr("NCLOUD_ACCESS_KEY_ID"));
  EXPECT_THAT(volumes.error().message, HasSubstr(".ncloud/configure"));
  EXPECT_THAT(volumes.error().message, Not(HasSubstr("not-the-secret")));
  EXPECT_THAT(p->request_stats()->snapshot().last_error, Not(HasSubstr("not-the-secret")));
}

TEST_P(NaverProviderTest, UnknownAccessKeyIsAccessDenied) {
  auto p = make({{"access_key", "someone-else"}});
  auto r = p->list_snapshots(volume_ref(volume("n1234567_data")), ctx());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::AccessDenied);
}

TEST_P(NaverProviderTest, UnknownVolumeIsNotFound) {
  VolumeInfo ghost;
  ghost.id = "99999999";
  auto r = provider_->list_snapshots(volume_ref(ghost), ctx());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::NotFound);
}

TEST_P(NaverProviderTest, TransientErrorsOnListsAreRetried) {
  VolumeInfo data = volume("n1234567_data");
  emu_->set_faults({"status=503,count=2,route=*/getNasVolumeSnapshotList"});
  auto list = provider_->list_snapshots(volume_ref(data), ctx());
  ASSERT_TRUE(list.ok()) << list.error().message;
  EXPECT_EQ(list->size(), 3u);
  EXPECT_GE(provider_->request_stats()->snapshot().retries, 2u);
}

TEST_P(NaverProviderTest, CreateIsNotResentAfterAServerError) {
  VolumeInfo data = volume("n1234567_data");
  emu_->set_faults({"status=503,count=1,route=*/createNasVolumeSnapshot"});
  emu_->reset_stats();
  auto created = provider_->create_snapshot(volume_ref(data), named("x"), ctx());
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().kind, ErrorKind::Unavailable);
  EXPECT_EQ(requests_to(*emu_, "/createNasVolumeSnapshot"), 1);
  emu_->clear_faults();
  EXPECT_EQ(snapshots(data).size(), 3u);
}

TEST_P(NaverProviderTest, CreateWhoseAnswerIsLostIsLeftToTheListing) {
  VolumeInfo data = volume("n1234567_data");
  auto before = snapshots(data);
  // The emulator applies the create, then drops the connection before answering.
  emu_->set_faults({"reset,count=1,route=*/createNasVolumeSnapshot"});
  emu_->reset_stats();
  auto created = provider_->create_snapshot(volume_ref(data), named("x"), ctx());
  // The filesystem decides an unclear create in a fresh listing: the provider only says so.
  ASSERT_FALSE(created.ok());
  EXPECT_TRUE(created.error().may_have_applied()) << describe(created.error());
  EXPECT_EQ(requests_to(*emu_, "/createNasVolumeSnapshot"), 1);  // never re-sent
  // One listing before the create (to tell the new snapshot in an answer), none after it.
  EXPECT_EQ(requests_to(*emu_, "/getNasVolumeSnapshotList"), 1);
  auto after = snapshots(data);
  EXPECT_EQ(after.size(), before.size() + 1);
}

TEST_P(NaverProviderTest, GarbageBodyIsBadResponse) {
  VolumeInfo data = volume("n1234567_data");
  emu_->set_faults({"garbage,count=1,route=*/getNasVolumeSnapshotList"});
  auto list = provider_->list_snapshots(volume_ref(data), ctx());
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(list.error().kind, ErrorKind::BadResponse);
}

INSTANTIATE_TEST_SUITE_P(Platforms, NaverProviderTest,
                         ::testing::Values(Variant{"classic", "xml"}, Variant{"classic", "json"},
                                           Variant{"vpc", "json"}, Variant{"vpc", "xml"}),
                         variant_name);

// ---- one platform at a time ------------------------------------------------------------------

class NaverEmulatorTest : public ::testing::Test {
 protected:
  void start(const std::vector<std::string>& args) {
    emu_ = std::make_unique<test::EmulatorProcess>(args);
    ASSERT_TRUE(emu_->ok());
  }
  std::unique_ptr<Provider> make(const std::string& platform, const std::string& format,
                                 std::map<std::string, std::string> extra = {}) {
    RemoteConfig remote;
    remote.name = "nas";
    remote.type = "naver-nas";
    remote.keys = {{"access_key", kAccessKey},
                   {"secret_key", kSecretKey},
                   {"api_url", emu_->base_url()},
                   {"platform", platform},
                   {"format", format}};
    for (auto& [k, v] : extra) remote.keys[k] = v;
    ProviderEnv env;
    env.home = home_.path();
    env.getenv = [](const std::string&) { return std::optional<std::string>(); };
    auto made = make_naver_nas_provider(remote, env);
    EXPECT_TRUE(made.ok());
    return made.ok() ? std::move(made.value()) : nullptr;
  }
  // A raw signed request, to check what the emulator accepts.
  int raw(const std::string& method, const std::string& path_and_query,
          const std::function<void(HttpRequest&)>& sign, std::string* body = nullptr) {
    HttpClient client(HttpOptions{});
    HttpRequest r;
    r.method = method;
    r.url = emu_->base_url() + path_and_query;
    r.idempotent = false;
    sign(r);
    auto answer = client.send(r, ctx());
    if (!answer.ok()) return -1;
    if (body) *body = answer->body;
    return answer->status;
  }
  std::int64_t now_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  test::TempDir home_;
  std::unique_ptr<test::EmulatorProcess> emu_;
};

TEST_F(NaverEmulatorTest, RegistryMakesNaverNasRemotes) {
  start({"--seed", "demo"});
  auto types = provider_types();
  EXPECT_NE(std::find(types.begin(), types.end(), "naver-nas"), types.end());
  RemoteConfig remote;
  remote.name = "nas";
  remote.type = "naver-nas";
  remote.keys = {
      {"access_key", kAccessKey}, {"secret_key", kSecretKey}, {"api_url", emu_->base_url()}};
  ProviderEnv env;
  env.home = home_.path();
  env.getenv = [](const std::string&) { return std::optional<std::string>(); };
  auto made = make_provider(remote, env);
  ASSERT_TRUE(made.ok()) << describe(made.error());
  ObjectRef service;
  service.service_id = "KR";
  auto volumes = made.value()->list_volumes(service, ctx());
  ASSERT_TRUE(volumes.ok()) << describe(volumes.error());
  EXPECT_EQ(volumes->size(), 4u);
}

TEST_F(NaverEmulatorTest, XmlAndJsonGiveTheSameItems) {
  start({"--seed", "demo"});
  auto xml = make("vpc", "xml");
  auto json = make("vpc", "json");
  ObjectRef service;
  service.service_id = "KR";
  auto xv = xml->list_volumes(service, ctx());
  auto jv = json->list_volumes(service, ctx());
  ASSERT_TRUE(xv.ok() && jv.ok());
  ASSERT_EQ(xv->size(), jv->size());
  for (std::size_t i = 0; i < xv->size(); ++i) {
    EXPECT_EQ(xv.value()[i].json, jv.value()[i].json);
    EXPECT_EQ(xv.value()[i].provider_data, jv.value()[i].provider_data);
    ObjectRef v = service;
    v.level = Level::Volume;
    v.volume_id = xv.value()[i].id;
    auto xs = xml->list_snapshots(v, ctx());
    auto js = json->list_snapshots(v, ctx());
    ASSERT_TRUE(xs.ok() && js.ok());
    ASSERT_EQ(xs->size(), js->size());
    for (std::size_t k = 0; k < xs->size(); ++k) EXPECT_EQ(xs.value()[k].json, js.value()[k].json);
  }
}

TEST_F(NaverEmulatorTest, JsonEnvelopeHasTheSpaceTheSdkNeeds) {
  start({"--seed", "demo"});
  NaverSigner signer(kAccessKey, kSecretKey);
  std::string body;
  int status = raw(
      "GET", "/vnas/v2/getNasVolumeInstanceList?regionCode=KR&responseFormatType=json",
      [&](HttpRequest& r) { signer.sign(r, now_ms()); }, &body);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(body.rfind("{\"getNasVolumeInstanceListResponse\": {", 0), 0u) << body.substr(0, 60);
  EXPECT_EQ(body.back(), '}');
  status = raw(
      "GET", "/server/v2/getRegionList", [&](HttpRequest& r) { signer.sign(r, now_ms()); }, &body);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(body.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", 0), 0u) << body.substr(0, 60);
}

TEST_F(NaverEmulatorTest, SignatureHeaderV1IsAccepted) {
  start({"--seed", "demo"});
  NaverSigner signer(kAccessKey, kSecretKey);
  int status = raw("GET", "/server/v2/getRegionList", [&](HttpRequest& r) {
    signer.sign(r, now_ms());
    for (auto& h : r.headers) {
      if (h.name == "x-ncp-apigw-signature-v2") h.name = "x-ncp-apigw-signature-v1";
    }
  });
  EXPECT_EQ(status, 200);
}

TEST_F(NaverEmulatorTest, StaleTimestampIsRejected) {
  start({"--seed", "demo"});
  NaverSigner signer(kAccessKey, kSecretKey);
  std::string body;
  int status = raw(
      "GET", "/server/v2/getRegionList?responseFormatType=json",
      [&](HttpRequest& r) { signer.sign(r, now_ms() - 6 * 60 * 1000); }, &body);
  EXPECT_EQ(status, 401);
  EXPECT_EQ(body, R"({"error":{"errorCode":"200","message":"Authentication Failed"}})");
  status = raw("GET", "/server/v2/getRegionList",
               [&](HttpRequest& r) { signer.sign(r, now_ms() - 4 * 60 * 1000); });
  EXPECT_EQ(status, 200);
}

TEST_F(NaverEmulatorTest, ClocksMoreThanFiveMinutesApartFailAuthentication) {
  start({"--seed", "demo", "--clock-offset-s", "400"});
  auto skewed = make("vpc", "json");
  ObjectRef service;
  service.service_id = "KR";
  auto volumes = skewed->list_volumes(service, ctx());
  ASSERT_FALSE(volumes.ok());
  EXPECT_EQ(volumes.error().kind, ErrorKind::AccessDenied);
  start({"--seed", "demo", "--clock-offset-s", "-200"});
  auto close_enough = make("vpc", "json");
  EXPECT_TRUE(close_enough->list_volumes(service, ctx()).ok());
}

TEST_F(NaverEmulatorTest, SignatureOverAnotherUriIsRejected) {
  start({"--seed", "demo"});
  NaverSigner signer(kAccessKey, kSecretKey);
  std::string body;
  int status = raw(
      "GET", "/server/v2/getRegionList",
      [&](HttpRequest& r) {
        std::string ts = std::to_string(now_ms());
        r.headers = {
            {"x-ncp-apigw-timestamp", ts},
            {"x-ncp-iam-access-key", kAccessKey},
            {"x-ncp-apigw-signature-v2", signer.signature("GET", "/server/v2/getZoneList", ts)}};
      },
      &body);
  EXPECT_EQ(status, 401);
  EXPECT_THAT(body, HasSubstr("<errorCode>200</errorCode>"));  // XML request, XML error
  status = raw("GET", "/server/v2/getRegionList", [&](HttpRequest& r) { r.headers.clear(); });
  EXPECT_EQ(status, 401);
}

TEST_F(NaverEmulatorTest, SignatureOverTheDecodedQueryIsAccepted) {
  start({"--seed", "demo"});
  NaverSigner signer(kAccessKey, kSecretKey);
  int status =
      raw("GET", "/vnas/v2/getNasVolumeInstanceList?regionCode=KR&volumeName=a%20b",
          [&](HttpRequest& r) {
            std::string ts = std::to_string(now_ms());
            r.headers = {
                {"x-ncp-apigw-timestamp", ts},
                {"x-ncp-iam-access-key", kAccessKey},
                {"x-ncp-apigw-signature-v2",
                 signer.signature(
                     "GET", "/vnas/v2/getNasVolumeInstanceList?regionCode=KR&volumeName=a b", ts)}};
          });
  EXPECT_EQ(status, 200);
}

TEST_F(NaverEmulatorTest, FormBodyParametersAreRead) {
  start({"--seed", "demo"});
  NaverSigner signer(kAccessKey, kSecretKey);
  std::string body;
  int status = raw(
      "POST", "/vnas/v2/getNasVolumeInstanceList?responseFormatType=json",
      [&](HttpRequest& r) {
        r.body = "regionCode=KR&volumeName=n1234567_logs";
        r.headers.push_back({"Content-Type", "application/x-www-form-urlencoded"});
        signer.sign(r, now_ms());
      },
      &body);
  ASSERT_EQ(status, 200);
  rapidjson::Document doc;
  ASSERT_TRUE(parse_json(body, &doc, "answer").ok());
  const auto& inner = doc["getNasVolumeInstanceListResponse"];
  EXPECT_EQ(inner["totalRows"].GetInt(), 1);
  EXPECT_EQ(std::string(inner["nasVolumeInstanceList"][0]["volumeName"].GetString()),
            "n1234567_logs");
}

TEST_F(NaverEmulatorTest, ListParametersUseOneBasedSuffixes) {
  start({"--seed", "demo"});
  auto p = make("vpc", "json");
  ObjectRef service;
  service.service_id = "KR";
  auto volumes = p->list_volumes(service, ctx());
  ASSERT_TRUE(volumes.ok());
  ASSERT_GE(volumes->size(), 2u);
  NaverSigner signer(kAccessKey, kSecretKey);
  std::string body;
  std::string query =
      "/vnas/v2/getNasVolumeInstanceList?responseFormatType=json&nasVolumeInstanceNoList.1=" +
      volumes.value()[0].id + "&nasVolumeInstanceNoList.2=" + volumes.value()[1].id;
  ASSERT_EQ(raw(
                "GET", query, [&](HttpRequest& r) { signer.sign(r, now_ms()); }, &body),
            200);
  rapidjson::Document doc;
  ASSERT_TRUE(parse_json(body, &doc, "answer").ok());
  EXPECT_EQ(doc["getNasVolumeInstanceListResponse"]["totalRows"].GetInt(), 2);
}

TEST_F(NaverEmulatorTest, VpcVolumesArePaged) {
  start({"--seed", "synthetic:services=1,volumes=250,snapshots=1"});
  auto p = make("vpc", "json");
  ObjectRef service;
  service.service_id = "KR";
  auto volumes = p->list_volumes(service, ctx());
  ASSERT_TRUE(volumes.ok()) << volumes.error().message;
  EXPECT_EQ(volumes->size(), 250u);
  std::set<std::string> ids;
  for (const auto& v : volumes.value()) ids.insert(v.id);
  EXPECT_EQ(ids.size(), 250u);
  EXPECT_EQ(requests_to(*emu_, "/getNasVolumeInstanceList"), 3);
}

TEST_F(NaverEmulatorTest, ClassicRegionsComeFromGetRegionList) {
  start({"--seed", "synthetic:services=3,volumes=2,snapshots=2"});
  auto p = make("classic", "xml");
  auto services = p->list_services(ctx());
  ASSERT_TRUE(services.ok());
  std::vector<std::string> ids;
  for (const auto& s : services.value()) ids.push_back(s.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"KR", "SGN", "JPN"}));
  for (const auto& s : services.value()) {
    ObjectRef ref;
    ref.service_id = s.id;
    auto volumes = p->list_volumes(ref, ctx());
    ASSERT_TRUE(volumes.ok()) << volumes.error().message;
    EXPECT_EQ(volumes->size(), 2u) << s.id;
  }
  // The region numbers were learned once.
  EXPECT_EQ(requests_to(*emu_, "/getRegionList"), 1);
  auto vpc = make("vpc", "json");
  auto vpc_services = vpc->list_services(ctx());
  ASSERT_TRUE(vpc_services.ok());
  ASSERT_EQ(vpc_services->size(), 1u);
  EXPECT_EQ(vpc_services.value()[0].id, "KR");
  auto configured = make("vpc", "json", {{"regions", "KR,SGN,JPN"}});
  ObjectRef jpn;
  jpn.service_id = "JPN";
  auto jpn_volumes = configured->list_volumes(jpn, ctx());
  ASSERT_TRUE(jpn_volumes.ok());
  EXPECT_EQ(jpn_volumes->size(), 2u);
}

TEST_F(NaverEmulatorTest, BigVolumeListsQuickly) {
  start({"--seed", "synthetic:services=1,volumes=1,snapshots=1,big=20000"});
  auto p = make("vpc", "json");
  ObjectRef service;
  service.service_id = "KR";
  auto volumes = p->list_volumes(service, ctx());
  ASSERT_TRUE(volumes.ok());
  const VolumeInfo* big = nullptr;
  for (const auto& v : volumes.value()) {
    if (v.name == "big") big = &v;
  }
  ASSERT_NE(big, nullptr);
  ObjectRef ref = service;
  ref.level = Level::Volume;
  ref.volume_id = big->id;
  auto snapshots = p->list_snapshots(ref, ctx());
  ASSERT_TRUE(snapshots.ok());
  EXPECT_EQ(snapshots->size(), 20000u);
  std::set<std::string> names;
  for (const auto& s : snapshots.value()) names.insert(s.name);
  EXPECT_EQ(names.size(), 20000u);
}

TEST_F(NaverEmulatorTest, StateSurvivesRestart) {
  test::TempDir dir;
  std::string state = dir.path() + "/state.json";
  start({"--seed", "demo", "--state", state});
  auto p = make("classic", "xml");
  ObjectRef service;
  service.service_id = "KR";
  auto volumes = p->list_volumes(service, ctx());
  ASSERT_TRUE(volumes.ok());
  ObjectRef data;
  for (const auto& v : volumes.value()) {
    if (v.name == "n1234567_logs") {
      data = service;
      data.level = Level::Volume;
      data.volume_id = v.id;
    }
  }
  auto created = p->create_snapshot(data, named("x"), ctx());
  ASSERT_TRUE(created.ok());
  emu_->restart();
  auto after = p->list_snapshots(data, ctx());
  ASSERT_TRUE(after.ok()) << after.error().message;
  bool found = false;
  for (const auto& s : after.value()) found = found || s.name == created->name;
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace snapfs
