// Background work of the namespace: prefetching the listings below a listed directory, and
// stale-while-revalidate after the TTL; and the pieces they stand on (PrefetchPool, RateLimiter).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <future>
#include <thread>

#include "fs/namespace.h"
#include "fs/prefetch_pool.h"
#include "providers/http/rate_limiter.h"
#include "tests/unit/fake_provider.h"

namespace snapfs {
namespace {

using std::chrono::milliseconds;
using test::FakeProvider;

class NullNotifier : public KernelNotifier {
 public:
  void inval_entry(std::uint64_t, const std::string& name) override {
    std::lock_guard<std::mutex> lock(mu);
    names.push_back(name);
  }
  void inval_inode(std::uint64_t ino) override {
    std::lock_guard<std::mutex> lock(mu);
    inodes.push_back(ino);
  }
  bool told_about_inode(std::uint64_t ino) {
    std::lock_guard<std::mutex> lock(mu);
    return std::find(inodes.begin(), inodes.end(), ino) != inodes.end();
  }
  std::mutex mu;
  std::vector<std::string> names;
  std::vector<std::uint64_t> inodes;
};

OpContext Ctx() {
  return OpContext(std::chrono::seconds(5));
}

class BackgroundListingTest : public ::testing::Test {
 protected:
  void Mount(FsOptions options) {
    fake_ = new FakeProvider();
    fake_->add_volume("zone-1", "vol-1", "data");
    fake_->add_volume("zone-1", "vol-2", "logs");
    fake_->add_volume("zone-2", "vol-3", "web");
    fake_->add_snapshot("zone-1", "vol-1", "aaaaaaaa-1", "daily", 1'790'000'000'000'000);
    std::vector<Remote> remotes;
    RemoteConfig rc;
    rc.name = "cloud";
    rc.type = "fake";
    remotes.push_back(Remote{rc, std::unique_ptr<Provider>(fake_)});
    ns_ = std::make_unique<Namespace>(std::move(remotes), options, &notifier_);
  }
  std::uint64_t Lookup(std::uint64_t parent, const std::string& name) {
    EntryReply e;
    EXPECT_EQ(ns_->lookup(parent, name, Ctx(), &e), 0) << name;
    return e.ino;
  }
  // Mounts with these settings and lists zone-1/data/.snapshots once; returns that directory.
  std::uint64_t MountAndListData(int prefetch, milliseconds ttl) {
    FsOptions options;
    options.prefetch = prefetch;
    options.cache_ttl = ttl;
    Mount(options);
    volume_ = Lookup(Lookup(Lookup(Namespace::kRootIno, "cloud"), "zone-1"), "data");
    std::uint64_t dir = Lookup(volume_, ".snapshots");
    EXPECT_EQ(List(dir).size(), 1u);
    ns_->wait_background_idle();
    return dir;
  }
  void AddDataSnapshot(const std::string& id, const std::string& name, std::int64_t created_us) {
    std::lock_guard<std::mutex> lock(fake_->mu);
    fake_->add_snapshot("zone-1", "vol-1", id, name, created_us);
  }
  std::vector<std::string> List(std::uint64_t ino) {
    std::vector<DirEntryReply> entries;
    EXPECT_EQ(ns_->readdir(ino, Ctx(), &entries), 0);
    std::vector<std::string> names;
    names.reserve(entries.size());
    for (const auto& e : entries) names.push_back(e.name);
    return names;
  }

  FakeProvider* fake_ = nullptr;  // owned by the namespace
  std::uint64_t volume_ = 0;      // zone-1/data, once MountAndListData ran
  NullNotifier notifier_;
  std::unique_ptr<Namespace> ns_;
};

TEST_F(BackgroundListingTest, ListingADirectoryListsThreeLevelsBelowIt) {
  FsOptions options;
  options.prefetch = 4;
  Mount(options);
  // root -> remote (services) -> services (volumes) -> each volume's .snapshots
  List(Namespace::kRootIno);
  ns_->wait_background_idle();
  EXPECT_EQ(fake_->list_services_calls, 1);
  EXPECT_EQ(fake_->list_volumes_calls, 2);
  EXPECT_EQ(fake_->list_snapshots_calls, 3);

  // What the user opens next is answered from the cache.
  std::uint64_t remote = Lookup(Namespace::kRootIno, "cloud");
  List(remote);
  std::uint64_t volume = Lookup(Lookup(remote, "zone-1"), "data");
  EXPECT_EQ(List(Lookup(volume, ".snapshots")), std::vector<std::string>{"daily"});
  ns_->wait_background_idle();
  EXPECT_EQ(fake_->list_services_calls, 1);
  EXPECT_EQ(fake_->list_volumes_calls, 2);
  EXPECT_EQ(fake_->list_snapshots_calls, 3);
}

TEST_F(BackgroundListingTest, TheDirectoryJustReadIsPrefetchedBeforeOlderQueuedWork) {
  FsOptions options;
  options.prefetch = 1;  // one worker: the order of its jobs is the order of the calls
  Mount(options);
  fake_->list_delay = milliseconds(300);
  List(Namespace::kRootIno);
  // The worker lists the remote, zone-1 (queuing data and logs), then data; meanwhile the user
  // opens zone-2, which queues web behind logs in arrival order but ahead of it in priority.
  for (int i = 0; i < 500 && fake_->list_snapshots_calls == 0; ++i) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  ASSERT_EQ(fake_->list_snapshots_calls, 1) << "data's listing is under way";
  std::uint64_t remote = Lookup(Namespace::kRootIno, "cloud");
  List(Lookup(remote, "zone-2"));
  ns_->wait_background_idle();
  std::lock_guard<std::mutex> lock(fake_->mu);
  EXPECT_EQ(fake_->snapshot_lists, (std::vector<std::string>{"vol-1", "vol-3", "vol-2"}))
      << "data (running), then web (zone-2, just opened), then logs";
}

TEST_F(BackgroundListingTest, ACrawlMeetsTheListingsInTheOrderItWalksThem) {
  FsOptions options;
  options.prefetch = 1;
  Mount(options);
  {
    std::lock_guard<std::mutex> lock(fake_->mu);
    fake_->add_volume("zone-1", "vol-0", "alpha");  // listed by the API after "logs"
  }
  List(Namespace::kRootIno);
  ns_->wait_background_idle();
  // First come would be the API's order within zone-1 (data, logs, alpha): here it is name
  // order, zone by zone, as `ls -R` walks.
  std::lock_guard<std::mutex> lock(fake_->mu);
  EXPECT_EQ(fake_->snapshot_lists, (std::vector<std::string>{"vol-0", "vol-1", "vol-2", "vol-3"}));
}

TEST_F(BackgroundListingTest, AServiceWideListIsOneJobSoOtherServicesAreListedMeanwhile) {
  FsOptions options;
  options.prefetch = 2;
  Mount(options);
  fake_->caps.listing = SnapshotListing::PerService;  // like a Scaleway zone
  fake_->list_delay = milliseconds(300);
  List(Namespace::kRootIno);
  ns_->wait_background_idle();
  EXPECT_EQ(fake_->list_snapshots_calls, 2) << "one list per zone";
  // One job per volume would put both workers on zone-1 (one listing it, one waiting for that
  // list for its second volume) and leave zone-2 to wait behind them.
  EXPECT_EQ(fake_->most_lists_at_once, 2) << "zone-2 was listed while zone-1's list ran";
  std::uint64_t zone1 = Lookup(Lookup(Namespace::kRootIno, "cloud"), "zone-1");
  EXPECT_EQ(List(Lookup(Lookup(zone1, "data"), ".snapshots")), std::vector<std::string>{"daily"});
  EXPECT_TRUE(List(Lookup(Lookup(zone1, "logs"), ".snapshots")).empty());
  EXPECT_EQ(fake_->list_snapshots_calls, 2) << "every volume's listing came from its zone's";
}

TEST_F(BackgroundListingTest, PrefetchZeroListsOnlyOnDemand) {
  FsOptions options;
  options.prefetch = 0;
  Mount(options);
  List(Lookup(Namespace::kRootIno, "cloud"));
  ns_->wait_background_idle();
  EXPECT_EQ(fake_->list_services_calls, 1);
  EXPECT_EQ(fake_->list_volumes_calls, 0);
  EXPECT_EQ(fake_->list_snapshots_calls, 0);
}

TEST_F(BackgroundListingTest, PastTheTtlTheOldListingIsServedWhileOneRefreshRuns) {
  std::uint64_t dir = MountAndListData(2, milliseconds(1500));
  int calls = fake_->list_snapshots_calls;
  AddDataSnapshot("bbbbbbbb-2", "weekly", 1'790'000'100'000'000);
  std::this_thread::sleep_for(milliseconds(1600));  // past the TTL, within twice the TTL
  fake_->list_delay = milliseconds(300);
  auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(List(dir).size(), 1u) << "the old listing, at once";
  EXPECT_EQ(List(dir).size(), 1u) << "still the old one: one refresh is running";
  EXPECT_LT(std::chrono::steady_clock::now() - started, milliseconds(300))
      << "the reader did not wait for the refresh";
  ns_->wait_background_idle();
  EXPECT_EQ(fake_->list_snapshots_calls, calls + 1) << "one refresh for both readers";
  EXPECT_EQ(List(dir).size(), 2u) << "the refreshed listing";
  std::lock_guard<std::mutex> lock(notifier_.mu);
  EXPECT_NE(std::find(notifier_.names.begin(), notifier_.names.end(), "weekly"),
            notifier_.names.end())
      << "the kernel is told about the new name";
}

TEST_F(BackgroundListingTest, PastTwiceTheTtlTheReaderWaitsForTheNewListing) {
  std::uint64_t dir = MountAndListData(2, milliseconds(200));
  AddDataSnapshot("bbbbbbbb-2", "weekly", 1'790'000'100'000'000);
  std::this_thread::sleep_for(milliseconds(450));
  EXPECT_EQ(List(dir).size(), 2u);
}

// The kernel answers `ls` of a directory it read from its own copy; a stat or lookup of the
// directory past the listing's TTL is what starts the refresh, and a change found drops that copy.
TEST_F(BackgroundListingTest, AStatPastTheTtlRefreshesTheDirectoryBehind) {
  std::uint64_t dir = MountAndListData(2, milliseconds(300));
  const int calls = fake_->list_snapshots_calls;
  struct stat st {};
  ASSERT_EQ(ns_->getattr(dir, Ctx(), &st), 0);
  ns_->wait_background_idle();
  EXPECT_EQ(fake_->list_snapshots_calls, calls) << "within the TTL a stat lists nothing";
  AddDataSnapshot("bbbbbbbb-2", "weekly", 1'790'000'100'000'000);
  std::this_thread::sleep_for(milliseconds(400));
  fake_->list_delay = milliseconds(300);
  auto started = std::chrono::steady_clock::now();
  ASSERT_EQ(ns_->getattr(dir, Ctx(), &st), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - started, milliseconds(300))
      << "the stat did not wait for the refresh";
  ns_->wait_background_idle();
  EXPECT_EQ(fake_->list_snapshots_calls, calls + 1);
  EXPECT_TRUE(notifier_.told_about_inode(dir)) << "the kernel's copy is dropped";
  EXPECT_EQ(List(dir).size(), 2u);

  // A lookup of the directory does the same.
  AddDataSnapshot("cccccccc-3", "monthly", 1'790'000'200'000'000);
  fake_->list_delay = milliseconds(0);
  std::this_thread::sleep_for(milliseconds(400));
  EXPECT_EQ(Lookup(volume_, ".snapshots"), dir);
  ns_->wait_background_idle();
  EXPECT_EQ(fake_->list_snapshots_calls, calls + 2);
  EXPECT_EQ(List(dir).size(), 3u);
}

TEST_F(BackgroundListingTest, WithoutWorkersAStaleDirectoryIsDroppedFromTheKernel) {
  std::uint64_t dir = MountAndListData(0, milliseconds(200));
  const int calls = fake_->list_snapshots_calls;
  std::this_thread::sleep_for(milliseconds(300));
  struct stat st {};
  ASSERT_EQ(ns_->getattr(dir, Ctx(), &st), 0);
  EXPECT_EQ(fake_->list_snapshots_calls, calls) << "no listing behind the stat";
  EXPECT_TRUE(notifier_.told_about_inode(dir)) << "so the kernel's next read reaches snapfs";
}

// A snapshot in a transient state is listed again after a second (then 2, 4, 8, 10 s) however
// long cache_ttl is, so the API's new state shows within seconds to whoever looks at it.
TEST_F(BackgroundListingTest, ATransientStateIsListedAgainWithinSeconds) {
  std::uint64_t dir = MountAndListData(0, std::chrono::seconds(60));
  EntryReply made;
  ASSERT_EQ(ns_->mkdir(dir, "fresh", Ctx(), &made), 0);
  std::string state;
  ASSERT_EQ(ns_->getxattr(made.ino, "user.snapfs.state", Ctx(), &state), 0);
  EXPECT_EQ(state, "creating");
  const int calls = fake_->list_snapshots_calls;
  {
    std::lock_guard<std::mutex> lock(fake_->mu);
    for (auto& s : fake_->find_volume("zone-1", "vol-1")->snapshots) s.state = "available";
  }
  std::this_thread::sleep_for(milliseconds(1100));  // one transient interval, far below the TTL
  ASSERT_EQ(ns_->getxattr(made.ino, "user.snapfs.state", Ctx(), &state), 0);
  EXPECT_EQ(state, "available");
  EXPECT_EQ(fake_->list_snapshots_calls, calls + 1);
  // Nothing transient any more: the listing lives its whole TTL again.
  std::this_thread::sleep_for(milliseconds(1100));
  ASSERT_EQ(ns_->getxattr(made.ino, "user.snapfs.state", Ctx(), &state), 0);
  EXPECT_EQ(fake_->list_snapshots_calls, calls + 1);
}

// `.snapshots` shows the time of the last change to its snapshots as its mtime: a create, rename
// or delete made here, or one another client made, found in a new listing.
TEST_F(BackgroundListingTest, SnapshotsDirMtimeIsTheLastChangeSeen) {
  std::uint64_t dir = MountAndListData(0, milliseconds(200));
  auto mtime = [&] {
    struct stat st {};
    EXPECT_EQ(ns_->getattr(dir, Ctx(), &st), 0);
    return static_cast<std::int64_t>(st.st_mtim.tv_sec);
  };
  auto now = [] { return static_cast<std::int64_t>(std::time(nullptr)); };
  const std::int64_t mounted = mtime();  // before any change: the mount time
  EXPECT_LE(mounted, now());
  std::this_thread::sleep_for(milliseconds(1100));

  std::int64_t before = now();
  EntryReply made;
  ASSERT_EQ(ns_->mkdir(dir, "fresh", Ctx(), &made), 0);
  EXPECT_GE(mtime(), before) << "after mkdir";
  EXPECT_GT(mtime(), mounted);
  {
    std::lock_guard<std::mutex> lock(fake_->mu);
    for (auto& s : fake_->find_volume("zone-1", "vol-1")->snapshots) s.state = "available";
  }
  std::this_thread::sleep_for(milliseconds(1100));
  before = now();
  ASSERT_EQ(ns_->rename(dir, "fresh", dir, "renamed", 0, Ctx()), 0);
  EXPECT_GE(mtime(), before) << "after mv";
  std::this_thread::sleep_for(milliseconds(1100));
  before = now();
  ASSERT_EQ(ns_->rmdir(dir, "renamed", Ctx()), 0);
  EXPECT_GE(mtime(), before) << "after rmdir";

  // Another client's create, seen in the next listing.
  std::this_thread::sleep_for(milliseconds(1100));
  before = now();
  AddDataSnapshot("bbbbbbbb-2", "weekly", 1'790'000'100'000'000);
  std::this_thread::sleep_for(milliseconds(450));  // past twice the TTL: the next read lists
  EXPECT_EQ(List(dir).size(), 2u);
  const std::int64_t seen = mtime();
  EXPECT_GE(seen, before) << "after another client's create";
  // A listing that shows the same snapshots changes nothing.
  std::this_thread::sleep_for(milliseconds(1100));
  EXPECT_EQ(List(dir).size(), 2u);
  EXPECT_EQ(mtime(), seen);
}

TEST(PrefetchPoolTest, RunsEachKeyOnceAtATimeAndDropsWhenFull) {
  PrefetchPool pool(1, 2);
  std::promise<void> started;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> runs{0};
  ASSERT_TRUE(pool.schedule("a", [&] {
    started.set_value();
    released.wait();
    runs++;
  }));
  started.get_future().wait();  // "a" runs on the only worker; the queue is empty
  EXPECT_FALSE(pool.schedule("a", [&] { runs++; })) << "a key already running is not queued";
  EXPECT_TRUE(pool.schedule("b", [&] { runs++; }));
  EXPECT_TRUE(pool.schedule("c", [&] { runs++; }));
  EXPECT_FALSE(pool.schedule("d", [&] { runs++; })) << "queue full";
  EXPECT_EQ(pool.dropped(), 1u);
  release.set_value();
  pool.wait_idle();
  EXPECT_EQ(runs, 3);
  EXPECT_TRUE(pool.schedule("a", [&] { runs++; })) << "a key is free again once its job ran";
  pool.wait_idle();
  EXPECT_EQ(runs, 4);
  EXPECT_EQ(pool.completed(), 4u);
}

// A one-worker pool whose worker hold() keeps busy until open(): what is queued meanwhile then
// runs in the pool's order, which job() records by name.
class HeldPool {
 public:
  ~HeldPool() {
    if (holding_) release_.set_value();  // a failed test's held job ends before the pool
  }
  void hold(const std::string& key, int rank = 0) {
    started_ = std::promise<void>();  // a member: the job still holds it as the wait ends
    release_ = std::promise<void>();
    holding_ = true;
    std::shared_future<void> released = release_.get_future().share();
    ASSERT_TRUE(pool.schedule(
        key,
        [this, released] {
          started_.set_value();
          released.wait();
        },
        {}, rank));
    started_.get_future().wait();
  }
  void open() {
    holding_ = false;
    release_.set_value();
    pool.wait_idle();
  }
  PrefetchPool::Job job(const std::string& name) {
    return [this, name] {
      std::lock_guard<std::mutex> lock(mu_);
      ran_.push_back(name);
    };
  }
  std::vector<std::string> ran() {
    std::lock_guard<std::mutex> lock(mu_);
    return ran_;
  }

 private:
  std::promise<void> started_;
  std::promise<void> release_;
  bool holding_ = false;
  std::mutex mu_;
  std::vector<std::string> ran_;

 public:
  PrefetchPool pool{1};  // last: it stops, and its jobs end, before the rest goes
};

TEST(PrefetchPoolTest, RunsTheNewestGenerationFirstThenInPathOrder) {
  using namespace std::string_literals;
  using P = PrefetchPool::Priority;
  HeldPool held;
  held.hold("gate");
  EXPECT_TRUE(held.pool.schedule("b", held.job("b"), P{1, "b\0"s}));
  EXPECT_TRUE(held.pool.schedule("a", held.job("a"), P{1, "a\0"s}));
  EXPECT_TRUE(held.pool.schedule("new", held.job("new"), P{2, "z\0"s}));
  EXPECT_TRUE(held.pool.schedule("a b", held.job("a b"), P{1, "a b\0"s}));
  EXPECT_TRUE(held.pool.schedule("a/x", held.job("a/x"), P{1, "a\0x\0"s}));
  EXPECT_TRUE(held.pool.schedule("a again", held.job("a again"), P{1, "a\0"s}));
  held.open();
  // A directory's children come right after it, before its siblings ("a b" > "a/x").
  EXPECT_EQ(held.ran(), (std::vector<std::string>{"new", "a", "a again", "a/x", "a b", "b"}));
}

TEST(PrefetchPoolTest, ARepeatedKeyTakesTheHigherPriorityAndTheJobOfHigherRank) {
  using P = PrefetchPool::Priority;
  HeldPool held;
  held.hold("gate");
  EXPECT_TRUE(held.pool.schedule("y", held.job("y"), P{2, "y"}));
  EXPECT_TRUE(held.pool.schedule("x", held.job("x rank 0"), P{1, "x"}));
  EXPECT_FALSE(held.pool.schedule("x", held.job("x again"), P{1, "x"})) << "nothing more to do";
  EXPECT_TRUE(held.pool.schedule("x", held.job("x again"), P{3, "x"})) << "raised above y";
  EXPECT_TRUE(held.pool.schedule("x", held.job("x rank 2"), P{1, "x"}, 2)) << "does more";
  held.open();
  EXPECT_EQ(held.ran(), (std::vector<std::string>{"x rank 2", "y"}));

  // While a key runs, only a job of higher rank is queued behind it.
  held.hold("z", 1);
  EXPECT_FALSE(held.pool.schedule("z", held.job("z rank 1"), P{9, ""}, 1));
  EXPECT_TRUE(held.pool.schedule("z", held.job("z rank 2"), P{}, 2));
  held.open();
  EXPECT_EQ(held.ran(), (std::vector<std::string>{"x rank 2", "y", "z rank 2"}));
  EXPECT_EQ(held.pool.completed(), 5u);
}

TEST(PrefetchPoolTest, NoWorkersRefusesEverything) {
  PrefetchPool pool(0);
  EXPECT_FALSE(pool.schedule("a", [] {}));
  pool.wait_idle();
}

// The first job often comes from a thread kept on one CPU to serve that CPU's FUSE ring; the
// workers it starts must not inherit that and share one CPU.
TEST(PrefetchPoolTest, WorkersRunOnEveryCpuThePoolWasMadeWith) {
  cpu_set_t all;
  CPU_ZERO(&all);
  ASSERT_EQ(sched_getaffinity(0, sizeof all, &all), 0);
  if (CPU_COUNT(&all) < 2) GTEST_SKIP() << "this process may run on one CPU only";
  PrefetchPool pool(2);
  std::promise<cpu_set_t> seen;
  std::thread pinned([&] {
    cpu_set_t one;
    CPU_ZERO(&one);
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
      if (CPU_ISSET(cpu, &all)) {
        CPU_SET(cpu, &one);
        break;
      }
    }
    ASSERT_EQ(sched_setaffinity(0, sizeof one, &one), 0);
    ASSERT_TRUE(pool.schedule("a", [&] {
      cpu_set_t mine;
      CPU_ZERO(&mine);
      sched_getaffinity(0, sizeof mine, &mine);
      seen.set_value(mine);
    }));
  });
  pinned.join();
  auto future = seen.get_future();
  ASSERT_EQ(future.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  cpu_set_t worker = future.get();
  EXPECT_EQ(CPU_COUNT(&worker), CPU_COUNT(&all));
  EXPECT_TRUE(CPU_EQUAL(&worker, &all));
}

TEST(RateLimiterTest, BurstThenRefusesWhatWouldPassTheDeadline) {
  RateLimiter limiter(5);  // burst of 5, then one every 200 ms
  OpContext ctx(std::chrono::seconds(5));
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.acquire(ctx));
  OpContext short_ctx(milliseconds(20));
  EXPECT_FALSE(limiter.acquire(short_ctx)) << "the next token comes after the deadline";
  auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(limiter.acquire(ctx));
  EXPECT_GE(std::chrono::steady_clock::now() - started, milliseconds(100));
}

TEST(RateLimiterTest, APauseHoldsEveryCallerEvenWithoutARateCap) {
  RateLimiter limiter(0);
  OpContext ctx(std::chrono::seconds(5));
  EXPECT_TRUE(limiter.acquire(ctx));
  limiter.pause_until(RateLimiter::Clock::now() + std::chrono::seconds(30));
  EXPECT_FALSE(limiter.acquire(ctx)) << "the pause ends after the deadline: refused at once";
  limiter.pause_until(RateLimiter::Clock::now() - std::chrono::seconds(1));  // never shortens
  EXPECT_FALSE(limiter.acquire(ctx));
}

TEST(RateLimiterTest, ACancelledCallerStopsWaiting) {
  RateLimiter limiter(0);
  limiter.pause_until(RateLimiter::Clock::now() + milliseconds(2000));
  OpContext ctx(std::chrono::seconds(5));
  std::thread canceller([&] {
    std::this_thread::sleep_for(milliseconds(100));
    ctx.cancel();
  });
  auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(limiter.acquire(ctx));
  EXPECT_LT(std::chrono::steady_clock::now() - started, milliseconds(1500));
  canceller.join();
}

}  // namespace
}  // namespace snapfs
