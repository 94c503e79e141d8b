// Listings of a snapshot's directories read before anyone asks for them. Whoever lists a
// directory is likely to list its subdirectories next (find, ls -R, du, a file manager's tree):
// each listing a caller gets makes a wish for its subdirectories, which threads of their own list
// as that caller, so that the crawl's next opendir finds its entries in memory instead of
// waiting for a backing call (two thread hand-offs on top of the backing mount's own round
// trips). A snapshot never changes, so a listing read ahead is as good as one read when asked.
// It goes to the same caller only (ids and groups), once; the backing mount decided, as that
// caller, what the listing holds.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fs/content/backing_pool.h"
#include "fs/content/calls_under_way.h"
#include "providers/op_context.h"

namespace snapfs {
struct DirEntryReply;
}  // namespace snapfs

namespace snapfs::content {

class ListingAhead {
 public:
  // Directories listed or being listed ahead and not taken yet, at most; and their entries.
  static constexpr std::size_t kWindow = 32;
  static constexpr std::size_t kWindowEntries = 8192;
  // Subdirectories waiting to be listed, at most: the oldest wishes go first.
  static constexpr std::size_t kWishes = 4096;
  // A listing nobody took within this long is dropped (a crawl that stopped, another caller).
  static constexpr std::chrono::seconds kKeep{30};
  // take() found nothing for this caller: it lists the directory itself.
  static constexpr int kNotAhead = -1;

  explicit ListingAhead(std::size_t threads = 2);
  ~ListingAhead();
  ListingAhead(const ListingAhead&) = delete;
  ListingAhead& operator=(const ListingAhead&) = delete;

  // Wishes that `dirs` (paths under the directory `root_dir` of the snapshot `root`, in the
  // order a crawl meets them) be listed ahead as `caller`, before every earlier wish: a
  // depth-first crawl next enters the directory it listed last.
  // Each listing is a call under way in `calls` (calls_under_way.h).
  void wish(std::uint64_t root, const std::string& root_dir,
            const std::shared_ptr<CallsUnderWay>& calls, const Caller& caller,
            const std::vector<std::string>& dirs);
  // The listing of `path` under `root` made ahead for `caller`, taken (never given twice): 0
  // with `*entries`, or the listing's errno value. One still under way is waited for until
  // `ctx`'s deadline (ETIMEDOUT) or cancellation (EINTR). kNotAhead when there is none.
  int take(std::uint64_t root, const std::string& path, const Caller& caller, const OpContext& ctx,
           std::vector<DirEntryReply>* entries);
  // The snapshot went away: its wishes and listings with it.
  void drop_root(std::uint64_t root);
  // Everything not under way (the kernel forgot the trees: a crawl is over).
  void clear();

  std::uint64_t taken() const;   // listings given from here
  std::uint64_t listed() const;  // listings made ahead, taken or not

 private:
  struct Wish;
  struct Listing;
  struct State;
  static void list_ahead(const std::shared_ptr<State>& state);
  void start_listers();

  std::shared_ptr<State> state_;  // shared with the listing threads
  BackingPool pool_;
};

}  // namespace snapfs::content
