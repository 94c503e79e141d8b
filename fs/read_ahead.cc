#include "fs/read_ahead.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "fs/mountinfo.h"

namespace snapfs {

std::string fuse_bdi_of(const std::string& mountinfo_text, const std::string& mount_point) {
  std::string bdi;
  for (const MountInfoEntry& e : parse_mountinfo_entries(mountinfo_text)) {
    if (e.mount_point != mount_point) continue;
    // A later mount over the same point hides the earlier one: the last entry decides.
    if (e.type == "fuse" || e.type.rfind("fuse.", 0) == 0) {
      bdi = e.device;
    } else if (e.type == "fuseblk" || e.type.rfind("fuseblk.", 0) == 0) {
      bdi = e.device + "-fuseblk";
    } else {
      bdi.clear();
    }
  }
  return bdi;
}

unsigned read_ahead_in_whole_reads(unsigned kb, unsigned max_read) {
  const unsigned long long bytes = 1024ULL * kb;
  if (max_read == 0 || bytes < max_read) return kb;
  return static_cast<unsigned>(bytes / max_read * max_read / 1024);
}

std::string set_read_ahead(const std::string& mount_point, unsigned kb,
                           const std::string& mountinfo, const std::string& bdi_root) {
  std::ifstream in(mountinfo);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) return "cannot read " + mountinfo;
  const std::string bdi = fuse_bdi_of(text.str(), mount_point);
  if (bdi.empty()) return "no FUSE mount at " + mount_point + " in " + mountinfo;
  const std::string path = bdi_root + "/" + bdi + "/read_ahead_kb";
  std::ofstream out(path);
  if (out) out << kb << "\n";
  out.flush();
  if (!out) return "cannot write " + path + ": " + std::strerror(errno);
  return "";
}

}  // namespace snapfs
