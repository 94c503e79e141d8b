// RFC 3339 / ISO 8601 timestamps as the providers send them, to and from microseconds since the
// epoch (UTC). Accepts "Z", "+00:00" and "+0900" offsets, fractions of any length, and a bare date.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace snapfs {

std::optional<std::int64_t> parse_rfc3339_us(const std::string& text);
// "2026-07-30T12:53:37Z" (with ".ffffff" when the value has a fraction).
std::string format_rfc3339_us(std::int64_t unix_us);
std::int64_t now_unix_us();

}  // namespace snapfs
