// Logging for the daemon and its providers: stderr in the foreground, syslog when daemonized.
// Callers never pass secrets; messages name the remote and the fix instead.
#pragma once

#include <string>

namespace snapfs {

enum class LogLevel { Error = 0, Warning = 1, Info = 2, Debug = 3 };

// Parses "error", "warning", "info" or "debug"; returns false for anything else.
bool parse_log_level(const std::string& text, LogLevel* out);

void set_log_level(LogLevel level);
LogLevel log_level();
// Sends later messages to syslog (daemon mode) instead of stderr.
void log_to_syslog(const char* ident);

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
