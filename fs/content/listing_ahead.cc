#include "fs/content/listing_ahead.h"

#include <cerrno>
#include <condition_variable>
#include <deque>
#include <map>
#include <utility>

#include "fs/content/backing_files.h"
#include "fs/namespace/tree.h"
#include "providers/common/thread_annotations.h"

namespace snapfs::content {

namespace {

using Clock = std::chrono::steady_clock;
using Key = std::pair<std::uint64_t, std::string>;  // (snapshot, path under its directory)

bool same_caller(const Caller& a, const Caller& b) {
  return a.known == b.known && a.uid == b.uid && a.gid == b.gid && a.groups == b.groups;
}

}  // namespace

struct ListingAhead::Wish {
  std::uint64_t root = 0;
  std::string root_dir;
  std::string path;
  std::shared_ptr<CallsUnderWay> calls;
  std::shared_ptr<const Caller> caller;  // one per wish() call, shared by its directories
};

struct ListingAhead::Listing {
  std::shared_ptr<const Caller> caller;
  // Guarded by State::mu (of another object: the analysis cannot name it).
  bool done = false;
  int rc = 0;
  std::vector<DirEntryReply> entries;
  Clock::time_point done_at;
};

struct ListingAhead::State {
  std::size_t threads = 1;
  mutable Mutex mu;
  std::condition_variable done_cv;         // a listing was made
  std::deque<Wish> wishes GUARDED_BY(mu);  // the next to list first
  std::map<Key, std::shared_ptr<Listing>> window GUARDED_BY(mu);
  std::size_t window_entries GUARDED_BY(mu) = 0;
  std::size_t listers GUARDED_BY(mu) = 0;  // threads listing, or about to
  std::uint64_t taken GUARDED_BY(mu) = 0;
  std::uint64_t listed GUARDED_BY(mu) = 0;

  using Slot = std::map<Key, std::shared_ptr<Listing>>::iterator;
  // Takes a listing out of the window (its entries counted there once it is done); the next.
  Slot drop(Slot it) REQUIRES(mu) {
    if (it->second->done) window_entries -= it->second->entries.size();
    return window.erase(it);
  }
  // Drops the listings made, and not under way, for which `gone` holds.
  template <typename Gone>
  void drop_done_if(Gone gone) REQUIRES(mu) {
    for (auto it = window.begin(); it != window.end();) {
      it = it->second->done && gone(*it->second) ? drop(it) : std::next(it);
    }
  }
  // Drops the listings nobody took within kKeep.
  void expire(Clock::time_point now) REQUIRES(mu) {
    drop_done_if([now](const Listing& l) { return now - l.done_at > kKeep; });
  }

  // Room in the window and a wish not already there: the next directory to list, entered in
  // the window as under way.
  bool next(Wish* out, std::shared_ptr<Listing>* listing) REQUIRES(mu) {
    expire(Clock::now());
    while (!wishes.empty() && window.size() < kWindow && window_entries < kWindowEntries) {
      Wish wish = std::move(wishes.front());
      wishes.pop_front();
      Key key{wish.root, wish.path};
      if (window.count(key) != 0) continue;
      auto l = std::make_shared<Listing>();
      l->caller = wish.caller;
      window.emplace(std::move(key), l);
      *out = std::move(wish);
      *listing = std::move(l);
      return true;
    }
    return false;
  }

  bool work_waiting() const REQUIRES(mu) {
    return !wishes.empty() && window.size() < kWindow && window_entries < kWindowEntries;
  }
};

ListingAhead::ListingAhead(std::size_t threads)
    : state_(std::make_shared<State>()), pool_(threads == 0 ? 1 : threads) {
  state_->threads = threads == 0 ? 1 : threads;
}

ListingAhead::~ListingAhead() {
  MutexLock lock(state_->mu);
  state_->wishes.clear();  // the listing threads end after their current directory
}

// A listing thread: lists wishes, each as its caller, until none is left or the window is full
// (a take() starts it again). It holds the state, not this object, and never touches the pool.
void ListingAhead::list_ahead(const std::shared_ptr<State>& state) {
  for (;;) {
    Wish wish;
    std::shared_ptr<Listing> listing;
    {
      MutexLock lock(state->mu);
      if (!state->next(&wish, &listing)) {
        --state->listers;
        return;
      }
    }
    std::vector<DirEntryReply> entries;
    int rc = 0;
    {
      CallsUnderWay::Call call(wish.calls);
      AsCaller as(*wish.caller);
      rc = list_backing_dir(wish.root_dir, wish.path, &entries);
    }
    MutexLock lock(state->mu);
    listing->done = true;
    listing->rc = rc;
    listing->done_at = Clock::now();
    auto it = state->window.find(Key{wish.root, wish.path});
    if (it != state->window.end() && it->second == listing) {
      state->window_entries += entries.size();  // still wanted: counted until taken
    }
    listing->entries = std::move(entries);
    ++state->listed;
    state->done_cv.notify_all();
  }
}

// Requires state_->mu, which the header cannot name: its callers hold it.
void ListingAhead::start_listers() NO_THREAD_SAFETY_ANALYSIS {
  while (state_->listers < state_->threads && state_->work_waiting()) {
    ++state_->listers;
    pool_.post([state = state_] { list_ahead(state); });
  }
}

void ListingAhead::wish(std::uint64_t root, const std::string& root_dir,
                        const std::shared_ptr<CallsUnderWay>& calls, const Caller& caller,
                        const std::vector<std::string>& dirs) {
  if (dirs.empty()) return;
  auto shared = std::make_shared<const Caller>(caller);
  MutexLock lock(state_->mu);
  for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) {
    state_->wishes.push_front(Wish{root, root_dir, *it, calls, shared});
  }
  while (state_->wishes.size() > kWishes) state_->wishes.pop_back();
  start_listers();
}

int ListingAhead::take(std::uint64_t root, const std::string& path, const Caller& caller,
                       const OpContext& ctx, std::vector<DirEntryReply>* entries) {
  UniqueLock lock(state_->mu);
  auto it = state_->window.find(Key{root, path});
  if (it == state_->window.end()) {
    // Still a wish: the caller lists it now, and nobody lists it again.
    for (auto w = state_->wishes.begin(); w != state_->wishes.end(); ++w) {
      if (w->root == root && w->path == path && same_caller(*w->caller, caller)) {
        state_->wishes.erase(w);
        break;
      }
    }
    return kNotAhead;
  }
  if (!same_caller(*it->second->caller, caller)) return kNotAhead;
  std::shared_ptr<Listing> listing = it->second;
  // Under way: as long to wait as the call this thread would make itself.
  if (int rc = wait_for_backing(
          lock.native(), state_->done_cv,
          [&listing]() NO_THREAD_SAFETY_ANALYSIS { return listing->done; }, ctx);
      rc != 0) {
    return rc;
  }
  it = state_->window.find(Key{root, path});
  if (it != state_->window.end() && it->second == listing) state_->drop(it);
  ++state_->taken;
  *entries = std::move(listing->entries);
  start_listers();
  return listing->rc;
}

void ListingAhead::drop_root(std::uint64_t root) {
  MutexLock lock(state_->mu);
  for (auto it = state_->wishes.begin(); it != state_->wishes.end();) {
    it = it->root == root ? state_->wishes.erase(it) : std::next(it);
  }
  auto it = state_->window.lower_bound(Key{root, std::string()});
  while (it != state_->window.end() && it->first.first == root) it = state_->drop(it);
  start_listers();
}

void ListingAhead::clear() {
  MutexLock lock(state_->mu);
  state_->wishes.clear();
  state_->drop_done_if([](const Listing&) { return true; });
}

std::uint64_t ListingAhead::taken() const {
  MutexLock lock(state_->mu);
  return state_->taken;
}

std::uint64_t ListingAhead::listed() const {
  MutexLock lock(state_->mu);
  return state_->listed;
}

}  // namespace snapfs::content
