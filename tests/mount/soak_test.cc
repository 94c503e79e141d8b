// A bounded concurrency soak on a real mount of all four provider families: eight threads make
// random lookups, listings, mkdirs and rmdirs, xattr reads and writes while the emulator fails
// about one request in ten (503, 429, dropped connections, truncated and malformed bodies, slow
// answers). Every call must answer within the deadline plus one second with an errno SEMANTICS.md
// allows for it. Afterwards the daemon is alive, the mount's view equals the emulator's state, no
// mkdir made two snapshots, and every write that succeeded is what the API holds.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "providers/common/time_util.h"
#include "tests/support/fs_call.h"
#include "tests/support/mount.h"
#include "tests/support/process.h"
#include "tests/support/reliability.h"
#include "tests/support/snapshot_view.h"

namespace snapfs::test {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kThreads = 8;
constexpr int kTimeoutSeconds = 3;
constexpr double kAnswerWithin = kTimeoutSeconds + 1.0;
const std::chrono::seconds kOpsPhase(45);
const std::chrono::milliseconds kAbandonAfter = std::chrono::seconds(kTimeoutSeconds + 20);

// About one request in ten fails, on every route (the first SPEC that fires decides).
const std::vector<std::string> kFaults = {"status=503,rate=0.03", "status=429,rate=0.02",
                                          "reset,rate=0.02",      "truncate,rate=0.01",
                                          "garbage,rate=0.01",    "delay-ms=400,rate=0.01"};

const char* const kOvhKeys =
    "application_key = demo-ak\napplication_secret = demo-as\nconsumer_key = demo-ck\n";

std::string config(const std::string& url) {
  return "[sc]\ntype = scaleway-instance\nzones = fr-par-1,nl-ams-1\napi_url = " + url +
         "\nsecret_key = 00000000-0000-4000-8000-000000000001\n\n"
         "[nas]\ntype = ovh-nasha\nendpoint = " +
         url + "/1.0\n" + kOvhKeys + "\n[efs]\ntype = ovh-netapp\nendpoint = " + url + "/1.0\n" +
         kOvhKeys +
         "\n[ncp]\ntype = naver-nas\nplatform = classic\nformat = xml\napi_url = " + url +
         "\naccess_key = demo-access-key\nsecret_key = demo-secret-key\n";
}

const std::map<std::string, RemoteScope> kScopes = {
    {"sc", {"scaleway-instance", {"fr-par-1", "nl-ams-1"}, ""}},
    {"nas", {"ovh-nasha", {}, ""}},
    {"efs", {"ovh-netapp", {}, ""}},
    {"ncp", {"naver-nas", {"KR"}, "classic"}},
};

// Where threads create and delete their own snapshots: one writer per directory, so a thread
// knows what it made. NAVER names each snapshot by the second (now.YYYYMMDD.HHMMSS) and leaves
// mkdir's NAME as a link to it; its reserve may evict older snapshots on a create.
const std::vector<std::string> kHomes = {
    "sc/fr-par-1/web-01-root/.snapshots",     "sc/fr-par-1/db-01-data/.snapshots",
    "sc/fr-par-1/spare-disk/.snapshots",      "sc/nl-ams-1/ams-app-root/.snapshots",
    "nas/zpool-123456/partition1/.snapshots", "efs/efs-prod/share-a/.snapshots",
    "efs/efs-prod/share-b/.snapshots",        "nas/zpool-123456/partition2/.snapshots",
    "nas/zpool-654321/data/.snapshots",       "ncp/KR/n1234567_data/.snapshots",
    "ncp/KR/n1234567_logs/.snapshots"};

std::string remote_of(const std::string& path) {
  return path.substr(0, path.find('/'));
}

// The errno values SEMANTICS.md allows for each kind of call under these faults.
const std::map<std::string, std::set<int>> kAllowed = {
    {"lookup", {0, ENOENT, EIO, ETIMEDOUT}},
    {"readdir", {0, EIO, ETIMEDOUT}},
    {"getxattr", {0, ENODATA, ENOENT, EIO, ETIMEDOUT}},
    {"setxattr", {0, ENOENT, EBUSY, EIO, ETIMEDOUT}},
    {"refresh", {0}},
    // EDQUOT: HA-NAS keeps at most 10 custom snapshots per partition.
    {"mkdir", {0, EIO, ETIMEDOUT, EDQUOT}},
    // EBUSY: still being created; ENOENT: an earlier rmdir whose answer was lost did delete it.
    {"rmdir", {0, EBUSY, ENOENT, EIO, ETIMEDOUT}},
    {"readlink", {0, EIO, ETIMEDOUT}},
};

struct Created {
  std::string dir;
  std::string name;  // as mkdir was given it
  std::string real;  // the snapshot's own name (NAVER's server name), "" until known
  std::optional<std::string> written;  // the last attribute value set successfully, if certain
  bool maybe_gone = false;             // an rmdir failed after it may have reached the API
};

struct Tally {
  std::mutex mu;
  std::map<std::string, std::map<std::string, int>> results;  // call -> errno name -> count
  std::vector<std::string> failures;
  void add(const std::string& call, const FsCallResult& r, const std::string& path,
           const std::string& origin) {
    std::lock_guard<std::mutex> lock(mu);
    results[call][errno_name(r.error)]++;
    const auto& allowed = kAllowed.at(call);
    if (!allowed.count(r.error)) {
      failures.push_back(call + " " + path + ": " + errno_name(r.error) + origin);
    } else if (r.seconds > kAnswerWithin) {
      failures.push_back(call + " " + path + ": answered after " + std::to_string(r.seconds) +
                         " s" + origin);
    }
  }
};

class Worker {
 public:
  Worker(int id, std::string root, std::vector<std::string> dirs, Tally* tally)
      : id_(id), root_(std::move(root)), dirs_(std::move(dirs)), rng_(1000 + id), tally_(tally) {
    for (std::size_t i = static_cast<std::size_t>(id); i < kHomes.size(); i += kThreads) {
      homes_.push_back(kHomes[i]);
    }
  }

  void Run(Clock::time_point until) {
    while (Clock::now() < until) Step();
  }

  const std::vector<Created>& created() const { return alive_; }
  // (dir, snapshot name) -> how this thread learned it was gone, for the report of a failure.
  const std::map<std::pair<std::string, std::string>, std::string>& deleted() const {
    return deleted_;
  }

 private:
  FsCallResult Do(const std::string& call, const std::string& path,
                  const std::function<FsCallResult()>& fn) {
    last_called_us_ = now_unix_us();
    FsCallResult r = fn();
    tally_->add(call, r, path, LastCallOrigin());
    return r;
  }

  // Which worker made the last call and when it started, in UTC as the daemon log writes
  // times: places a failure among the log's lines.
  std::string LastCallOrigin() const {
    return " (worker " + std::to_string(id_) + ", called at " + format_rfc3339_us(last_called_us_) +
           ")";
  }

  std::string Pick(const std::vector<std::string>& from) {
    return from[std::uniform_int_distribution<std::size_t>(0, from.size() - 1)(rng_)];
  }

  void Step() {
    int dice = std::uniform_int_distribution<int>(0, 99)(rng_);
    if (dice < 25) return Lookup();
    if (dice < 45) return List();
    if (dice < 60) return ReadAttribute();
    if (dice < 70) return WriteAttribute();
    if (dice < 85) return Mkdir();
    return Rmdir();
  }

  void Lookup() {
    std::string dir = Pick(dirs_);
    auto seen = seen_.find(dir);
    std::string name =
        seen != seen_.end() && !seen->second.empty() && std::bernoulli_distribution(0.7)(rng_)
            ? Pick(seen->second)
            : ".hidden-" + std::to_string(rng_() % 1000);
    std::string path = dir + "/" + name;
    Do("lookup", path, [&] { return fs_stat(root_ + path, kAbandonAfter); });
  }

  void List() {
    std::string dir = Pick(dirs_);
    FsCallResult r = Do("readdir", dir, [&] { return fs_list(root_ + dir, kAbandonAfter); });
    if (!r.ok()) return;
    std::vector<std::string>& names = seen_[dir];
    names.clear();
    for (const auto& e : r.entries) names.push_back(e.name);
  }

  void ReadAttribute() {
    static const std::vector<std::string> kNames = {"id",   "name", "state",    "created",
                                                    "tags", "json", "schedule", "description"};
    std::string dir = Pick(dirs_);
    auto seen = seen_.find(dir);
    std::string path = dir;
    if (seen != seen_.end() && !seen->second.empty() && std::bernoulli_distribution(0.6)(rng_)) {
      path += "/" + Pick(seen->second);
    }
    std::string attr = "user.snapfs." + Pick(kNames);
    Do("getxattr", path + " " + attr,
       [&] { return fs_getxattr(root_ + path, attr, kAbandonAfter); });
  }

  void WriteAttribute() {
    // Tags (Scaleway) or a description (EFS) on one of this thread's snapshots, else a refresh.
    std::vector<Created*> writable;
    for (Created& c : alive_) {
      if (remote_of(c.dir) == "sc" || remote_of(c.dir) == "efs") writable.push_back(&c);
    }
    if (writable.empty() || std::bernoulli_distribution(0.3)(rng_)) {
      std::string dir = Pick(dirs_);
      Do("refresh", dir,
         [&] { return fs_setxattr(root_ + dir, "user.snapfs.refresh", "1", kAbandonAfter); });
      return;
    }
    Created& c = *writable[rng_() % writable.size()];
    const bool tags = remote_of(c.dir) == "sc";
    const std::string attr = tags ? "user.snapfs.tags" : "user.snapfs.description";
    const std::string value = "w" + std::to_string(id_) + "-" + std::to_string(++serial_);
    const std::string path = c.dir + "/" + c.name;
    FsCallResult r = Do("setxattr", path + " " + attr,
                        [&] { return fs_setxattr(root_ + path, attr, value, kAbandonAfter); });
    if (r.ok()) {
      c.written = value;
    } else {
      c.written.reset();  // it may or may not have reached the API
    }
  }

  void Mkdir() {
    const std::string dir = Pick(homes_);
    const std::string name = "soak-" + std::to_string(id_) + "-" + std::to_string(++serial_);
    FsCallResult r = Do("mkdir", dir + "/" + name,
                        [&] { return fs_mkdir(root_ + dir + "/" + name, kAbandonAfter); });
    if (!r.ok()) return;
    Created c;
    c.dir = dir;
    c.name = name;
    c.real = remote_of(dir) == "ncp" ? "" : name;
    alive_.push_back(c);
  }

  void Rmdir() {
    if (alive_.empty()) return Mkdir();
    std::size_t i = rng_() % alive_.size();
    if (remote_of(alive_[i].dir) == "ncp" && alive_[i].maybe_gone) {
      // NAVER names are reused: once deleted, the next snapshot of that second may take the
      // name, so an rmdir sent again could delete that one. Forget it instead.
      alive_.erase(alive_.begin() + static_cast<std::ptrdiff_t>(i));
      return;
    }
    Created& c = alive_[i];
    if (c.real.empty()) {
      // mkdir NAME on NAVER leaves NAME as a link to the server's name.
      const std::string link = c.dir + "/" + c.name;
      FsCallResult target =
          Do("readlink", link, [&] { return fs_readlink(root_ + link, kAbandonAfter); });
      if (!target.ok()) return;
      c.real = target.value;
    }
    const std::string path = c.dir + "/" + c.real;
    FsCallResult r = Do("rmdir", path, [&] { return fs_rmdir(root_ + path, kAbandonAfter); });
    if (r.ok() || r.error == ENOENT) {
      deleted_[{c.dir, c.real}] = "rmdir answered " + errno_name(r.error) + LastCallOrigin();
      alive_.erase(alive_.begin() + static_cast<std::ptrdiff_t>(i));
    } else if (r.error != EBUSY) {
      c.maybe_gone = true;
      c.written.reset();
    }
  }

  int id_;
  std::string root_;
  std::vector<std::string> dirs_;
  std::vector<std::string> homes_;
  std::mt19937 rng_;
  Tally* tally_;
  int serial_ = 0;
  std::map<std::string, std::vector<std::string>> seen_;  // dir -> names of its last listing
  std::vector<Created> alive_;
  std::map<std::pair<std::string, std::string>, std::string> deleted_;
  std::int64_t last_called_us_ = 0;  // when Do() last started a call (Unix time, µs)
};

// The snapshot name a failure line is about: the last component of its path.
std::string failing_name(const std::string& failure) {
  const std::string path = failure.substr(0, failure.find(':'));
  const std::string last = path.substr(path.rfind('/') + 1);
  return last.substr(0, last.find(' '));
}

// Every line of the daemon's log that names `name`, and the lines naming what the server called
// it (NAVER answers a mkdir with a name of its own): a failure's history, whatever its age.
std::string log_story(const std::string& log, const std::string& name) {
  std::set<std::string> names = {"'" + name + "'"};
  const std::string named = "of mkdir '" + name + "' ";
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    const std::size_t at = line.find(named);
    if (at != std::string::npos) names.insert(line.substr(at + named.size()));
  }
  std::string out;
  std::istringstream again(log);
  for (std::string line; std::getline(again, line);) {
    for (const auto& n : names) {
      if (line.find(n) != std::string::npos) {
        out += line + "\n";
        break;
      }
    }
  }
  return out;
}

// Every directory above the snapshots: remotes, services, volumes and their .snapshots.
std::vector<std::string> discover(const std::string& root) {
  std::vector<std::string> dirs = {"."};
  std::vector<std::string> level = {""};
  for (int depth = 0; depth < 3; ++depth) {
    std::vector<std::string> next;
    for (const auto& dir : level) {
      FsCallResult r = fs_list(root + dir, kAbandonAfter);
      EXPECT_TRUE(r.ok()) << "ls " << dir << ": " << errno_name(r.error);
      for (const auto& e : r.entries) next.push_back(dir.empty() ? e.name : dir + "/" + e.name);
    }
    dirs.insert(dirs.end(), next.begin(), next.end());
    level = next;
  }
  for (const auto& volume : level) dirs.push_back(volume + "/.snapshots");
  return dirs;
}

// name -> snapshot objects with that name, for the remotes that keep mkdir's name.
std::map<std::string, int> soak_names_at_api(const std::string& state_json,
                                             const std::string& remote) {
  rapidjson::Document doc;
  doc.Parse(state_json.c_str(), state_json.size());
  std::map<std::string, int> out;
  std::function<void(const rapidjson::Value&)> walk = [&](const rapidjson::Value& v) {
    if (v.IsObject()) {
      std::string name = json_text(v, "name");
      if (name.rfind("soak-", 0) == 0) out[name]++;
      for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) walk(m->value);
    } else if (v.IsArray()) {
      for (const auto& item : v.GetArray()) walk(item);
    }
  };
  const char* api = remote == "sc" ? "scaleway" : "ovh";
  if (!doc.HasParseError() && doc.HasMember(api)) {
    const rapidjson::Value& section = doc[api];
    if (remote == "nas" && section.HasMember("nasha")) walk(section["nasha"]);
    if (remote == "efs" && section.HasMember("netapp")) walk(section["netapp"]);
    if (remote == "sc" && section.HasMember("instance_snapshots")) {
      walk(section["instance_snapshots"]);
    }
  }
  return out;
}

class SoakTest : public ::testing::Test {
 protected:
  void SetUp() override { SNAPFS_REQUIRE_FUSE(); }
};

TEST_F(SoakTest, EightThreadsUnderRandomFaultsKeepTheMountConsistent) {
  EmulatorProcess emulator({"--seed", "demo", "--async-ms", "200"});
  ASSERT_TRUE(emulator.ok());
  SnapfsMount mount(config(emulator.base_url()),
                    {"timeout=" + std::to_string(kTimeoutSeconds), "cache_ttl=2"});
  ASSERT_TRUE(mount.ok()) << mount.log();
  const std::string root = mount.path() + "/";
  const std::vector<std::string> dirs = discover(root);
  ASSERT_FALSE(::testing::Test::HasFailure());
  for (const auto& home : kHomes) {
    ASSERT_NE(std::find(dirs.begin(), dirs.end(), home), dirs.end()) << home;
  }

  emulator.set_faults(kFaults);
  Tally tally;
  std::vector<std::unique_ptr<Worker>> workers;
  workers.reserve(kThreads);
  for (int i = 0; i < kThreads; ++i) {
    workers.push_back(std::make_unique<Worker>(i, root, dirs, &tally));
  }
  const Clock::time_point until = Clock::now() + kOpsPhase;
  std::vector<std::thread> threads;
  threads.reserve(workers.size());
  for (auto& w : workers) threads.emplace_back([&w, until] { w->Run(until); });
  for (auto& t : threads) t.join();
  emulator.clear_faults();

  std::ostringstream summary;
  int calls = 0;
  for (const auto& [call, by_errno] : tally.results) {
    summary << call << ":";
    for (const auto& [name, n] : by_errno) {
      summary << " " << name << "=" << n;
      calls += n;
    }
    summary << "\n";
  }
  std::printf("%d calls in %lld s by %d threads\n%s", calls,
              static_cast<long long>(kOpsPhase.count()), kThreads, summary.str().c_str());
  EXPECT_GT(calls, 100);
  for (const auto& f : tally.failures) ADD_FAILURE() << f;
  if (!tally.failures.empty()) {
    std::fprintf(stderr, "%s\n", log_tail(mount.log(), 60).c_str());
    for (const auto& f : tally.failures) {
      std::fprintf(stderr, "the log's lines on %s:\n%s\n", f.c_str(),
                   log_story(mount.log(), failing_name(f)).c_str());
    }
  }

  // The daemon survived and still answers.
  ASSERT_EQ(kill(mount.pid(), 0), 0) << "snapfs died:\n" << log_tail(mount.log(), 60);
  FsCallResult alive = fs_list(root, kAbandonAfter);
  ASSERT_TRUE(alive.ok()) << errno_name(alive.error);

  // The mount shows what the API holds.
  for (const auto& [remote, scope] : kScopes) {
    EXPECT_EQ(wait_for_matching_view(emulator, root + remote, scope, std::chrono::seconds(20)), "")
        << remote;
  }

  // No mkdir made two snapshots; every successful mkdir and rmdir is the API's word; every
  // attribute last written successfully is the value the API holds and the mount shows.
  const std::string state_json = emulator.state_json();
  rapidjson::Document state;
  state.Parse(state_json.c_str(), state_json.size());
  std::map<std::string, std::map<std::string, int>> names;
  for (const char* remote : {"sc", "nas", "efs"})
    names[remote] = soak_names_at_api(state_json, remote);
  for (const auto& [remote, by_name] : names) {
    for (const auto& [name, n] : by_name) EXPECT_EQ(n, 1) << remote << " " << name;
  }
  int checked = 0;
  for (const auto& w : workers) {
    for (const Created& c : w->created()) {
      const std::string remote = remote_of(c.dir);
      // NAVER's server names are covered by the view comparison.
      if (remote == "ncp" || c.maybe_gone) continue;
      EXPECT_EQ(names[remote][c.name], 1) << c.dir << "/" << c.name << " was made by mkdir";
      if (!c.written) continue;
      const rapidjson::Value* object = find_object(state, "name", c.name);
      ASSERT_NE(object, nullptr) << c.name;
      std::string at_api;
      if (remote == "sc") {
        for (const auto& t : (*object)["tags"].GetArray()) {
          at_api += (at_api.empty() ? "" : ",") + std::string(t.GetString());
        }
      } else {
        at_api = json_text(*object, "description");
      }
      EXPECT_EQ(at_api, *c.written) << c.dir << "/" << c.name;
      const std::string attr = remote == "sc" ? "user.snapfs.tags" : "user.snapfs.description";
      FsCallResult shown = fs_getxattr(root + c.dir + "/" + c.name, attr, kAbandonAfter);
      EXPECT_EQ(shown.value, *c.written)
          << c.dir << "/" << c.name << " " << errno_name(shown.error);
      ++checked;
    }
    for (const auto& [deleted, how] : w->deleted()) {
      const auto& [dir, name] = deleted;
      if (remote_of(dir) != "ncp") {
        EXPECT_EQ(names[remote_of(dir)][name], 0) << dir << "/" << name << ": " << how;
      }
    }
  }
  std::printf("%d written attributes checked\n", checked);
  if (::testing::Test::HasFailure()) {
    // The whole daemon log, for the sequence of events behind a failure.
    const std::string path = artifacts_dir() + "/soak-snapfs.log";
    std::ofstream(path) << mount.log();
    std::printf("snapfs log: %s\n", path.c_str());
  }
  EXPECT_TRUE(mount.unmount()) << log_tail(mount.log(), 40);
}

}  // namespace
}  // namespace snapfs::test
