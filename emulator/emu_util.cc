#include "emulator/emu_util.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdio>
#include <ctime>

namespace snapfs::emu {
namespace {

bool digits(const std::string& s, std::size_t& pos, int count, int* out) {
  int value = 0;
  for (int i = 0; i < count; ++i) {
    if (pos >= s.size() || s[pos] < '0' || s[pos] > '9') return false;
    value = value * 10 + (s[pos++] - '0');
  }
  *out = value;
  return true;
}

bool literal(const std::string& s, std::size_t& pos, char c) {
  if (pos < s.size() && s[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

std::string format_base(std::int64_t unix_s) {
  std::time_t t = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return buf;
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

}  // namespace

std::string format_utc_us(std::int64_t unix_us, const char* zone_suffix) {
  std::int64_t secs = floor_div(unix_us, 1000000);
  char frac[16];
  std::snprintf(frac, sizeof frac, ".%06lld", static_cast<long long>(unix_us - secs * 1000000));
  return format_base(secs) + frac + zone_suffix;
}

std::string format_utc_s(std::int64_t unix_s, const char* zone_suffix) {
  return format_base(unix_s) + zone_suffix;
}

std::optional<std::int64_t> parse_utc_us(const std::string& text) {
  std::size_t pos = 0;
  std::tm tm{};
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(text, pos, 4, &year) || !literal(text, pos, '-') || !digits(text, pos, 2, &month) ||
      !literal(text, pos, '-') || !digits(text, pos, 2, &day)) {
    return std::nullopt;
  }
  std::int64_t micros = 0;
  int offset_s = 0;
  if (pos < text.size()) {
    if (!literal(text, pos, 'T') && !literal(text, pos, 't') && !literal(text, pos, ' ')) {
      return std::nullopt;
    }
    if (!digits(text, pos, 2, &hour) || !literal(text, pos, ':') ||
        !digits(text, pos, 2, &minute) || !literal(text, pos, ':') ||
        !digits(text, pos, 2, &second)) {
      return std::nullopt;
    }
    if (literal(text, pos, '.')) {
      int n = 0;
      std::int64_t scale = 100000;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
        micros += (text[pos++] - '0') * scale;
        scale /= 10;
        ++n;
      }
      if (n == 0) return std::nullopt;
    }
    if (literal(text, pos, 'Z') || literal(text, pos, 'z')) {
      // UTC
    } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
      int sign = text[pos++] == '-' ? -1 : 1;
      int oh = 0, om = 0;
      if (!digits(text, pos, 2, &oh)) return std::nullopt;
      literal(text, pos, ':');
      if (!digits(text, pos, 2, &om)) return std::nullopt;
      offset_s = sign * (oh * 3600 + om * 60);
    }
    if (pos != text.size()) return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  std::int64_t secs = static_cast<std::int64_t>(timegm(&tm)) - offset_s;
  return secs * 1000000 + micros;
}

std::string status_text(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 412: return "Precondition Failed";
    case 413: return "Payload Too Large";
    case 423: return "Locked";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "HTTP " + std::to_string(status);
  }
}

bool glob_match(const std::string& pattern, const std::string& text) {
  // Iterative wildcard match with single backtracking point: linear in practice.
  std::size_t p = 0, t = 0, star = std::string::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::string to_json(const rapidjson::Value& value) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  value.Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace snapfs::emu
