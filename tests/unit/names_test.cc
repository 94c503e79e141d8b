#include "fs/names.h"

#include <gtest/gtest.h>

namespace snapfs {
namespace {

TEST(NamesTest, EscapesSlashAndPercentAndRoundTrips) {
  EXPECT_EQ(escape_name("daily/2026-11-01"), "daily%2F2026-11-01");
  EXPECT_EQ(escape_name("a%2Fb"), "a%252Fb");
  EXPECT_EQ(escape_name("%25"), "%2525");
  EXPECT_EQ(escape_name(std::string("n\0ul", 4)), "n%00ul");
  EXPECT_EQ(escape_name("x%00"), "x%2500");
  for (const std::string s : {"plain", "a/b/c", "%", "%2F", "50%/x", "", "~tilde", "%%2F", "%2%25",
                              "%2/", "100%", "a%2fb", "%25%2F%00"}) {
    EXPECT_EQ(unescape_name(escape_name(s)), s) << s;
  }
  EXPECT_EQ(unescape_name(escape_name(std::string("\0%00\0", 5))), std::string("\0%00\0", 5));
}

// Only a '%' that would read as an escape is escaped: a name typed with a stray '%' is the very
// name it is shown by.
TEST(NamesTest, StrayPercentIsShownAsItIs) {
  EXPECT_EQ(escape_name("100%"), "100%");
  EXPECT_EQ(escape_name("a%zz"), "a%zz");
  EXPECT_EQ(escape_name("lc%2fb"), "lc%2fb");
  EXPECT_EQ(escape_name("end%2"), "end%2");
}

TEST(NamesTest, UnescapeLeavesOtherPercentSequences) {
  EXPECT_EQ(unescape_name("a%2Fb"), "a/b");
  EXPECT_EQ(unescape_name("a%2fb"), "a%2fb");  // upper case only: one file name per provider name
  EXPECT_EQ(unescape_name("50%off"), "50%off");
  EXPECT_EQ(unescape_name("end%"), "end%");
  EXPECT_EQ(unescape_name("end%2"), "end%2");
}

TEST(NamesTest, CreatableNamesAreShownExactlyAsTyped) {
  for (const std::string n : {"a%zz", "lc%2fb", "50%", "x%2Fy", "%2525", "a%252Fb", "caf\xc3\xa9",
                              "\xe6\x97\xa5\xe6\x9c\xac", "\xf0\x9f\x93\xb8", "~x"}) {
    EXPECT_TRUE(is_creatable_name(n)) << n;
    EXPECT_EQ(escape_name(unescape_name(n)), n) << n;
    EXPECT_EQ(display_names({{"id-1", unescape_name(n), 1}})[0], n) << n;
  }
  // "100%25" would make "100%", shown as "100%"; %00 a NUL no API takes.
  for (const std::string n : {"100%25", "%25zz", "x%00", "", ".", "..", "a/b"}) {
    EXPECT_FALSE(is_creatable_name(n)) << n;
  }
  EXPECT_FALSE(is_creatable_name(std::string(256, 'x')));
  EXPECT_TRUE(is_creatable_name(std::string(255, 'x')));
}

TEST(NamesTest, NamesThatAreNotUtf8AreRefused) {
  EXPECT_TRUE(is_utf8(""));
  EXPECT_TRUE(is_utf8("caf\xc3\xa9 \xf4\x8f\xbf\xbf"));
  for (const std::string bad : {"\xff", "a\x80", "\xc3", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80",
                                "\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80"}) {
    EXPECT_FALSE(is_utf8(bad)) << bad;
    EXPECT_FALSE(is_creatable_name("snap" + bad)) << bad;
  }
}

TEST(NamesTest, LongNamesAreShortenedUniqueAndStable) {
  // Two names past NAME_MAX that share their first 300 bytes, of two-byte characters.
  std::string common;
  for (int i = 0; i < 150; ++i) common += "\xc3\xa9";
  const std::vector<NamedObject> siblings = {
      {"id-1", common + "-one", 1}, {"id-2", common + "-two", 2}, {"id-3", "short", 3}};
  const std::vector<std::string> names = display_names(siblings);
  EXPECT_EQ(names[2], "short");
  EXPECT_NE(names[0], names[1]);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_LE(names[i].size(), kMaxNameBytes);
    EXPECT_TRUE(is_utf8(names[i])) << "cut at a character boundary";
    EXPECT_EQ(names[i].compare(0, 200, common, 0, 200), 0) << "keeps the start of the name";
  }
  EXPECT_EQ(display_names(siblings), names) << "the same names on every listing";
  EXPECT_EQ(display_names({siblings[1]})[0], names[1]) << "a hash of the name, not of its place";
  // Long names shared by siblings: the suffixed ones fit too.
  const std::vector<std::string> twins =
      display_names({{"aaaaaaaa-1", common, 1}, {"bbbbbbbb-2", common, 2}});
  EXPECT_NE(twins[0], twins[1]);
  EXPECT_LE(twins[0].size(), kMaxNameBytes);
  EXPECT_LE(twins[1].size(), kMaxNameBytes);
  // An id standing for an empty name is kept within the limit as well.
  EXPECT_LE(display_names({{std::string(400, 'i'), "", 1}})[0].size(), kMaxNameBytes);
}

// A name shown stays with its snapshot: deleting the sibling that held the plain name, or one
// appearing that is older, moves no other sibling's name.
TEST(NamesTest, ShownNamesStayWithTheirObjects) {
  const std::vector<std::string> first =
      display_names({{"aaaaaaaa-1", "nightly", 100}, {"d08e9dac-2", "nightly", 200}});
  ASSERT_EQ(first, (std::vector<std::string>{"nightly", "nightly~d08e9dac"}));
  // "nightly" deleted: the other keeps the name it was shown by.
  EXPECT_EQ(display_names({{"d08e9dac-2", "nightly", 200}}, {"nightly~d08e9dac"})[0],
            "nightly~d08e9dac");
  // An older one appears: it is told apart, the names shown do not move.
  EXPECT_EQ(display_names({{"aaaaaaaa-1", "nightly", 100},
                           {"d08e9dac-2", "nightly", 200},
                           {"00000000-3", "nightly", 50}},
                          {"nightly", "nightly~d08e9dac", ""}),
            (std::vector<std::string>{"nightly", "nightly~d08e9dac", "nightly~00000000"}));
  // A new sibling takes the plain name when it is free.
  EXPECT_EQ(display_names({{"d08e9dac-2", "nightly", 200}, {"eeeeeeee-4", "nightly", 300}},
                          {"nightly~d08e9dac", ""}),
            (std::vector<std::string>{"nightly~d08e9dac", "nightly"}));
  // Renamed: the old name no longer belongs to it.
  EXPECT_EQ(display_names({{"d08e9dac-2", "weekly", 200}}, {"nightly~d08e9dac"})[0], "weekly");
  // Without names shown before, the oldest gets the plain name as ever.
  EXPECT_EQ(display_names({{"d08e9dac-2", "nightly", 200}, {"00000000-3", "nightly", 50}}),
            (std::vector<std::string>{"nightly~d08e9dac", "nightly"}));
}

}  // namespace
}  // namespace snapfs
