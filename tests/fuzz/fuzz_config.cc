// The snapfs configuration file reader (inih underneath), fed through a private temporary file as
// it is in use.
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "fs/config.h"

namespace {

// One file per process, rewritten for every input, and removed when the process exits.
struct ConfigFile {
  std::string path;
  ConfigFile() {
    char pattern[] = "/tmp/snapfs-fuzz-config-XXXXXX";
    int fd = mkstemp(pattern);
    if (fd < 0) abort();
    close(fd);
    path = pattern;
  }
  ~ConfigFile() { unlink(path.c_str()); }
  ConfigFile(const ConfigFile&) = delete;
  ConfigFile& operator=(const ConfigFile&) = delete;
};

const std::string& config_path() {
  static const ConfigFile file;
  return file.path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = config_path();
  int fd = open(path.c_str(), O_WRONLY | O_TRUNC);
  if (fd < 0) abort();
  std::size_t written = 0;
  while (written < size) {
    ssize_t n = write(fd, data + written, size - written);
    if (n <= 0) abort();
    written += static_cast<std::size_t>(n);
  }
  close(fd);
  (void)snapfs::load_config_file(path);
  return 0;
}
