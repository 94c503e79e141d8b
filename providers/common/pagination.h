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

namespace pagination_detail {

// Appends one page; returns false when the list ends with it.
template <class T>
bool append_page(Page<T>&& page, int page_size, std::vector<T>* out) {
  bool full = static_cast<int>(page.items.size()) >= page_size;
  for (T& item : page.items) out->push_back(std::move(item));
  return full;
}

}  // namespace pagination_detail

template <class T>
Result<std::vector<T>> fetch_all_pages(const PageFetcher<T>& fetch_page,
                                       const PaginationOptions& options = {}) {
  const int page_size = std::max(1, options.page_size);
  std::vector<T> items;
  auto first = fetch_page(1);
  if (!first.ok()) return first.error();
  const std::optional<std::int64_t> total = first->total;
  if (!pagination_detail::append_page(std::move(first.value()), page_size, &items)) return items;

  auto done = [&] { return total && static_cast<std::int64_t>(items.size()) >= *total; };
  if (done()) return items;

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
      if (!pagination_detail::append_page(std::move(result.value()), page_size, &items) || done()) {
        return items;
      }
    }
    next = end + 1;
  }
  if (!total && last_page >= options.max_pages) {
    return Error(ErrorKind::BadResponse,
                 "the list did not end after " + std::to_string(options.max_pages) + " pages");
  }
  return items;
}

}  // namespace snapfs
