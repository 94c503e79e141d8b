#include "fs/interned.h"

#include <functional>
#include <mutex>
#include <unordered_set>

namespace snapfs {

namespace {

struct Hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
};

struct Equal {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const { return a == b; }
};

}  // namespace

const std::string& intern(std::string_view value) {
  static std::mutex mu;
  // Node-based: an element's address never changes as the set grows. Never destroyed, so that
  // references stay valid for objects torn down after static destruction begins.
  static auto* pool = new std::unordered_set<std::string, Hash, Equal>();
  std::lock_guard<std::mutex> lock(mu);
  auto it = pool->find(value);
  if (it == pool->end()) it = pool->emplace(value).first;
  return *it;
}

}  // namespace snapfs
