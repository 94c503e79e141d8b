#include "emulator/faults.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "emulator/emu_util.h"

namespace snapfs::emu {
namespace {

bool parse_int(const std::string& s, long long min, long long max, long long* out) {
  if (s.empty() || s.size() > 12) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  long long v = std::strtoll(s.c_str(), nullptr, 10);
  if (v < min || v > max) return false;
  *out = v;
  return true;
}

bool parse_rate(const std::string& s, double* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || !(v >= 0.0 && v <= 1.0)) return false;
  *out = v;
  return true;
}

bool fail(std::string* error, const char* why) {
  *error = why;
  return false;
}

bool set_break(FaultSpec* spec, FaultBreak b, std::string* error) {
  if (spec->breakage != FaultBreak::kNone) {
    *error = "only one of reset, truncate, garbage";
    return false;
  }
  spec->breakage = b;
  return true;
}

bool apply_item(const std::string& item, FaultSpec* spec, std::string* error) {
  std::size_t eq = item.find('=');
  std::string key = item.substr(0, eq);
  std::string value = eq == std::string::npos ? "" : item.substr(eq + 1);
  long long n = 0;
  if (key == "reset" && eq == std::string::npos) return set_break(spec, FaultBreak::kReset, error);
  if (key == "truncate" && eq == std::string::npos) {
    return set_break(spec, FaultBreak::kTruncate, error);
  }
  if (key == "garbage" && eq == std::string::npos) {
    return set_break(spec, FaultBreak::kGarbage, error);
  }
  if (eq == std::string::npos) {
    *error = "unknown fault item '" + item + "'";
    return false;
  }
  if (key == "status") {
    if (!parse_int(value, 100, 599, &n)) return fail(error, "status must be 100..599");
    spec->status = static_cast<int>(n);
  } else if (key == "retry-after") {
    if (!parse_int(value, 0, 86400, &n)) return fail(error, "retry-after must be 0..86400");
    spec->retry_after = static_cast<int>(n);
  } else if (key == "delay-ms") {
    if (!parse_int(value, 0, 3600000, &n)) return fail(error, "delay-ms must be 0..3600000");
    spec->delay_ms = static_cast<int>(n);
  } else if (key == "rate") {
    if (!parse_rate(value, &spec->rate)) return fail(error, "rate must be 0..1");
  } else if (key == "count") {
    if (!parse_int(value, 0, 1000000000, &n)) return fail(error, "count must be >= 0");
    spec->count = n;
  } else if (key == "route") {
    if (value.empty()) return fail(error, "route must not be empty");
    spec->route = value;
  } else if (key == "method") {
    if (value.empty()) return fail(error, "method must not be empty");
    spec->method = value;
    std::transform(spec->method.begin(), spec->method.end(), spec->method.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  } else {
    *error = "unknown fault item '" + key + "'";
    return false;
  }
  return true;
}

}  // namespace

std::optional<FaultSpec> parse_fault_spec(const std::string& text, std::string* error) {
  FaultSpec spec;
  spec.text = text;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    std::string item =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty() && !apply_item(item, &spec, error)) return std::nullopt;
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (spec.status != 0 && spec.breakage != FaultBreak::kNone) {
    *error = "status= cannot be combined with reset, truncate or garbage";
    return std::nullopt;
  }
  if (spec.status == 0 && spec.breakage == FaultBreak::kNone && spec.delay_ms == 0 &&
      spec.retry_after < 0) {
    *error = "a fault needs status=, delay-ms=, retry-after=, reset, truncate or garbage";
    return std::nullopt;
  }
  return spec;
}

FaultTable::FaultTable() : rng_(std::random_device{}()) {}

void FaultTable::set(std::vector<FaultSpec> faults) {
  std::lock_guard<std::mutex> lock(mu_);
  faults_ = std::move(faults);
}

void FaultTable::clear() {
  set({});
}

std::vector<std::string> FaultTable::describe() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const FaultSpec& f : faults_) out.push_back(f.text);
  return out;
}

std::optional<FaultSpec> FaultTable::pick(const std::string& method, const std::string& path,
                                          const std::string& route_template) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = faults_.begin(); it != faults_.end(); ++it) {
    if (!it->method.empty() && it->method != method) continue;
    if (!it->route.empty() && !glob_match(it->route, path) &&
        !glob_match(it->route, route_template)) {
      continue;
    }
    if (it->count == 0) continue;
    if (it->rate < 1.0 && std::uniform_real_distribution<double>(0.0, 1.0)(rng_) >= it->rate) {
      continue;
    }
    FaultSpec fired = *it;
    if (it->count > 0 && --it->count == 0) faults_.erase(it);
    return fired;
  }
  return std::nullopt;
}

}  // namespace snapfs::emu
