// Helpers shared by the fuzz targets: bytes as a string, and a bounded walk over every object of
// a JSON document so that object parsers see nested objects too, not only the root.
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace snapfs::fuzz {

inline std::string as_string(const std::uint8_t* data, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

// The statuses whose error bodies the providers map; each body is tried with all of them.
inline constexpr int kErrorStatuses[] = {400, 401, 403, 404, 409, 412, 429, 500, 503};

// Calls fn(object) for the value and every object below it, to a fixed depth.
template <class Fn>
void for_each_object(const rapidjson::Value& value, const Fn& fn, int depth = 0) {
  if (depth > 8) return;
  if (value.IsObject()) {
    fn(value);
    for (auto it = value.MemberBegin(); it != value.MemberEnd(); ++it) {
      for_each_object(it->value, fn, depth + 1);
    }
  } else if (value.IsArray()) {
    for (const rapidjson::Value& element : value.GetArray()) {
      for_each_object(element, fn, depth + 1);
    }
  }
}

}  // namespace snapfs::fuzz
