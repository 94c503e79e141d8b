// ovh-nasha and ovh-netapp on a real mount: snapfs-emulator (demo data) + snapfs, checked with ls,
// stat, mkdir, rmdir, mv, getfattr and setfattr, and against the emulator's own state and request
// counters.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <chrono>
#include <ctime>
#include <functional>
#include <set>
#include <sstream>
#include <thread>

#include "providers/http/http_client.h"
#include "tests/support/mount.h"
#include "tests/support/process.h"

namespace snapfs::test {
namespace {

constexpr const char* kNasDir = "nas/zpool-123456/partition1/.snapshots";
constexpr const char* kEfsDir = "efs/efs-prod/share-a/.snapshots";
constexpr const char* kEfsService = "5f7a0ec8-1d3e-4b5e-9d55-3c0c9b1e2a10";
constexpr const char* kShareA = "a1b2c3d4-1111-4aaa-8bbb-000000000001";
constexpr const char* kAutomatic = "8b3f4e5d-6c7b-4a8a-ad9c-2e3f4a5b6c7d";

std::set<std::string> lines(const std::string& text) {
  std::set<std::string> out;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.insert(line);
  }
  return out;
}

std::string section(const std::string& name, const std::string& type, const std::string& endpoint,
                    const std::string& credentials) {
  return "[" + name + "]\ntype = " + type + "\nendpoint = " + endpoint + "\n" + credentials + "\n";
}

const char* const kDemoCredentials =
    "application_key = demo-ak\napplication_secret = demo-as\nconsumer_key = demo-ck\n";

std::string xattr(const SnapfsMount& mount, const std::string& name, const std::string& path) {
  return mount.sh("getfattr --only-values -n user.snapfs." + name + " " + shell_quote(path)).out;
}

CommandResult set_xattr(const SnapfsMount& mount, const std::string& name, const std::string& value,
                        const std::string& path) {
  return mount.sh("setfattr -n user.snapfs." + name + " -v " + shell_quote(value) + " " +
                  shell_quote(path));
}

// Polls a snapshot attribute (refreshing the listing) until it equals `want` or 15 s pass.
std::string wait_for_xattr(const SnapfsMount& mount, const std::string& dir,
                           const std::string& entry, const std::string& name,
                           const std::string& want) {
  std::string value;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    set_xattr(mount, "refresh", "1", dir);
    value = xattr(mount, name, dir + "/" + entry);
    if (value == want) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return value;
}

bool wait_for_absent(const SnapfsMount& mount, const std::string& dir, const std::string& entry) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    set_xattr(mount, "refresh", "1", dir);
    if (!lines(mount.sh("ls -A " + shell_quote(dir)).out).count(entry)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

// Polls `condition` until it holds or 15 s pass.
bool eventually(const std::function<bool()>& condition) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return true;
}

long long route_count(const EmulatorProcess& emu, const std::string& method,
                      const std::string& route) {
  rapidjson::Document doc;
  std::string text = emu.stats_json();
  doc.Parse(text.c_str(), text.size());
  long long n = 0;
  if (doc.HasParseError() || !doc.HasMember("requests")) return -1;
  for (const auto& r : doc["requests"].GetArray()) {
    if (r["method"].GetString() == method && r["route"].GetString() == route) {
      n += r["count"].GetInt64();
    }
  }
  return n;
}

// The emulator's "ovh" section.
rapidjson::Document ovh_state(const EmulatorProcess& emu) {
  rapidjson::Document doc;
  std::string text = emu.state_json();
  doc.Parse(text.c_str(), text.size());
  EXPECT_FALSE(doc.HasParseError());
  rapidjson::Document ovh;
  ovh.CopyFrom(doc["ovh"], ovh.GetAllocator());
  return ovh;
}

std::set<std::string> custom_snapshots(const EmulatorProcess& emu, const std::string& partition) {
  std::set<std::string> out;
  auto ovh = ovh_state(emu);
  for (const auto& svc : ovh["nasha"].GetArray()) {
    for (const auto& p : svc["partitions"].GetArray()) {
      if (std::string(p["partitionName"].GetString()) != partition) continue;
      for (const auto& c : p["custom_snapshots"].GetArray()) out.insert(c["name"].GetString());
    }
  }
  return out;
}

std::string schedules(const EmulatorProcess& emu, const std::string& partition) {
  std::string out;
  auto ovh = ovh_state(emu);
  for (const auto& svc : ovh["nasha"].GetArray()) {
    if (std::string(svc["serviceName"].GetString()) != "zpool-123456") continue;
    for (const auto& p : svc["partitions"].GetArray()) {
      if (std::string(p["partitionName"].GetString()) != partition) continue;
      for (const auto& t : p["schedules"].GetArray()) {
        out += (out.empty() ? "" : ",") + std::string(t.GetString());
      }
    }
  }
  return out;
}

// Name of the EFS snapshot `id` of share-a in the emulator, or "<gone>".
std::string efs_snapshot_name(const EmulatorProcess& emu, const std::string& id) {
  auto ovh = ovh_state(emu);
  for (const auto& svc : ovh["netapp"].GetArray()) {
    for (const auto& share : svc["shares"].GetArray()) {
      for (const auto& s : share["snapshots"].GetArray()) {
        if (s["id"].GetString() == id) return s["name"].IsString() ? s["name"].GetString() : "";
      }
    }
  }
  return "<gone>";
}

std::int64_t create_task_done_seconds(const EmulatorProcess& emu, const std::string& name) {
  auto ovh = ovh_state(emu);
  for (const auto& svc : ovh["nasha"].GetArray()) {
    for (const auto& t : svc["tasks"].GetArray()) {
      if (std::string(t["operation"].GetString()) == "clusterLeclercCustomSnapCreate" &&
          std::string(t["details"].GetString()) == name) {
        return t["due_us"].GetInt64() / 1000000;
      }
    }
  }
  return -1;
}

// Another client of the same account: a signed call made outside snapfs, with its own SHA-1.
int signed_call(const EmulatorProcess& emu, const std::string& method, const std::string& path,
                std::string* body_out) {
  HttpOptions options;
  options.ca_file = emu.ca_file();
  HttpClient http(options);
  OpContext ctx(std::chrono::seconds(10));
  HttpRequest time_request;
  time_request.url = emu.base_url() + "/1.0/auth/time";
  auto time = http.send(time_request, ctx);
  if (!time.ok()) return -1;
  HttpRequest r;
  r.method = method;
  r.url = emu.base_url() + "/1.0" + path;
  r.idempotent = false;
  std::string ts = time->body;
  std::string joined = "demo-as+demo-ck+" + method + "+" + r.url + "++" + ts;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(joined.data(), joined.size(), digest, &len, EVP_sha1(), nullptr);
  char hex[3];
  std::string signature = "$1$";
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(hex, sizeof hex, "%02x", digest[i]);
    signature += hex;
  }
  r.headers = {{"X-Ovh-Application", "demo-ak"},
               {"X-Ovh-Consumer", "demo-ck"},
               {"X-Ovh-Timestamp", ts},
               {"X-Ovh-Signature", signature}};
  auto response = http.send(r, ctx);
  if (!response.ok()) return -1;
  if (body_out) *body_out = response->body;
  return response->status;
}

class OvhMountTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SNAPFS_REQUIRE_FUSE();
    Start({"--seed", "demo", "--async-ms", "300"});
  }

  void Start(std::vector<std::string> args, bool tls = false) {
    emulator_ = std::make_unique<EmulatorProcess>(args, tls);
    ASSERT_TRUE(emulator_->ok());
  }

  std::string Endpoint() const { return emulator_->base_url() + "/1.0"; }

  std::string Config(const std::string& credentials = kDemoCredentials) const {
    return section("nas", "ovh-nasha", Endpoint(), credentials) +
           section("efs", "ovh-netapp", Endpoint(), credentials);
  }

  void Mount(const std::vector<std::string>& options = {"cache_ttl=2"},
             const std::vector<std::string>& env = {}) {
    mount_ = std::make_unique<SnapfsMount>(Config(), options, env);
    ASSERT_TRUE(mount_->ok()) << mount_->log();
  }

  std::unique_ptr<EmulatorProcess> emulator_;
  std::unique_ptr<SnapfsMount> mount_;
};

TEST_F(OvhMountTest, TreeShowsServicesVolumesAndSnapshots) {
  Mount();
  EXPECT_EQ(lines(mount_->sh("ls").out), (std::set<std::string>{"efs", "nas"}));
  EXPECT_EQ(lines(mount_->sh("ls nas").out),
            (std::set<std::string>{"zpool-123456", "zpool-654321"}));
  EXPECT_EQ(lines(mount_->sh("ls -A nas/zpool-123456/partition1").out),
            (std::set<std::string>{".snapshots"}));
  EXPECT_EQ(lines(mount_->sh(std::string("ls ") + kNasDir).out),
            (std::set<std::string>{"snap-before-upgrade", "snap-daily-backup", "snap-untracked"}));
  EXPECT_EQ(lines(mount_->sh("ls efs").out), (std::set<std::string>{"efs-prod"}));
  EXPECT_EQ(lines(mount_->sh("ls efs/efs-prod").out),
            (std::set<std::string>{"share-a", "share-b"}));
  auto efs = lines(mount_->sh(std::string("ls ") + kEfsDir).out);
  EXPECT_TRUE(efs.count("before%2Fafter upgrade"));  // a '/' in a name
  EXPECT_TRUE(efs.count("nightly"));                 // two siblings share a name
  EXPECT_TRUE(efs.count("nightly~d08e9dac"));
  EXPECT_TRUE(efs.count("e19faebd-c23b-4a0a-8d5c-8e9fa0b1c2d3"));  // the empty name
  EXPECT_EQ(xattr(*mount_, "state", std::string(kEfsDir) + "/in-progress"), "creating");
  EXPECT_EQ(xattr(*mount_, "type", std::string(kEfsDir) + "/hourly.2024-07-17_0900"), "automatic");
  EXPECT_EQ(xattr(*mount_, "type", std::string(kEfsDir) + "/system-replica"), "system");
  EXPECT_EQ(xattr(*mount_, "name", std::string(kEfsDir) + "/before%2Fafter upgrade"),
            "before/after upgrade");
}

TEST_F(OvhMountTest, NashaSnapshotTimesComeFromTheCreatingTask) {
  Mount();
  const std::string dir = kNasDir;
  auto mtime = mount_->sh("stat -c %Y " + dir + "/snap-daily-backup");
  ASSERT_EQ(mtime.exit_code, 0) << mtime.err;
  EXPECT_EQ(std::stoll(mtime.out), create_task_done_seconds(*emulator_, "snap-daily-backup"));
  // No task for this one: the time snapfs first listed it.
  auto untracked = mount_->sh("stat -c %Y " + dir + "/snap-untracked");
  EXPECT_NEAR(static_cast<double>(std::stoll(untracked.out)),
              static_cast<double>(std::chrono::duration_cast<std::chrono::seconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count()),
              60.0);
  EXPECT_EQ(xattr(*mount_, "expiration", dir + "/snap-daily-backup"), "");
  std::string expiration = xattr(*mount_, "expiration", dir + "/snap-before-upgrade");
  EXPECT_EQ(expiration.size(), 20u) << expiration;
  EXPECT_EQ(expiration.back(), 'Z');
  EXPECT_NE(xattr(*mount_, "json", dir + "/snap-before-upgrade").find("\"expiration\""),
            std::string::npos);
}

TEST_F(OvhMountTest, NashaMkdirWithDefaultExpirationThenRmdir) {
  Mount();
  const std::string dir = kNasDir;
  ASSERT_EQ(set_xattr(*mount_, "default-expiration", "7d", dir).exit_code, 0);
  auto made = mount_->sh("mkdir " + dir + "/snap-mount.1");
  ASSERT_EQ(made.exit_code, 0) << made.err << mount_->log();
  EXPECT_EQ(xattr(*mount_, "state", dir + "/snap-mount.1"), "creating");
  std::string expiration = xattr(*mount_, "expiration", dir + "/snap-mount.1");
  auto now = std::chrono::system_clock::now();
  ASSERT_FALSE(expiration.empty());
  EXPECT_EQ(expiration.substr(0, 10), [&] {
    std::time_t t = std::chrono::system_clock::to_time_t(now + std::chrono::hours(24 * 7));
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", std::gmtime(&t));
    return std::string(buf);
  }()) << expiration;
  EXPECT_EQ(wait_for_xattr(*mount_, dir, "snap-mount.1", "state", "available"), "available");
  EXPECT_TRUE(custom_snapshots(*emulator_, "partition1").count("snap-mount.1"));
  // mtime becomes the task's doneDate (once the kernel's attribute cache, cache_ttl, expires).
  const std::string done = std::to_string(create_task_done_seconds(*emulator_, "snap-mount.1"));
  EXPECT_TRUE(eventually([&] {
    set_xattr(*mount_, "refresh", "1", dir);
    return mount_->sh("stat -c %Y " + dir + "/snap-mount.1").out == done + "\n";
  })) << mount_->sh("stat -c %Y " + dir + "/snap-mount.1").out
      << " != " << done;

  auto removed = mount_->sh("rmdir " + dir + "/snap-mount.1");
  ASSERT_EQ(removed.exit_code, 0) << removed.err;
  EXPECT_FALSE(lines(mount_->sh("ls " + dir).out).count("snap-mount.1"));
  ASSERT_TRUE(wait_for_absent(*mount_, dir, "snap-mount.1"));
  EXPECT_TRUE(eventually(
      [&] { return !custom_snapshots(*emulator_, "partition1").count("snap-mount.1"); }));
}

TEST_F(OvhMountTest, NashaBadNamesAreEinvalWithoutARequest) {
  Mount();
  const std::string dir = kNasDir;
  ASSERT_EQ(mount_->sh("ls " + dir).exit_code, 0);
  const long long before = emulator_->total_requests();
  for (const std::string bad : {"with space", "under_score", "caf\xc3\xa9"}) {
    auto r = mount_->sh("mkdir " + shell_quote(dir + "/" + bad));
    EXPECT_NE(r.exit_code, 0) << bad;
    EXPECT_NE(r.err.find("Invalid argument"), std::string::npos) << bad << ": " << r.err;
  }
  EXPECT_EQ(emulator_->total_requests(), before);
}

TEST_F(OvhMountTest, NashaEleventhSnapshotIsEdquot) {
  Mount();
  const std::string dir = kNasDir;
  for (int i = 0; i < 7; ++i) {
    auto r = mount_->sh("mkdir " + dir + "/snap-fill-" + std::to_string(i));
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  auto r = mount_->sh("mkdir " + dir + "/snap-eleventh");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("Disk quota exceeded"), std::string::npos) << r.err;
}

TEST_F(OvhMountTest, NashaRenameIsEnotsup) {
  Mount();
  auto r = mount_->sh(std::string("mv ") + kNasDir + "/snap-daily-backup " + kNasDir + "/snap-x");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("not supported"), std::string::npos) << r.err;
}

TEST_F(OvhMountTest, NashaScheduleReadsAndWritesTheFrequencies) {
  Mount();
  const std::string dir = kNasDir;
  EXPECT_EQ(xattr(*mount_, "schedule", dir), "day-1,hour-1");
  ASSERT_EQ(set_xattr(*mount_, "schedule", "hour-6,day-1", dir).exit_code, 0);
  EXPECT_EQ(xattr(*mount_, "schedule", dir), "day-1,hour-6");
  EXPECT_TRUE(eventually([&] { return schedules(*emulator_, "partition1") == "day-1,hour-6"; }));
  for (const std::string bad : {"weekly", "hour-1,hour-6,day-1,day-2,day-3"}) {
    auto r = set_xattr(*mount_, "schedule", bad, dir);
    EXPECT_NE(r.exit_code, 0) << bad;
    EXPECT_NE(r.err.find("Invalid argument"), std::string::npos) << r.err;
  }
  EXPECT_EQ(schedules(*emulator_, "partition1"), "day-1,hour-6");
}

TEST_F(OvhMountTest, NashaVolumeAttributes) {
  Mount();
  const std::string volume = "nas/zpool-123456/partition1";
  EXPECT_EQ(xattr(*mount_, "size", volume), std::to_string(100ULL << 30));
  EXPECT_EQ(xattr(*mount_, "protocol", volume), "NFS");
  EXPECT_EQ(xattr(*mount_, "used", volume),
            std::to_string(static_cast<unsigned long long>(42.5 * (1ULL << 30))));
  EXPECT_EQ(xattr(*mount_, "usedbysnapshots", volume),
            std::to_string(static_cast<unsigned long long>(3.25 * (1ULL << 30))));
  // Usage is read on demand only, never while listing.
  emulator_->reset_stats();
  mount_->sh("ls -R nas > /dev/null");
  EXPECT_EQ(route_count(*emulator_, "GET",
                        "/1.0/dedicated/nasha/{serviceName}/partition/{partitionName}/use"),
            0);
}

TEST_F(OvhMountTest, NetappMkdirRenameDescribeRmdir) {
  Mount();
  const std::string dir = kEfsDir;
  auto made = mount_->sh("mkdir " + shell_quote(dir + "/rel%2F1"));
  ASSERT_EQ(made.exit_code, 0) << made.err << mount_->log();
  EXPECT_EQ(xattr(*mount_, "name", dir + "/rel%2F1"), "rel/1");
  EXPECT_EQ(xattr(*mount_, "type", dir + "/rel%2F1"), "manual");
  EXPECT_EQ(wait_for_xattr(*mount_, dir, "rel%2F1", "state", "available"), "available");
  const std::string id = xattr(*mount_, "id", dir + "/rel%2F1");
  EXPECT_EQ(efs_snapshot_name(*emulator_, id), "rel/1");

  auto moved = mount_->sh("mv " + shell_quote(dir + "/rel%2F1") + " " + dir + "/release-1");
  ASSERT_EQ(moved.exit_code, 0) << moved.err;
  EXPECT_EQ(efs_snapshot_name(*emulator_, id), "release-1");
  EXPECT_EQ(xattr(*mount_, "id", dir + "/release-1"), id);

  ASSERT_EQ(set_xattr(*mount_, "description", "kept for audit", dir + "/release-1").exit_code, 0);
  EXPECT_EQ(xattr(*mount_, "description", dir + "/release-1"), "kept for audit");

  auto removed = mount_->sh("rmdir " + dir + "/release-1");
  ASSERT_EQ(removed.exit_code, 0) << removed.err;
  ASSERT_TRUE(wait_for_absent(*mount_, dir, "release-1"));
  EXPECT_TRUE(eventually([&] { return efs_snapshot_name(*emulator_, id) == "<gone>"; }));
}

// A name once shown keeps resolving to its snapshot: removing both entries `ls` showed for the
// two "nightly" snapshots removes both, and the second keeps its name after the API lists anew.
TEST_F(OvhMountTest, NetappShownNamesKeepResolvingAfterASiblingIsDeleted) {
  Mount();
  const std::string dir = kEfsDir;
  const std::string older = "cf7d8c9b-a01f-4ece-ab3a-6c7d8e9fa0b1";
  const std::string newer = "d08e9dac-b12a-4fdf-bc4b-7d8e9fa0b1c2";
  std::set<std::string> shown = lines(mount_->sh("ls " + dir).out);
  ASSERT_TRUE(shown.count("nightly") && shown.count("nightly~d08e9dac")) << mount_->log();
  auto removed = mount_->sh("rmdir " + dir + "/nightly");
  ASSERT_EQ(removed.exit_code, 0) << removed.err;
  EXPECT_EQ(xattr(*mount_, "id", dir + "/nightly~d08e9dac"), newer);
  ASSERT_TRUE(eventually([&] { return efs_snapshot_name(*emulator_, older) == "<gone>"; }));
  ASSERT_EQ(set_xattr(*mount_, "refresh", "1", dir).exit_code, 0);
  shown = lines(mount_->sh("ls " + dir).out);
  EXPECT_TRUE(shown.count("nightly~d08e9dac"));
  EXPECT_FALSE(shown.count("nightly"));
  auto second = mount_->sh("rmdir " + dir + "/nightly~d08e9dac");
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_TRUE(eventually([&] { return efs_snapshot_name(*emulator_, newer) == "<gone>"; }));
}

TEST_F(OvhMountTest, NetappProtectedSnapshotsRefuseRmdir) {
  Mount();
  const std::string dir = kEfsDir;
  auto automatic = mount_->sh("rmdir " + dir + "/hourly.2024-07-17_0900");
  EXPECT_NE(automatic.err.find("Operation not permitted"), std::string::npos) << automatic.err;
  auto system = mount_->sh("rmdir " + dir + "/system-replica");
  EXPECT_NE(system.err.find("Operation not permitted"), std::string::npos) << system.err;
  auto creating = mount_->sh("rmdir " + dir + "/in-progress");
  EXPECT_NE(creating.err.find("busy"), std::string::npos) << creating.err;
  auto source = mount_->sh("rmdir " + dir + "/golden");
  EXPECT_NE(source.err.find("busy"), std::string::npos) << source.err;
  EXPECT_EQ(efs_snapshot_name(*emulator_, kAutomatic), "hourly.2024-07-17_0900");
}

TEST_F(OvhMountTest, NetappScheduleIsTheSharePolicy) {
  Mount();
  const std::string dir = kEfsDir;
  EXPECT_EQ(xattr(*mount_, "schedule", dir), "hourly-24: copies=24 prefix=hourly minutes=0");
  EXPECT_EQ(xattr(*mount_, "schedule", "efs/efs-prod/share-b/.snapshots"), "");
  std::string policies = xattr(*mount_, "policies", "efs/efs-prod");
  EXPECT_NE(policies.find("hourly-24 (c1d2e3f4-0a1b-4c2d-8e3f-405162738495): copies=24"),
            std::string::npos)
      << policies;
  EXPECT_NE(policies.find("daily-7 (d4c3b2a1-9f8e-4d7c-a6b5-0f1e2d3c4b5a)"), std::string::npos);
  ASSERT_EQ(set_xattr(*mount_, "schedule", "daily-7", dir).exit_code, 0);
  EXPECT_EQ(xattr(*mount_, "schedule", dir),
            "daily-7: copies=7 prefix=daily minutes=0 hours=3; "
            "copies=4 prefix=weekly minutes=0 hours=4 weekdays=0");
  auto bad = set_xattr(*mount_, "schedule", "no-such-policy", dir);
  EXPECT_NE(bad.err.find("Invalid argument"), std::string::npos) << bad.err;
}

TEST_F(OvhMountTest, NetappHeldSnapshotIsReKeyed) {
  Mount({});  // default cache_ttl: the listing keeps the old id while the hold happens
  const std::string dir = kEfsDir;
  ASSERT_TRUE(lines(mount_->sh("ls " + dir).out).count("hourly.2024-07-17_0900"));
  std::string held;
  ASSERT_EQ(signed_call(*emulator_, "POST",
                        std::string("/storage/netapp/") + kEfsService + "/share/" + kShareA +
                            "/snapshot/" + kAutomatic + "/hold",
                        &held),
            200)
      << held;
  rapidjson::Document doc;
  doc.Parse(held.c_str());
  ASSERT_TRUE(doc.IsObject());
  const std::string new_id = doc["id"].GetString();
  ASSERT_NE(new_id, kAutomatic);

  auto moved = mount_->sh("mv " + dir + "/hourly.2024-07-17_0900 " + dir + "/kept-hourly");
  ASSERT_EQ(moved.exit_code, 0) << moved.err << mount_->log();
  // The rename went to the snapshot's new id: the held snapshot carries the new name.
  EXPECT_EQ(efs_snapshot_name(*emulator_, new_id), "kept-hourly");
  EXPECT_EQ(efs_snapshot_name(*emulator_, kAutomatic), "<gone>");
  // The mount shows the new name under the new id at once.
  EXPECT_EQ(mount_->sh("getfattr --only-values -n user.snapfs.id " + dir + "/kept-hourly").out,
            new_id);
  EXPECT_FALSE(lines(mount_->sh("ls " + dir).out).count("hourly.2024-07-17_0900"));
}

TEST_F(OvhMountTest, WrongSecretIsEaccesWithACleanLogLine) {
  const std::string secret = "wrong-secret-4242";
  mount_ = std::make_unique<SnapfsMount>(Config("application_key = demo-ak\napplication_secret = " +
                                                secret + "\nconsumer_key = demo-ck\n"),
                                         std::vector<std::string>{});
  ASSERT_TRUE(mount_->ok()) << mount_->log();
  auto r = mount_->sh("ls nas");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("Permission denied"), std::string::npos) << r.err;
  const std::string log = mount_->log();
  std::string line;
  std::stringstream in(log);
  for (std::string l; std::getline(in, l);) {
    if (l.find("INVALID_SIGNATURE") != std::string::npos) line = l;
  }
  ASSERT_FALSE(line.empty()) << log;
  EXPECT_NE(line.find("remote 'nas': "), std::string::npos) << line;
  EXPECT_NE(line.find("application_secret in [nas]"), std::string::npos) << line;
  EXPECT_EQ(log.find(secret), std::string::npos) << log;
  EXPECT_EQ(log.find("$1$"), std::string::npos) << log;
}

// A whole session (listings, creates, attribute reads and writes) at the most verbose log level:
// neither the application secret, the consumer key nor a request signature ($1$...) shows up in
// the log, an attribute or an error message.
TEST_F(OvhMountTest, DebugLogsAndAttributesNeverShowASecret) {
  Mount({"cache_ttl=2", "log_level=debug"});
  const std::string nas = std::string(kNasDir) + "/secret-check";
  const std::string efs = std::string(kEfsDir) + "/secret-check";
  CommandResult session = mount_->sh(
      "ls -lAR . && mkdir " + shell_quote(nas) + " " + shell_quote(efs) +
      " && setfattr -n user.snapfs.description -v x " + shell_quote(efs) +
      " && getfattr -R -d -m - . && getfattr -n user.snapfs.stats . && ls " +
      shell_quote(std::string(kNasDir) + "/no-such-snapshot") +
      // rmdir answers EBUSY while the HA-NAS task still runs (--async-ms 300): try for 5 s.
      "; for i in $(seq 50); do rmdir " + shell_quote(nas) + " 2>/dev/null && break; sleep 0.1; " +
      "done; test ! -e " + shell_quote(nas));
  ASSERT_EQ(session.exit_code, 0) << session.err << mount_->log();
  const std::string log = mount_->log();
  EXPECT_NE(log.find("GET http://127.0.0.1"), std::string::npos) << "debug logging is on: " << log;
  for (const char* secret : {"demo-as", "demo-ck", "$1$"}) {
    EXPECT_EQ(log.find(secret), std::string::npos) << secret << " in the log:\n" << log;
    EXPECT_EQ(session.out.find(secret), std::string::npos) << secret << " in an attribute";
    EXPECT_EQ(session.err.find(secret), std::string::npos) << secret << " in an error message";
  }
}

TEST_F(OvhMountTest, ApiClockTenMinutesAheadStillWorks) {
  Start({"--seed", "demo", "--async-ms", "300", "--clock-offset-s", "600"});
  Mount();
  EXPECT_EQ(lines(mount_->sh("ls nas").out),
            (std::set<std::string>{"zpool-123456", "zpool-654321"}));
  auto made = mount_->sh(std::string("mkdir ") + kNasDir + "/snap-skewed");
  EXPECT_EQ(made.exit_code, 0) << made.err << mount_->log();
  EXPECT_EQ(route_count(*emulator_, "GET", "/1.0/dedicated/nasha"), 1);
}

TEST_F(OvhMountTest, CredentialsFromOvhEnvironmentVariables) {
  mount_ = std::make_unique<SnapfsMount>(
      section("nas", "ovh-nasha", Endpoint(), ""), std::vector<std::string>{},
      std::vector<std::string>{"OVH_APPLICATION_KEY=demo-ak", "OVH_APPLICATION_SECRET=demo-as",
                               "OVH_CONSUMER_KEY=demo-ck"});
  ASSERT_TRUE(mount_->ok()) << mount_->log();
  EXPECT_EQ(lines(mount_->sh("ls nas").out),
            (std::set<std::string>{"zpool-123456", "zpool-654321"}));
}

TEST_F(OvhMountTest, CredentialsFromHomeOvhConf) {
  TempDir home;
  home.write_file(".ovh.conf", "[default]\nendpoint=" + Endpoint() + "\n\n[" + Endpoint() + "]\n" +
                                   kDemoCredentials);
  mount_ = std::make_unique<SnapfsMount>("[nas]\ntype = ovh-nasha\n", std::vector<std::string>{},
                                         std::vector<std::string>{"HOME=" + home.path()});
  ASSERT_TRUE(mount_->ok()) << mount_->log();
  EXPECT_EQ(lines(mount_->sh("ls nas").out),
            (std::set<std::string>{"zpool-123456", "zpool-654321"}));
}

TEST_F(OvhMountTest, TlsWithTheEmulatorsCertificate) {
  Start({"--seed", "demo"}, /*tls=*/true);
  std::string credentials =
      std::string(kDemoCredentials) + "ca_file = " + emulator_->ca_file() + "\n";
  mount_ = std::make_unique<SnapfsMount>(section("efs", "ovh-netapp", Endpoint(), credentials));
  ASSERT_TRUE(mount_->ok()) << mount_->log();
  EXPECT_EQ(lines(mount_->sh("ls efs/efs-prod").out),
            (std::set<std::string>{"share-a", "share-b"}));
}

// Every route of the HA-NAS and Enterprise File Storage guides (seeds 000-002) is reached through
// the mount; with list expansion off, the per-object GETs are used too.
TEST_F(OvhMountTest, EverySeedRouteIsReachable) {
  TempDir dir;
  {
    EmulatorProcess demo({"--seed", "demo"});
    rapidjson::Document doc;
    std::string text = demo.state_json();
    doc.Parse(text.c_str(), text.size());
    doc["ovh"]["expand_custom_snapshots"].SetBool(false);
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    doc.Accept(w);
    dir.write_file("seed.json", buf.GetString(), 0644);
  }
  Start({"--seed", dir.path() + "/seed.json", "--async-ms", "200"});
  Mount();
  const std::string nas = kNasDir;
  const std::string efs = kEfsDir;
  ASSERT_EQ(mount_->sh("ls nas").exit_code, 0);
  ASSERT_EQ(mount_->sh("ls " + nas).exit_code, 0);
  EXPECT_EQ(xattr(*mount_, "schedule", nas), "day-1,hour-1");
  ASSERT_EQ(set_xattr(*mount_, "schedule", "day-1,hour-6", nas).exit_code, 0);
  ASSERT_EQ(mount_->sh("mkdir " + nas + "/snap-route").exit_code, 0);
  ASSERT_EQ(mount_->sh("rmdir " + nas + "/snap-untracked").exit_code, 0);
  ASSERT_EQ(mount_->sh("ls " + efs).exit_code, 0);
  ASSERT_EQ(mount_->sh("mkdir " + efs + "/route-check").exit_code, 0);
  EXPECT_EQ(wait_for_xattr(*mount_, efs, "route-check", "state", "available"), "available");
  ASSERT_EQ(mount_->sh("mv " + efs + "/route-check " + efs + "/route-checked").exit_code, 0);
  ASSERT_EQ(mount_->sh("rmdir " + efs + "/route-checked").exit_code, 0);

  const std::string part = "/1.0/dedicated/nasha/{serviceName}/partition/{partitionName}";
  const std::string share = "/1.0/storage/netapp/{serviceName}/share/{shareId}";
  const std::vector<std::pair<std::string, std::string>> routes = {
      {"GET", "/1.0/dedicated/nasha"},
      {"GET", part + "/snapshot"},
      {"POST", part + "/snapshot"},
      {"GET", part + "/snapshot/{snapshotType}"},
      {"DELETE", part + "/snapshot/{snapshotType}"},
      {"GET", part + "/customSnapshot"},
      {"POST", part + "/customSnapshot"},
      {"GET", part + "/customSnapshot/{name}"},
      {"DELETE", part + "/customSnapshot/{name}"},
      {"GET", share + "/snapshot"},
      {"POST", share + "/snapshot"},
      {"GET", share + "/snapshot/{snapshotId}"},
      {"DELETE", share + "/snapshot/{snapshotId}"},
  };
  for (const auto& [method, route] : routes) {
    EXPECT_GT(route_count(*emulator_, method, route), 0) << method << " " << route;
  }
}

}  // namespace
}  // namespace snapfs::test
