#include "providers/common/log.h"

#include <syslog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>

namespace snapfs {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::Info)};
std::atomic<bool> g_syslog{false};
std::mutex g_stderr_mu;

const char* level_word(LogLevel level) {
  switch (level) {
    case LogLevel::Error: return "error";
    case LogLevel::Warning: return "warning";
    case LogLevel::Info: return "info";
    case LogLevel::Debug: return "debug";
  }
  return "info";
}

}  // namespace

bool parse_log_level(const std::string& text, LogLevel* out) {
  for (LogLevel level : {LogLevel::Error, LogLevel::Warning, LogLevel::Info, LogLevel::Debug}) {
    if (text == level_word(level)) {
      *out = level;
      return true;
    }
  }
  return false;
}

void set_log_level(LogLevel level) {
  g_level = static_cast<int>(level);
}
LogLevel log_level() {
  return static_cast<LogLevel>(g_level.load());
}

void log_to_syslog(const char* ident) {
  openlog(ident, LOG_PID, LOG_DAEMON);
  g_syslog = true;
}

std::string log_safe_text(const std::string& message) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(std::min(message.size(), kMaxLogMessageBytes) + 32);
  std::size_t i = 0;
  for (; i < message.size() && out.size() < kMaxLogMessageBytes; ++i) {
    const auto c = static_cast<unsigned char>(message[i]);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else if (c == 0xc2 && i + 1 < message.size() &&
               static_cast<unsigned char>(message[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(message[i + 1]) <= 0x9f) {
      // U+0080..U+009F: C1 controls, which some terminals obey (0x9b starts a CSI sequence).
      const auto low = static_cast<unsigned char>(message[++i]);
      out += "\\u00";
      out += kHex[low >> 4];
      out += kHex[low & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  // Never leave a UTF-8 sequence cut in half at the end.
  while (i < message.size() && (static_cast<unsigned char>(message[i]) & 0xc0) == 0x80) {
    out += message[i++];
  }
  if (i < message.size()) {
    out += "... (" + std::to_string(message.size() - i) + " more bytes)";
  }
  return out;
}

void log_message(LogLevel level, const std::string& raw) {
  if (!log_enabled(level)) return;
  const std::string message = log_safe_text(raw);
  if (g_syslog) {
    static const int kPriority[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
    syslog(kPriority[static_cast<int>(level)], "%s", message.c_str());
    return;
  }
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
  std::lock_guard<std::mutex> lock(g_stderr_mu);
  std::fprintf(stderr, "%s snapfs %s: %s\n", stamp, level_word(level), message.c_str());
}

}  // namespace snapfs
