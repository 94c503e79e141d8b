// Provider names to file names: escape/unescape must round-trip, a name mkdir accepts must be the
// name it is shown by, and the display names of a set of siblings must be distinct, usable file
// names that stay with their objects from one listing to the next.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "fs/names.h"

namespace {

void check_round_trip(const std::string& name) {
  const std::string escaped = snapfs::escape_name(name);
  if (escaped.find('/') != std::string::npos) __builtin_trap();
  if (escaped.find('\0') != std::string::npos) __builtin_trap();
  if (snapfs::unescape_name(escaped) != name) __builtin_trap();
}

// Whatever mkdir accepts is shown by that very name.
void check_creatable(const std::string& file_name) {
  if (!snapfs::is_creatable_name(file_name)) return;
  if (!snapfs::is_utf8(file_name)) __builtin_trap();
  const std::string provider_name = snapfs::unescape_name(file_name);
  if (provider_name.find('\0') != std::string::npos) __builtin_trap();
  if (snapfs::display_names({{"id", provider_name, 0}})[0] != file_name) __builtin_trap();
}

void check_listing(const std::vector<snapfs::NamedObject>& siblings,
                   const std::vector<std::string>& names) {
  if (names.size() != siblings.size()) __builtin_trap();
  std::set<std::string> distinct;
  for (const std::string& name : names) {
    if (name.empty() || name == "." || name == "..") __builtin_trap();
    if (name.size() > snapfs::kMaxNameBytes) __builtin_trap();
    if (name.find('/') != std::string::npos) __builtin_trap();
    if (name.find('\0') != std::string::npos) __builtin_trap();
    if (!distinct.insert(name).second) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider input(data, size);
  std::vector<snapfs::NamedObject> siblings;
  while (input.remaining_bytes() > 0 && siblings.size() < 16) {
    snapfs::NamedObject object;
    object.id = input.ConsumeRandomLengthString(24);
    // Now and then a name past NAME_MAX, as some APIs allow.
    const std::size_t longest = input.ConsumeBool() ? 24 : 600;
    object.name = input.ConsumeRandomLengthString(longest);
    object.created_us = input.ConsumeIntegralInRange<std::int64_t>(0, 4);
    check_round_trip(object.name);
    check_creatable(object.name);
    // Providers give every object a distinct id; a set without that promise is not a listing.
    bool duplicate_id = false;
    for (const auto& other : siblings) duplicate_id |= other.id == object.id;
    if (!object.id.empty() && !duplicate_id) siblings.push_back(std::move(object));
  }

  const std::vector<std::string> names = snapfs::display_names(siblings);
  check_listing(siblings, names);
  // Listed again with the names shown: nothing moves.
  if (snapfs::display_names(siblings, names) != names) __builtin_trap();
  // One sibling gone: every other keeps the name it was shown by.
  if (!siblings.empty()) {
    const std::size_t gone = names.size() > 1 ? names[0].size() % names.size() : 0;
    std::vector<snapfs::NamedObject> rest;
    std::vector<std::string> shown;
    for (std::size_t i = 0; i < siblings.size(); ++i) {
      if (i == gone) continue;
      rest.push_back(siblings[i]);
      shown.push_back(names[i]);
    }
    const std::vector<std::string> after = snapfs::display_names(rest, shown);
    check_listing(rest, after);
    if (after != shown) __builtin_trap();
  }
  return 0;
}
