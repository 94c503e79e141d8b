#include "fs/names.h"

#include <algorithm>
#include <cstdio>
#include <numeric>
#include <string>
#include <unordered_set>

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

// 64-bit FNV-1a: the same on every run and every machine, so a shortened name is stable.
std::uint64_t fnv1a(const std::string& text) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

// A name too long for a file name keeps as much of its start as fits, cut at a UTF-8 boundary,
// and ends in "~" and a hash of the whole name, so names sharing a long start stay apart.
std::string fit_name(std::string name) {
  if (name.size() <= kMaxNameBytes) return name;
  const std::uint64_t hash = fnv1a(name);
  char tag[16];
  std::snprintf(tag, sizeof tag, "~%08x", static_cast<unsigned>(hash ^ (hash >> 32)));
  std::size_t cut = kMaxNameBytes - std::char_traits<char>::length(tag);
  while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) --cut;
  name.resize(cut);
  name += tag;
  return name;
}

bool is_reserved(const std::string& name) {
  return name.empty() || name == "." || name == "..";
}

// The names a sibling may be shown by, in order of preference: NAME, NAME~ID8, NAME~ID, then
// NAME~ID~2, NAME~ID~3 ... (a short id can equal another's 8-character prefix).
class Candidates {
 public:
  explicit Candidates(const NamedObject& object)
      : object_(object), base_(escape_name(object.name.empty() ? object.id : object.name)) {}

  const std::string& id() {
    if (id_.empty()) id_ = escape_name(object_.id);
    return id_;
  }
  // Empty when the candidate cannot be a file name ("." or "..").
  std::string at(int k) {
    if (k == 0) return is_reserved(base_) ? std::string() : fit_name(base_);
    if (k == 1) return fit_name(base_ + "~" + escape_name(object_.id.substr(0, 8)));
    if (k == 2) return fit_name(base_ + "~" + id());
    return fit_name(base_ + "~" + id() + "~" + std::to_string(k - 1));
  }
  // Whether `name` is one of these candidates: a name shown before still belongs to the sibling.
  // `siblings` bounds the NAME~ID~N forms: no N past the number of siblings is ever needed.
  bool holds(const std::string& name, std::size_t siblings) {
    if (name.empty()) return false;
    for (int k = 0; k < 3; ++k) {
      if (at(k) == name) return true;
    }
    // NAME~ID~N, which only ids colliding in their first 8 characters reach.
    const std::string prefix = base_ + "~" + id() + "~";
    if (name.size() > prefix.size() && name.compare(0, prefix.size(), prefix) == 0 &&
        std::all_of(name.begin() + static_cast<std::ptrdiff_t>(prefix.size()), name.end(),
                    [](char c) { return c >= '0' && c <= '9'; })) {
      return true;
    }
    if (prefix.size() + 20 <= kMaxNameBytes) return false;  // never shortened
    // Shortened, the number is hashed in: try each (rarer still, so the cost does not matter).
    for (std::size_t k = 3; k < siblings + 3; ++k) {
      if (at(static_cast<int>(k)) == name) return true;
    }
    return false;
  }

 private:
  const NamedObject& object_;
  std::string base_;
  std::string id_;
};

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
    // The lead byte gives the length; the shortest code point of that length rules out
    // overlong forms (such as C0 AF for '/').
    std::size_t length = 0;
    std::uint32_t least = 0;
    if ((c & 0xE0) == 0xC0) {
      length = 2;
      least = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      length = 3;
      least = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      length = 4;
      least = 0x10000;
    } else {
      return false;
    }
    std::uint32_t code = c & (0x7F >> length);
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

std::vector<std::string> display_names(const std::vector<NamedObject>& siblings,
                                       const std::vector<std::string>& shown) {
  std::vector<std::string> names(siblings.size());
  std::vector<Candidates> candidates;
  candidates.reserve(siblings.size());
  for (const NamedObject& s : siblings) candidates.emplace_back(s);
  // Oldest first, so the plain name goes to the oldest sibling.
  std::vector<std::size_t> order(siblings.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (siblings[a].created_us != siblings[b].created_us) {
      return siblings[a].created_us < siblings[b].created_us;
    }
    return siblings[a].id < siblings[b].id;
  });
  std::unordered_set<std::string> taken;
  taken.reserve(siblings.size());
  // First the names shown before: a path a user saw (and `rm -rf` is about to use) keeps
  // resolving to the same snapshot, even when the sibling that held the plain name is gone.
  std::vector<bool> named(siblings.size(), false);
  for (std::size_t k : order) {
    // Oldest first, as below: two siblings cannot both hold one name, but be sure.
    if (k >= shown.size()) continue;
    if (!shown[k].empty() && candidates[k].holds(shown[k], siblings.size()) &&
        taken.insert(shown[k]).second) {
      names[k] = shown[k];
      named[k] = true;
    }
  }
  for (std::size_t i : order) {
    if (named[i]) continue;
    for (int k = 0;; ++k) {
      std::string name = candidates[i].at(k);
      if (!name.empty() && taken.insert(name).second) {
        names[i] = std::move(name);
        break;
      }
    }
  }
  return names;
}

}  // namespace snapfs
