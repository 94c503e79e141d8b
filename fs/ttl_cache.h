// A keyed cache of immutable values with a time to live and single-flight refresh: N concurrent
// readers of one cold or expired key make one fetch, and each waits no longer than its own
// deadline. When a fetch fails and an older value exists, the older value is served (stale), as
// SEMANTICS.md section 5 asks. A value past its TTL but within a further grace period is served
// at once while one background refresh runs (stale-while-revalidate).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "providers/common/thread_annotations.h"
#include "providers/common/wait_notice.h"
#include "providers/op_context.h"
#include "providers/result.h"

namespace snapfs {

struct CacheCounters {
  std::atomic<std::uint64_t> hits{0};
  std::atomic<std::uint64_t> misses{0};
  std::atomic<std::uint64_t> stale{0};          // stale values served after a failed refresh
  std::atomic<std::uint64_t> fetches{0};        // fetches started
  std::atomic<std::uint64_t> shared{0};         // readers that joined another reader's fetch
  std::atomic<std::uint64_t> revalidations{0};  // values served past TTL while refreshed behind
};

template <class V>
class TtlCache {
 public:
  using Ptr = std::shared_ptr<const V>;
  using Fetch = std::function<Result<Ptr>()>;
  using Clock = std::chrono::steady_clock;

  explicit TtlCache(CacheCounters* counters) : counters_(counters) {}

  // The value of `key` when younger than `ttl`; otherwise fetched once for all concurrent readers.
  // `serve_stale` false: a failed fetch is the answer, never an older value (a caller that must
  // decide on what the API says now).
  Result<Ptr> get(const std::string& key, std::chrono::milliseconds ttl, const OpContext& ctx,
                  const Fetch& fetch, bool serve_stale = true) {
    Joined joined;
    if (Ptr value = fresh_or_join(key, ttl, &joined)) return value;
    // Either way this thread now waits: on the provider, or on the leader's answer.
    WaitNotice::before_waiting();
    if (joined.leader) return lead(key, joined, fetch, serve_stale);
    return follow(key, *joined.flight, ctx, serve_stale);
  }

  // Like get(), but a value older than `ttl` and younger than `ttl + grace` (and not invalidated)
  // is returned at once, and `revalidate` is called, once per expiry, to queue a background
  // refresh (which should end in a get() of the same key). When it cannot queue one (returns
  // false), this reader fetches synchronously instead.
  Result<Ptr> get_or_revalidate(const std::string& key, std::chrono::milliseconds ttl,
                                std::chrono::milliseconds grace, const OpContext& ctx,
                                const Fetch& fetch, const std::function<bool()>& revalidate) {
    Ptr value;
    bool queue = false;
    {
      MutexLock lock(mu_);
      auto it = slots_.find(key);
      if (it != slots_.end() && it->second.value && !it->second.expired) {
        Slot& slot = it->second;
        auto age = Clock::now() - slot.fetched_at;
        if (age < ttl) {
          counters_->hits++;
          return slot.value;
        }
        if (age < ttl + grace) {
          value = slot.value;
          queue = !slot.flight && !slot.revalidation_queued;
          if (queue) slot.revalidation_queued = true;
        }
      }
    }
    if (!value) return get(key, ttl, ctx, fetch);
    counters_->revalidations++;
    if (queue && !revalidate()) {
      {
        MutexLock lock(mu_);
        slots_[key].revalidation_queued = false;
      }
      return get(key, ttl, ctx, fetch);
    }
    return value;
  }

  // The current value of any age, or null.
  Ptr peek(const std::string& key) const {
    MutexLock lock(mu_);
    auto it = slots_.find(key);
    return it == slots_.end() ? nullptr : it->second.value;
  }

  // Whether `key` holds a value, and one at least `ttl` old or invalidated.
  bool stale(const std::string& key, std::chrono::milliseconds ttl) const {
    MutexLock lock(mu_);
    auto it = slots_.find(key);
    return it != slots_.end() && it->second.value &&
           (it->second.expired || Clock::now() - it->second.fetched_at >= ttl);
  }

  // Whether `key` holds a value younger than `ttl`.
  bool fresh(const std::string& key, std::chrono::milliseconds ttl) const {
    MutexLock lock(mu_);
    auto it = slots_.find(key);
    return it != slots_.end() && it->second.value && !it->second.expired &&
           Clock::now() - it->second.fetched_at < ttl;
  }

  // Replaces the value with one derived from the provider's answer to a mutation. Keeps the
  // value's age: a mutation proves nothing about the rest of the listing.
  void replace(const std::string& key, Ptr value) {
    MutexLock lock(mu_);
    Slot& slot = slots_[key];
    if (!slot.value) slot.expired = true;
    slot.value = std::move(value);
    ++slot.generation;
  }

  // The next get() fetches again; the old value stays available as a stale fallback.
  void invalidate(const std::string& key) {
    MutexLock lock(mu_);
    auto it = slots_.find(key);
    if (it == slots_.end()) return;
    it->second.expired = true;
    ++it->second.generation;
  }

 private:
  // One fetch in flight, shared by its leader and followers. Its lock is taken alone (followers
  // waiting) or inside the cache's: lock order TtlCache::mu_, then Flight::mu.
  struct Flight {
    Mutex mu;
    std::condition_variable cv;
    bool done GUARDED_BY(mu) = false;
    std::shared_ptr<Result<Ptr>> result GUARDED_BY(mu);
  };
  struct Slot {
    Ptr value;
    Clock::time_point fetched_at{};
    bool expired = false;
    std::uint64_t generation = 0;
    std::shared_ptr<Flight> flight;
    bool revalidation_queued = false;  // a background refresh is on its way
  };

  // The fetch a reader of a cold or expired key takes part in: as its leader (which fetches)
  // or as a follower (which waits for the leader's answer).
  struct Joined {
    std::shared_ptr<Flight> flight;
    bool leader = false;
    std::uint64_t generation = 0;  // the slot's, when the leader started
  };

  // The value of `key` when younger than `ttl`; otherwise null, and *joined is the fetch this
  // reader leads or follows.
  Ptr fresh_or_join(const std::string& key, std::chrono::milliseconds ttl, Joined* joined) {
    MutexLock lock(mu_);
    Slot& slot = slots_[key];
    if (slot.value && !slot.expired && Clock::now() - slot.fetched_at < ttl) {
      counters_->hits++;
      return slot.value;
    }
    counters_->misses++;
    if (slot.flight) {
      counters_->shared++;
      joined->flight = slot.flight;
      return nullptr;
    }
    joined->flight = std::make_shared<Flight>();
    slot.flight = joined->flight;
    joined->leader = true;
    joined->generation = slot.generation;
    counters_->fetches++;
    return nullptr;
  }

  // The leader: fetches, keeps the answer unless the entry changed meanwhile, and hands it to
  // the followers.
  Result<Ptr> lead(const std::string& key, const Joined& joined, const Fetch& fetch,
                   bool serve_stale) {
    Result<Ptr> result = fetch();
    MutexLock lock(mu_);
    Slot& slot = slots_[key];
    slot.flight.reset();
    slot.revalidation_queued = false;
    if (result.ok()) keep(&slot, joined.generation, result.value());
    {
      MutexLock flight_lock(joined.flight->mu);
      joined.flight->done = true;
      joined.flight->result = std::make_shared<Result<Ptr>>(result);
    }
    joined.flight->cv.notify_all();
    if (!result.ok() && slot.value && serve_stale) {
      counters_->stale++;
      return slot.value;
    }
    return result;
  }

  // A fetched value, into the slot it was fetched for when that was at `generation`.
  static void keep(Slot* slot, std::uint64_t generation, const Ptr& value) {
    if (slot->generation == generation) {
      slot->value = value;
      slot->fetched_at = Clock::now();
      slot->expired = false;
      return;
    }
    // The entry changed while this fetch ran (a mkdir, a refresh request): the answer may
    // predate the change, so keep the changed value and fetch again on the next access.
    if (!slot->value) slot->value = value;
    slot->expired = true;
  }

  // A follower: waits for the leader's answer, but never past its own deadline.
  Result<Ptr> follow(const std::string& key, Flight& flight, const OpContext& ctx,
                     bool serve_stale) {
    std::shared_ptr<Result<Ptr>> answer = wait_for_answer(flight, ctx);
    if (answer && answer->ok()) return *answer;
    Ptr stale = serve_stale ? peek(key) : nullptr;
    if (stale) {
      counters_->stale++;
      return stale;
    }
    if (answer) return *answer;
    if (ctx.cancelled()) return Error(ErrorKind::Cancelled, "interrupted");
    return Error(ErrorKind::Timeout, "timed out waiting for a listing");
  }

  // The leader's answer, or null when the reader was cancelled or its deadline passed first.
  static std::shared_ptr<Result<Ptr>> wait_for_answer(Flight& flight, const OpContext& ctx) {
    UniqueLock flight_lock(flight.mu);
    while (!flight.done && !ctx.cancelled()) {
      if (flight.cv.wait_until(
              flight_lock.native(),
              std::min(ctx.deadline(), Clock::now() + std::chrono::milliseconds(100))) ==
              std::cv_status::timeout &&
          ctx.expired()) {
        break;
      }
    }
    return flight.result;
  }

  // Guards the slots; held only for map work, never across a fetch or a wait. Taken after any
  // lock of the caller's (Namespace's), and before a Flight's.
  mutable Mutex mu_;
  std::unordered_map<std::string, Slot> slots_ GUARDED_BY(mu_);
  CacheCounters* counters_;
};

}  // namespace snapfs
