// The one way every provider walks a paginated list: page 1 first, then the remaining pages,
// stopping at the announced total, at a short page or at an empty page. Once page 1 told the
// total, the remaining pages may be fetched `concurrency` at a time; items keep the API's order.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <future>
#include <optional>
#include <string>
#include <vector>

#include "providers/result.h"

namespace snapfs {

template <class T>
struct Page {
  std::vector<T> items;
  std::optional<std::int64_t> total;  // the API's total item count, when it says
};

// Pages of one list fetched at once after page 1 told the total: enough to hide most of a long
// list's round trips, few enough that the bodies parsed at once stay small in memory.
inline constexpr int kParallelPages = 4;

struct PaginationOptions {
  int page_size = 100;
  // Pages fetched at once after page 1, when the total is known (fetch_page must then be
  // thread-safe). 1 = one after the other.
  int concurrency = 1;
  // A guard against an API that never stops answering full pages.
  int max_pages = 100000;
};

template <class T>
using PageFetcher = std::function<Result<Page<T>>(int page)>;

// Walks every page, handing each page's items to `consume` in the API's order, on the calling
// thread, as soon as the pages before it were handed over: a long list never has to sit in
// memory whole.
template <class T>
Status for_each_page(const PageFetcher<T>& fetch_page, const PaginationOptions& options,
                     const std::function<void(std::vector<T>&&)>& consume) {
  const int page_size = std::max(1, options.page_size);
  std::int64_t seen = 0;
  // Hands one page over; returns false when the list ends with it.
  auto take = [&](Page<T>&& page) {
    bool full = static_cast<int>(page.items.size()) >= page_size;
    seen += static_cast<std::int64_t>(page.items.size());
    consume(std::move(page.items));
    return full;
  };
  auto first = fetch_page(1);
  if (!first.ok()) return first.error();
  const std::optional<std::int64_t> total = first->total;
  if (!take(std::move(first.value()))) return Status();

  auto done = [&] { return total && seen >= *total; };
  if (done()) return Status();

  int last_page = options.max_pages;
  if (total) {
    std::int64_t pages = (*total + page_size - 1) / page_size;
    last_page = static_cast<int>(std::min<std::int64_t>(pages, options.max_pages));
  }
  const int batch = total ? std::max(1, options.concurrency) : 1;
  for (int next = 2; next <= last_page;) {
    const int end = std::min(last_page, next + batch - 1);
    std::vector<Result<Page<T>>> results;
    if (batch == 1) {
      results.push_back(fetch_page(next));
    } else {
      std::vector<std::future<Result<Page<T>>>> pending;
      for (int p = next; p <= end; ++p) {
        pending.push_back(
            std::async(std::launch::async, [&fetch_page, p] { return fetch_page(p); }));
      }
      for (auto& f : pending) results.push_back(f.get());
    }
    for (auto& result : results) {
      if (!result.ok()) return result.error();
      if (!take(std::move(result.value())) || done()) return Status();
    }
    next = end + 1;
  }
  if (!total && last_page >= options.max_pages) {
    return Error(ErrorKind::BadResponse,
                 "the list did not end after " + std::to_string(options.max_pages) + " pages");
  }
  return Status();
}

template <class T>
Result<std::vector<T>> fetch_all_pages(const PageFetcher<T>& fetch_page,
                                       const PaginationOptions& options = {}) {
  std::vector<T> items;
  Status status = for_each_page<T>(fetch_page, options, [&](std::vector<T>&& page) {
    for (T& item : page) items.push_back(std::move(item));
  });
  if (!status.ok()) return status.error();
  return items;
}

}  // namespace snapfs
