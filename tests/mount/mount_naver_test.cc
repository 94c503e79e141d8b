// naver-nas on a real mount: snapfs-emulator (demo data) + snapfs, checked with ls, stat, mkdir,
// rmdir, readlink, getfattr and setfattr, and against the emulator's own state. NAVER names
// snapshots itself, so mkdir NAME leaves NAME as an alias symlink to the server's name.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "tests/support/mount.h"
#include "tests/support/process.h"

namespace snapfs::test {
namespace {

const std::regex kServerName(R"(now\.\d{8}\.\d{6})");

struct Variant {
  const char* platform;
  const char* format;
};

// Names the variant in test listings (instead of the struct's bytes).
void PrintTo(const Variant& v, std::ostream* os) {
  *os << v.platform << "/" << v.format;
}

std::set<std::string> lines(const std::string& text) {
  std::set<std::string> out;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.insert(line);
  }
  return out;
}

class NaverMountTest : public ::testing::TestWithParam<Variant> {
 protected:
  void SetUp() override {
    SNAPFS_REQUIRE_FUSE();
    emulator_ = std::make_unique<EmulatorProcess>(
        std::vector<std::string>{"--seed", "demo", "--async-ms", "1000"});
    ASSERT_TRUE(emulator_->ok());
  }

  std::string Config(const std::string& credentials =
                         "access_key = demo-access-key\nsecret_key = demo-secret-key\n") const {
    return "[nas]\ntype = naver-nas\nplatform = " + std::string(GetParam().platform) +
           "\nformat = " + GetParam().format + "\napi_url = " + emulator_->base_url() + "\n" +
           credentials;
  }

  // Snapshot names of a volume in the emulator's state.
  std::set<std::string> StateSnapshots(const std::string& volume_name) const {
    rapidjson::Document state;
    state.Parse(emulator_->state_json().c_str());
    EXPECT_FALSE(state.HasParseError());
    std::set<std::string> names;
    if (state.HasParseError() || !state.HasMember("naver")) return names;
    const auto& volumes = state["naver"]["platforms"][GetParam().platform]["volumes"];
    for (const auto& v : volumes.GetArray()) {
      if (std::string(v["volumeName"].GetString()) != volume_name) continue;
      for (const auto& s : v["snapshots"].GetArray()) names.insert(s["name"].GetString());
    }
    return names;
  }

  static std::string Dir(const std::string& volume) { return "nas/KR/" + volume + "/.snapshots"; }

  static std::string Xattr(const SnapfsMount& mount, const std::string& name,
                           const std::string& path) {
    return mount.sh("getfattr --only-values -n user.snapfs." + name + " " + shell_quote(path)).out;
  }

  // Polls a snapshot's state (refreshing the listing) until it is `want` or 15 s pass.
  static std::string WaitForState(const SnapfsMount& mount, const std::string& dir,
                                  const std::string& name, const std::string& want) {
    std::string state;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (std::chrono::steady_clock::now() < deadline) {
      mount.sh("setfattr -n user.snapfs.refresh -v 1 " + shell_quote(dir));
      state = Xattr(mount, "state", dir + "/" + name);
      if (state == want) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return state;
  }

  std::unique_ptr<EmulatorProcess> emulator_;
};

TEST_P(NaverMountTest, TreeShowsRegionVolumesAndSnapshots) {
  SnapfsMount mount(Config());
  ASSERT_TRUE(mount.ok());
  EXPECT_EQ(mount.sh("ls").out, "nas\n");
  EXPECT_EQ(mount.sh("ls nas").out, "KR\n");
  EXPECT_EQ(lines(mount.sh("ls nas/KR").out),
            (std::set<std::string>{"n1234567_data", "n1234567_full", "n1234567_logs",
                                   "n1234567_scratch"}));
  EXPECT_EQ(lines(mount.sh("ls " + Dir("n1234567_data")).out), StateSnapshots("n1234567_data"));
  EXPECT_EQ(mount.sh("ls -A " + Dir("n1234567_scratch")).out, "");
  EXPECT_EQ(mount.sh("stat -c '%F %a' " + Dir("n1234567_scratch")).out, "directory 755\n");
}

TEST_P(NaverMountTest, SnapshotsShowSizeTimeAndState) {
  SnapfsMount mount(Config());
  ASSERT_TRUE(mount.ok());
  std::string busy = Dir("n1234567_data") + "/now.20240403.164347";
  EXPECT_EQ(mount.sh("stat -c '%s %Y' " + busy).out, "196608 1712130227\n");
  EXPECT_EQ(Xattr(mount, "state", busy), "busy");
  EXPECT_EQ(Xattr(mount, "id", busy), "now.20240403.164347");
  EXPECT_EQ(Xattr(mount, "created", busy), "2024-04-03T07:43:47Z");
  EXPECT_EQ(Xattr(mount, "state", Dir("n1234567_data") + "/now.20240403.164335"), "available");
  rapidjson::Document json;
  json.Parse(Xattr(mount, "json", busy).c_str());
  ASSERT_FALSE(json.HasParseError());
  EXPECT_EQ(std::string(json["createDate"].GetString()), "2024-04-03T16:43:47+0900");
  EXPECT_TRUE(json["isBusy"].GetBool());
}

TEST_P(NaverMountTest, VolumesExposeTheSnapshotCapacity) {
  SnapfsMount mount(Config());
  ASSERT_TRUE(mount.ok());
  EXPECT_EQ(Xattr(mount, "snapshot-capacity", "nas/KR/n1234567_data"), "107374182400");
  EXPECT_EQ(Xattr(mount, "snapshot-ratio", "nas/KR/n1234567_data"), "20");
  EXPECT_EQ(Xattr(mount, "snapshot-ratio", "nas/KR/n1234567_scratch"), "0");
  EXPECT_EQ(Xattr(mount, "protocol", "nas/KR/n1234567_logs"), "CIFS");
  CommandResult dump = mount.sh("getfattr -d -m - nas/KR/n1234567_data");
  EXPECT_NE(dump.out.find("user.snapfs.snapshot-capacity"), std::string::npos) << dump.out;
  EXPECT_NE(dump.out.find("user.snapfs.mount"), std::string::npos) << dump.out;
}

TEST_P(NaverMountTest, MkdirKeepsTheNameAsAnAliasOfTheServerName) {
  SnapfsMount mount(Config());
  ASSERT_TRUE(mount.ok());
  const std::string dir = Dir("n1234567_data");
  auto before = StateSnapshots("n1234567_data");
  CommandResult mk = mount.sh("mkdir " + dir + "/before-upgrade && ls " + dir + "/before-upgrade");
  ASSERT_EQ(mk.exit_code, 0) << mk.err << mount.log();
  auto after = StateSnapshots("n1234567_data");
  ASSERT_EQ(after.size(), before.size() + 1);
  std::string created;
  for (const auto& n : after) {
    if (!before.count(n)) created = n;
  }
  EXPECT_TRUE(std::regex_match(created, kServerName)) << created;
  EXPECT_EQ(mount.sh("readlink " + dir + "/before-upgrade").out, created + "\n");
  EXPECT_EQ(mount.sh("stat -c %F " + dir + "/before-upgrade").out, "symbolic link\n");
  auto listed = lines(mount.sh("ls " + dir).out);
  EXPECT_TRUE(listed.count("before-upgrade"));
  EXPECT_TRUE(listed.count(created));
  std::string state = Xattr(mount, "state", dir + "/" + created);
  EXPECT_TRUE(state == "creating" || state == "busy") << state;
  EXPECT_NE(mount.log().find("may be deleted by NAVER Cloud"), std::string::npos) << mount.log();
  // Once the snapshot settles, rmdir of its real name removes it and its alias.
  ASSERT_EQ(WaitForState(mount, dir, created, "available"), "available");
  EXPECT_EQ(mount.sh("readlink " + dir + "/before-upgrade").out, created + "\n");
  CommandResult rm = mount.sh("rmdir " + dir + "/" + created);
  EXPECT_EQ(rm.exit_code, 0) << rm.err;
  EXPECT_FALSE(StateSnapshots("n1234567_data").count(created));
  EXPECT_NE(mount.sh("ls -d " + dir + "/before-upgrade").exit_code, 0);
}

// The reply to mkdir describes the new directory, but NAME is an alias link: the kernel must not
// keep that reply's entry, or a readlink straight after mkdir finds a directory (EINVAL).
TEST_P(NaverMountTest, ReadlinkRightAfterMkdirFindsTheAlias) {
  SnapfsMount mount(Config());
  ASSERT_TRUE(mount.ok());
  const std::string dir = mount.path() + "/" + Dir("n1234567_data");
  for (int i = 0; i < 8; ++i) {
    // System calls straight from this process: nothing between mkdir's answer and readlink.
    const std::string alias = dir + "/quick-" + std::to_string(i);
    ASSERT_EQ(::mkdir(alias.c_str(), 0755), 0) << std::strerror(errno) << mount.log();
    char target[256] = {};
    ssize_t n = ::readlink(alias.c_str(), target, sizeof target - 1);
    ASSERT_GT(n, 0) << alias << ": " << std::strerror(errno);
    EXPECT_TRUE(std::regex_match(std::string(target, n), kServerName)) << target;
  }
}

TEST_P(NaverMountTest, MkdirWithoutReserveIsEdquot) {
  SnapfsMount mount(Config());
  ASSERT_TRUE(mount.ok());
  CommandResult mk = mount.sh("mkdir " + Dir("n1234567_scratch") + "/x");
  EXPECT_NE(mk.exit_code, 0);
  EXPECT_NE(mk.err.find("Disk quota exceeded"), std::string::npos) << mk.err;
  EXPECT_NE(mount.log().find("snapshot volume ratio of this NAS volume is 0"), std::string::npos)
      << mount.log();
  EXPECT_TRUE(StateSnapshots("n1234567_scratch").empty());
}

TEST_P(NaverMountTest, MkdirBeyondCapacityEvictsTheOldestSnapshot) {
  SnapfsMount mount(Config());
  ASSERT_TRUE(mount.ok());
  const std::string dir = Dir("n1234567_full");
  auto before = StateSnapshots("n1234567_full");
  ASSERT_EQ(before.size(), 2u);
  std::string oldest = *before.begin();  // names sort by time
  ASSERT_EQ(mount.sh("ls " + dir).exit_code, 0);
  CommandResult mk = mount.sh("mkdir " + dir + "/nightly");
  ASSERT_EQ(mk.exit_code, 0) << mk.err;
  EXPECT_FALSE(StateSnapshots("n1234567_full").count(oldest));
  mount.sh("setfattr -n user.snapfs.refresh -v 1 " + dir);
  auto listed = lines(mount.sh("ls " + dir).out);
  EXPECT_FALSE(listed.count(oldest));
  EXPECT_TRUE(listed.count("nightly"));
  EXPECT_EQ(listed.size(), 3u);  // two snapshots and the alias
  std::string log = mount.log();
  EXPECT_NE(log.find("deleted 1 older snapshot(s)"), std::string::npos) << log;
  EXPECT_NE(log.find(oldest), std::string::npos) << log;
}

TEST_P(NaverMountTest, RmdirOfABusySnapshotIsEbusy) {
  SnapfsMount mount(Config());
  ASSERT_TRUE(mount.ok());
  CommandResult rm = mount.sh("rmdir " + Dir("n1234567_data") + "/now.20240403.164347");
  EXPECT_NE(rm.exit_code, 0);
  EXPECT_NE(rm.err.find("Device or resource busy"), std::string::npos) << rm.err;
  EXPECT_TRUE(StateSnapshots("n1234567_data").count("now.20240403.164347"));
}

TEST_P(NaverMountTest, RmdirDeletesAndMvIsNotSupported) {
  SnapfsMount mount(Config());
  ASSERT_TRUE(mount.ok());
  const std::string dir = Dir("n1234567_logs");
  std::string first = *StateSnapshots("n1234567_logs").begin();
  CommandResult mv = mount.sh("mv " + dir + "/" + first + " " + dir + "/renamed");
  EXPECT_NE(mv.exit_code, 0);
  EXPECT_NE(mv.err.find("not supported"), std::string::npos) << mv.err;
  CommandResult rm = mount.sh("rmdir " + dir + "/" + first);
  EXPECT_EQ(rm.exit_code, 0) << rm.err;
  EXPECT_FALSE(StateSnapshots("n1234567_logs").count(first));
  EXPECT_FALSE(lines(mount.sh("ls " + dir).out).count(first));
}

TEST_P(NaverMountTest, ScheduleIsReadAndWrittenOnSnapshotsDir) {
  SnapfsMount mount(Config());
  ASSERT_TRUE(mount.ok());
  const std::string dir = Dir("n1234567_data");
  EXPECT_EQ(Xattr(mount, "schedule", dir), "weekly sun 03:00 ratio=20");
  EXPECT_EQ(Xattr(mount, "schedule", Dir("n1234567_logs")), "daily 01:00 ratio=10");
  EXPECT_EQ(Xattr(mount, "schedule", Dir("n1234567_scratch")), "");
  CommandResult set = mount.sh("setfattr -n user.snapfs.schedule -v 'daily 04:00 ratio=15' " + dir);
  ASSERT_EQ(set.exit_code, 0) << set.err;
  EXPECT_EQ(Xattr(mount, "schedule", dir), "daily 04:00 ratio=15");
  mount.sh("setfattr -n user.snapfs.refresh -v 1 nas/KR");
  EXPECT_EQ(Xattr(mount, "snapshot-ratio", "nas/KR/n1234567_data"), "15");
  // Malformed: EINVAL and nothing changes.
  long long requests = emulator_->total_requests();
  CommandResult bad = mount.sh("setfattr -n user.snapfs.schedule -v 'daily 04:30' " + dir);
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("Invalid argument"), std::string::npos) << bad.err;
  EXPECT_EQ(emulator_->total_requests(), requests);
  EXPECT_EQ(Xattr(mount, "schedule", dir), "daily 04:00 ratio=15");
  // Empty: automatic snapshots off, the reserve stays.
  ASSERT_EQ(mount.sh("setfattr -n user.snapfs.schedule -v '' " + dir).exit_code, 0);
  EXPECT_EQ(Xattr(mount, "schedule", dir), "ratio=15");
}

TEST_P(NaverMountTest, WrongSecretGivesEaccesAndALogLineWithoutTheSecret) {
  SnapfsMount mount(Config("access_key = demo-access-key\nsecret_key = wrong-secret-value\n"));
  ASSERT_TRUE(mount.ok());
  CommandResult ls = mount.sh("ls nas/KR");
  EXPECT_NE(ls.exit_code, 0);
  EXPECT_NE(ls.err.find("Permission denied"), std::string::npos) << ls.err;
  std::string log = mount.log();
  EXPECT_NE(log.find("NCLOUD_ACCESS_KEY_ID"), std::string::npos) << log;
  EXPECT_EQ(log.find("wrong-secret-value"), std::string::npos) << log;
}

// A whole session at the most verbose log level: neither the secret key nor a request signature
// (the x-ncp-apigw-signature-v2 header) shows up in the log, an attribute or an error message.
TEST_P(NaverMountTest, DebugLogsAndAttributesNeverShowASecret) {
  SnapfsMount mount(Config(), {"log_level=debug"});
  ASSERT_TRUE(mount.ok());
  const std::string dir = Dir("n1234567_data");
  CommandResult session =
      mount.sh("ls -lAR . && mkdir " + shell_quote(dir + "/secret-check") +
               " && getfattr -n user.snapfs.schedule " + shell_quote(dir) +
               " && getfattr -R -d -m - . && getfattr -n user.snapfs.stats . && ls " +
               shell_quote(dir + "/no-such-snapshot") + "; true");
  ASSERT_EQ(session.exit_code, 0) << session.err << mount.log();
  const std::string log = mount.log();
  EXPECT_NE(log.find("POST http://127.0.0.1"), std::string::npos) << "debug logging is on: " << log;
  for (const char* secret : {"demo-secret-key", "signature-v2:", "apigw-signature"}) {
    EXPECT_EQ(log.find(secret), std::string::npos) << secret << " in the log:\n" << log;
    EXPECT_EQ(session.out.find(secret), std::string::npos) << secret << " in an attribute";
    EXPECT_EQ(session.err.find(secret), std::string::npos) << secret << " in an error message";
  }
}

TEST_P(NaverMountTest, CredentialsFromNcloudConfigure) {
  TempDir home;
  ASSERT_EQ(run_command("mkdir -p " + shell_quote(home.path() + "/.ncloud")).exit_code, 0);
  home.write_file(".ncloud/configure",
                  "[DEFAULT]\nncloud_access_key_id = demo-access-key\n"
                  "ncloud_secret_access_key = demo-secret-key\n");
  SnapfsMount mount(Config(""), {}, {"HOME=" + home.path()});
  ASSERT_TRUE(mount.ok());
  EXPECT_EQ(mount.sh("ls nas/KR | wc -l").out, "4\n") << mount.log();
}

TEST_P(NaverMountTest, CredentialsFromNcloudVariables) {
  SnapfsMount mount(
      Config(""), {},
      {"NCLOUD_ACCESS_KEY_ID=demo-access-key", "NCLOUD_SECRET_ACCESS_KEY=demo-secret-key"});
  ASSERT_TRUE(mount.ok());
  EXPECT_EQ(mount.sh("ls nas/KR | wc -l").out, "4\n") << mount.log();
}

INSTANTIATE_TEST_SUITE_P(Platforms, NaverMountTest,
                         ::testing::Values(Variant{"classic", "xml"}, Variant{"vpc", "json"}),
                         [](const ::testing::TestParamInfo<Variant>& info) {
                           return std::string(info.param.platform) + "_" + info.param.format;
                         });

}  // namespace
}  // namespace snapfs::test
