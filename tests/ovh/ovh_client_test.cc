// The OVH client against snapfs-emulator: signing, clock offset, errors, TLS, list expansion.
#include "providers/ovh/ovh_client.h"

#include <gtest/gtest.h>

#include <atomic>

#include "tests/ovh/ovh_test_env.h"

namespace snapfs {
namespace {

using test::emulator_settings;
using test::EmulatorProcess;
using test::route_count;
using test::test_ctx;

constexpr const char* kCustomList =
    "/dedicated/nasha/zpool-123456/partition/partition1/customSnapshot";
constexpr const char* kCustomRoute =
    "/1.0/dedicated/nasha/{serviceName}/partition/{partitionName}/customSnapshot";
constexpr const char* kCustomItemRoute =
    "/1.0/dedicated/nasha/{serviceName}/partition/{partitionName}/customSnapshot/{name}";

TEST(OvhClientEmulator, SignedCallsSucceedAndAuthTimeIsReadOnce) {
  EmulatorProcess emu({"--seed", "demo"});
  ASSERT_TRUE(emu.ok());
  RequestStats stats;
  OvhClient client(emulator_settings(emu), "ovh", &stats);
  for (int i = 0; i < 3; ++i) {
    rapidjson::Document doc;
    Status s = client.call_json("GET", "/dedicated/nasha/zpool-123456", "", test_ctx(), &doc);
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(std::string(doc["serviceName"].GetString()), "zpool-123456");
  }
  EXPECT_EQ(route_count(emu, "GET", "/1.0/auth/time"), 1);
  EXPECT_EQ(route_count(emu, "GET", "/1.0/dedicated/nasha/{serviceName}", 200), 3);
  EXPECT_EQ(stats.snapshot().requests, 4u);
}

TEST(OvhClientEmulator, WrongSecretIsAccessDeniedNamingTheRemoteAndTheFix) {
  EmulatorProcess emu({"--seed", "demo"});
  ASSERT_TRUE(emu.ok());
  OvhClient client(emulator_settings(emu, "not-the-secret-42"), "nas", nullptr);
  auto r = client.call("GET", "/dedicated/nasha", "", test_ctx());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::AccessDenied);
  EXPECT_EQ(r.error().http_status, 400);
  const std::string& m = r.error().message;
  EXPECT_NE(m.find("remote 'nas': "), std::string::npos) << m;
  EXPECT_NE(m.find("INVALID_SIGNATURE"), std::string::npos) << m;
  EXPECT_NE(m.find("application_secret"), std::string::npos) << m;
  EXPECT_EQ(m.find("not-the-secret-42"), std::string::npos) << m;
  EXPECT_EQ(m.find("$1$"), std::string::npos) << m;
  EXPECT_EQ(route_count(emu, "GET", "/1.0/dedicated/nasha", 400), 1);
}

TEST(OvhClientEmulator, UnknownKeysAreAccessDenied) {
  EmulatorProcess emu({"--seed", "demo"});
  ASSERT_TRUE(emu.ok());
  OvhSettings bad_ak = emulator_settings(emu);
  bad_ak.application_key = "other-ak";
  auto r1 = OvhClient(bad_ak, "nas", nullptr).call("GET", "/dedicated/nasha", "", test_ctx());
  ASSERT_FALSE(r1.ok());
  EXPECT_EQ(r1.error().kind, ErrorKind::AccessDenied);
  EXPECT_NE(r1.error().message.find("INVALID_KEY"), std::string::npos);
  OvhSettings bad_ck = emulator_settings(emu);
  bad_ck.consumer_key = "other-ck";
  auto r2 = OvhClient(bad_ck, "nas", nullptr).call("GET", "/dedicated/nasha", "", test_ctx());
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.error().kind, ErrorKind::AccessDenied);
  EXPECT_NE(r2.error().message.find("consumer_key"), std::string::npos);
}

TEST(OvhClientEmulator, NotFoundBodiesBecomeNotFound) {
  EmulatorProcess emu({"--seed", "demo"});
  ASSERT_TRUE(emu.ok());
  OvhClient client(emulator_settings(emu), "nas", nullptr);
  auto r = client.call("GET", "/dedicated/nasha/zpool-123456/partition/nope", "", test_ctx());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::NotFound);
  EXPECT_NE(r.error().message.find("The requested object (partitionName = nope) does not exist"),
            std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find("query id EU.ext-emu."), std::string::npos);
}

TEST(OvhClientEmulator, LocalClockTenMinutesOffStillWorks) {
  EmulatorProcess emu({"--seed", "demo"});
  ASSERT_TRUE(emu.ok());
  for (std::int64_t skew : {-600, 600}) {
    OvhClient client(emulator_settings(emu), "nas", nullptr,
                     [skew] { return test::wall_seconds() + skew; });
    auto r = client.call("GET", "/dedicated/nasha", "", test_ctx());
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_NEAR(static_cast<double>(client.clock_offset()), static_cast<double>(-skew), 5.0);
  }
  EXPECT_EQ(route_count(emu, "GET", "/1.0/dedicated/nasha", 400), 0);
}

TEST(OvhClientEmulator, ApiClockTenMinutesAheadStillWorks) {
  EmulatorProcess emu({"--seed", "demo", "--clock-offset-s", "600"});
  ASSERT_TRUE(emu.ok());
  OvhClient client(emulator_settings(emu), "nas", nullptr);
  auto r = client.call("GET", "/dedicated/nasha", "", test_ctx());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_NEAR(static_cast<double>(client.clock_offset()), 600.0, 5.0);
}

TEST(OvhClientEmulator, ClockJumpIsRecoveredByReReadingAuthTime) {
  EmulatorProcess emu({"--seed", "demo"});
  ASSERT_TRUE(emu.ok());
  auto skew = std::make_shared<std::atomic<std::int64_t>>(0);
  OvhClient client(emulator_settings(emu), "nas", nullptr,
                   [skew] { return test::wall_seconds() + skew->load(); });
  ASSERT_TRUE(client.call("GET", "/dedicated/nasha", "", test_ctx()).ok());
  skew->store(-600);  // the machine's clock jumps after the offset was learned
  rapidjson::Document doc;
  Status s =
      client.call_json("POST", kCustomList, "{\"name\":\"snap-after-jump\"}", test_ctx(), &doc);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(route_count(emu, "POST", kCustomRoute, 400), 1);  // "Query out of time"
  EXPECT_EQ(route_count(emu, "POST", kCustomRoute, 200), 1);  // sent once more, applied once
  EXPECT_EQ(route_count(emu, "GET", "/1.0/auth/time"), 2);
}

TEST(OvhClientEmulator, TlsWithTheEmulatorsCertificate) {
  EmulatorProcess emu({"--seed", "demo"}, /*tls=*/true);
  ASSERT_TRUE(emu.ok());
  ASSERT_EQ(emu.base_url().rfind("https://", 0), 0u);
  OvhClient trusted(emulator_settings(emu), "nas", nullptr);
  auto ok = trusted.call("GET", "/dedicated/nasha", "", test_ctx());
  EXPECT_TRUE(ok.ok()) << (ok.ok() ? "" : ok.error().message);
  OvhSettings untrusted_settings = emulator_settings(emu);
  untrusted_settings.ca_file.clear();
  OvhClient untrusted(untrusted_settings, "nas", nullptr);
  auto refused = untrusted.call("GET", "/dedicated/nasha", "", test_ctx(std::chrono::seconds(5)));
  EXPECT_FALSE(refused.ok());
}

TEST(OvhClientEmulator, V1AliasServesTheSameApi) {
  EmulatorProcess emu({"--seed", "demo"});
  ASSERT_TRUE(emu.ok());
  OvhClient client(emulator_settings(emu, "demo-as", "/v1"), "nas", nullptr);
  auto list = client.list_objects("/dedicated/nasha", "", test_ctx());
  ASSERT_TRUE(list.ok()) << list.error().message;
  EXPECT_EQ(list->objects.size(), 2u);
  EXPECT_EQ(route_count(emu, "GET", "/v1/dedicated/nasha"), 1);
}

TEST(OvhClientEmulator, ExpandableListIsOneRequest) {
  EmulatorProcess emu({"--seed", "demo"});
  ASSERT_TRUE(emu.ok());
  OvhClient client(emulator_settings(emu), "nas", nullptr);
  auto list = client.list_objects(kCustomList, "", test_ctx());
  ASSERT_TRUE(list.ok()) << list.error().message;
  EXPECT_TRUE(list->expanded);
  EXPECT_EQ(list->objects.size(), 3u);
  EXPECT_NE(list->objects[0].find("\"expiration\""), std::string::npos);
  EXPECT_EQ(route_count(emu, "GET", kCustomRoute), 1);
  EXPECT_EQ(route_count(emu, "GET", kCustomItemRoute), 0);
}

TEST(OvhClientEmulator, IdsOnlyFallBackToParallelGetsCachedWithTheListing) {
  test::TempDir dir;
  std::string seed = test::write_edited_demo(
      dir, "seed.json", [](auto& ovh, auto&) { ovh["expand_custom_snapshots"].SetBool(false); });
  EmulatorProcess emu({"--seed", seed});
  ASSERT_TRUE(emu.ok());
  OvhClient client(emulator_settings(emu), "nas", nullptr);
  auto first = client.list_objects(kCustomList, "", test_ctx(), std::chrono::hours(1));
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_FALSE(first->expanded);
  ASSERT_EQ(first->objects.size(), 3u);
  EXPECT_NE(first->objects[0].find("\"name\":\"snap-before-upgrade\""), std::string::npos);
  EXPECT_EQ(route_count(emu, "GET", kCustomItemRoute), 3);
  auto second = client.list_objects(kCustomList, "", test_ctx(), std::chrono::hours(1));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->objects, first->objects);
  EXPECT_EQ(route_count(emu, "GET", kCustomItemRoute), 3);  // served from the cache
  EXPECT_EQ(route_count(emu, "GET", kCustomRoute), 2);
}

TEST(OvhClientEmulator, LargeExpandedListsArePaged) {
  EmulatorProcess emu({"--seed", "synthetic:services=1,volumes=1,snapshots=2,big=12001"});
  ASSERT_TRUE(emu.ok());
  OvhClient client(emulator_settings(emu), "nas", nullptr);
  auto list = client.list_objects("/dedicated/nasha/zpool-1000/partition/big/customSnapshot", "",
                                  test_ctx());
  ASSERT_TRUE(list.ok()) << list.error().message;
  EXPECT_EQ(list->objects.size(), 12001u);
  EXPECT_EQ(route_count(emu, "GET", kCustomRoute), 3);  // pages of 5000
}

TEST(OvhClientParallel, RunsEveryIndexOnceWithinTheBound) {
  std::atomic<int> running{0}, peak{0}, calls{0};
  std::vector<int> seen(100, 0);
  ovh_parallel_for(100, 10, [&](std::size_t i) {
    int now = ++running;
    int p = peak.load();
    while (now > p && !peak.compare_exchange_weak(p, now)) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    ++seen[i];
    ++calls;
    --running;
  });
  EXPECT_EQ(calls.load(), 100);
  EXPECT_LE(peak.load(), 10);
  for (int v : seen) EXPECT_EQ(v, 1);
}

}  // namespace
}  // namespace snapfs
