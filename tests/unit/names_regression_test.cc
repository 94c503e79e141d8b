// Inputs found by tests/fuzz/fuzz_names that once broke an invariant of display_names.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "fs/names.h"

namespace snapfs {
namespace {

// An id of 8 characters or fewer equals the 8-character prefix of a longer id: the suffix of the
// long one used to be taken again as the short one's "whole id" suffix.
TEST(DisplayNamesRegression, ShortIdEqualToAnotherIdsPrefixStaysDistinct) {
  std::vector<NamedObject> siblings = {
      {"oldest", "backup", 1},
      {"abcdefgh-long", "backup", 2},
      {"abcdefgh", "backup", 3},
  };
  std::vector<std::string> names = display_names(siblings);
  ASSERT_EQ(names.size(), 3u);
  EXPECT_EQ(names[0], "backup");
  EXPECT_EQ(names[1], "backup~abcdefgh");
  EXPECT_NE(names[2], names[1]);
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), 3u);
}

TEST(DisplayNamesRegression, ReservedNamesWithCollidingIdsStayDistinct) {
  std::vector<NamedObject> siblings = {
      {std::string("d\0\x99\x07", 4) + "more", ".", 2},
      {std::string("d\0\x99\x07", 4), ".", 3},
      {std::string("d\0\x99\x07", 4) + "x", "..", 1},
  };
  std::vector<std::string> names = display_names(siblings);
  std::set<std::string> distinct(names.begin(), names.end());
  EXPECT_EQ(distinct.size(), names.size());
  for (const std::string& name : names) {
    EXPECT_NE(name, ".");
    EXPECT_NE(name, "..");
    EXPECT_EQ(name.find('/'), std::string::npos);
  }
}

// The same ids under a name past NAME_MAX: the third one's shortened NAME~ID~2 must still be
// known as its own once the sibling that pushed it there is gone.
TEST(DisplayNamesRegression, ShortenedNumberedNameStaysWhenASiblingGoes) {
  const std::string long_name(300, 'b');
  std::vector<NamedObject> siblings = {
      {"oldest", long_name, 1},
      {"abcdefgh-long", long_name, 2},
      {"abcdefgh", long_name, 3},
  };
  std::vector<std::string> names = display_names(siblings);
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), 3u);
  std::vector<std::string> after = display_names({siblings[0], siblings[2]}, {names[0], names[2]});
  EXPECT_EQ(after, (std::vector<std::string>{names[0], names[2]}));
}

}  // namespace
}  // namespace snapfs
