#include "providers/common/time_util.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace snapfs {
namespace {

bool read_digits(const std::string& s, std::size_t& pos, int count, int* out) {
  int value = 0;
  for (int i = 0; i < count; ++i) {
    if (pos >= s.size() || s[pos] < '0' || s[pos] > '9') return false;
    value = value * 10 + (s[pos++] - '0');
  }
  *out = value;
  return true;
}

bool expect(const std::string& s, std::size_t& pos, char c) {
  if (pos < s.size() && s[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

// Days since 1970-01-01 of a civil date (proleptic Gregorian).
std::int64_t days_from_civil(int y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// "YYYY-MM-DD".
bool read_date(const std::string& s, std::size_t& pos, int* year, int* month, int* day) {
  if (!read_digits(s, pos, 4, year) || !expect(s, pos, '-') || !read_digits(s, pos, 2, month) ||
      !expect(s, pos, '-') || !read_digits(s, pos, 2, day)) {
    return false;
  }
  return *month >= 1 && *month <= 12 && *day >= 1 && *day <= 31;
}

// "HH:MM" with optional ":SS" (60: a leap second).
bool read_clock(const std::string& s, std::size_t& pos, int* hour, int* minute, int* second) {
  if (!read_digits(s, pos, 2, hour) || !expect(s, pos, ':') || !read_digits(s, pos, 2, minute)) {
    return false;
  }
  if (expect(s, pos, ':') && !read_digits(s, pos, 2, second)) return false;
  return *hour <= 23 && *minute <= 59 && *second <= 60;
}

// An optional ".fraction": digits past the sixth are ignored.
bool read_fraction(const std::string& s, std::size_t& pos, std::int64_t* micros) {
  if (!expect(s, pos, '.')) return true;
  int digits = 0;
  while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
    if (digits < 6) *micros = *micros * 10 + (s[pos] - '0');
    ++digits;
    ++pos;
  }
  if (digits == 0) return false;
  for (int i = digits; i < 6; ++i) *micros *= 10;
  return true;
}

// An optional "Z", "+HH[:MM]" or "-HH[:MM]" (the colon and minutes may be left out).
bool read_offset(const std::string& s, std::size_t& pos, int* offset_seconds) {
  if (pos >= s.size()) return true;
  char sign = s[pos];
  if (sign == 'Z' || sign == 'z') {
    ++pos;
    return true;
  }
  if (sign != '+' && sign != '-') return false;
  ++pos;
  int oh, om = 0;
  if (!read_digits(s, pos, 2, &oh)) return false;
  expect(s, pos, ':');
  if (pos < s.size() && !read_digits(s, pos, 2, &om)) return false;
  *offset_seconds = (oh * 3600 + om * 60) * (sign == '-' ? -1 : 1);
  return true;
}

}  // namespace

std::optional<std::int64_t> parse_rfc3339_us(const std::string& s) {
  std::size_t pos = 0;
  int year, month, day, hour = 0, minute = 0, second = 0;
  if (!read_date(s, pos, &year, &month, &day)) return std::nullopt;
  std::int64_t micros = 0;
  int offset_seconds = 0;
  // A date alone is midnight UTC.
  if (pos < s.size()) {
    if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') return std::nullopt;
    ++pos;
    if (!read_clock(s, pos, &hour, &minute, &second) || !read_fraction(s, pos, &micros) ||
        !read_offset(s, pos, &offset_seconds) || pos != s.size()) {
      return std::nullopt;
    }
  }
  std::int64_t seconds = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 +
                         second - offset_seconds;
  return seconds * 1000000 + micros;
}

std::string format_rfc3339_us(std::int64_t unix_us) {
  std::int64_t seconds = unix_us / 1000000;
  std::int64_t micros = unix_us % 1000000;
  if (micros < 0) {
    micros += 1000000;
    --seconds;
  }
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  if (micros != 0)
    n += std::snprintf(buf + n, sizeof buf - n, ".%06lld", static_cast<long long>(micros));
  std::snprintf(buf + n, sizeof buf - n, "Z");
  return buf;
}

std::int64_t now_unix_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace snapfs
