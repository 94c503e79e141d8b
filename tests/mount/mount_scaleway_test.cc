// SEMANTICS.md on a real mount: snapfs-emulator (demo data) + snapfs, checked with ls, stat,
// mkdir, rmdir, mv, getfattr and setfattr, and against the emulator's own state and counters.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <functional>
#include <set>
#include <thread>

#include "tests/support/mount.h"
#include "tests/support/process.h"

namespace snapfs::test {
namespace {

constexpr const char* kToken = "00000000-0000-4000-8000-000000000001";

// Calls over every JSON object in a document, depth first.
void each_object(const rapidjson::Value& v,
                 const std::function<void(const rapidjson::Value&)>& fn) {
  if (v.IsObject()) {
    fn(v);
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) each_object(it->value, fn);
  } else if (v.IsArray()) {
    for (const auto& item : v.GetArray()) each_object(item, fn);
  }
}

std::string str(const rapidjson::Value& obj, const char* key) {
  auto it = obj.FindMember(key);
  return it != obj.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
}

class ScalewayMountTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SNAPFS_REQUIRE_FUSE();
    emulator_ = std::make_unique<EmulatorProcess>(
        std::vector<std::string>{"--seed", "demo", "--async-ms", "500"});
    ASSERT_TRUE(emulator_->ok());
  }

  std::string Config(const std::string& type = "scaleway-instance",
                     const std::string& secret = kToken) const {
    return "[scw]\ntype = " + type +
           "\nzones = fr-par-1,nl-ams-1\napi_url = " + emulator_->base_url() +
           "\nsecret_key = " + secret + "\n";
  }

  // The API's own answer (what any client would see), as JSON.
  rapidjson::Document Api(const std::string& path) const {
    CommandResult r = run_command("curl -sf -H 'X-Auth-Token: " + std::string(kToken) + "' " +
                                  shell_quote(emulator_->base_url() + path));
    rapidjson::Document doc;
    doc.Parse(r.out.c_str());
    EXPECT_FALSE(doc.HasParseError()) << path << ": " << r.out;
    return doc;
  }

  // Objects of the emulator's state that have the given field value.
  std::vector<std::string> StateIdsWhere(const std::string& key, const std::string& value) const {
    rapidjson::Document state;
    state.Parse(emulator_->state_json().c_str());
    EXPECT_FALSE(state.HasParseError());
    std::vector<std::string> ids;
    each_object(state, [&](const rapidjson::Value& o) {
      if (o.HasMember("id") && str(o, key.c_str()) == value) ids.push_back(str(o, "id"));
    });
    return ids;
  }

  // The Instance volume with the most snapshots in fr-par-1, and its snapshots.
  void PickVolume(std::string* volume_name, std::string* volume_id) {
    auto volumes = Api("/instance/v1/zones/fr-par-1/volumes?per_page=100");
    auto snapshots = Api("/instance/v1/zones/fr-par-1/snapshots?per_page=100");
    std::map<std::string, int> counts;
    for (const auto& s : snapshots["snapshots"].GetArray()) {
      if (s["base_volume"].IsObject()) counts[str(s["base_volume"], "id")]++;
    }
    int best = -1;
    for (const auto& v : volumes["volumes"].GetArray()) {
      if (counts[str(v, "id")] > best && !str(v, "name").empty() &&
          str(v, "name").find('/') == std::string::npos) {
        best = counts[str(v, "id")];
        *volume_name = str(v, "name");
        *volume_id = str(v, "id");
      }
    }
    ASSERT_GT(best, 0) << "the demo data set has an Instance volume with snapshots";
  }

  std::unique_ptr<EmulatorProcess> emulator_;
};

TEST_F(ScalewayMountTest, TreeShowsZonesVolumesAndSnapshotsAsTheApiLists) {
  SnapfsMount mount(Config());
  ASSERT_TRUE(mount.ok());
  EXPECT_EQ(mount.sh("ls").out, "scw\n");
  EXPECT_EQ(mount.sh("ls scw").out, "fr-par-1\nnl-ams-1\n");
  auto volumes = Api("/instance/v1/zones/fr-par-1/volumes?per_page=100");
  std::set<std::string> expected;
  for (const auto& v : volumes["volumes"].GetArray()) {
    expected.insert(str(v, "name").empty() ? str(v, "id") : str(v, "name"));
  }
  CommandResult ls = mount.sh("ls -1 scw/fr-par-1");
  std::set<std::string> shown;
  std::stringstream lines(ls.out);
  for (std::string line; std::getline(lines, line);) shown.insert(line);
  EXPECT_EQ(shown, expected);
  // Every volume has its .snapshots, even without snapshots; it is hidden from plain ls.
  for (const auto& name : shown) {
    CommandResult st =
        mount.sh("stat -c '%F %a' " + shell_quote("scw/fr-par-1/" + name + "/.snapshots"));
    EXPECT_EQ(st.out, "directory 755\n") << name << st.err;
  }
  EXPECT_EQ(mount.sh("stat -c %a scw/fr-par-1").out, "555\n");
}

TEST_F(ScalewayMountTest, SnapshotDirectoriesCarrySizeAndCreationTime) {
  std::string volume, volume_id;
  PickVolume(&volume, &volume_id);
  SnapfsMount mount(Config());
  ASSERT_TRUE(mount.ok());
  auto snapshots =
      Api("/instance/v1/zones/fr-par-1/snapshots?per_page=100&base_volume_id=" + volume_id);
  int checked = 0;
  for (const auto& s : snapshots["snapshots"].GetArray()) {
    CommandResult id =
        mount.sh("for d in scw/fr-par-1/" + shell_quote(volume) +
                 "/.snapshots/*; do [ \"$(getfattr --only-values -n user.snapfs.id \"$d\")\" = " +
                 shell_quote(str(s, "id")) + " ] && echo \"$d\"; done");
    std::string dir = id.out.substr(0, id.out.find('\n'));
    ASSERT_FALSE(dir.empty()) << "no directory for snapshot " << str(s, "id");
    CommandResult st = mount.sh("stat -c '%s %Y' " + shell_quote(dir));
    std::string created =
        mount.sh("date -u -d " + shell_quote(str(s, "creation_date")) + " +%s").out;
    EXPECT_EQ(st.out, std::to_string(s["size"].GetUint64()) + " " + created) << dir;
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

TEST_F(ScalewayMountTest, NamesAreEscapedDeduplicatedAndEmptyNamesShowTheId) {
  SnapfsMount mount(Config());
  ASSERT_TRUE(mount.ok());
  // Every snapshot of the zone that has a volume, under the name SEMANTICS.md gives it.
  auto snapshots = Api("/instance/v1/zones/fr-par-1/snapshots?per_page=100");
  auto volumes = Api("/instance/v1/zones/fr-par-1/volumes?per_page=100");
  std::map<std::string, std::string> volume_dir;
  for (const auto& v : volumes["volumes"].GetArray()) {
    volume_dir[str(v, "id")] = str(v, "name").empty() ? str(v, "id") : str(v, "name");
  }
  bool saw_slash = false, saw_empty = false, saw_duplicate = false;
  std::map<std::pair<std::string, std::string>, int> seen;
  for (const auto& s : snapshots["snapshots"].GetArray()) {
    if (!s["base_volume"].IsObject()) continue;
    std::string vol = volume_dir[str(s["base_volume"], "id")];
    std::string name = str(s, "name");
    std::string id = str(s, "id");
    std::string shown;
    if (name.empty()) {
      shown = id;
      saw_empty = true;
    } else {
      for (std::size_t k = 0; k < name.size(); ++k) {
        // '/' as %2F; a '%' only where it would read as an escape (%2F, %25, %00).
        const std::string next = name.substr(k + 1, 2);
        const bool escape = name[k] == '%' && (next == "2F" || next == "25" || next == "00");
        shown += name[k] == '/' ? "%2F" : escape ? "%25" : std::string(1, name[k]);
      }
      saw_slash |= name.find('/') != std::string::npos;
    }
    if (seen[{vol, shown}]++ > 0) saw_duplicate = true;
    std::string base = "scw/fr-par-1/" + vol + "/.snapshots/";
    // Either the plain name (the oldest) or NAME~ID8 names this snapshot's directory.
    CommandResult plain =
        mount.sh("getfattr --only-values -n user.snapfs.id " + shell_quote(base + shown));
    CommandResult suffixed = mount.sh("getfattr --only-values -n user.snapfs.id " +
                                      shell_quote(base + shown + "~" + id.substr(0, 8)));
    EXPECT_TRUE(plain.out == id || suffixed.out == id) << base << shown << " for " << id;
    CommandResult real_name =
        mount.sh("getfattr --only-values -n user.snapfs.name " +
                 shell_quote(base + (plain.out == id ? shown : shown + "~" + id.substr(0, 8))));
    EXPECT_EQ(real_name.out, name);
  }
  EXPECT_TRUE(saw_slash) << "the demo data has a name with '/'";
  EXPECT_TRUE(saw_empty) << "the demo data has an empty name";
  EXPECT_TRUE(saw_duplicate) << "the demo data has two siblings sharing a name";
}

TEST_F(ScalewayMountTest, MkdirCreatesOneSnapshotAndRmdirDeletesIt) {
  std::string volume, volume_id;
  PickVolume(&volume, &volume_id);
  SnapfsMount mount(Config());
  ASSERT_TRUE(mount.ok());
  std::string dir = "scw/fr-par-1/" + volume + "/.snapshots";
  ASSERT_EQ(mount.sh("ls " + shell_quote(dir)).exit_code, 0);
  emulator_->reset_stats();
  CommandResult mk = mount.sh("mkdir " + shell_quote(dir + "/nightly%2F1"));
  ASSERT_EQ(mk.exit_code, 0) << mk.err << mount.log();
  auto created = StateIdsWhere("name", "nightly/1");
  ASSERT_EQ(created.size(), 1u) << "exactly one snapshot named nightly/1";
  EXPECT_EQ(emulator_->total_requests(), 1) << emulator_->stats_json();
  EXPECT_EQ(
      mount.sh("getfattr --only-values -n user.snapfs.state " + shell_quote(dir + "/nightly%2F1"))
          .out,
      "creating");
  EXPECT_EQ(
      mount.sh("getfattr --only-values -n user.snapfs.id " + shell_quote(dir + "/nightly%2F1")).out,
      created[0]);
  EXPECT_EQ(mount.sh("ls " + shell_quote(dir) + " | grep -c '^nightly%2F1$'").out, "1\n");
  // Still creating: busy.
  CommandResult busy = mount.sh("rmdir " + shell_quote(dir + "/nightly%2F1"));
  EXPECT_NE(busy.exit_code, 0);
  EXPECT_NE(busy.err.find("busy"), std::string::npos) << busy.err;
  // Once the API says available, it goes.
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  CommandResult rm = mount.sh("rmdir " + shell_quote(dir + "/nightly%2F1"));
  ASSERT_EQ(rm.exit_code, 0) << rm.err << mount.log();
  EXPECT_TRUE(StateIdsWhere("name", "nightly/1").empty());
  EXPECT_NE(mount.sh("stat " + shell_quote(dir + "/nightly%2F1")).exit_code, 0);
  CommandResult again = mount.sh("rmdir " + shell_quote(dir + "/nightly%2F1"));
  EXPECT_NE(again.err.find("No such file"), std::string::npos) << again.err;
}

TEST_F(ScalewayMountTest, MkdirOfATakenNameIsEexistAndNothingIsCreated) {
  std::string volume, volume_id;
  PickVolume(&volume, &volume_id);
  SnapfsMount mount(Config());
  ASSERT_TRUE(mount.ok());
  std::string dir = "scw/fr-par-1/" + volume + "/.snapshots";
  std::string first = mount.sh("ls " + shell_quote(dir) + " | head -n 1").out;
  first.pop_back();
  emulator_->reset_stats();
  CommandResult mk = mount.sh("mkdir " + shell_quote(dir + "/" + first));
  EXPECT_NE(mk.err.find("File exists"), std::string::npos) << mk.err;
  EXPECT_EQ(emulator_->total_requests(), 0);
}

// For every name mkdir accepts, stat of that same name finds the snapshot and a second mkdir
// (or mkdir -p) makes no second one; names that would be shown otherwise, or are not UTF-8, are
// refused before any request.
TEST_F(ScalewayMountTest, MkdirNamesAreFoundByTheNameTypedAndMadeOnce) {
  SnapfsMount mount(Config());
  ASSERT_TRUE(mount.ok());
  const std::string dir = "scw/fr-par-1/spare-disk/.snapshots";
  ASSERT_EQ(mount.sh("ls " + shell_quote(dir)).exit_code, 0);
  for (const std::string name : {"a%zz", "lc%2fb"}) {
    const std::string path = shell_quote(dir + "/" + name);
    CommandResult mk = mount.sh("mkdir " + path);
    ASSERT_EQ(mk.exit_code, 0) << name << mk.err << mount.log();
    CommandResult st = mount.sh("stat -c %F " + path);
    EXPECT_EQ(st.out, "directory\n") << name << st.err;
    EXPECT_EQ(mount.sh("mkdir -p " + path).exit_code, 0) << name;
    CommandResult again = mount.sh("mkdir " + path);
    EXPECT_NE(again.err.find("File exists"), std::string::npos) << name << again.err;
    EXPECT_EQ(StateIdsWhere("name", name).size(), 1u) << "one snapshot named " << name;
  }
  emulator_->reset_stats();
  for (const std::string name : {"100%25", "bad\xff"}) {
    CommandResult mk = mount.sh("mkdir " + shell_quote(dir + "/" + name));
    EXPECT_NE(mk.err.find("Invalid argument"), std::string::npos) << name << mk.err;
  }
  EXPECT_EQ(emulator_->total_requests(), 0) << emulator_->stats_json();
}

TEST_F(ScalewayMountTest, MvRenamesWithinSnapshotsAndRefusesAcrossVolumes) {
  std::string volume, volume_id;
  PickVolume(&volume, &volume_id);
  SnapfsMount mount(Config());
  ASSERT_TRUE(mount.ok());
  std::string dir = "scw/fr-par-1/" + volume + "/.snapshots";
  ASSERT_EQ(mount.sh("mkdir " + shell_quote(dir + "/to-rename")).exit_code, 0);
  std::string id = StateIdsWhere("name", "to-rename").at(0);
  CommandResult mv =
      mount.sh("mv " + shell_quote(dir + "/to-rename") + " " + shell_quote(dir + "/renamed"));
  ASSERT_EQ(mv.exit_code, 0) << mv.err << mount.log();
  EXPECT_EQ(StateIdsWhere("name", "renamed"), std::vector<std::string>{id});
  EXPECT_TRUE(StateIdsWhere("name", "to-rename").empty());
  EXPECT_EQ(
      mount.sh("getfattr --only-values -n user.snapfs.id " + shell_quote(dir + "/renamed")).out,
      id);
  // Onto a taken name.
  ASSERT_EQ(mount.sh("mkdir " + shell_quote(dir + "/other")).exit_code, 0);
  CommandResult taken =
      mount.sh("mv -T " + shell_quote(dir + "/renamed") + " " + shell_quote(dir + "/other"));
  EXPECT_NE(taken.exit_code, 0);
  // Into another volume's .snapshots.
  std::string other_volume =
      mount.sh("ls scw/fr-par-1 | grep -vx " + shell_quote(volume) + " | head -n 1").out;
  other_volume.pop_back();
  CommandResult xdev =
      mount.sh("python3 -c \"import os,sys; os.rename(sys.argv[1], sys.argv[2])\" " +
               shell_quote(dir + "/renamed") + " " +
               shell_quote("scw/fr-par-1/" + other_volume + "/.snapshots/renamed"));
  EXPECT_NE(xdev.err.find("cross-device"), std::string::npos) << xdev.err;
}

TEST_F(ScalewayMountTest, TagsAreReadAndWrittenAsXattrs) {
  std::string volume, volume_id;
  PickVolume(&volume, &volume_id);
  SnapfsMount mount(Config());
  ASSERT_TRUE(mount.ok());
  std::string dir = "scw/fr-par-1/" + volume + "/.snapshots";
  ASSERT_EQ(mount.sh("mkdir " + shell_quote(dir + "/tagged")).exit_code, 0);
  std::string snap = dir + "/tagged";
  CommandResult set = mount.sh("setfattr -n user.snapfs.tags -v prod,kept " + shell_quote(snap));
  ASSERT_EQ(set.exit_code, 0) << set.err << mount.log();
  EXPECT_EQ(mount.sh("getfattr --only-values -n user.snapfs.tags " + shell_quote(snap)).out,
            "prod,kept");
  std::string id = StateIdsWhere("name", "tagged").at(0);
  auto api = Api("/instance/v1/zones/fr-par-1/snapshots/" + id);
  ASSERT_TRUE(api["snapshot"]["tags"].IsArray());
  ASSERT_EQ(api["snapshot"]["tags"].Size(), 2u);
  EXPECT_STREQ(api["snapshot"]["tags"][0].GetString(), "prod");
  // Volume tags too.
  CommandResult vol =
      mount.sh("setfattr -n user.snapfs.tags -v backup " + shell_quote("scw/fr-par-1/" + volume));
  EXPECT_EQ(vol.exit_code, 0) << vol.err;
  EXPECT_EQ(
      mount
          .sh("getfattr --only-values -n user.snapfs.tags " + shell_quote("scw/fr-par-1/" + volume))
          .out,
      "backup");
  // setfattr -x clears.
  EXPECT_EQ(mount.sh("setfattr -x user.snapfs.tags " + shell_quote(snap)).exit_code, 0);
  EXPECT_EQ(mount.sh("getfattr --only-values -n user.snapfs.tags " + shell_quote(snap)).out, "");
}

TEST_F(ScalewayMountTest, XattrListingAndRulesFollowSemantics) {
  std::string volume, volume_id;
  PickVolume(&volume, &volume_id);
  SnapfsMount mount(Config());
  ASSERT_TRUE(mount.ok());
  std::string dir = "scw/fr-par-1/" + volume + "/.snapshots";
  std::string snap = dir + "/" + [&] {
    std::string s = mount.sh("ls " + shell_quote(dir) + " | head -n 1").out;
    return s.substr(0, s.size() - 1);
  }();
  CommandResult dump = mount.sh("getfattr -d -m - " + shell_quote(snap));
  for (const char* attr :
       {"user.snapfs.id=", "user.snapfs.name=", "user.snapfs.state=", "user.snapfs.created=",
        "user.snapfs.size=", "user.snapfs.tags=", "user.snapfs.json="}) {
    EXPECT_NE(dump.out.find(attr), std::string::npos) << attr << " in " << dump.out;
  }
  rapidjson::Document json;
  json.Parse(
      mount.sh("getfattr --only-values -n user.snapfs.json " + shell_quote(snap)).out.c_str());
  EXPECT_FALSE(json.HasParseError());
  EXPECT_TRUE(json.HasMember("base_volume"));
  emulator_->reset_stats();
  CommandResult xdg = mount.sh("setfattr -n user.xdg.origin.url -v http://x " + shell_quote(snap));
  EXPECT_NE(xdg.err.find("Operation not supported"), std::string::npos) << xdg.err;
  CommandResult ro = mount.sh("setfattr -n user.snapfs.id -v x " + shell_quote(snap));
  EXPECT_NE(ro.err.find("Operation not permitted"), std::string::npos) << ro.err;
  CommandResult missing = mount.sh("getfattr -n user.snapfs.nothing " + shell_quote(snap));
  EXPECT_NE(missing.err.find("No such attribute"), std::string::npos) << missing.err;
  EXPECT_EQ(emulator_->total_requests(), 0) << "none of these may reach the API";
  // Stats at the root are JSON with the remote's request counters.
  rapidjson::Document stats;
  stats.Parse(mount.sh("getfattr --only-values -n user.snapfs.stats .").out.c_str());
  ASSERT_FALSE(stats.HasParseError());
  EXPECT_GT(stats["remotes"]["scw"]["requests"].GetUint64(), 0u);
}

TEST_F(ScalewayMountTest, FileCreationAndOtherWritesAreRefused) {
  std::string volume, volume_id;
  PickVolume(&volume, &volume_id);
  SnapfsMount mount(Config());
  ASSERT_TRUE(mount.ok());
  std::string dir = "scw/fr-par-1/" + volume + "/.snapshots";
  ASSERT_EQ(
      mount.sh("ls -a " + shell_quote(dir) + " scw/fr-par-1 scw/fr-par-1/" + volume).exit_code, 0);
  emulator_->reset_stats();
  for (const std::string& cmd : std::vector<std::string>{
           "touch " + dir + "/file", "mkdir scw/fr-par-1/" + volume + "/newdir",
           "mkdir scw/newzone", "chmod 700 " + dir, "ln -s x " + dir + "/link",
           "rmdir scw/fr-par-1/" + volume + "/.snapshots"}) {
    CommandResult r = mount.sh(cmd);
    EXPECT_NE(r.exit_code, 0) << cmd;
    EXPECT_NE(r.err.find("Operation not permitted"), std::string::npos) << cmd << ": " << r.err;
  }
  EXPECT_EQ(emulator_->total_requests(), 0);
}

TEST_F(ScalewayMountTest, ReadOnlyMountRefusesWithErofs) {
  std::string volume, volume_id;
  PickVolume(&volume, &volume_id);
  SnapfsMount mount(Config(), {"ro"});
  ASSERT_TRUE(mount.ok());
  std::string dir = "scw/fr-par-1/" + volume + "/.snapshots";
  EXPECT_EQ(mount.sh("stat -c %a " + shell_quote(dir)).out, "555\n");
  CommandResult mk = mount.sh("mkdir " + shell_quote(dir + "/x"));
  EXPECT_NE(mk.err.find("Read-only file system"), std::string::npos) << mk.err;
  EXPECT_TRUE(StateIdsWhere("name", "x").empty());
}

TEST_F(ScalewayMountTest, FileManagerProbesCostNoRequests) {
  std::string volume, volume_id;
  PickVolume(&volume, &volume_id);
  SnapfsMount mount(Config());
  ASSERT_TRUE(mount.ok());
  std::vector<std::string> dirs = {".", "scw", "scw/fr-par-1", "scw/fr-par-1/" + volume,
                                   "scw/fr-par-1/" + volume + "/.snapshots"};
  for (const auto& d : dirs) ASSERT_EQ(mount.sh("ls -a " + shell_quote(d)).exit_code, 0);
  emulator_->reset_stats();
  for (const auto& d : dirs) {
    for (const char* probe : {".hidden", ".directory", "desktop.ini", "autorun.inf", ".Trash-1000",
                              ".xdg-volume-info", ".git", "Thumbs.db"}) {
      EXPECT_NE(mount.sh("stat " + shell_quote(d + "/" + probe)).exit_code, 0);
    }
  }
  EXPECT_EQ(emulator_->total_requests(), 0) << emulator_->stats_json();
}

// The kernel keeps each directory it read: listing it again within the TTL reaches neither
// the API nor snapfs, and a refresh request drops the kernel's copy with snapfs's.
TEST_F(ScalewayMountTest, RepeatedListingsAreAnsweredByTheKernelUntilInvalidated) {
  std::string volume, volume_id;
  PickVolume(&volume, &volume_id);
  SnapfsMount mount(Config(), {"cache_ttl=600"});
  ASSERT_TRUE(mount.ok());
  const std::string dir = "scw/fr-par-1/" + volume + "/.snapshots";
  auto readdirs = [&] {
    rapidjson::Document stats;
    stats.Parse(mount.sh("getfattr --only-values -n user.snapfs.stats .").out.c_str());
    EXPECT_TRUE(!stats.HasParseError() && stats.HasMember("readdirs"));
    return stats.HasMember("readdirs") ? stats["readdirs"].GetInt64() : -1;
  };
  const std::string first = mount.sh("ls -la " + shell_quote(dir)).out;
  ASSERT_NE(first.find(" .\n"), std::string::npos) << "a listing shows . and ..:\n" << first;
  const long long after_first = readdirs();
  ASSERT_GT(after_first, 0);
  emulator_->reset_stats();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(mount.sh("ls -la " + shell_quote(dir)).out, first);
  EXPECT_EQ(readdirs(), after_first) << "the kernel answered the repeated listings";
  EXPECT_EQ(emulator_->total_requests(), 0) << emulator_->stats_json();

  ASSERT_EQ(mount.sh("setfattr -n user.snapfs.refresh -v 1 " + shell_quote(dir)).exit_code, 0);
  // The kernel hears of it from snapfs's notifier thread, a moment after setfattr returned.
  bool listed_again = false;
  for (int i = 0; i < 40 && !listed_again; ++i) {
    EXPECT_EQ(mount.sh("ls -la " + shell_quote(dir)).out, first);
    listed_again = readdirs() > after_first;
    if (!listed_again) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(listed_again) << "a refresh drops the kernel's copy";
  EXPECT_GT(emulator_->total_requests(), 0) << "and snapfs lists the volume again";
}

// A snapshot made and deleted outside snapfs shows in `ls` of a directory the kernel keeps,
// once the listing's TTL is over: the kernel's next lookup or getattr starts the refresh.
TEST_F(ScalewayMountTest, ChangesMadeOutsideShowAfterTheTtl) {
  std::string volume, volume_id;
  PickVolume(&volume, &volume_id);
  SnapfsMount mount(Config(), {"cache_ttl=1"});
  ASSERT_TRUE(mount.ok());
  const std::string dir = "scw/fr-par-1/" + volume + "/.snapshots";
  ASSERT_EQ(mount.sh("ls " + shell_quote(dir)).exit_code, 0);
  CommandResult made = run_command(
      "curl -sf -X POST -H 'Content-Type: application/json' -H 'X-Auth-Token: " +
      std::string(kToken) + "' -d " +
      shell_quote("{\"name\": \"made-outside\", \"volume_id\": \"" + volume_id + "\"}") + " " +
      shell_quote(emulator_->base_url() + "/instance/v1/zones/fr-par-1/snapshots"));
  ASSERT_EQ(made.exit_code, 0) << made.err;
  rapidjson::Document answer;
  answer.Parse(made.out.c_str());
  ASSERT_TRUE(!answer.HasParseError() && answer.HasMember("snapshot")) << made.out;
  const std::string id = str(answer["snapshot"], "id");

  // `ls -d` of the directory makes the kernel ask for it; plain `ls` alone may be answered
  // from the kernel's copy. Either way the name must show within a few TTLs.
  auto shows = [&] {
    return mount.sh("ls -d " + shell_quote(dir) + " >/dev/null; ls " + shell_quote(dir))
               .out.find("made-outside\n") != std::string::npos;
  };
  auto within = [](const std::function<bool()>& cond) {
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < end) {
      if (cond()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return false;
  };
  EXPECT_TRUE(within(shows)) << "the new snapshot never showed\n" << mount.log();

  std::this_thread::sleep_for(std::chrono::milliseconds(700));  // the API's creating state ends
  CommandResult gone = run_command(
      "curl -sf -X DELETE -H 'X-Auth-Token: " + std::string(kToken) + "' " +
      shell_quote(emulator_->base_url() + "/instance/v1/zones/fr-par-1/snapshots/" + id));
  ASSERT_EQ(gone.exit_code, 0) << gone.err;
  EXPECT_TRUE(within([&] { return !shows(); })) << "the deleted snapshot never went\n"
                                                << mount.log();
}

TEST_F(ScalewayMountTest, WrongSecretGivesEaccesAndALogLineWithoutTheSecret) {
  const std::string wrong = "11111111-2222-4333-8444-555555555555";
  SnapfsMount mount(Config("scaleway-instance", wrong));
  ASSERT_TRUE(mount.ok());
  CommandResult ls = mount.sh("ls scw/fr-par-1");
  EXPECT_NE(ls.err.find("Permission denied"), std::string::npos) << ls.err;
  std::string log = mount.log();
  EXPECT_NE(log.find("scw"), std::string::npos) << log;
  EXPECT_EQ(log.find(wrong), std::string::npos) << "the secret must never be logged";
}

TEST_F(ScalewayMountTest, BlockRemoteListsCreatesRenamesAndDeletes) {
  SnapfsMount mount(Config("scaleway-block"));
  ASSERT_TRUE(mount.ok());
  auto volumes = Api("/block/v1/zones/fr-par-1/volumes");
  ASSERT_GT(volumes["volumes"].Size(), 0u);
  std::string volume = str(volumes["volumes"][0], "name");
  std::string volume_id = str(volumes["volumes"][0], "id");
  std::string dir = "scw/fr-par-1/" + volume + "/.snapshots";
  auto before = Api("/block/v1/zones/fr-par-1/snapshots?volume_id=" + volume_id);
  CommandResult ls = mount.sh("ls " + shell_quote(dir) + " | wc -l");
  EXPECT_EQ(std::stoul(ls.out), before["snapshots"].Size()) << mount.log();
  ASSERT_EQ(mount.sh("mkdir " + shell_quote(dir + "/block-snap")).exit_code, 0) << mount.log();
  ASSERT_EQ(StateIdsWhere("name", "block-snap").size(), 1u);
  ASSERT_EQ(
      mount.sh("mv " + shell_quote(dir + "/block-snap") + " " + shell_quote(dir + "/block-snap-2"))
          .exit_code,
      0);
  EXPECT_EQ(StateIdsWhere("name", "block-snap-2").size(), 1u);
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  CommandResult rm = mount.sh("rmdir " + shell_quote(dir + "/block-snap-2"));
  ASSERT_EQ(rm.exit_code, 0) << rm.err << mount.log();
  EXPECT_TRUE(StateIdsWhere("name", "block-snap-2").empty());
}

TEST_F(ScalewayMountTest, DebugLogsAndAttributesNeverShowTheSecret) {
  std::string volume, volume_id;
  PickVolume(&volume, &volume_id);
  SnapfsMount mount(Config(), {"log_level=debug"});
  ASSERT_TRUE(mount.ok());
  std::string dir = "scw/fr-par-1/" + volume + "/.snapshots";
  CommandResult session =
      mount.sh("ls -lR . && mkdir " + shell_quote(dir + "/secret-check") +
               " && setfattr -n user.snapfs.tags -v x " + shell_quote(dir + "/secret-check") +
               " && getfattr -R -d -m - . && getfattr -n user.snapfs.stats .");
  ASSERT_EQ(session.exit_code, 0) << session.err;
  std::string log = mount.log();
  EXPECT_NE(log.find("GET http://127.0.0.1"), std::string::npos) << "debug logging is on: " << log;
  EXPECT_EQ(log.find(kToken), std::string::npos) << log;
  EXPECT_EQ(session.out.find(kToken), std::string::npos) << "no attribute holds the secret";
  EXPECT_EQ(session.err.find(kToken), std::string::npos);
}

TEST_F(ScalewayMountTest, UnmountIsClean) {
  SnapfsMount mount(Config());
  ASSERT_TRUE(mount.ok());
  ASSERT_EQ(mount.sh("ls -R scw >/dev/null").exit_code, 0);
  EXPECT_TRUE(mount.unmount()) << mount.log();
}

}  // namespace
}  // namespace snapfs::test
