#include "fs/names.h"

#include <algorithm>
#include <numeric>
#include <string>
#include <unordered_map>

namespace snapfs {

std::string escape_name(const std::string& provider_name) {
  std::string out;
  out.reserve(provider_name.size());
  for (char c : provider_name) {
    if (c == '%') {
      out += "%25";
    } else if (c == '/') {
      out += "%2F";
    } else if (c == '\0') {
      out += "%00";  // cannot stand in a file name either; never decoded back
    } else {
      out += c;
    }
  }
  return out;
}

std::string unescape_name(const std::string& file_name) {
  std::string out;
  out.reserve(file_name.size());
  for (std::size_t i = 0; i < file_name.size(); ++i) {
    if (file_name[i] == '%' && i + 2 < file_name.size()) {
      std::string code = file_name.substr(i + 1, 2);
      if (code == "2F" || code == "2f") {
        out += '/';
        i += 2;
        continue;
      }
      if (code == "25") {
        out += '%';
        i += 2;
        continue;
      }
    }
    out += file_name[i];
  }
  return out;
}

std::vector<std::string> display_names(const std::vector<NamedObject>& siblings) {
  std::vector<std::string> names(siblings.size());
  for (std::size_t i = 0; i < siblings.size(); ++i) {
    const std::string& name = siblings[i].name;
    // "." and ".." cannot be entries; an empty name has nothing to show but the id.
    if (name.empty()) {
      names[i] = escape_name(siblings[i].id);
    } else {
      names[i] = escape_name(name);
    }
  }
  // Oldest first, so the plain name goes to the oldest sibling.
  std::vector<std::size_t> order(siblings.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (siblings[a].created_us != siblings[b].created_us) {
      return siblings[a].created_us < siblings[b].created_us;
    }
    return siblings[a].id < siblings[b].id;
  });
  std::unordered_map<std::string, int> seen;
  for (std::size_t i : order) {
    const std::string base = names[i];
    bool reserved = base == "." || base == "..";
    if (seen[base]++ > 0 || reserved) {
      std::string suffixed = base + "~" + escape_name(siblings[i].id.substr(0, 8));
      // Ids sharing their first 8 characters: the whole id keeps the names apart.
      if (seen.count(suffixed)) suffixed = base + "~" + escape_name(siblings[i].id);
      // A short id can equal another's 8-character prefix: count up until the name is free.
      for (int n = 2; seen.count(suffixed); ++n) {
        suffixed = base + "~" + escape_name(siblings[i].id) + "~" + std::to_string(n);
      }
      seen[suffixed]++;
      names[i] = suffixed;
    }
  }
  return names;
}

}  // namespace snapfs
