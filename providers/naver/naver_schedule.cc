#include "providers/naver/naver_schedule.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <vector>

namespace snapfs {
namespace {

constexpr const char* kDayNames[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
constexpr const char* kLongDayNames[] = {"sunday",   "monday", "tuesday", "wednesday",
                                         "thursday", "friday", "saturday"};

Error invalid(const std::string& why) {
  return Error(ErrorKind::InvalidArgument, "invalid schedule: " + why);
}

std::optional<int> parse_number(const std::string& text) {
  int value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<int> parse_day(const std::string& word) {
  for (int i = 0; i < 7; ++i) {
    if (word == kDayNames[i] || word == kLongDayNames[i]) return i;
  }
  return std::nullopt;
}

Result<int> parse_hour(const std::string& text) {
  std::size_t colon = text.find(':');
  if (colon == std::string::npos || colon == 0 || colon > 2) {
    return invalid("expected a time HH:00, got '" + text + "'");
  }
  auto hour = parse_number(text.substr(0, colon));
  std::string minutes = text.substr(colon + 1);
  if (!hour || *hour < 0 || *hour > 23 || minutes.size() != 2 || !parse_number(minutes)) {
    return invalid("expected a time HH:00, got '" + text + "'");
  }
  if (minutes != "00") {
    return invalid("NAVER Cloud takes snapshots on the hour only (use " +
                   std::string(*hour < 10 ? "0" : "") + std::to_string(*hour) + ":00)");
  }
  return *hour;
}

std::vector<std::string> lower_case_words(const std::string& text) {
  std::vector<std::string> words;
  std::istringstream in(text);
  for (std::string w; in >> w;) {
    for (char& c : w) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    words.push_back(w);
  }
  return words;
}

// "ratio=N" or "ratio=N%".
Status parse_ratio(const std::string& word, NaverSchedule* out) {
  if (out->ratio) return invalid("ratio= given twice");
  std::string number = word.substr(6);
  if (!number.empty() && number.back() == '%') number.pop_back();
  auto ratio = parse_number(number);
  if (!ratio || *ratio < 0 || *ratio > 99) {
    return invalid("ratio must be a whole percentage from 0 to 99, got '" + word.substr(6) + "'");
  }
  out->ratio = *ratio;
  return Status::Ok();
}

// "daily HH:00" or "weekly DAY HH:00" from words[*i] on; *i is left on the last word read.
Status parse_period(const std::vector<std::string>& words, std::size_t* i, NaverSchedule* out) {
  const std::string& w = words[*i];
  if (w == "weekly") {
    if (*i + 1 >= words.size()) return invalid("weekly needs a day (sun, mon, ... sat)");
    auto day = parse_day(words[++*i]);
    if (!day) {
      return invalid("unknown day '" + words[*i] + "' (sun, mon, tue, wed, thu, fri, sat)");
    }
    out->day = *day;
  } else {
    out->day = -1;
  }
  if (*i + 1 >= words.size()) return invalid(w + " needs a time HH:00");
  auto hour = parse_hour(words[++*i]);
  if (!hour.ok()) return hour.error();
  out->hour = hour.value();
  return Status::Ok();
}

}  // namespace

Result<NaverSchedule> parse_naver_schedule(const std::string& text) {
  const std::vector<std::string> words = lower_case_words(text);
  NaverSchedule out;
  bool have_period = false;
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string& w = words[i];
    Status parsed = Status::Ok();
    if (w.rfind("ratio=", 0) == 0) {
      parsed = parse_ratio(w, &out);
    } else if (w == "daily" || w == "weekly") {
      if (have_period) return invalid("only one of daily/weekly can be given");
      have_period = true;
      parsed = parse_period(words, &i, &out);
    } else {
      return invalid("unexpected '" + w +
                     "' (expected 'daily HH:00', 'weekly DAY HH:00' and/or 'ratio=N')");
    }
    if (!parsed.ok()) return parsed.error();
  }
  if (out.day && out.ratio && *out.ratio == 0) {
    return invalid("automatic snapshots need a snapshot reserve: ratio must be at least 1");
  }
  return out;
}

std::string format_naver_schedule(std::optional<int> day, int hour, double ratio) {
  std::string out;
  if (day && *day >= -1 && *day <= 6) {
    char time[8];
    std::snprintf(time, sizeof time, "%02d:00", hour);
    out = *day == -1 ? std::string("daily ") + time
                     : std::string("weekly ") + kDayNames[*day] + " " + time;
  }
  if (ratio > 0 || !out.empty()) {
    char number[32];
    if (std::floor(ratio) == ratio) {
      std::snprintf(number, sizeof number, "%d", static_cast<int>(ratio));
    } else {
      std::snprintf(number, sizeof number, "%g", ratio);
    }
    if (!out.empty()) out += " ";
    out += std::string("ratio=") + number;
  }
  return out;
}

std::optional<int> naver_schedule_day(const std::string& day_code, const std::string& period_code) {
  if (!day_code.empty()) {
    auto day = parse_number(day_code);
    if (day && *day >= -1 && *day <= 6) return *day;
  }
  if (period_code == "DAY") return -1;
  return std::nullopt;
}

}  // namespace snapfs
