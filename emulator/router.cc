#include "emulator/router.h"

namespace snapfs::emu {
namespace {

bool is_param(const std::string& part) {
  return part.size() >= 2 && part.front() == '{' && part.back() == '}';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string percent_decode(const std::string& s, bool plus_as_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = hex_value(s[i + 1]);
      int lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_as_space && s[i] == '+' ? ' ' : s[i]);
  }
  return out;
}

std::vector<std::string> split_path(const std::string& raw_path) {
  std::vector<std::string> segments;
  std::size_t start = raw_path.empty() || raw_path[0] != '/' ? 0 : 1;
  while (start <= raw_path.size()) {
    std::size_t slash = raw_path.find('/', start);
    std::size_t end = slash == std::string::npos ? raw_path.size() : slash;
    segments.push_back(percent_decode(raw_path.substr(start, end - start), false));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return segments;
}

void Router::add(ApiModule* module, const std::string& method, const std::string& route,
                 Handler handler) {
  Route r{module, method, route, {}, 0, std::move(handler)};
  for (std::string& part : split_path(route)) {
    if (!is_param(part)) ++r.literals;
    r.parts.push_back(std::move(part));
  }
  routes_.push_back(std::move(r));
}

std::optional<RouteMatch> Router::match(const std::string& method,
                                        const std::vector<std::string>& segments) const {
  const Route* best = nullptr;
  for (const Route& r : routes_) {
    if (r.method != method || r.parts.size() != segments.size()) continue;
    if (best != nullptr && r.literals <= best->literals) continue;
    bool ok = true;
    for (std::size_t i = 0; ok && i < segments.size(); ++i) {
      ok = is_param(r.parts[i]) ? !segments[i].empty() : r.parts[i] == segments[i];
    }
    if (ok) best = &r;
  }
  if (best == nullptr) return std::nullopt;
  RouteMatch m;
  m.module = best->module;
  m.route = &best->text;
  m.handler = &best->handler;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (!is_param(best->parts[i])) continue;
    // Both spellings, "{zone}" and "zone", so that modules can use either.
    const std::string& part = best->parts[i];
    m.params[part] = segments[i];
    m.params[part.substr(1, part.size() - 2)] = segments[i];
  }
  return m;
}

std::string Router::api_for(const std::vector<std::string>& segments) const {
  if (!segments.empty()) {
    for (const Route& r : routes_) {
      if (!r.parts.empty() && r.parts[0] == segments[0]) return r.module->name();
    }
  }
  return "unknown";
}

}  // namespace snapfs::emu
