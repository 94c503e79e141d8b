// Typed, never-throwing access to RapidJSON values: an API that sends a field with an unexpected
// type yields "absent" rather than an assertion or a crash.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "providers/result.h"

namespace snapfs {

// Parses `text` into *out. A malformed body is a BadResponse naming `what` (e.g. "snapshot list
// of remote scw"); the body itself is not quoted, it may hold anything.
Status parse_json(const std::string& text, rapidjson::Document* out, const std::string& what);

// The member `name` of `object`, or null when `object` is not an object or has no such member.
const rapidjson::Value* json_member(const rapidjson::Value& object, const char* name);
// The member when it is an object / an array, else null (a JSON null counts as absent).
const rapidjson::Value* json_object(const rapidjson::Value& object, const char* name);
const rapidjson::Value* json_array(const rapidjson::Value& object, const char* name);

std::optional<std::string> json_string(const rapidjson::Value& object, const char* name);
// The string member, or `fallback` when absent or not a string.
std::string json_string_or(const rapidjson::Value& object, const char* name,
                           const std::string& fallback = "");
// Integer members; a number with a fraction or out of range counts as absent.
std::optional<std::int64_t> json_int64(const rapidjson::Value& object, const char* name);
std::optional<std::uint64_t> json_uint64(const rapidjson::Value& object, const char* name);
std::optional<bool> json_bool(const rapidjson::Value& object, const char* name);
// An array of strings; elements that are not strings are skipped. nullopt when not an array.
std::optional<std::vector<std::string>> json_string_array(const rapidjson::Value& object,
                                                          const char* name);

// A JSON number (any representation) as a whole int64, truncated toward zero; nullopt when it is
// not finite or out of range. Converting such a double with a cast is undefined behaviour, and an
// API can send 1e300 where we expect a row count.
std::optional<std::int64_t> whole_int64(double value);

// The value as compact JSON text.
std::string json_compact(const rapidjson::Value& value);

}  // namespace snapfs
