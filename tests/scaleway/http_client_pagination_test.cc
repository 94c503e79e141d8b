// The shared pagination helper, with a scripted page source.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>

#include "providers/common/pagination.h"

namespace snapfs {
namespace {

// Serves `count` integers 0..count-1 in pages of `page_size`, recording the pages asked for.
struct ScriptedList {
  int count = 0;
  int page_size = 10;
  bool announce_total = true;
  std::optional<int> fail_page;
  std::mutex mu;
  std::vector<int> asked;

  Result<Page<int>> operator()(int page) {
    {
      std::lock_guard<std::mutex> lock(mu);
      asked.push_back(page);
    }
    if (fail_page && page == *fail_page) return Error(ErrorKind::Unavailable, "page failed");
    Page<int> out;
    if (announce_total) out.total = count;
    for (int i = (page - 1) * page_size; i < std::min(count, page * page_size); ++i) {
      out.items.push_back(i);
    }
    return out;
  }
};

std::vector<int> iota(int n) {
  std::vector<int> v(n);
  for (int i = 0; i < n; ++i) v[i] = i;
  return v;
}

TEST(Pagination, FetchesEveryPageInOrderUpToTheTotal) {
  ScriptedList list;
  list.count = 35;
  auto all = fetch_all_pages<int>([&](int p) { return list(p); }, {10, 1});
  ASSERT_TRUE(all.ok()) << all.error().message;
  EXPECT_EQ(*all, iota(35));
  EXPECT_EQ(list.asked, (std::vector<int>{1, 2, 3, 4}));
}

TEST(Pagination, StopsAtTheTotalWithoutAskingForAnEmptyPage) {
  ScriptedList list;
  list.count = 30;
  auto all = fetch_all_pages<int>([&](int p) { return list(p); }, {10, 1});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 30u);
  EXPECT_EQ(list.asked, (std::vector<int>{1, 2, 3}));
}

TEST(Pagination, WithoutATotalStopsAtAShortPage) {
  ScriptedList list;
  list.count = 25;
  list.announce_total = false;
  auto all = fetch_all_pages<int>([&](int p) { return list(p); }, {10, 4});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, iota(25));
  EXPECT_EQ(list.asked, (std::vector<int>{1, 2, 3}));
}

TEST(Pagination, WithoutATotalStopsAtAnEmptyPage) {
  ScriptedList list;
  list.count = 20;
  list.announce_total = false;
  auto all = fetch_all_pages<int>([&](int p) { return list(p); }, {10, 1});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, iota(20));
  EXPECT_EQ(list.asked, (std::vector<int>{1, 2, 3}));
}

TEST(Pagination, EmptyListIsOneRequest) {
  ScriptedList list;
  auto all = fetch_all_pages<int>([&](int p) { return list(p); }, {10, 3});
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->empty());
  EXPECT_EQ(list.asked.size(), 1u);
}

TEST(Pagination, ConcurrentPagesKeepTheirOrder) {
  ScriptedList list;
  list.count = 1234;
  auto all = fetch_all_pages<int>([&](int p) { return list(p); }, {10, 4});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, iota(1234));
  std::set<int> distinct(list.asked.begin(), list.asked.end());
  EXPECT_EQ(distinct.size(), list.asked.size()) << "a page was fetched twice";
  EXPECT_EQ(list.asked.size(), 124u);
}

TEST(Pagination, AnErrorOnAnyPageIsTheResult) {
  for (int concurrency : {1, 4}) {
    ScriptedList list;
    list.count = 100;
    list.fail_page = 5;
    auto all = fetch_all_pages<int>([&](int p) { return list(p); }, {10, concurrency});
    ASSERT_FALSE(all.ok());
    EXPECT_EQ(all.error().kind, ErrorKind::Unavailable);
  }
}

TEST(Pagination, AnErrorOnTheFirstPageStopsEverything) {
  ScriptedList list;
  list.count = 100;
  list.fail_page = 1;
  auto all = fetch_all_pages<int>([&](int p) { return list(p); }, {10, 4});
  ASSERT_FALSE(all.ok());
  EXPECT_EQ(list.asked.size(), 1u);
}

TEST(Pagination, AListThatNeverEndsIsABadResponse) {
  std::atomic<int> calls{0};
  auto endless = [&](int) -> Result<Page<int>> {
    ++calls;
    return Page<int>{std::vector<int>(10, 1), std::nullopt};
  };
  PaginationOptions options;
  options.page_size = 10;
  options.max_pages = 50;
  auto all = fetch_all_pages<int>(endless, options);
  ASSERT_FALSE(all.ok());
  EXPECT_EQ(all.error().kind, ErrorKind::BadResponse);
  EXPECT_EQ(calls.load(), 50);
}

TEST(Pagination, ATotalSmallerThanTheItemsStopsAtTheTotal) {
  ScriptedList list;
  list.count = 50;
  auto lying = [&](int p) -> Result<Page<int>> {
    auto page = list(p);
    if (page.ok()) page->total = 15;
    return page;
  };
  auto all = fetch_all_pages<int>(lying, {10, 1});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 20u);
  EXPECT_EQ(list.asked, (std::vector<int>{1, 2}));
}

}  // namespace
}  // namespace snapfs
