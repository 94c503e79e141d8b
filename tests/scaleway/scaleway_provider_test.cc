// The Scaleway Instance and Block providers against snapfs-emulator over real HTTP(S).
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "tests/scaleway/scaleway_provider_fixture.h"

namespace snapfs {
namespace {

using namespace std::chrono_literals;
using test::EmulatorProcess;
using test::stats_delta;
using test::StatsDelta;

const std::vector<std::string> kPagedSeed = {"--seed",
                                             "synthetic:services=1,volumes=2,snapshots=130"};
const std::vector<std::string> kSmallSeed = {"--seed",
                                             "synthetic:services=2,volumes=2,snapshots=3"};

class ScalewayProviderTest : public ::testing::TestWithParam<std::string> {
 protected:
  void start(const std::vector<std::string>& args, bool tls = false) {
    emu_ = std::make_unique<EmulatorProcess>(args, tls);
    ASSERT_TRUE(emu_->ok());
  }
  std::unique_ptr<Provider> provider(std::map<std::string, std::string> extra = {}) {
    auto p = make_provider(test::scaleway_remote(*emu_, GetParam(), std::move(extra)),
                           test::empty_provider_env(home_.path()));
    EXPECT_TRUE(p.ok()) << p.error().message;
    return p.ok() ? std::move(p.value()) : nullptr;
  }
  static ObjectRef zone_ref(const std::string& zone = "fr-par-1") {
    ObjectRef ref;
    ref.level = Level::Service;
    ref.service_id = zone;
    return ref;
  }
  static ObjectRef volume_ref(const VolumeInfo& v, const std::string& zone = "fr-par-1") {
    ObjectRef ref = zone_ref(zone);
    ref.level = Level::Volume;
    ref.volume_id = v.id;
    ref.volume_data = v.provider_data;
    return ref;
  }
  static ObjectRef snapshot_ref(const SnapshotInfo& s, const std::string& zone = "fr-par-1") {
    ObjectRef ref = zone_ref(zone);
    ref.level = Level::Snapshot;
    ref.volume_id = s.volume_id;
    ref.snapshot_id = s.id;
    ref.snapshot_name = s.name;
    return ref;
  }
  VolumeInfo first_volume(Provider& p) {
    auto volumes = p.list_volumes(zone_ref(), test::op());
    EXPECT_TRUE(volumes.ok()) << volumes.error().message;
    if (!volumes.ok() || volumes->empty()) return {};
    return volumes->front();
  }
  std::vector<SnapshotInfo> snapshots(Provider& p) {
    auto list = p.list_snapshots(zone_ref(), test::op());
    EXPECT_TRUE(list.ok()) << list.error().message;
    return list.ok() ? list.value() : std::vector<SnapshotInfo>{};
  }
  static const SnapshotInfo* find(const std::vector<SnapshotInfo>& list, const std::string& id) {
    for (const SnapshotInfo& s : list) {
      if (s.id == id) return &s;
    }
    return nullptr;
  }
  RequestStats::Snapshot stats(const Provider& p) { return p.request_stats()->snapshot(); }

  test::TempDir home_;
  std::unique_ptr<EmulatorProcess> emu_;
};

TEST_P(ScalewayProviderTest, ServicesAreTheConfiguredZonesWithoutARequest) {
  start(kSmallSeed);
  auto p = provider({{"zones", "fr-par-1, fr-par-2"}});
  ASSERT_TRUE(p);
  emu_->reset_stats();
  auto services = p->list_services(test::op());
  ASSERT_TRUE(services.ok());
  ASSERT_EQ(services->size(), 2u);
  EXPECT_EQ((*services)[0].id, "fr-par-1");
  EXPECT_EQ((*services)[0].name, "fr-par-1");
  EXPECT_EQ((*services)[1].id, "fr-par-2");
  EXPECT_EQ(emu_->total_requests(), 0);
  EXPECT_EQ(stats(*p).requests, 0u);
  EXPECT_EQ(p->capabilities().listing, SnapshotListing::PerService);
  EXPECT_TRUE(p->capabilities().rename);
}

TEST_P(ScalewayProviderTest, ListsVolumesOfEachZone) {
  start(kSmallSeed);
  auto p = provider({{"zones", "fr-par-1,fr-par-2"}});
  ASSERT_TRUE(p);
  std::set<std::string> ids;
  for (const char* zone : {"fr-par-1", "fr-par-2"}) {
    auto volumes = p->list_volumes(zone_ref(zone), test::op());
    ASSERT_TRUE(volumes.ok()) << volumes.error().message;
    ASSERT_EQ(volumes->size(), 2u) << zone;
    for (const VolumeInfo& v : *volumes) {
      EXPECT_FALSE(v.id.empty());
      EXPECT_FALSE(v.provider_data.empty()) << "the volume's project is needed by create";
      EXPECT_NE(v.created_us, 0);
      EXPECT_TRUE(v.size.has_value());
      EXPECT_FALSE(v.state.empty());
      EXPECT_TRUE(v.tags.has_value());
      EXPECT_EQ(v.json.front(), '{');
      ids.insert(v.id);
    }
  }
  EXPECT_EQ(ids.size(), 4u);
}

TEST_P(ScalewayProviderTest, ListsEverySnapshotPageGroupedPerVolume) {
  start(kPagedSeed);
  auto p = provider();
  ASSERT_TRUE(p);
  auto volumes = p->list_volumes(zone_ref(), test::op());
  ASSERT_TRUE(volumes.ok()) << volumes.error().message;
  ASSERT_EQ(volumes->size(), 2u);

  auto before = stats(*p);
  emu_->reset_stats();
  auto list = p->list_snapshots(zone_ref(), test::op());
  ASSERT_TRUE(list.ok()) << list.error().message;
  ASSERT_EQ(list->size(), 260u);
  std::map<std::string, int> per_volume;
  std::set<std::string> ids;
  for (const SnapshotInfo& s : *list) {
    per_volume[s.volume_id]++;
    ids.insert(s.id);
    EXPECT_FALSE(s.name.empty());
    EXPECT_NE(s.created_us, 0);
    EXPECT_FALSE(s.state.empty());
    EXPECT_TRUE(s.tags.has_value());
    EXPECT_FALSE(s.json.empty());
  }
  EXPECT_EQ(ids.size(), 260u) << "a page was read twice";
  EXPECT_EQ(per_volume[(*volumes)[0].id], 130);
  EXPECT_EQ(per_volume[(*volumes)[1].id], 130);
  // 260 snapshots at 100 per page: three requests, counted by both ends.
  EXPECT_EQ(stats_delta(before, stats(*p)).requests, 3u);
  EXPECT_EQ(emu_->total_requests(), 3);

  ObjectRef one = volume_ref((*volumes)[1]);
  auto only = p->list_snapshots(one, test::op());
  ASSERT_TRUE(only.ok()) << only.error().message;
  EXPECT_EQ(only->size(), 130u);
  for (const SnapshotInfo& s : *only) EXPECT_EQ(s.volume_id, (*volumes)[1].id);
}

TEST_P(ScalewayProviderTest, CreateShowsTheSnapshotInProgressThenAvailable) {
  start(kSmallSeed);
  auto p = provider();
  ASSERT_TRUE(p);
  VolumeInfo volume = first_volume(*p);
  ASSERT_FALSE(volume.id.empty());
  auto before = stats(*p);
  CreateRequest request;
  request.name = "nightly 2026-01-01";
  auto created = p->create_snapshot(volume_ref(volume), request, test::op());
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(stats_delta(before, stats(*p)).requests, 1u);
  EXPECT_FALSE(created->id.empty());
  EXPECT_EQ(created->name, "nightly 2026-01-01");
  EXPECT_EQ(created->volume_id, volume.id);
  EXPECT_EQ(created->state, "creating");

  auto listed = snapshots(*p);
  const SnapshotInfo* found = find(listed, created->id);
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->name, "nightly 2026-01-01");
  EXPECT_EQ(found->volume_id, volume.id);
  EXPECT_TRUE(test::eventually([&] {
    auto now = snapshots(*p);
    const SnapshotInfo* s = find(now, created->id);
    return s != nullptr && s->state == "available";
  })) << "the snapshot never became available";
}

TEST_P(ScalewayProviderTest, DeleteTwiceSucceedsAndTheSnapshotIsGone) {
  start(kSmallSeed);
  auto p = provider();
  ASSERT_TRUE(p);
  auto list = snapshots(*p);
  ASSERT_FALSE(list.empty());
  SnapshotInfo victim = list.front();
  Status first = p->delete_snapshot(snapshot_ref(victim), test::op());
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_TRUE(test::eventually([&] { return find(snapshots(*p), victim.id) == nullptr; }));
  Status second = p->delete_snapshot(snapshot_ref(victim), test::op());
  EXPECT_TRUE(second.ok()) << second.error().message;
}

TEST_P(ScalewayProviderTest, RenameReturnsTheUpdatedSnapshot) {
  start(kSmallSeed);
  auto p = provider();
  ASSERT_TRUE(p);
  auto list = snapshots(*p);
  ASSERT_FALSE(list.empty());
  SnapshotInfo target = list.front();
  auto renamed = p->rename_snapshot(snapshot_ref(target), "renamed/with slash", test::op());
  ASSERT_TRUE(renamed.ok()) << renamed.error().message;
  EXPECT_EQ(renamed->id, target.id);
  EXPECT_EQ(renamed->name, "renamed/with slash");
  EXPECT_EQ(renamed->volume_id, target.volume_id);
  auto after = snapshots(*p);
  const SnapshotInfo* again = find(after, target.id);
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->name, "renamed/with slash");

  auto empty = p->rename_snapshot(snapshot_ref(target), "", test::op());
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().kind, ErrorKind::InvalidArgument);
}

TEST_P(ScalewayProviderTest, TagsOfSnapshotsAreWritable) {
  start(kSmallSeed);
  auto p = provider();
  ASSERT_TRUE(p);
  bool snapshot_tags = false, volume_tags = false;
  for (const AttrSpec& spec : p->capabilities().attrs) {
    if (spec.key == "tags" && spec.writable && spec.level == Level::Snapshot) snapshot_tags = true;
    if (spec.key == "tags" && spec.writable && spec.level == Level::Volume) volume_tags = true;
  }
  EXPECT_TRUE(snapshot_tags);
  EXPECT_TRUE(volume_tags);

  auto list = snapshots(*p);
  ASSERT_FALSE(list.empty());
  auto set = p->set_attr(snapshot_ref(list.front()), "tags", " alpha, beta ", test::op());
  ASSERT_TRUE(set.ok()) << set.error().message;
  ASSERT_TRUE(set->snapshot.has_value());
  EXPECT_EQ(set->snapshot->id, list.front().id);
  EXPECT_EQ(set->snapshot->tags, (std::vector<std::string>{"alpha", "beta"}));
  auto after = snapshots(*p);
  const SnapshotInfo* listed = find(after, list.front().id);
  ASSERT_NE(listed, nullptr);
  EXPECT_EQ(listed->tags, (std::vector<std::string>{"alpha", "beta"}));
  auto cleared = p->set_attr(snapshot_ref(list.front()), "tags", "", test::op());
  ASSERT_TRUE(cleared.ok()) << cleared.error().message;
  EXPECT_EQ(cleared->snapshot->tags, std::vector<std::string>{});

  auto other = p->set_attr(snapshot_ref(list.front()), "description", "x", test::op());
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().kind, ErrorKind::NotSupported);
}

TEST_P(ScalewayProviderTest, TagsOfVolumesAreWritable) {
  start(kSmallSeed);
  auto p = provider();
  ASSERT_TRUE(p);
  VolumeInfo volume = first_volume(*p);
  auto vset = p->set_attr(volume_ref(volume), "tags", "prod", test::op());
  ASSERT_TRUE(vset.ok()) << vset.error().message;
  ASSERT_TRUE(vset->volume.has_value());
  EXPECT_EQ(vset->volume->id, volume.id);
  EXPECT_EQ(vset->volume->tags, std::vector<std::string>{"prod"});
  EXPECT_EQ(first_volume(*p).tags, std::vector<std::string>{"prod"});
}

TEST_P(ScalewayProviderTest, UnknownObjectsAreNotFound) {
  start(kSmallSeed);
  auto p = provider();
  ASSERT_TRUE(p);
  SnapshotInfo ghost;
  ghost.id = "0badc0de-0000-4000-8000-000000000000";
  ghost.volume_id = "0badc0de-0000-4000-8000-000000000001";
  auto renamed = p->rename_snapshot(snapshot_ref(ghost), "x", test::op());
  ASSERT_FALSE(renamed.ok());
  EXPECT_EQ(renamed.error().kind, ErrorKind::NotFound) << renamed.error().message;
  EXPECT_EQ(renamed.error().http_status, 404);
  EXPECT_NE(renamed.error().message.find("scw-test"), std::string::npos);

  VolumeInfo ghost_volume;
  ghost_volume.id = ghost.volume_id;
  auto tags = p->set_attr(volume_ref(ghost_volume), "tags", "a", test::op());
  ASSERT_FALSE(tags.ok());
  EXPECT_EQ(tags.error().kind, ErrorKind::NotFound) << tags.error().message;
  EXPECT_TRUE(p->delete_snapshot(snapshot_ref(ghost), test::op()).ok());
}

TEST_P(ScalewayProviderTest, WrongSecretKeyIsAccessDeniedWithoutTheKeyInTheMessage) {
  start(kSmallSeed);
  const std::string wrong = "deadbeef-dead-4bee-8eef-deadbeefdead";
  auto p = provider({{"secret_key", wrong}});
  ASSERT_TRUE(p);
  auto volumes = p->list_volumes(zone_ref(), test::op());
  ASSERT_FALSE(volumes.ok());
  EXPECT_EQ(volumes.error().kind, ErrorKind::AccessDenied);
  EXPECT_EQ(volumes.error().http_status, 401);
  EXPECT_EQ(volumes.error().message.find(wrong), std::string::npos) << volumes.error().message;
  EXPECT_NE(volumes.error().message.find("SCW_SECRET_KEY"), std::string::npos);
  EXPECT_EQ(stats(*p).last_error.find(wrong), std::string::npos);
}

TEST_P(ScalewayProviderTest, RetriesA503AndCountsEveryAttempt) {
  start(kSmallSeed);
  auto p = provider();
  ASSERT_TRUE(p);
  auto before = stats(*p);
  emu_->set_faults({"status=503,count=2"});
  auto volumes = p->list_volumes(zone_ref(), test::op());
  ASSERT_TRUE(volumes.ok()) << volumes.error().message;
  EXPECT_EQ(volumes->size(), 2u);
  StatsDelta d = stats_delta(before, stats(*p));
  EXPECT_EQ(d.requests, 3u);
  EXPECT_EQ(d.retries, 2u);
  EXPECT_EQ(d.by_status[503], 2u);
  EXPECT_EQ(d.by_status[200], 1u);
}

TEST_P(ScalewayProviderTest, RateLimitWithAnEmptyBodyIsRetried) {
  start(kSmallSeed);
  auto p = provider();
  ASSERT_TRUE(p);
  auto before = stats(*p);
  emu_->set_faults({"status=429,count=2"});
  auto list = p->list_snapshots(zone_ref(), test::op());
  ASSERT_TRUE(list.ok()) << list.error().message;
  StatsDelta d = stats_delta(before, stats(*p));
  EXPECT_EQ(d.requests, 3u);
  EXPECT_EQ(d.by_status[429], 2u);
}

TEST_P(ScalewayProviderTest, CreateIsSentOnceEvenOn503) {
  start(kSmallSeed);
  auto p = provider();
  ASSERT_TRUE(p);
  VolumeInfo volume = first_volume(*p);
  auto before = stats(*p);
  emu_->reset_stats();
  emu_->set_faults({"status=503,count=5"});
  CreateRequest request;
  request.name = "only-once";
  auto created = p->create_snapshot(volume_ref(volume), request, test::op());
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().kind, ErrorKind::Unavailable);
  EXPECT_FALSE(created.error().outcome_unknown) << "a 503 answer is a known outcome";
  EXPECT_EQ(stats_delta(before, stats(*p)).requests, 1u);
  EXPECT_EQ(emu_->total_requests(), 1);
}

TEST_P(ScalewayProviderTest, DroppedConnectionDuringCreateHasAnUnknownOutcome) {
  start(kSmallSeed);
  auto p = provider();
  ASSERT_TRUE(p);
  VolumeInfo volume = first_volume(*p);
  auto before = stats(*p);
  emu_->set_faults({"reset,count=1"});
  CreateRequest request;
  request.name = "maybe";
  auto created = p->create_snapshot(volume_ref(volume), request, test::op());
  ASSERT_FALSE(created.ok());
  EXPECT_TRUE(created.error().outcome_unknown) << created.error().message;
  EXPECT_EQ(stats_delta(before, stats(*p)).requests, 1u);
}

TEST_P(ScalewayProviderTest, DeadlineIsRespected) {
  start(kSmallSeed);
  auto p = provider();
  ASSERT_TRUE(p);
  emu_->set_faults({"delay-ms=5000"});
  auto started = std::chrono::steady_clock::now();
  auto volumes = p->list_volumes(zone_ref(), test::op(1s));
  auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(volumes.ok());
  EXPECT_EQ(volumes.error().kind, ErrorKind::Timeout) << volumes.error().message;
  EXPECT_LT(elapsed, 4s);
}

TEST_P(ScalewayProviderTest, MalformedBodyIsABadResponse) {
  start(kSmallSeed);
  auto p = provider();
  ASSERT_TRUE(p);
  emu_->set_faults({"garbage,count=1"});
  auto volumes = p->list_volumes(zone_ref(), test::op());
  ASSERT_FALSE(volumes.ok());
  EXPECT_EQ(volumes.error().kind, ErrorKind::BadResponse) << volumes.error().message;
  emu_->set_faults({"garbage,count=1"});
  auto list = p->list_snapshots(zone_ref(), test::op());
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(list.error().kind, ErrorKind::BadResponse) << list.error().message;
  EXPECT_TRUE(p->list_snapshots(zone_ref(), test::op()).ok());
}

TEST_P(ScalewayProviderTest, TlsWithTheEmulatorCertificate) {
  start(kSmallSeed, /*tls=*/true);
  ASSERT_EQ(emu_->base_url().rfind("https://", 0), 0u);
  auto trusted = provider({{"ca_file", emu_->ca_file()}});
  ASSERT_TRUE(trusted);
  auto ok = trusted->list_volumes(zone_ref(), test::op());
  EXPECT_TRUE(ok.ok()) << ok.error().message;

  auto untrusted = provider();
  ASSERT_TRUE(untrusted);
  auto refused = untrusted->list_volumes(zone_ref(), test::op());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::Unavailable);
  EXPECT_NE(refused.error().message.find("TLS"), std::string::npos) << refused.error().message;

  auto insecure = provider({{"insecure", "true"}});
  ASSERT_TRUE(insecure);
  EXPECT_TRUE(insecure->list_volumes(zone_ref(), test::op()).ok());
}

INSTANTIATE_TEST_SUITE_P(Types, ScalewayProviderTest,
                         ::testing::Values("scaleway-instance", "scaleway-block"),
                         [](const auto& info) {
                           return info.param == "scaleway-instance" ? std::string("Instance")
                                                                    : std::string("Block");
                         });

}  // namespace
}  // namespace snapfs
