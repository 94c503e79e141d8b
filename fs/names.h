// How provider names become file names and back (SEMANTICS.md section 1): `/` cannot stand in a
// file name, so it is shown as %2F and `%` as %25; siblings sharing a name are told apart by the
// first 8 characters of their provider id; an empty name is shown as the id.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace snapfs {

std::string escape_name(const std::string& provider_name);
// Decodes %2F and %25 (either case); any other '%' stays as it is.
std::string unescape_name(const std::string& file_name);

struct NamedObject {
  std::string id;
  std::string name;  // provider name
  std::int64_t created_us = 0;
};

// Display names for a set of siblings, in the input order. The oldest of a group sharing a name
// keeps the plain name (ties broken by id); each later one becomes NAME~ID8.
std::vector<std::string> display_names(const std::vector<NamedObject>& siblings);

}  // namespace snapfs
