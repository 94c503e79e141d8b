// The daemon outlives its API and lets go of a stuck mount: the emulator is killed and restarted
// (its data kept with --state) while a crawl of the mount is under way, and a mount whose request
// hangs on a black hole is unmounted.
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
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

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

double since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

const char* const kOvhKeys =
    "application_key = demo-ak\napplication_secret = demo-as\nconsumer_key = demo-ck\n";

std::string all_remotes(const std::string& url) {
  return "[sc]\ntype = scaleway-instance\nzones = fr-par-1,fr-par-2\napi_url = " + url +
         "\nsecret_key = 00000000-0000-4000-8000-000000000001\n\n"
         "[nas]\ntype = ovh-nasha\nendpoint = " +
         url + "/1.0\n" + kOvhKeys + "\n[efs]\ntype = ovh-netapp\nendpoint = " + url + "/1.0\n" +
         kOvhKeys + "\n[ncp]\ntype = naver-nas\nplatform = vpc\nformat = json\napi_url = " + url +
         "\naccess_key = demo-access-key\nsecret_key = demo-secret-key\n";
}

const std::map<std::string, RemoteScope> kScopes = {
    {"sc", {"scaleway-instance", {"fr-par-1", "fr-par-2"}, ""}},
    {"nas", {"ovh-nasha", {}, ""}},
    {"efs", {"ovh-netapp", {}, ""}},
    {"ncp", {"naver-nas", {"KR"}, "vpc"}},
};

// Lists every directory of the mount, breadth first, each after dropping its cached listing so
// that every step asks the API. Records each call's result.
class Crawler {
 public:
  Crawler(std::string root, milliseconds limit) : root_(std::move(root)), limit_(limit) {}

  void Run() {
    std::vector<std::string> level = {""};
    for (int depth = 0; depth < 5 && !level.empty(); ++depth) {
      std::vector<std::string> next;
      for (const auto& dir : level) {
        fs_setxattr(root_ + dir, "user.snapfs.refresh", "1", limit_);
        FsCallResult r = fs_list(root_ + dir, limit_);
        {
          std::lock_guard<std::mutex> lock(mu_);
          results_.push_back({dir, r.error, r.seconds});
        }
        listed_++;
        if (!r.ok()) continue;
        for (const auto& e : r.entries) {
          if (!e.is_link) next.push_back(dir.empty() ? e.name : dir + "/" + e.name);
        }
      }
      level = std::move(next);
    }
    done_ = true;
  }

  int listed() const { return listed_; }
  bool done() const { return done_; }
  struct Call {
    std::string dir;
    int error;
    double seconds;
  };
  std::vector<Call> results() const {
    std::lock_guard<std::mutex> lock(mu_);
    return results_;
  }

 private:
  std::string root_;
  milliseconds limit_;
  std::atomic<int> listed_{0};
  std::atomic<bool> done_{false};
  mutable std::mutex mu_;
  std::vector<Call> results_;
};

class ResilienceTest : public ::testing::Test {
 protected:
  void SetUp() override { SNAPFS_REQUIRE_FUSE(); }
};

TEST_F(ResilienceTest, DaemonSurvivesTheApiRestartingMidCrawl) {
  constexpr int kTimeoutSeconds = 5;
  TempDir dir;
  const std::string state_file = dir.path() + "/state.json";
  // Slow answers make the crawl long enough to be cut in the middle.
  EmulatorProcess emulator({"--seed", "synthetic:services=2,volumes=4,snapshots=4", "--state",
                            state_file, "--latency-ms", "40", "--async-ms", "100"});
  ASSERT_TRUE(emulator.ok());
  SnapfsMount mount(all_remotes(emulator.base_url()),
                    {"timeout=" + std::to_string(kTimeoutSeconds)});
  ASSERT_TRUE(mount.ok()) << mount.log();
  const std::string root = mount.path() + "/";
  const milliseconds limit = seconds(kTimeoutSeconds + 20);

  // A change made just before the outage must survive it (the emulator's --state).
  const std::string snapshots = "efs/efs-1000/share-01/.snapshots";
  FsCallResult made = fs_mkdir(root + snapshots + "/before-outage", limit);
  ASSERT_TRUE(made.ok()) << errno_name(made.error) << "\n" << mount.log();

  Crawler crawler(root, limit);
  std::thread crawl([&] { crawler.Run(); });
  ASSERT_TRUE(eventually([&] { return crawler.listed() >= 8 || crawler.done(); }, seconds(60)));
  const bool cut_mid_crawl = !crawler.done();
  const int listed_before = crawler.listed();
  emulator.restart();  // SIGKILL, then the same port and the same --state file
  ASSERT_TRUE(emulator.ok());
  crawl.join();
  EXPECT_TRUE(cut_mid_crawl) << "the crawl ended before the restart; it should be slower";
  EXPECT_GT(crawler.listed(), listed_before) << "the crawl went on after the restart";

  // Calls made while the API was gone failed cleanly within their deadline, or were retried.
  int failed = 0;
  for (const auto& c : crawler.results()) {
    EXPECT_TRUE(c.error == 0 || c.error == EIO || c.error == ETIMEDOUT)
        << "ls " << c.dir << ": " << errno_name(c.error);
    EXPECT_LE(c.seconds, kTimeoutSeconds + 1.0) << "ls " << c.dir;
    failed += c.error != 0;
  }
  std::printf("crawl: %zu listings, %d failed during the outage\n", crawler.results().size(),
              failed);

  // The daemon is alive, shows what the restarted API holds, and writes again.
  ASSERT_EQ(kill(mount.pid(), 0), 0) << "snapfs died:\n" << mount.log();
  for (const auto& [remote, scope] : kScopes) {
    EXPECT_EQ(wait_for_matching_view(emulator, root + remote, scope, seconds(15)), "") << remote;
  }
  FsCallResult kept = fs_stat(root + snapshots + "/before-outage", limit);
  EXPECT_TRUE(kept.ok()) << "the snapshot made before the outage: " << errno_name(kept.error);
  FsCallResult after = fs_mkdir(root + snapshots + "/after-outage", limit);
  EXPECT_TRUE(after.ok()) << errno_name(after.error) << "\n" << log_tail(mount.log());
  EXPECT_TRUE(mount.unmount()) << log_tail(mount.log());
}

class StuckMountTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SNAPFS_REQUIRE_FUSE();
    emulator_ = std::make_unique<EmulatorProcess>(std::vector<std::string>{"--seed", "demo"});
    ASSERT_TRUE(emulator_->ok());
  }

  void Mount(int timeout_seconds) {
    mount_ = std::make_unique<SnapfsMount>(
        "[r]\ntype = scaleway-instance\nzones = fr-par-1\napi_url = " + emulator_->base_url() +
            "\nsecret_key = 00000000-0000-4000-8000-000000000001\n",
        std::vector<std::string>{"timeout=" + std::to_string(timeout_seconds), "prefetch=0"});
    ASSERT_TRUE(mount_->ok()) << mount_->log();
    FsCallResult root = fs_list(mount_->path() + "/r", seconds(10));
    ASSERT_TRUE(root.ok()) << errno_name(root.error);
  }

  // `ls` of a directory whose listing hangs; returns once the kernel is waiting on the daemon.
  std::unique_ptr<Subprocess> StuckLs() {
    emulator_->set_faults({"delay-ms=60000"});  // longer than any deadline here
    auto ls = std::make_unique<Subprocess>(
        std::vector<std::string>{"ls", mount_->path() + "/r/fr-par-1"});
    EXPECT_TRUE(eventually([&] { return blocked_in_fuse(ls->pid()); }, seconds(10)))
        << "ls never reached the daemon";
    return ls;
  }

  std::unique_ptr<EmulatorProcess> emulator_;
  std::unique_ptr<SnapfsMount> mount_;
};

// Ctrl-C on the stuck `ls` cancels its request at once, after which the mount unmounts cleanly
// and the daemon exits, long before the stuck request's deadline. A plain `fusermount3 -u` while
// the `ls` is still inside the mount returns at once too; the kernel refuses it (EBUSY) because
// the mount is in use, and the mount stays fully usable.
TEST_F(StuckMountTest, InterruptedRequestLetsTheMountGoBeforeItsDeadline) {
  constexpr int kTimeoutSeconds = 20;
  Mount(kTimeoutSeconds);
  const Clock::time_point started = Clock::now();
  std::unique_ptr<Subprocess> ls = StuckLs();
  CommandResult busy = run_command("fusermount3 -u " + shell_quote(mount_->path()), seconds(30));
  std::printf("fusermount3 -u while ls is stuck: exit %d, %s", busy.exit_code, busy.err.c_str());
  EXPECT_LT(since(started), kTimeoutSeconds) << "fusermount3 -u waited for the stuck request";
  if (busy.exit_code == 0) {
    // Unmounted after all: the stuck call must still get its answer and the daemon end.
    EXPECT_NE(ls->stop(0, seconds(kTimeoutSeconds + 1)), -1);
    return;
  }
  EXPECT_TRUE(ls->running()) << "ls is still waiting";

  kill(ls->pid(), SIGINT);
  const int status = ls->stop(0, seconds(kTimeoutSeconds + 1));
  EXPECT_NE(status, -1) << "ls did not end after SIGINT";
  EXPECT_LT(since(started), kTimeoutSeconds) << "the interrupted request was not cancelled";
  emulator_->clear_faults();
  EXPECT_TRUE(mount_->unmount()) << "unmount after the interrupt\n" << mount_->log();
  EXPECT_LT(since(started), kTimeoutSeconds)
      << "the daemon waited for the black hole before exiting\n"
      << mount_->log();
}

// A request that waits on the API holds one of the daemon's threads, never the reading of the
// next requests: while `ls` waits on the black hole, an attribute snapfs answers from memory
// (the kernel caches no extended attributes, so this reaches the daemon) comes back at once.
TEST_F(StuckMountTest, OtherRequestsAreAnsweredWhileOneWaitsOnTheApi) {
  constexpr int kTimeoutSeconds = 20;
  Mount(kTimeoutSeconds);
  std::unique_ptr<Subprocess> ls = StuckLs();
  expect_answers_while_stuck(mount_->path(), ls.get(), kTimeoutSeconds);
  emulator_->clear_faults();
}

// The same for a request that waits inside an API call rather than on a listing: a mkdir whose
// create request hangs.
TEST_F(StuckMountTest, OtherRequestsAreAnsweredWhileAMkdirWaitsOnTheApi) {
  constexpr int kTimeoutSeconds = 20;
  Mount(kTimeoutSeconds);
  FsCallResult volumes = fs_list(mount_->path() + "/r/fr-par-1", seconds(10));
  ASSERT_TRUE(volumes.ok() && !volumes.entries.empty()) << errno_name(volumes.error);
  const std::string snapshots =
      mount_->path() + "/r/fr-par-1/" + volumes.entries[0].name + "/.snapshots";
  ASSERT_TRUE(fs_list(snapshots, seconds(10)).ok());
  emulator_->set_faults({"delay-ms=60000"});
  auto mkdir = std::make_unique<Subprocess>(
      std::vector<std::string>{"mkdir", snapshots + "/made-while-stuck"});
  ASSERT_TRUE(eventually([&] { return blocked_in_fuse(mkdir->pid()); }, seconds(10)))
      << "mkdir never reached the daemon";
  expect_answers_while_stuck(mount_->path(), mkdir.get(), kTimeoutSeconds);
  emulator_->clear_faults();
}

// `fusermount3 -u -z` detaches at once; the stuck call still gets its answer within its deadline
// (+1 s), and the daemon then exits cleanly.
TEST_F(StuckMountTest, LazyUnmountAnswersTheStuckCallWithinItsDeadline) {
  constexpr int kTimeoutSeconds = 3;
  Mount(kTimeoutSeconds);
  const Clock::time_point started = Clock::now();
  std::unique_ptr<Subprocess> ls = StuckLs();
  CommandResult lazy = run_command("fusermount3 -u -z " + shell_quote(mount_->path()), seconds(30));
  EXPECT_EQ(lazy.exit_code, 0) << lazy.err;
  EXPECT_LT(since(started), kTimeoutSeconds + 1.0) << "fusermount3 -u -z returned late";
  const int status = ls->stop(0, seconds(kTimeoutSeconds + 10));
  EXPECT_LE(since(started), kTimeoutSeconds + 1.0) << "the stuck ls was answered late";
  ASSERT_NE(status, -1);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0) << "ls reports the failed listing";
  emulator_->clear_faults();
  const int daemon = mount_->wait_for_exit(seconds(10));
  EXPECT_TRUE(WIFEXITED(daemon) && WEXITSTATUS(daemon) == 0) << "snapfs status " << daemon << "\n"
                                                             << mount_->log();
}

// SIGTERM to the daemon while a call waits on a black hole: the call is answered at once with an
// error and the daemon exits, long before the call's deadline.
TEST_F(StuckMountTest, SigtermCancelsTheStuckCallAndTheDaemonExits) {
  constexpr int kTimeoutSeconds = 60;
  Mount(kTimeoutSeconds);
  TempDir dir;
  const std::string ls_errors = dir.path() + "/ls.err";
  emulator_->set_faults({"delay-ms=600000"});
  auto ls =
      std::make_unique<Subprocess>(std::vector<std::string>{"ls", mount_->path() + "/r/fr-par-1"},
                                   std::vector<std::string>{"LC_ALL=C"}, ls_errors);
  ASSERT_TRUE(eventually([&] { return blocked_in_fuse(ls->pid()); }, seconds(10)))
      << "ls never reached the daemon";
  ASSERT_EQ(kill(mount_->pid(), SIGTERM), 0);
  // Far below the deadline, so an exit that waited for it fails here instead of hanging.
  const int daemon = mount_->wait_for_exit(seconds(10));
  EXPECT_NE(daemon, -1) << "snapfs still runs 10 s after SIGTERM\n" << log_tail(mount_->log());
  EXPECT_TRUE(WIFEXITED(daemon) && WEXITSTATUS(daemon) == 0) << "snapfs status " << daemon;
  const int status = ls->stop(0, seconds(10));
  ASSERT_NE(status, -1) << "ls still waits after the daemon's exit";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0) << "ls reports the failed listing";
  std::ifstream errors(ls_errors);
  const std::string said((std::istreambuf_iterator<char>(errors)),
                         std::istreambuf_iterator<char>());
  // ENOTCONN, or ECONNABORTED when the kernel still held the request as the connection ended:
  // either way the caller learns the daemon is gone, not a listing error.
  EXPECT_TRUE(said.find("Transport endpoint is not connected") != std::string::npos ||
              said.find("Software caused connection abort") != std::string::npos)
      << said;
  emulator_->clear_faults();
}

// SIGTERM while more calls wait on the API than the daemon has threads (10): no thread is left to
// read the device, yet the signal still ends every call and the daemon. (The kernel sends one
// request at a time per directory, so the calls list distinct directories.)
TEST_F(ResilienceTest, SigtermEndsTheDaemonWhenEveryThreadWaitsOnTheApi) {
  EmulatorProcess emulator({"--seed", "synthetic:services=7,volumes=1,snapshots=1"});
  ASSERT_TRUE(emulator.ok());
  SnapfsMount mount(all_remotes(emulator.base_url()), {"timeout=60", "prefetch=0"});
  ASSERT_TRUE(mount.ok()) << mount.log();
  std::vector<std::string> dirs;
  for (const char* remote : {"nas", "efs"}) {
    FsCallResult services = fs_list(mount.path() + "/" + remote, seconds(20));
    ASSERT_TRUE(services.ok()) << errno_name(services.error);
    for (const FsEntry& e : services.entries) {
      dirs.push_back(mount.path() + "/" + remote + "/" + e.name);
    }
  }
  ASSERT_GE(dirs.size(), 12u) << "too few directories to hold every thread";

  emulator.set_faults({"delay-ms=600000"});
  std::vector<std::unique_ptr<Subprocess>> calls;
  for (const std::string& dir : dirs) {
    calls.push_back(std::make_unique<Subprocess>(std::vector<std::string>{"ls", dir}));
  }
  for (auto& call : calls) {
    ASSERT_TRUE(eventually([&] { return blocked_in_fuse(call->pid()); }, seconds(10)))
        << "ls never reached the daemon";
  }
  ASSERT_EQ(kill(mount.pid(), SIGTERM), 0);
  const int daemon = mount.wait_for_exit(seconds(10));
  EXPECT_NE(daemon, -1) << "snapfs still runs 10 s after SIGTERM\n" << log_tail(mount.log());
  for (auto& call : calls) {
    const int status = call->stop(0, seconds(10));
    ASSERT_NE(status, -1) << "an ls still waits after the daemon's exit";
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0) << "ls reports the failure";
  }
  emulator.clear_faults();
}

// Reads a directory a little at a time, as a program with a small getdents buffer does.
class SlowReader {
 public:
  explicit SlowReader(const std::string& dir) : fd_(open(dir.c_str(), O_RDONLY | O_DIRECTORY)) {}
  ~SlowReader() {
    if (fd_ >= 0) close(fd_);
  }
  bool ok() const { return fd_ >= 0; }
  // One getdents64 call with a small buffer; false at the end or on an error (error() says).
  bool Step() {
    alignas(8) char buf[512];
    const long n = syscall(SYS_getdents64, fd_, buf, sizeof buf);
    if (n <= 0) {
      error_ = n < 0 ? errno : 0;
      return false;
    }
    for (long at = 0; at < n;) {
      const auto* d = reinterpret_cast<const struct dirent64*>(buf + at);
      const std::string name = d->d_name;
      if (name != "." && name != "..") names_.push_back(name);
      at += d->d_reclen;
    }
    return true;
  }
  const std::vector<std::string>& names() const { return names_; }
  int error() const { return error_; }

 private:
  int fd_;
  int error_ = 0;
  std::vector<std::string> names_;
};

// Two readers of one directory whose listing changes between their first pages: the first goes
// on in the listing it started with (neither skipping nor repeating a name), though the second
// one's read filled the kernel's cache with the new listing in between.
TEST_F(ResilienceTest, EachReaderOfAChangingDirectorySeesOneListing) {
  EmulatorProcess emulator({"--seed", "synthetic:services=1,volumes=1,snapshots=150"});
  ASSERT_TRUE(emulator.ok());
  SnapfsMount mount(
      "[sc]\ntype = scaleway-instance\nzones = fr-par-1\napi_url = " + emulator.base_url() +
          "\nsecret_key = 00000000-0000-4000-8000-000000000001\n",
      {"prefetch=0"});
  ASSERT_TRUE(mount.ok()) << mount.log();
  FsCallResult volumes = fs_list(mount.path() + "/sc/fr-par-1", seconds(20));
  ASSERT_TRUE(volumes.ok() && !volumes.entries.empty()) << errno_name(volumes.error);
  const std::string dir = mount.path() + "/sc/fr-par-1/" + volumes.entries[0].name + "/.snapshots";
  FsCallResult before = fs_list(dir, seconds(20));
  ASSERT_TRUE(before.ok()) << errno_name(before.error);
  ASSERT_GE(before.entries.size(), 100u);
  // The kernel drops its copy of the listing: the first reader's pages come from snapfs.
  FsCallResult refreshed = fs_setxattr(dir, "user.snapfs.refresh", "1", seconds(20));
  ASSERT_TRUE(refreshed.ok()) << errno_name(refreshed.error);

  auto first = std::make_unique<SlowReader>(dir);
  ASSERT_TRUE(first->ok());
  ASSERT_TRUE(first->Step());
  ASSERT_FALSE(first->names().empty());
  ASSERT_LT(first->names().size(), before.entries.size() / 2) << "the first page is a small part";

  // A name before the first reader's position goes away, and a second reader lists afresh,
  // which fills the kernel's cache with the new listing.
  FsCallResult removed = fs_rmdir(dir + "/" + first->names().front(), seconds(20));
  ASSERT_TRUE(removed.ok()) << errno_name(removed.error);
  FsCallResult second = fs_list(dir, seconds(20));
  ASSERT_TRUE(second.ok()) << errno_name(second.error);
  EXPECT_EQ(second.entries.size() + 1, before.entries.size());

  while (first->Step()) {
  }
  EXPECT_EQ(first->error(), 0) << errno_name(first->error());
  std::vector<std::string> expected;
  for (const FsEntry& e : before.entries) expected.push_back(e.name);
  EXPECT_EQ(first->names(), expected) << "the first reader skipped or repeated a name";
  first.reset();
  EXPECT_TRUE(mount.unmount()) << log_tail(mount.log());
}

// The same for a reader served from the kernel's cached copy of the listing, which snapfs no
// longer keeps once an earlier read reached its end: after the change the reader's next page
// comes from snapfs, and goes on after the last name it read.
TEST_F(ResilienceTest, AReaderOfTheKernelsCopyGoesOnAfterItsLastName) {
  EmulatorProcess emulator({"--seed", "synthetic:services=1,volumes=1,snapshots=150"});
  ASSERT_TRUE(emulator.ok());
  SnapfsMount mount(
      "[sc]\ntype = scaleway-instance\nzones = fr-par-1\napi_url = " + emulator.base_url() +
          "\nsecret_key = 00000000-0000-4000-8000-000000000001\n",
      {"prefetch=0"});
  ASSERT_TRUE(mount.ok()) << mount.log();
  FsCallResult volumes = fs_list(mount.path() + "/sc/fr-par-1", seconds(20));
  ASSERT_TRUE(volumes.ok() && !volumes.entries.empty()) << errno_name(volumes.error);
  const std::string dir = mount.path() + "/sc/fr-par-1/" + volumes.entries[0].name + "/.snapshots";
  FsCallResult before = fs_list(dir, seconds(20));  // fills the kernel's cache
  ASSERT_TRUE(before.ok()) << errno_name(before.error);
  ASSERT_GE(before.entries.size(), 100u);

  auto first = std::make_unique<SlowReader>(dir);
  ASSERT_TRUE(first->ok());
  ASSERT_TRUE(first->Step());
  ASSERT_FALSE(first->names().empty());
  ASSERT_LT(first->names().size(), before.entries.size() / 2) << "the first page is a small part";
  FsCallResult removed = fs_rmdir(dir + "/" + first->names().front(), seconds(20));
  ASSERT_TRUE(removed.ok()) << errno_name(removed.error);
  FsCallResult second = fs_list(dir, seconds(20));
  ASSERT_TRUE(second.ok()) << errno_name(second.error);

  while (first->Step()) {
  }
  EXPECT_EQ(first->error(), 0) << errno_name(first->error());
  std::vector<std::string> expected;
  for (const FsEntry& e : before.entries) expected.push_back(e.name);
  EXPECT_EQ(first->names(), expected) << "the first reader skipped or repeated a name";
  first.reset();
  EXPECT_TRUE(mount.unmount()) << log_tail(mount.log());
}

// Callers interrupted (SIGINT) or killed (SIGKILL) at random points of slow requests, over and
// over: the kernel sends INTERRUPT while a request waits on the API, while it is being answered
// and just after. None of these may touch a request's freed state (the ASan build of this suite
// reports it), and the daemon keeps answering. With cache_ttl=0 every call asks the API and
// directories are read through handles; with a short TTL and no prefetch, directories are read
// without handles, and a listing past its TTL is fetched by the readdir itself.
class InterruptedRequestsTest : public ResilienceTest,
                                public ::testing::WithParamInterface<const char*> {};

TEST_P(InterruptedRequestsTest, RequestsInterruptedAtRandomPointsLeaveTheDaemonSound) {
  EmulatorProcess emulator(
      {"--seed", "synthetic:services=1,volumes=2,snapshots=300", "--latency-ms", "15"});
  ASSERT_TRUE(emulator.ok());
  SnapfsMount mount(all_remotes(emulator.base_url()), {"timeout=10", GetParam()});
  ASSERT_TRUE(mount.ok()) << mount.log();
  const std::string root = mount.path() + "/";
  std::vector<std::string> dirs = {"sc", "sc/fr-par-1", "nas", "efs", "ncp"};
  for (const char* remote : {"efs", "nas"}) {
    FsCallResult services = fs_list(root + remote, seconds(20));
    ASSERT_TRUE(services.ok() && !services.entries.empty()) << errno_name(services.error);
    const std::string service = std::string(remote) + "/" + services.entries[0].name;
    FsCallResult volumes = fs_list(root + service, seconds(20));
    ASSERT_TRUE(volumes.ok() && !volumes.entries.empty()) << errno_name(volumes.error);
    dirs.push_back(service);
    dirs.push_back(service + "/" + volumes.entries[0].name + "/.snapshots");
  }

  std::mt19937 random(12345);  // the same calls each run; when the signals land varies anyway
  constexpr int kRounds = 120;
  int ended_by_signal = 0;
  for (int round = 0; round < kRounds; ++round) {
    const std::string& dir = dirs[random() % dirs.size()];
    std::vector<std::string> argv;
    switch (random() % 3) {
      case 0: argv = {"ls", "-l", root + dir}; break;
      case 1: argv = {"ls", "-f", root + dir}; break;
      default: argv = {"stat", root + dir + "/.", root + dir}; break;
    }
    Subprocess call(argv);
    std::this_thread::sleep_for(milliseconds(random() % 60));
    kill(call.pid(), random() % 2 == 0 ? SIGINT : SIGKILL);
    const int status = call.stop(0, seconds(20));
    ASSERT_NE(status, -1) << "a call did not end after its signal: " << dir;
    ended_by_signal += WIFSIGNALED(status);
    ASSERT_EQ(kill(mount.pid(), 0), 0) << "snapfs died in round " << round << "\n"
                                       << log_tail(mount.log());
  }
  std::printf("%d of %d calls ended by their signal\n", ended_by_signal, kRounds);
  EXPECT_GT(ended_by_signal, 0) << "no call was slow enough to be interrupted";

  // Still answering, and exiting cleanly (an ASan report ends the daemon with an error).
  for (const std::string& dir : dirs) {
    FsCallResult listed = fs_list(root + dir, seconds(20));
    EXPECT_TRUE(listed.ok()) << dir << ": " << errno_name(listed.error);
  }
  EXPECT_TRUE(mount.unmount()) << log_tail(mount.log());
}

INSTANTIATE_TEST_SUITE_P(Mounts, InterruptedRequestsTest,
                         ::testing::Values("cache_ttl=0", "cache_ttl=0.05,prefetch=0"));

}  // namespace
}  // namespace snapfs::test
