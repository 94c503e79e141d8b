// user.snapfs.schedule syntax of naver-nas.
#include "providers/naver/naver_schedule.h"

#include <gtest/gtest.h>

namespace snapfs {
namespace {

TEST(NaverSchedule, Weekly) {
  auto s = parse_naver_schedule("weekly sun 03:00 ratio=20");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->day, 0);
  EXPECT_EQ(s->hour, 3);
  EXPECT_EQ(s->ratio, 20);
  auto sat = parse_naver_schedule("  WEEKLY Saturday 23:00  ");
  ASSERT_TRUE(sat.ok());
  EXPECT_EQ(sat->day, 6);
  EXPECT_EQ(sat->hour, 23);
  EXPECT_FALSE(sat->ratio.has_value());
}

TEST(NaverSchedule, Daily) {
  auto s = parse_naver_schedule("daily 3:00 ratio=5");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->day, -1);
  EXPECT_EQ(s->hour, 3);
  EXPECT_EQ(s->ratio, 5);
  auto ratio_first = parse_naver_schedule("ratio=5 daily 00:00");
  ASSERT_TRUE(ratio_first.ok());
  EXPECT_EQ(ratio_first->day, -1);
  EXPECT_EQ(ratio_first->hour, 0);
}

TEST(NaverSchedule, EmptyAndRatioOnly) {
  auto empty = parse_naver_schedule("");
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->day.has_value());
  EXPECT_FALSE(empty->ratio.has_value());
  auto ratio = parse_naver_schedule("ratio=0");
  ASSERT_TRUE(ratio.ok());
  EXPECT_FALSE(ratio->day.has_value());
  EXPECT_EQ(ratio->ratio, 0);
}

TEST(NaverSchedule, MalformedValuesAreInvalidArgument) {
  for (const char* bad : {"weekly", "weekly 03:00", "weekly xyz 03:00", "daily", "daily 3",
                          "daily 24:00", "daily 03:30", "daily 03:0", "monthly 1 03:00",
                          "ratio=100", "ratio=-1", "ratio=ten", "ratio=", "daily 03:00 ratio=0",
                          "daily 03:00 weekly sun 03:00", "ratio=1 ratio=2", "daily 03:00 extra"}) {
    auto s = parse_naver_schedule(bad);
    EXPECT_FALSE(s.ok()) << bad;
    if (!s.ok()) {
      EXPECT_EQ(s.error().kind, ErrorKind::InvalidArgument) << bad;
    }
  }
}

TEST(NaverSchedule, MinutesMessageSuggestsTheHour) {
  auto s = parse_naver_schedule("daily 03:30");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("03:00"), std::string::npos);
}

TEST(NaverSchedule, Format) {
  EXPECT_EQ(format_naver_schedule(0, 3, 20), "weekly sun 03:00 ratio=20");
  EXPECT_EQ(format_naver_schedule(6, 23, 10.0), "weekly sat 23:00 ratio=10");
  EXPECT_EQ(format_naver_schedule(-1, 3, 20), "daily 03:00 ratio=20");
  EXPECT_EQ(format_naver_schedule(std::nullopt, 0, 15), "ratio=15");
  EXPECT_EQ(format_naver_schedule(std::nullopt, 0, 0), "");
  EXPECT_EQ(format_naver_schedule(std::nullopt, 0, 12.5), "ratio=12.5");
}

TEST(NaverSchedule, FormattedValuesParseBack) {
  for (auto [day, hour, ratio] :
       {std::tuple{0, 3, 20}, std::tuple{-1, 0, 1}, std::tuple{4, 12, 99}}) {
    std::string text = format_naver_schedule(day, hour, ratio);
    auto parsed = parse_naver_schedule(text);
    ASSERT_TRUE(parsed.ok()) << text;
    EXPECT_EQ(parsed->day, day);
    EXPECT_EQ(parsed->hour, hour);
    EXPECT_EQ(parsed->ratio, ratio);
  }
}

TEST(NaverSchedule, DayFromVolumeCodes) {
  EXPECT_EQ(naver_schedule_day("-1", "DAY"), -1);
  EXPECT_EQ(naver_schedule_day("6", "WEEK"), 6);
  EXPECT_EQ(naver_schedule_day("", "DAY"), -1);
  EXPECT_FALSE(naver_schedule_day("", "").has_value());
  EXPECT_FALSE(naver_schedule_day("9", "").has_value());
}

}  // namespace
}  // namespace snapfs
