#include "fs/names.h"

#include <algorithm>
#include <numeric>
#include <string>
#include <unordered_map>

namespace snapfs {
namespace {

// The escapes a file name may hold, as the two characters after the '%'. Upper case only: a
// decoder that also took "%2f" would turn two file names into one provider name, and the one not
// shown back would not find the snapshot it made.
bool is_escape_code(const std::string& text, std::size_t percent) {
  if (percent + 2 >= text.size()) return false;
  const char a = text[percent + 1];
  const char b = text[percent + 2];
  return (a == '2' && (b == 'F' || b == '5')) || (a == '0' && b == '0');
}

bool is_reserved(const std::string& name) {
  return name.empty() || name == "." || name == "..";
}

}  // namespace

std::string escape_name(const std::string& provider_name) {
  std::string out;
  out.reserve(provider_name.size());
  for (std::size_t i = 0; i < provider_name.size(); ++i) {
    const char c = provider_name[i];
    if (c == '%') {
      // Only a '%' that would read as an escape needs one: "50%off" is shown as it is.
      out += is_escape_code(provider_name, i) ? "%25" : "%";
    } else if (c == '/') {
      out += "%2F";
    } else if (c == '\0') {
      out += "%00";
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
    if (file_name[i] == '%' && is_escape_code(file_name, i)) {
      const char a = file_name[i + 1];
      const char b = file_name[i + 2];
      out += a == '0' ? '\0' : b == 'F' ? '/' : '%';
      i += 2;
      continue;
    }
    out += file_name[i];
  }
  return out;
}

bool is_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = 0;
    std::uint32_t code = 0;
    std::uint32_t least = 0;
    if ((c & 0xE0) == 0xC0) {
      length = 2, code = c & 0x1F, least = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      length = 3, code = c & 0x0F, least = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      length = 4, code = c & 0x07, least = 0x10000;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3F);
    }
    if (code < least || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
    i += length;
  }
  return true;
}

bool is_creatable_name(const std::string& file_name) {
  if (is_reserved(file_name) || file_name.size() > kMaxNameBytes) return false;
  if (file_name.find('/') != std::string::npos || !is_utf8(file_name)) return false;
  const std::string provider_name = unescape_name(file_name);
  if (provider_name.find('\0') != std::string::npos) return false;
  // "100%25" would create "100%", shown as "100%": the name typed would not find it.
  return escape_name(provider_name) == file_name;
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
