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

TEST(Pagination, ForEachPageHandsParallelPagesOverInOrder) {
  ScriptedList list;
  list.count = 95;
  std::vector<std::vector<int>> pages;
  Status status = for_each_page<int>([&](int p) { return list(p); }, {10, 4},
                                     [&](std::vector<int>&& page) { pages.push_back(page); });
  ASSERT_TRUE(status.ok()) << status.error().message;
  ASSERT_EQ(pages.size(), 10u);
  std::vector<int> joined;
  for (const auto& page : pages) joined.insert(joined.end(), page.begin(), page.end());
  EXPECT_EQ(joined, iota(95));
  EXPECT_EQ(pages.back(), (std::vector<int>{90, 91, 92, 93, 94}));
}

TEST(Pagination, ForEachPageStopsAtAFailedPage) {
  ScriptedList list;
  list.count = 50;
  list.fail_page = 3;
  int handed = 0;
  Status status =
      for_each_page<int>([&](int p) { return list(p); }, {10, 1},
                         [&](std::vector<int>&& page) { handed += static_cast<int>(page.size()); });
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().kind, ErrorKind::Unavailable);
  EXPECT_EQ(handed, 20);
}

}  // namespace
}  // namespace snapfs
