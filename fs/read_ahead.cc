#include "fs/read_ahead.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "fs/content/mount_table.h"

namespace snapfs {

std::string fuse_bdi_of(const std::string& mountinfo_text, const std::string& mount_point) {
  std::string bdi;
  std::istringstream lines(mountinfo_text);
  for (std::string line; std::getline(lines, line);) {
    // id parent major:minor root mount-point options [optional...] - type source super-options
    std::istringstream words(line);
    std::vector<std::string> fields;
    for (std::string w; words >> w;) fields.push_back(w);
    std::size_t dash = 6;
    while (dash < fields.size() && fields[dash] != "-") ++dash;
    if (fields.size() < 5 || dash + 1 >= fields.size()) continue;
    if (content::decode_mount_escapes(fields[4]) != mount_point) continue;
    const std::string& type = fields[dash + 1];
    // A later mount over the same point hides the earlier one: the last entry decides.
    if (type == "fuse" || type.rfind("fuse.", 0) == 0) {
      bdi = fields[2];
    } else if (type == "fuseblk" || type.rfind("fuseblk.", 0) == 0) {
      bdi = fields[2] + "-fuseblk";
    } else {
      bdi.clear();
    }
  }
  return bdi;
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
