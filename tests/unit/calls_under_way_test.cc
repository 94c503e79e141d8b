// A snapshot's backing calls refused at once while an older call has outrun the new caller's
// deadline, and made again once it ended.
#include "fs/content/calls_under_way.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <thread>

namespace snapfs::content {
namespace {

TEST(CallsUnderWayTest, ACallOlderThanTheDeadlineRefusesTheNextUntilItEnds) {
  auto calls = std::make_shared<CallsUnderWay>("/mnt/nas/.zfs/snapshot/daily");
  const OpContext short_wait(std::chrono::milliseconds(100));
  EXPECT_FALSE(calls->stuck_for(short_wait));  // nothing under way
  auto old = std::make_unique<CallsUnderWay::Call>(calls);
  EXPECT_FALSE(calls->stuck_for(OpContext(std::chrono::milliseconds(100))));  // just started
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  EXPECT_TRUE(calls->stuck_for(OpContext(std::chrono::milliseconds(100))));
  // A caller that may wait longer than the call has run waits for its own answer.
  EXPECT_FALSE(calls->stuck_for(OpContext(std::chrono::seconds(10))));
  {
    CallsUnderWay::Call younger(calls);  // another call, made meanwhile: the oldest counts
    EXPECT_TRUE(calls->stuck_for(OpContext(std::chrono::milliseconds(100))));
  }
  EXPECT_EQ(calls->refused(), 2u);
  old.reset();
  EXPECT_FALSE(calls->stuck_for(OpContext(std::chrono::milliseconds(100))));
  EXPECT_EQ(calls->refused(), 2u);
}

}  // namespace
}  // namespace snapfs::content
