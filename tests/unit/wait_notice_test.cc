// WaitNotice: how the FUSE loop's reader hears, before a request waits, that it should hand the
// reading of requests to another thread; and that a cache hit never tells it so.
#include "providers/common/wait_notice.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "fs/ttl_cache.h"

namespace snapfs {
namespace {

void count_call(void* arg) {
  ++*static_cast<int*>(arg);
}

TEST(WaitNoticeTest, TheCallbackRunsOnceAndOnlyOnItsOwnThread) {
  WaitNotice::before_waiting();  // no notice set: nothing to call, nothing breaks
  int calls = 0;
  {
    EXPECT_FALSE(WaitNotice::armed());
    WaitNotice notice(&count_call, &calls);
    EXPECT_TRUE(WaitNotice::armed());
    std::thread other([] {
      EXPECT_FALSE(WaitNotice::armed()) << "a notice belongs to its own thread";
      WaitNotice::before_waiting();
    });
    other.join();
    EXPECT_EQ(calls, 0) << "another thread's wait is not this thread's";
    EXPECT_TRUE(WaitNotice::armed());
    WaitNotice::before_waiting();
    EXPECT_FALSE(WaitNotice::armed()) << "the duty was handed over";
    WaitNotice::before_waiting();
    EXPECT_EQ(calls, 1) << "the duty is handed over once";
  }
  WaitNotice::before_waiting();
  EXPECT_EQ(calls, 1) << "the notice ended with its scope";
  EXPECT_FALSE(WaitNotice::armed());
}

TEST(WaitNoticeTest, AnInnerNoticeRestoresTheOuterOne) {
  int outer = 0;
  int inner = 0;
  WaitNotice outer_notice(&count_call, &outer);
  {
    WaitNotice inner_notice(&count_call, &inner);
    WaitNotice::before_waiting();
  }
  EXPECT_EQ(inner, 1);
  EXPECT_EQ(outer, 0);
  WaitNotice::before_waiting();
  EXPECT_EQ(outer, 1);
}

// The reader answers cache hits itself and hands over before a fetch or before joining another
// reader's fetch.
TEST(WaitNoticeTest, TtlCacheNoticesOnAMissButNotOnAHit) {
  using Cache = TtlCache<std::string>;
  CacheCounters counters;
  Cache cache(&counters);
  const OpContext ctx(std::chrono::seconds(5));
  const auto fetch = [] { return Result<Cache::Ptr>(std::make_shared<const std::string>("v")); };
  const std::chrono::milliseconds ttl(60000);

  int calls = 0;
  {
    WaitNotice notice(&count_call, &calls);
    ASSERT_TRUE(cache.get("k", ttl, ctx, fetch).ok());
  }
  EXPECT_EQ(calls, 1) << "a cold key is fetched: the thread waits";

  calls = 0;
  {
    WaitNotice notice(&count_call, &calls);
    ASSERT_TRUE(cache.get("k", ttl, ctx, fetch).ok());
    ASSERT_TRUE(cache.get_or_revalidate("k", ttl, ttl, ctx, fetch, [] { return true; }).ok());
  }
  EXPECT_EQ(calls, 0) << "a fresh value is answered without waiting";

  cache.invalidate("k");
  {
    WaitNotice notice(&count_call, &calls);
    ASSERT_TRUE(cache.get("k", ttl, ctx, fetch).ok());
  }
  EXPECT_EQ(calls, 1) << "an invalidated key is fetched again";
}

}  // namespace
}  // namespace snapfs
