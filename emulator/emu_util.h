// Small helpers shared by the emulator core and the API modules: timestamps, status texts,
// path globs, JSON text.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <string>

namespace snapfs::emu {

// "2026-07-30T12:53:37.276052" followed by `zone_suffix` ("+00:00", "Z"); always six fraction
// digits, UTC. The emulator keeps its own formatter and parser so that a client-side parsing
// bug cannot hide behind a shared implementation.
std::string format_utc_us(std::int64_t unix_us, const char* zone_suffix);
// Seconds precision, no fraction: "2026-07-30T12:53:37" + zone_suffix.
std::string format_utc_s(std::int64_t unix_s, const char* zone_suffix);
// Parses "YYYY-MM-DD[THH:MM:SS[.frac]][Z|+HH:MM|-HH:MM|+HHMM]" into Unix microseconds.
std::optional<std::int64_t> parse_utc_us(const std::string& text);

// Reason phrase of an HTTP status ("Too Many Requests").
std::string status_text(int status);

// Shell-style match of a whole string where `*` matches any run of characters (`/` included).
bool glob_match(const std::string& pattern, const std::string& text);

// Compact JSON text of a value.
std::string to_json(const rapidjson::Value& value);

}  // namespace snapfs::emu
