#include "fs/names.h"

#include <gtest/gtest.h>

namespace snapfs {
namespace {

TEST(NamesTest, EscapesSlashAndPercentAndRoundTrips) {
  EXPECT_EQ(escape_name("daily/2026-11-01"), "daily%2F2026-11-01");
  EXPECT_EQ(escape_name("100%"), "100%25");
  EXPECT_EQ(escape_name("a%2Fb"), "a%252Fb");
  for (const std::string s : {"plain", "a/b/c", "%", "%2F", "50%/x", "", "~tilde"}) {
    EXPECT_EQ(unescape_name(escape_name(s)), s) << s;
  }
}

TEST(NamesTest, UnescapeLeavesOtherPercentSequences) {
  EXPECT_EQ(unescape_name("a%2fb"), "a/b");
  EXPECT_EQ(unescape_name("50%off"), "50%off");
  EXPECT_EQ(unescape_name("end%"), "end%");
  EXPECT_EQ(unescape_name("end%2"), "end%2");
}

TEST(NamesTest, DuplicatesGetIdSuffixOldestKeepsPlainName) {
  auto names = display_names({{"bbbbbbbb-2222", "x", 200},
                              {"aaaaaaaa-1111", "x", 100},
                              {"cccccccc-3333", "x", 300},
                              {"dddddddd-4444", "y", 50}});
  EXPECT_EQ(names, (std::vector<std::string>{"x~bbbbbbbb", "x", "x~cccccccc", "y"}));
}

TEST(NamesTest, EmptyAndDotNamesNeverBecomeInvalidEntries) {
  auto names = display_names({{"id-1", "", 1}, {"id-2", ".", 2}, {"id-3", "..", 3}});
  EXPECT_EQ(names[0], "id-1");
  EXPECT_EQ(names[1], ".~id-2");
  EXPECT_EQ(names[2], "..~id-3");
}

TEST(NamesTest, IdsSharingTheirFirstEightCharactersStayApart) {
  auto names =
      display_names({{"1b000000-a", "n", 1}, {"1b000000-b", "n", 2}, {"1b000000-c", "n", 3}});
  EXPECT_EQ(names, (std::vector<std::string>{"n", "n~1b000000", "n~1b000000-c"}));
}

TEST(NamesTest, SameCreationTimeIsOrderedById) {
  auto names = display_names({{"zz", "n", 5}, {"aa", "n", 5}});
  EXPECT_EQ(names, (std::vector<std::string>{"n~zz", "n"}));
}

}  // namespace
}  // namespace snapfs
