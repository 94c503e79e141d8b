// Logging for the daemon and its providers: stderr in the foreground, syslog when daemonized.
// Callers never pass secrets; messages name the remote and the fix instead.
#pragma once

#include <cstddef>
#include <string>

namespace snapfs {

enum class LogLevel { Error = 0, Warning = 1, Info = 2, Debug = 3 };

// Parses "error", "warning", "info" or "debug"; returns false for anything else.
bool parse_log_level(const std::string& text, LogLevel* out);

void set_log_level(LogLevel level);
LogLevel log_level();
// Sends later messages to syslog (daemon mode) instead of stderr.
void log_to_syslog(const char* ident);

// The most of one message that is logged; the rest is counted, not written.
constexpr std::size_t kMaxLogMessageBytes = 4096;

// `message` as it is logged: control characters escaped (\n, \r, \t, \xHH; C1 controls as
// \u00HH), so text from the API or from a file name (a snapshot name may hold a newline) can
// neither forge a line nor drive a terminal; and cut at kMaxLogMessageBytes, with the number of
// bytes left out, so a 64 KiB value cannot make a 64 KiB line.
std::string log_safe_text(const std::string& message);

// Logs log_safe_text(message).
void log_message(LogLevel level, const std::string& message);
inline void log_error(const std::string& m) {
  log_message(LogLevel::Error, m);
}
inline void log_warning(const std::string& m) {
  log_message(LogLevel::Warning, m);
}
inline void log_info(const std::string& m) {
  log_message(LogLevel::Info, m);
}
inline void log_debug(const std::string& m) {
  log_message(LogLevel::Debug, m);
}
inline bool log_enabled(LogLevel level) {
  return static_cast<int>(level) <= static_cast<int>(log_level());
}

}  // namespace snapfs
