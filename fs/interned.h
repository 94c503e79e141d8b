// Strings that many cached objects repeat (volume ids, states, types, attribute keys), stored
// once for the life of the process. Only for values drawn from a small set: nothing is removed.
#pragma once

#include <mutex>
#include <set>
#include <string>
#include <string_view>

namespace snapfs {

// The one stored copy of `value`; the reference stays valid until the process exits.
const std::string& intern(std::string_view value);

// The same for a small value type ordered by `Less`: the one stored copy of `value`.
template <class T, class Less = std::less<T>>
const T& intern_value(const T& value) {
  static std::mutex mu;
  // Node-based and never destroyed, as intern()'s pool.
  static auto* pool = new std::set<T, Less>();
  std::lock_guard<std::mutex> lock(mu);
  return *pool->insert(value).first;
}

}  // namespace snapfs
