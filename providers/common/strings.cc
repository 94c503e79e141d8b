#include "providers/common/strings.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace snapfs {

std::string trim(const std::string& s) {
  std::size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  std::size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string item = trim(text.substr(start, comma - start));
    if (!item.empty() && std::find(out.begin(), out.end(), item) == out.end()) {
      out.push_back(item);
    }
    start = comma + 1;
  }
  return out;
}

bool parse_bool(const std::string& text, bool* out) {
  std::string v = lower(trim(text));
  if (v == "true" || v == "yes" || v == "1" || v == "on") {
    *out = true;
  } else if (v == "false" || v == "no" || v == "0" || v == "off" || v.empty()) {
    *out = false;
  } else {
    return false;
  }
  return true;
}

bool parse_rate(const std::string& text, double* out) {
  std::string v = trim(text);
  if (v.empty()) {
    *out = 0;
    return true;
  }
  char* end = nullptr;
  double rate = std::strtod(v.c_str(), &end);
  if (end == v.c_str() || *end != '\0' || !(rate > 0) || rate > 1e6) return false;
  *out = rate;
  return true;
}

}  // namespace snapfs
