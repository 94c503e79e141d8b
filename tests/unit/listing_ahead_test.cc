// Listings of a snapshot's subdirectories made ahead of a crawl: given once, to the caller they
// were made for, within a bounded window, and dropped with their snapshot.
#include "fs/content/listing_ahead.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <thread>

#include "fs/namespace/tree.h"
#include "tests/support/process.h"

namespace snapfs::content {
namespace {

constexpr std::uint64_t kRoot = 7;

class ListingAheadTest : public ::testing::Test {
 protected:
  // Searchable by the other users the tests list as.
  void SetUp() override { ASSERT_EQ(chmod(dir_.c_str(), 0755), 0); }

  // Directories d0..d(n-1), each holding the files f0..f(files-1); their paths.
  std::vector<std::string> MakeDirs(int n, int files = 1) {
    std::vector<std::string> paths;
    for (int i = 0; i < n; ++i) {
      const std::string path = "d" + std::to_string(i);
      EXPECT_EQ(mkdir((dir_ + "/" + path).c_str(), 0755), 0);
      for (int f = 0; f < files; ++f) {
        std::ofstream(dir_ + "/" + path + "/f" + std::to_string(f)) << "x";
      }
      paths.push_back(path);
    }
    return paths;
  }
  static std::vector<std::string> Names(const std::vector<DirEntryReply>& entries) {
    std::vector<std::string> names;
    for (const DirEntryReply& e : entries) names.push_back(e.name);
    std::sort(names.begin(), names.end());
    return names;
  }
  // Waits until `ahead` made `n` listings, or 5 s passed.
  static bool WaitListed(const ListingAhead& ahead, std::uint64_t n) {
    for (int i = 0; i < 500 && ahead.listed() < n; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return ahead.listed() == n;
  }
  static OpContext Ctx() { return OpContext(std::chrono::seconds(5)); }

  test::TempDir files_;
  const std::string dir_ = files_.path();
  std::shared_ptr<CallsUnderWay> calls_ = std::make_shared<CallsUnderWay>(dir_);
};

TEST_F(ListingAheadTest, AListingIsGivenOnceToItsCaller) {
  const std::vector<std::string> dirs = MakeDirs(2, 3);
  ListingAhead ahead;
  ahead.wish(kRoot, dir_, calls_, Caller{}, dirs);
  ASSERT_TRUE(WaitListed(ahead, 2));
  std::vector<DirEntryReply> entries;
  ASSERT_EQ(ahead.take(kRoot, "d1", Caller{}, Ctx(), &entries), 0);
  EXPECT_EQ(Names(entries), (std::vector<std::string>{"f0", "f1", "f2"}));
  EXPECT_TRUE(S_ISREG(entries[0].attr.st_mode));
  EXPECT_EQ(ahead.take(kRoot, "d1", Caller{}, Ctx(), &entries), ListingAhead::kNotAhead);
  ASSERT_EQ(ahead.take(kRoot, "d0", Caller{}, Ctx(), &entries), 0);
  EXPECT_EQ(entries.size(), 3u);
  EXPECT_EQ(ahead.taken(), 2u);
  // Never wished: listed by its caller.
  EXPECT_EQ(ahead.take(kRoot, "elsewhere", Caller{}, Ctx(), &entries), ListingAhead::kNotAhead);
}

TEST_F(ListingAheadTest, AnotherCallerListsForItself) {
  const std::vector<std::string> dirs = MakeDirs(1);
  Caller alice;
  alice.known = true;
  alice.uid = 4242;
  alice.gid = 4242;
  Caller alice_in_a_group = alice;
  alice_in_a_group.groups = {4343};
  ListingAhead ahead;
  ahead.wish(kRoot, dir_, calls_, alice, dirs);
  ASSERT_TRUE(WaitListed(ahead, 1));
  std::vector<DirEntryReply> entries;
  EXPECT_EQ(ahead.take(kRoot, "d0", Caller{}, Ctx(), &entries), ListingAhead::kNotAhead);
  EXPECT_EQ(ahead.take(kRoot, "d0", alice_in_a_group, Ctx(), &entries), ListingAhead::kNotAhead);
  EXPECT_EQ(ahead.take(kRoot, "d0", alice, Ctx(), &entries), 0);
  EXPECT_EQ(Names(entries), std::vector<std::string>{"f0"});
}

TEST_F(ListingAheadTest, AListingThatFailedGivesItsError) {
  ASSERT_EQ(mkdir((dir_ + "/closed").c_str(), 0), 0);
  ListingAhead ahead;
  Caller nobody;
  nobody.known = true;
  nobody.uid = 65534;
  nobody.gid = 65534;
  ahead.wish(kRoot, dir_, calls_, Caller{}, {"gone"});
  ahead.wish(kRoot, dir_, calls_, nobody, {"closed"});
  ASSERT_TRUE(WaitListed(ahead, 2));
  std::vector<DirEntryReply> entries;
  EXPECT_EQ(ahead.take(kRoot, "gone", Caller{}, Ctx(), &entries), ENOENT);
  // Listed as its caller: mode 0 refuses everyone but root (as which the listing would have
  // worked, when the test runs as root).
  EXPECT_EQ(ahead.take(kRoot, "closed", nobody, Ctx(), &entries), EACCES);
}

TEST_F(ListingAheadTest, TheWindowBoundsWhatIsListedAhead) {
  const std::vector<std::string> dirs = MakeDirs(static_cast<int>(ListingAhead::kWindow) + 8);
  ListingAhead ahead;
  ahead.wish(kRoot, dir_, calls_, Caller{}, dirs);
  ASSERT_TRUE(WaitListed(ahead, ListingAhead::kWindow));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(ahead.listed(), ListingAhead::kWindow);  // and no further while nobody takes
  std::vector<DirEntryReply> entries;
  ASSERT_EQ(ahead.take(kRoot, "d0", Caller{}, Ctx(), &entries), 0);
  EXPECT_TRUE(WaitListed(ahead, ListingAhead::kWindow + 1));  // one taken, one more listed
}

TEST_F(ListingAheadTest, TheLastWishIsListedFirst) {
  const std::size_t window = ListingAhead::kWindow;
  const std::vector<std::string> dirs = MakeDirs(static_cast<int>(window) + 3);
  ListingAhead ahead;
  // Two wishes more than the window holds: they wait.
  ahead.wish(kRoot, dir_, calls_, Caller{}, {dirs.begin(), dirs.begin() + window + 2});
  ASSERT_TRUE(WaitListed(ahead, window));
  // A later listing's subdirectory: a depth-first crawl enters it before the older ones.
  const std::string later = dirs[window + 2];
  ahead.wish(kRoot, dir_, calls_, Caller{}, {later});
  std::vector<DirEntryReply> entries;
  ASSERT_EQ(ahead.take(kRoot, "d0", Caller{}, Ctx(), &entries), 0);  // room for one
  ASSERT_TRUE(WaitListed(ahead, window + 1));
  EXPECT_EQ(ahead.take(kRoot, dirs[window], Caller{}, Ctx(), &entries), ListingAhead::kNotAhead);
  EXPECT_EQ(ahead.take(kRoot, later, Caller{}, Ctx(), &entries), 0);
}

TEST_F(ListingAheadTest, AWishNotStartedIsListedByItsCallerAlone) {
  const std::size_t window = ListingAhead::kWindow;
  const std::vector<std::string> dirs = MakeDirs(static_cast<int>(window) + 1);
  ListingAhead ahead;
  ahead.wish(kRoot, dir_, calls_, Caller{}, dirs);
  ASSERT_TRUE(WaitListed(ahead, window));
  std::vector<DirEntryReply> entries;
  // The last one waits for room: its caller lists it, and the wish is gone.
  EXPECT_EQ(ahead.take(kRoot, dirs[window], Caller{}, Ctx(), &entries), ListingAhead::kNotAhead);
  ASSERT_EQ(ahead.take(kRoot, "d0", Caller{}, Ctx(), &entries), 0);  // room for one
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(ahead.listed(), window);
}

TEST_F(ListingAheadTest, ADroppedSnapshotGivesNothing) {
  const std::vector<std::string> dirs = MakeDirs(3);
  ListingAhead ahead;
  ahead.wish(kRoot, dir_, calls_, Caller{}, dirs);
  ahead.wish(kRoot + 1, dir_, calls_, Caller{}, dirs);
  ASSERT_TRUE(WaitListed(ahead, 6));
  ahead.drop_root(kRoot);
  std::vector<DirEntryReply> entries;
  for (const std::string& d : dirs) {
    EXPECT_EQ(ahead.take(kRoot, d, Caller{}, Ctx(), &entries), ListingAhead::kNotAhead) << d;
    EXPECT_EQ(ahead.take(kRoot + 1, d, Caller{}, Ctx(), &entries), 0) << d;
  }
  ahead.wish(kRoot, dir_, calls_, Caller{}, dirs);
  ASSERT_TRUE(WaitListed(ahead, 9));
  ahead.clear();
  EXPECT_EQ(ahead.take(kRoot, "d0", Caller{}, Ctx(), &entries), ListingAhead::kNotAhead);
}

}  // namespace
}  // namespace snapfs::content
