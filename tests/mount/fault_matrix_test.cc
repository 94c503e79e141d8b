// The fault matrix of every provider family on a real mount. Each emulator fault (503, 429 with
// and without Retry-After, a black hole, a dropped connection, a truncated or malformed body, a
// 401 and, for OVH, a skewed API clock) meets each operation (lookup, readdir, mkdir, rmdir,
// rename, getxattr, setxattr). Every cell asserts the errno SEMANTICS.md documents (or success
// after a retry), that the call answered within the mount's deadline plus one second, and that the
// emulator's state is exactly what the outcome implies; at the end of each row the mount's view
// must equal the emulator's state. The observed matrix of each family is written as markdown to
// fault-matrix-<family>.md in $SNAPFS_TEST_ARTIFACTS (default: ./test-artifacts).
//
// Determinism: a fresh emulator (demo data) and a fresh mount with -o prefetch=0 for every row, so
// no background listing consumes a count-limited fault; faults that stand for a transient failure
// are scoped to the method (and route) of the request the operation is about, faults that stand
// for a broken API (black hole, 401) hit every request, and every fault is cleared after its call.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/fs_call.h"
#include "tests/support/mount.h"
#include "tests/support/process.h"
#include "tests/support/reliability.h"
#include "tests/support/snapshot_view.h"

namespace snapfs::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kTimeoutSeconds = 2;  // -o timeout: the deadline of every operation
constexpr double kAnswerWithin = kTimeoutSeconds + 1.0;
constexpr int kBlackHoleMs = kTimeoutSeconds * 1000 + 1500;  // held past the deadline, then applied
const milliseconds kAbandonAfter = seconds(kTimeoutSeconds + 20);
const milliseconds kSettle = seconds(10);  // asynchronous API effects (--async-ms 100) and delays

enum class Op { kLookup, kReaddir, kMkdir, kRmdir, kRename, kGetxattr, kSetxattr };
// Rows run the cold reads first and the creates last: the pause a 429's Retry-After puts on every
// request of the remote would otherwise eat into the next call's deadline.
const Op kColumns[] = {Op::kLookup, Op::kReaddir,  Op::kMkdir,   Op::kRmdir,
                       Op::kRename, Op::kGetxattr, Op::kSetxattr};
const Op kRunOrder[] = {Op::kLookup, Op::kReaddir,  Op::kGetxattr, Op::kRmdir,
                        Op::kRename, Op::kSetxattr, Op::kMkdir};

const char* op_name(Op op) {
  switch (op) {
    case Op::kLookup: return "lookup";
    case Op::kReaddir: return "readdir";
    case Op::kMkdir: return "mkdir";
    case Op::kRmdir: return "rmdir";
    case Op::kRename: return "rename";
    case Op::kGetxattr: return "getxattr";
    case Op::kSetxattr: return "setxattr";
  }
  return "?";
}

bool is_write(Op op) {
  return op == Op::kMkdir || op == Op::kRmdir || op == Op::kRename || op == Op::kSetxattr;
}

enum class Fault {
  k503,
  k429RetryAfter,
  k429,
  kBlackHole,
  kReset,
  kTruncate,
  kGarbage,
  k401,
  kClock
};

std::string fault_label(Fault f) {
  switch (f) {
    case Fault::k503: return "503 (twice)";
    case Fault::k429RetryAfter: return "429 + Retry-After: 1 (once)";
    case Fault::k429: return "429, no Retry-After (twice)";
    case Fault::kBlackHole: return "black hole (delay-ms=" + std::to_string(kBlackHoleMs) + ")";
    case Fault::kReset: return "connection reset after applying (once)";
    case Fault::kTruncate: return "truncated body (once)";
    case Fault::kGarbage: return "garbage body";
    case Fault::k401: return "401";
    case Fault::kClock: return "API clock skew (+/-600 s, changed before each call)";
  }
  return "?";
}

// Faults that stand for a passing failure: they fire a given number of times.
bool is_transient(Fault f) {
  return f == Fault::k503 || f == Fault::k429RetryAfter || f == Fault::k429 || f == Fault::kReset ||
         f == Fault::kTruncate;
}

// How an operation reaches the API in a family.
enum class Path {
  kNone,       // answered without a request (ENOTSUP)
  kRead,       // a GET with nothing cached to fall back on
  kStaleRead,  // a GET whose cached listing was dropped: the old listing is the fallback
  kCreate,     // a POST create: never re-sent; an unclear outcome is checked in a fresh listing
  kWrite,      // an idempotent DELETE, PUT, PATCH, or POST that sets a value
};

struct OpSpec {
  Path path = Path::kRead;
  std::string method;                     // of the request the transient faults aim at
  std::string route;                      // route glob narrowing it, "" for any
  bool reads_first = false;               // the operation reads from the API before its write
  bool body_needed = true;                // the write's answer body is parsed
  std::vector<std::string> prepare_stat;  // looked up before the call, faults off
  std::vector<std::string> prepare_list;  // listed before the call, faults off
  std::string refresh;  // kStaleRead: the directory whose listing is dropped before the call
  std::string path1, path2, attr, value;  // the call's arguments (paths relative to the mount)
  std::string volume;                     // mkdir, rmdir: the volume id in the emulator's state
  std::string target;                     // rmdir: the snapshot id
  // rename, setxattr: whether the emulator's state shows the change.
  std::function<bool(const rapidjson::Document&)> applied;
};

struct Family {
  std::string id;  // test name suffix
  RemoteScope scope;
  std::function<std::string(const std::string& base_url)> config;
  std::vector<std::string> warm;  // listed once the row's mount is up
  std::map<Op, OpSpec> ops;
  bool has_clock = false;
};

void PrintTo(const Family& f, std::ostream* os) {
  *os << f.scope.type;
}

// The documented outcome of one cell, derived from SEMANTICS.md and the retry rules.
struct Expect {
  int error = 0;
  bool applied = false;  // the write took effect at the API
  std::string how;       // "retry": a retry must have happened; "stale": the old listing served
};

Expect expected(Fault fault, Op op, const OpSpec& s) {
  const bool write = is_write(op);
  // rename where the API has none: ENOTSUP without a request, whatever the API would say.
  if (s.path == Path::kNone) return {ENOTSUP, false, ""};
  switch (fault) {
    case Fault::kClock:
      // The API refuses the request time; snapfs reads /auth/time again and re-signs.
      return {0, write, ""};
    case Fault::k503:
      // 503: idempotent requests are sent again and succeed. A POST may have been acted on
      // before a 5xx, so it is never sent again; a fresh listing is checked, and the emulator's
      // 503 applied nothing: EIO (SEMANTICS.md section 3).
      if (s.path == Path::kCreate) return {EIO, false, ""};
      return {0, write, "retry"};
    case Fault::k429RetryAfter:
    case Fault::k429:
      // 429 is a refusal before any work: every request, a POST included, is sent again (after
      // Retry-After) and succeeds.
      return {0, write, "retry"};
    case Fault::kReset:
    case Fault::kTruncate:
      // The API applied the request and the answer broke. A create is looked up in a fresh
      // listing and found (one mkdir, one snapshot); an idempotent request is sent again (a
      // second DELETE finds nothing, which counts as done; a value set twice is set).
      if (s.path == Path::kCreate) return {0, true, ""};
      // An empty answer (a DELETE's 204) cannot be truncated, so only reads must have retried.
      return {0, write, s.path == Path::kRead || s.path == Path::kStaleRead ? "retry" : ""};
    case Fault::kGarbage:
      // Applied, then 200 with a body that does not parse: EIO wherever the body is read and no
      // half-parsed listing is kept; a dropped listing falls back to the old one; a DELETE whose
      // answer carries nothing snapfs needs (Scaleway's, EFS's) succeeds. The unreadable answer
      // of a create or a delete is checked in a fresh listing like a lost one: the snapshot is
      // found, or found gone.
      if (s.path == Path::kRead) return {EIO, false, ""};
      if (s.path == Path::kStaleRead) return {0, false, "stale"};
      if (s.path == Path::kCreate || op == Op::kRmdir) return {0, true, ""};
      return {s.body_needed ? EIO : 0, true, ""};
    case Fault::kBlackHole:
      // Nothing answers before the deadline: ETIMEDOUT within it (SEMANTICS.md section 5), the
      // old listing where one exists. The held request is applied after the call gave up,
      // unless the operation was still reading when the deadline passed. Later requests are
      // refused at once until a probe finds the API back (RunCell waits for that).
      if (s.path == Path::kRead) return {ETIMEDOUT, false, ""};
      if (s.path == Path::kStaleRead) return {0, false, "stale"};
      return {ETIMEDOUT, !s.reads_first, ""};
    case Fault::k401:
      // Credentials refused: EACCES (SEMANTICS.md section 3); a cached listing is still served.
      if (s.path == Path::kStaleRead) return {0, false, "stale"};
      return {EACCES, false, ""};
  }
  return {};
}

std::string fault_spec(Fault fault, const OpSpec& s) {
  std::string scope = s.method.empty() ? "" : ",method=" + s.method;
  if (!s.route.empty()) scope += ",route=" + s.route;
  switch (fault) {
    case Fault::k503: return "status=503,count=2" + scope;
    case Fault::k429RetryAfter: return "status=429,retry-after=1,count=1" + scope;
    case Fault::k429: return "status=429,count=2" + scope;
    case Fault::kBlackHole: return "delay-ms=" + std::to_string(kBlackHoleMs);  // the API hangs
    case Fault::kReset: return "reset,count=1" + scope;
    case Fault::kTruncate: return "truncate,count=1" + scope;
    case Fault::kGarbage: return "garbage" + scope;
    case Fault::k401: return "status=401";  // every request: the credentials are refused
    case Fault::kClock: return "";
  }
  return "";
}

// --- The four families, on the emulator's demo data --------------------------------------------

OpSpec read(const std::string& path) {
  OpSpec s;
  s.path = Path::kRead;
  s.method = "GET";
  s.path1 = path;
  return s;
}

OpSpec write_op(Path path, const std::string& method, const std::string& route = "") {
  OpSpec s;
  s.path = path;
  s.method = method;
  s.route = route;
  return s;
}

// Whether the snapshot `id` (found by its `id_key` member) has `key` equal to `value`.
std::function<bool(const rapidjson::Document&)> has_text(const char* id_key, const std::string& id,
                                                         const char* key,
                                                         const std::string& value) {
  return [=](const rapidjson::Document& state) {
    const rapidjson::Value* o = find_object(state, id_key, id);
    return o != nullptr && json_text(*o, key) == value;
  };
}

Family scaleway_family() {
  Family f;
  f.id = "scaleway_instance";
  f.scope = {"scaleway-instance", {"fr-par-1", "nl-ams-1"}, ""};
  f.config = [](const std::string& url) {
    return "[r]\ntype = scaleway-instance\nzones = fr-par-1,nl-ams-1\napi_url = " + url +
           "\nsecret_key = 00000000-0000-4000-8000-000000000001\n";
  };
  f.warm = {"r"};
  const std::string db = "r/fr-par-1/db-01-data/.snapshots";
  const std::string web = "r/fr-par-1/web-01-root/.snapshots";
  const std::string ams = "r/nl-ams-1/ams-app-root/.snapshots";
  f.ops[Op::kLookup] = read("r/fr-par-1/db-01-data");  // the zone's volume list
  f.ops[Op::kReaddir] = read("r/nl-ams-1");
  OpSpec get = read(ams + "/ams-app-root-2026-09-01");  // tags come with the zone's snapshots
  get.path = Path::kStaleRead;
  get.attr = "user.snapfs.tags";
  get.prepare_stat = {get.path1};
  get.refresh = ams;
  f.ops[Op::kGetxattr] = get;
  OpSpec mk = write_op(Path::kCreate, "POST");
  mk.prepare_list = {db};
  mk.path1 = db + "/fm-new";
  mk.volume = "1a000000-0000-4000-8000-000000000102";
  f.ops[Op::kMkdir] = mk;
  OpSpec rm = write_op(Path::kWrite, "DELETE");
  rm.body_needed = false;  // 204, nothing to read
  rm.prepare_list = {web};
  rm.path1 = web + "/web-01-root-2026-03-01";
  rm.volume = "1a000000-0000-4000-8000-000000000101";
  rm.target = "1b000000-0000-4000-8000-000000000101";
  f.ops[Op::kRmdir] = rm;
  OpSpec mv = write_op(Path::kWrite, "PATCH");
  mv.prepare_list = {web};
  mv.path1 = web + "/daily%2F2026-11-01";
  mv.path2 = web + "/fm-renamed";
  mv.applied = has_text("id", "1b000000-0000-4000-8000-000000000102", "name", "fm-renamed");
  f.ops[Op::kRename] = mv;
  OpSpec set = write_op(Path::kWrite, "PATCH");
  set.prepare_list = {db};
  set.path1 = db + "/before-upgrade";
  set.attr = "user.snapfs.tags";
  set.value = "fm,x";
  set.applied = [](const rapidjson::Document& state) {
    const rapidjson::Value* s = find_object(state, "id", "1b000000-0000-4000-8000-000000000103");
    if (s == nullptr || !s->HasMember("tags") || !(*s)["tags"].IsArray()) return false;
    const auto& tags = (*s)["tags"];
    return tags.Size() == 2 && std::string(tags[0].GetString()) == "fm" &&
           std::string(tags[1].GetString()) == "x";
  };
  f.ops[Op::kSetxattr] = set;
  return f;
}

Family ovh_nasha_family() {
  Family f;
  f.id = "ovh_nasha";
  f.scope = {"ovh-nasha", {}, ""};
  f.config = [](const std::string& url) {
    return "[r]\ntype = ovh-nasha\nendpoint = " + url +
           "/1.0\napplication_key = demo-ak\napplication_secret = demo-as\n"
           "consumer_key = demo-ck\n";
  };
  f.warm = {"r"};  // the service list, and the API clock
  f.has_clock = true;
  const std::string base = "r/zpool-123456";
  const std::string p1 = base + "/partition1/.snapshots";
  const std::string p2 = base + "/partition2/.snapshots";
  f.ops[Op::kLookup] = read(base + "/partition1");
  OpSpec ls = read(p2);
  ls.prepare_stat = {base + "/partition2"};
  f.ops[Op::kReaddir] = ls;
  OpSpec get = read(p1);  // the schedule is read on demand, never with a listing
  get.attr = "user.snapfs.schedule";
  get.prepare_stat = {p1};
  f.ops[Op::kGetxattr] = get;
  OpSpec mk = write_op(Path::kCreate, "POST");
  mk.prepare_list = {p1};
  mk.path1 = p1 + "/fm-new";
  mk.volume = "partition1";
  f.ops[Op::kMkdir] = mk;
  OpSpec rm = write_op(Path::kWrite, "DELETE");  // answers the deletion task, which is parsed
  rm.prepare_list = {p1};
  rm.path1 = p1 + "/snap-daily-backup";
  rm.volume = "partition1";
  rm.target = "snap-daily-backup";
  f.ops[Op::kRmdir] = rm;
  OpSpec mv;
  mv.path = Path::kNone;  // HA-NAS has no rename route
  mv.prepare_list = {p1};
  mv.path1 = p1 + "/snap-untracked";
  mv.path2 = p1 + "/fm-renamed";
  f.ops[Op::kRename] = mv;
  // hour-1,hour-6 -> hour-6: the current schedule is read, then hour-1 is deleted.
  OpSpec set = write_op(Path::kWrite, "DELETE");
  set.reads_first = true;
  set.prepare_stat = {p2};
  set.path1 = p2;
  set.attr = "user.snapfs.schedule";
  set.value = "hour-6";
  set.applied = [](const rapidjson::Document& state) {
    const rapidjson::Value* p = find_object(state, "partitionName", "partition2");
    return p != nullptr && p->HasMember("schedules") && (*p)["schedules"].IsArray() &&
           (*p)["schedules"].Size() == 1 &&
           std::string((*p)["schedules"][0].GetString()) == "hour-6";
  };
  f.ops[Op::kSetxattr] = set;
  return f;
}

Family ovh_netapp_family() {
  Family f;
  f.id = "ovh_netapp";
  f.scope = {"ovh-netapp", {}, ""};
  f.config = [](const std::string& url) {
    return "[r]\ntype = ovh-netapp\nendpoint = " + url +
           "/1.0\napplication_key = demo-ak\napplication_secret = demo-as\n"
           "consumer_key = demo-ck\n";
  };
  f.warm = {"r"};
  f.has_clock = true;
  const std::string base = "r/efs-prod";
  const std::string a = base + "/share-a/.snapshots";
  f.ops[Op::kLookup] = read(base + "/share-a");
  OpSpec ls = read(base + "/share-b/.snapshots");
  ls.prepare_stat = {base + "/share-b"};
  f.ops[Op::kReaddir] = ls;
  OpSpec get = read(a);  // the share's snapshot policy, read on demand
  get.attr = "user.snapfs.schedule";
  get.prepare_stat = {a};
  f.ops[Op::kGetxattr] = get;
  OpSpec mk = write_op(Path::kCreate, "POST");
  mk.prepare_list = {a};
  mk.path1 = a + "/fm-new";
  mk.volume = "a1b2c3d4-1111-4aaa-8bbb-000000000001";
  f.ops[Op::kMkdir] = mk;
  OpSpec rm = write_op(Path::kWrite, "DELETE");
  rm.body_needed = false;  // the answer is not read
  rm.prepare_list = {a};
  rm.path1 = a + "/daily-backup";
  rm.volume = "a1b2c3d4-1111-4aaa-8bbb-000000000001";
  rm.target = "7a2e3d4c-5b6a-4f79-9c8b-1d2e3f4a5b6c";
  f.ops[Op::kRmdir] = rm;
  OpSpec mv = write_op(Path::kWrite, "PUT");
  mv.prepare_list = {a};
  mv.path1 = a + "/before%2Fafter upgrade";
  mv.path2 = a + "/fm-renamed";
  mv.applied = has_text("id", "be6c7b8a-9f0e-4dbd-9a2f-5b6c7d8e9fa0", "name", "fm-renamed");
  f.ops[Op::kRename] = mv;
  OpSpec set = write_op(Path::kWrite, "PUT");
  set.prepare_list = {a};
  set.path1 = a + "/nightly";  // the older of the two "nightly" snapshots
  set.attr = "user.snapfs.description";
  set.value = "fm note";
  set.applied = has_text("id", "cf7d8c9b-a01f-4ece-ab3a-6c7d8e9fa0b1", "description", "fm note");
  f.ops[Op::kSetxattr] = set;
  return f;
}

Family naver_family() {
  Family f;
  f.id = "naver_nas";
  f.scope = {"naver-nas", {"KR"}, "classic"};
  f.config = [](const std::string& url) {
    return "[r]\ntype = naver-nas\nplatform = classic\nformat = xml\napi_url = " + url +
           "\naccess_key = demo-access-key\nsecret_key = demo-secret-key\n";
  };
  f.warm = {"r"};  // the region list
  const std::string data = "r/KR/n1234567_data/.snapshots";
  const std::string logs = "r/KR/n1234567_logs/.snapshots";
  f.ops[Op::kLookup] = read("r/KR/n1234567_data");
  OpSpec ls = read(logs);
  ls.prepare_stat = {"r/KR/n1234567_logs"};
  f.ops[Op::kReaddir] = ls;
  OpSpec get = read("r/KR/n1234567_full");  // from the region's volume list
  get.path = Path::kStaleRead;
  get.attr = "user.snapfs.snapshot-ratio";
  get.prepare_stat = {get.path1};
  get.refresh = "r/KR";
  f.ops[Op::kGetxattr] = get;
  // NAVER names the snapshot: the list is read, the create sent, the new name found.
  OpSpec mk = write_op(Path::kCreate, "POST", "*createNasVolumeSnapshot");
  mk.reads_first = true;
  mk.prepare_list = {data};
  mk.path1 = data + "/fm-new";
  mk.volume = "1000001";
  f.ops[Op::kMkdir] = mk;
  OpSpec rm = write_op(Path::kWrite, "POST", "*deleteNasVolumeSnapshot");  // idempotent
  rm.prepare_list = {logs};
  rm.path1 = logs + "/now.20240401.164347";
  rm.volume = "1000002";
  rm.target = "now.20240401.164347";
  f.ops[Op::kRmdir] = rm;
  OpSpec mv;
  mv.path = Path::kNone;  // the NAS API has no rename
  mv.prepare_list = {logs};
  mv.path1 = logs + "/now.20240402.164347";
  mv.path2 = logs + "/fm-renamed";
  f.ops[Op::kRename] = mv;
  OpSpec set = write_op(Path::kWrite, "POST", "*changeNasVolumeSnapshotConfiguration");
  set.prepare_stat = {data};
  set.path1 = data;
  set.attr = "user.snapfs.schedule";
  set.value = "daily 04:00 ratio=20";
  set.applied = [](const rapidjson::Document& state) {
    const rapidjson::Value* v = find_object(state, "nasVolumeInstanceNo", "1000001");
    return v != nullptr && json_text(*v, "snapshotVolumeConfigDayOfWeekTypeCode") == "-1" &&
           v->HasMember("snapshotVolumeConfigTime") && (*v)["snapshotVolumeConfigTime"].IsInt() &&
           (*v)["snapshotVolumeConfigTime"].GetInt() == 4;
  };
  f.ops[Op::kSetxattr] = set;
  return f;
}

// --- Running a row --------------------------------------------------------------------------

struct CellOutcome {
  std::string text;     // what the matrix shows
  std::string problem;  // how it differs from the documented behaviour; "" when it does not
  Expect expect;
};

rapidjson::Document parse(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.c_str(), json.size());
  return doc;
}

// Whether the mount at `root` takes remote "r"'s API as reachable (user.snapfs.stats).
bool api_reachable(const std::string& root) {
  FsCallResult r = fs_getxattr(root, "user.snapfs.stats", seconds(10));
  if (!r.ok()) return false;
  rapidjson::Document doc = parse(r.value);
  if (!doc.IsObject() || !doc.HasMember("remotes") || !doc["remotes"].HasMember("r")) return false;
  const rapidjson::Value& remote = doc["remotes"]["r"];
  return remote.HasMember("unreachable") && remote["unreachable"].IsFalse();
}

class FaultMatrixTest : public ::testing::TestWithParam<Family> {
 protected:
  void SetUp() override { SNAPFS_REQUIRE_FUSE(); }

  std::vector<Fault> Faults() const {
    std::vector<Fault> out = {
        Fault::k503,   Fault::k429RetryAfter, Fault::k429,     Fault::kBlackHole,
        Fault::kReset, Fault::kTruncate,      Fault::kGarbage, Fault::k401};
    if (GetParam().has_clock) out.push_back(Fault::kClock);
    return out;
  }

  std::string At(const std::string& relative) const { return mount_->path() + "/" + relative; }

  FsCallResult Call(Op op, const OpSpec& s) const {
    switch (op) {
      case Op::kLookup: return fs_stat(At(s.path1), kAbandonAfter);
      case Op::kReaddir: return fs_list(At(s.path1), kAbandonAfter);
      case Op::kMkdir: return fs_mkdir(At(s.path1), kAbandonAfter);
      case Op::kRmdir: return fs_rmdir(At(s.path1), kAbandonAfter);
      case Op::kRename: return fs_rename(At(s.path1), At(s.path2), kAbandonAfter);
      case Op::kGetxattr: return fs_getxattr(At(s.path1), s.attr, kAbandonAfter);
      case Op::kSetxattr: return fs_setxattr(At(s.path1), s.attr, s.value, kAbandonAfter);
    }
    return {};
  }

  // Faults off: brings the caches to the state the cell starts from.
  bool Prepare(const OpSpec& s) {
    for (const auto& p : s.prepare_stat) {
      FsCallResult r = fs_stat(At(p), kAbandonAfter);
      EXPECT_TRUE(r.ok()) << "preparing: stat " << p << ": " << errno_name(r.error);
      if (!r.ok()) return false;
    }
    for (const auto& p : s.prepare_list) {
      FsCallResult r = fs_list(At(p), kAbandonAfter);
      EXPECT_TRUE(r.ok()) << "preparing: ls " << p << ": " << errno_name(r.error);
      if (!r.ok()) return false;
    }
    if (!s.refresh.empty()) {
      FsCallResult listed = fs_list(At(s.refresh), kAbandonAfter);
      FsCallResult dropped = fs_setxattr(At(s.refresh), "user.snapfs.refresh", "1", kAbandonAfter);
      EXPECT_TRUE(listed.ok() && dropped.ok()) << "preparing: refresh " << s.refresh;
      if (!listed.ok() || !dropped.ok()) return false;
    }
    return true;
  }

  // The state checks of one write, against the row's starting point; "" when they hold.
  std::string CheckWrite(Op op, const OpSpec& s, bool applied) const {
    const std::string json = emulator_->state_json();
    const rapidjson::Document state = parse(json);
    SnapshotIds ids = emulator_snapshot_ids(json, GetParam().scope);
    std::ostringstream why;
    if (op == Op::kMkdir) {
      std::set<std::string> added;
      auto before = baseline_.find(s.volume);
      for (const auto& id : ids[s.volume]) {
        if (before == baseline_.end() || !before->second.count(id)) added.insert(id);
      }
      if (added.size() != (applied ? 1u : 0u)) {
        why << added.size() << " new snapshot(s) in volume " << s.volume << ", expected "
            << (applied ? 1 : 0);
      }
    } else if (op == Op::kRmdir) {
      if (ids[s.volume].count(s.target) == (applied ? 1u : 0u)) {
        why << "snapshot " << s.target << (applied ? " still exists" : " was deleted");
      }
    } else if (s.applied && s.applied(state) != applied) {
      why << op_name(op) << (applied ? " not applied" : " applied") << " at the API";
    }
    return why.str();
  }

  CellOutcome RunCell(Fault fault, Op op, int index) {
    const OpSpec& s = GetParam().ops.at(op);
    const Expect want = expected(fault, op, s);
    CellOutcome out;
    out.expect = want;
    SCOPED_TRACE(std::string("cell: ") + op_name(op) + " under " + fault_label(fault));
    if (!Prepare(s)) {
      out.text = "(setup failed)";
      out.problem = "could not prepare the call";
      return out;
    }
    if (fault == Fault::kClock) {
      // A new API clock before every call: the mount's known offset is wrong each time.
      std::vector<std::string> args = emulator_args_;
      args.insert(args.end(), {"--clock-offset-s", index % 2 == 0 ? "600" : "-600"});
      emulator_->restart(args);
      EXPECT_TRUE(emulator_->ok());
    }
    const DaemonCounters before = daemon_counters(mount_->path(), "r");
    const EmulatorCounters emulator_before = emulator_counters(*emulator_);
    if (fault != Fault::kClock) emulator_->set_faults({fault_spec(fault, s)});
    const FsCallResult r = Call(op, s);
    const int armed = fault != Fault::kClock ? armed_faults(*emulator_) : 0;
    emulator_->clear_faults();
    const DaemonCounters after = daemon_counters(mount_->path(), "r");
    const EmulatorCounters emulator_after = emulator_counters(*emulator_);
    if (fault == Fault::kBlackHole) {
      // The call found the API unreachable, so the mount refuses the remote's requests at once
      // until its background probe gets an answer: the next cell starts once that happened.
      EXPECT_TRUE(eventually([&] { return api_reachable(mount_->path()); }, seconds(60)))
          << "the mount never saw the API come back\n"
          << log_tail(mount_->log());
    }

    char seconds_text[32];
    std::snprintf(seconds_text, sizeof seconds_text, " %.1fs", r.seconds);
    if (r.error == 0) {
      out.text =
          after.stale > before.stale       ? "ok (stale)"
          : after.retries > before.retries ? "ok after retry"
          : op == Op::kMkdir && ((armed == 0 && is_transient(fault)) || fault == Fault::kGarbage)
              ? "ok (verified)"
              : "ok";
    } else {
      out.text = errno_name(r.error);
    }
    out.text +=
        s.path == Path::kNone && after.requests == before.requests ? " (no request)" : seconds_text;
    std::ostringstream problems;
    if (r.error != want.error) {
      problems << "answered " << errno_name(r.error) << ", expected " << errno_name(want.error)
               << "; ";
    }
    if (r.error == kNoAnswer || r.seconds > kAnswerWithin) {
      problems << "answered after" << seconds_text << ", past the deadline (" << kTimeoutSeconds
               << " s) + 1 s; ";
    }
    if (want.how == "retry" && r.error == 0 && after.retries <= before.retries) {
      problems << "no retry counted; ";
    }
    if (want.how == "stale" && r.error == 0 && after.stale <= before.stale) {
      problems << "no stale listing counted; ";
    }
    if (is_transient(fault) && s.path != Path::kNone && want.error == 0 && armed != 0) {
      problems << "the fault never fired; ";
    }
    if (s.path == Path::kNone && after.requests != before.requests) {
      problems << "made " << after.requests - before.requests << " request(s); ";
    }
    // A POST goes out once, except after refusals that did no work: the clock-skew answer and a
    // 429 (one more per refusal; the state check below proves one snapshot came of them).
    const long long allowed_posts = fault == Fault::k429RetryAfter ? 2
                                    : fault == Fault::k429         ? 3
                                                                   : 1;
    if (s.path == Path::kCreate && fault != Fault::kClock && fault != Fault::kBlackHole &&
        emulator_after.posts - emulator_before.posts > allowed_posts) {
      problems << "sent " << emulator_after.posts - emulator_before.posts << " POSTs; ";
    }
    if (!is_write(op)) {
      std::string changed = describe_difference(
          emulator_snapshot_ids(emulator_->state_json(), GetParam().scope), baseline_);
      if (!changed.empty()) problems << "a read changed the API's state: " << changed;
    }
    // A held request is applied later: the black hole row checks its writes at the end.
    if (is_write(op) && fault != Fault::kBlackHole) {
      std::string why;
      bool settled = eventually(
          [&] {
            why = CheckWrite(op, s, want.applied);
            return why.empty();
          },
          want.applied ? kSettle : milliseconds(0));
      if (!settled) problems << why;
    }
    if (!problems.str().empty()) {
      ADD_FAILURE() << GetParam().scope.type << ", " << op_name(op) << " under "
                    << fault_label(fault) << ": " << problems.str() << "\nsnapfs log:\n"
                    << log_tail(mount_->log());
      out.problem = problems.str();
      while (!out.problem.empty() && (out.problem.back() == ' ' || out.problem.back() == ';')) {
        out.problem.pop_back();
      }
    }
    return out;
  }

  void RunRow(Fault fault, std::map<Op, CellOutcome>* row) {
    SCOPED_TRACE("row: " + fault_label(fault));
    const Family& family = GetParam();
    TempDir dir;
    emulator_args_ = {"--seed", "demo", "--async-ms", "100"};
    if (fault == Fault::kClock) {
      emulator_args_.insert(emulator_args_.end(), {"--state", dir.path() + "/state.json"});
    }
    emulator_ = std::make_unique<EmulatorProcess>(emulator_args_);
    ASSERT_TRUE(emulator_->ok());
    mount_ = std::make_unique<SnapfsMount>(
        family.config(emulator_->base_url()),
        std::vector<std::string>{"prefetch=0", "timeout=" + std::to_string(kTimeoutSeconds),
                                 "cache_ttl=600"});
    ASSERT_TRUE(mount_->ok()) << mount_->log();
    for (const auto& w : family.warm) {
      FsCallResult r = fs_list(At(w), kAbandonAfter);
      ASSERT_TRUE(r.ok()) << "ls " << w << ": " << errno_name(r.error) << "\n" << mount_->log();
    }
    baseline_ = emulator_snapshot_ids(emulator_->state_json(), family.scope);
    int index = 0;
    for (Op op : kRunOrder) (*row)[op] = RunCell(fault, op, index++);

    if (fault == Fault::kBlackHole) {
      // Each held request reaches the API kBlackHoleMs after it was sent, and every one was sent
      // before the last call returned. Until then, no write that must not happen may show; after
      // it, every write shows exactly its expected outcome (a create that was sent twice would
      // show two snapshots by then).
      const auto all_landed =
          std::chrono::steady_clock::now() + milliseconds(kBlackHoleMs) + seconds(1);
      std::map<Op, std::string> broken;
      while (std::chrono::steady_clock::now() < all_landed) {
        for (Op op : kRunOrder) {
          const OpSpec& s = family.ops.at(op);
          if (!is_write(op) || expected(fault, op, s).applied || broken.count(op)) continue;
          std::string why = CheckWrite(op, s, false);
          if (!why.empty()) broken[op] = why;
        }
        std::this_thread::sleep_for(milliseconds(100));
      }
      for (Op op : kRunOrder) {
        if (!is_write(op)) continue;
        const OpSpec& s = family.ops.at(op);
        std::string why = broken.count(op) ? broken[op] : "";
        if (why.empty()) {
          eventually(
              [&] {
                why = CheckWrite(op, s, expected(fault, op, s).applied);
                return why.empty();
              },
              kSettle);
        }
        if (!why.empty()) {
          ADD_FAILURE() << family.scope.type << ", " << op_name(op) << " under "
                        << fault_label(fault) << ": " << why;
          (*row)[op].problem += why;
        }
      }
    }
    // Exactly the expected changes, nothing else: the baseline, minus a deleted snapshot, plus
    // at most one new snapshot in the mkdir volume.
    SnapshotIds now = emulator_snapshot_ids(emulator_->state_json(), family.scope);
    SnapshotIds want = baseline_;
    const OpSpec& rm = family.ops.at(Op::kRmdir);
    if ((*row)[Op::kRmdir].expect.applied) want[rm.volume].erase(rm.target);
    const OpSpec& mk = family.ops.at(Op::kMkdir);
    if ((*row)[Op::kMkdir].expect.applied) {
      for (const auto& id : now[mk.volume]) {
        if (!baseline_[mk.volume].count(id)) want[mk.volume].insert(id);
      }
    }
    EXPECT_EQ(describe_difference(now, want), "") << "the API's state after the row";
    // The mount shows what the API holds once its listings are dropped: no half-applied entry
    // survives a failed call.
    EXPECT_EQ(wait_for_matching_view(*emulator_, At("r"), family.scope, kSettle), "")
        << "the mount's view after the row\n"
        << log_tail(mount_->log());
    EXPECT_TRUE(mount_->unmount()) << log_tail(mount_->log());
    mount_.reset();
    emulator_.reset();
  }

  void WriteMatrix(const std::vector<Fault>& faults,
                   const std::map<Fault, std::map<Op, CellOutcome>>& matrix) const {
    const Family& family = GetParam();
    std::ostringstream md;
    md << "# Fault matrix: " << family.scope.type << "\n\n"
       << "snapfs -o timeout=" << kTimeoutSeconds
       << ",prefetch=0 against snapfs-emulator --seed demo --async-ms 100; a fresh emulator and "
          "mount per row. Each cell: the call's result and its duration (every call must answer "
          "within the deadline + 1 s). \"ok after retry\": the daemon retried; \"ok (stale)\": the "
          "cached listing was served after the API failed; \"ok (verified)\": a create whose "
          "answer was lost or unreadable was found in a fresh listing. Transient faults are "
          "scoped to the operation's request (method, route); the black hole and 401 hit every "
          "request.\n\n";
    md << "| fault |";
    for (Op op : kColumns) md << " " << op_name(op) << " |";
    md << "\n|---|";
    for (std::size_t i = 0; i < std::size(kColumns); ++i) md << "---|";
    md << "\n";
    for (Fault f : faults) {
      auto row = matrix.find(f);
      if (row == matrix.end()) continue;
      md << "| " << fault_label(f) << " |";
      for (Op op : kColumns) {
        auto cell = row->second.find(op);
        if (cell == row->second.end()) {
          md << " (not run) |";
          continue;
        }
        md << " " << cell->second.text;
        if (!cell->second.problem.empty()) md << " **FAIL**: " << cell->second.problem;
        md << " |";
      }
      md << "\n";
    }
    const std::string path = artifacts_dir() + "/fault-matrix-" + family.scope.type + ".md";
    std::ofstream(path) << md.str();
    std::printf("%s\n(written to %s)\n", md.str().c_str(), path.c_str());
  }

  std::vector<std::string> emulator_args_;
  std::unique_ptr<EmulatorProcess> emulator_;
  std::unique_ptr<SnapfsMount> mount_;
  SnapshotIds baseline_;
};

TEST_P(FaultMatrixTest, EveryOperationUnderEveryFault) {
  std::map<Fault, std::map<Op, CellOutcome>> matrix;
  const std::vector<Fault> faults = Faults();
  for (Fault f : faults) RunRow(f, &matrix[f]);
  WriteMatrix(faults, matrix);
}

INSTANTIATE_TEST_SUITE_P(FaultMatrix, FaultMatrixTest,
                         ::testing::Values(scaleway_family(), ovh_nasha_family(),
                                           ovh_netapp_family(), naver_family()),
                         [](const ::testing::TestParamInfo<Family>& info) {
                           return info.param.id;
                         });

}  // namespace
}  // namespace snapfs::test
