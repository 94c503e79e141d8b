// Strings that many cached objects repeat (volume ids, states, types, attribute keys), stored
// once for the life of the process. Only for values drawn from a small set: nothing is removed.
#pragma once

#include <string>
#include <string_view>

namespace snapfs {

// The one stored copy of `value`; the reference stays valid until the process exits.
const std::string& intern(std::string_view value);

}  // namespace snapfs
