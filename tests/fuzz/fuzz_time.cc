// Timestamps as providers send them, and durations as users write them in xattrs and options.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fs/namespace.h"
#include "providers/common/time_util.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto us = snapfs::parse_rfc3339_us(text);
  if (us) (void)snapfs::format_rfc3339_us(*us);
  std::int64_t seconds = 0;
  (void)snapfs::parse_duration_seconds(text, &seconds);
  return 0;
}
