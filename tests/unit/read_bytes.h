// The bytes a content read answered with, whether it read into memory or into a pipe (which
// this drains).
#pragma once

#include <unistd.h>

#include <string>

#include "fs/content/read_data.h"

namespace snapfs::test {

inline std::string bytes_of(content::ReadData* data) {
  if (!data->pipe.valid()) return std::string(data->bytes(), data->size);
  std::string out(data->size, '\0');
  std::size_t got = 0;
  while (got < out.size()) {
    ssize_t n = ::read(data->pipe.read_end(), out.data() + got, out.size() - got);
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  out.resize(got);
  return out;
}

}  // namespace snapfs::test
