// How provider names become file names and back (SEMANTICS.md section 1): `/` and NUL cannot
// stand in a file name, so they are shown as %2F and %00, and a `%` that would read as one of
// those escapes (or as %25) is shown as %25; siblings sharing a name are told apart by the first
// 8 characters of their provider id; an empty name is shown as the id; a name too long for a
// file name is cut and ends in a hash of the whole; a name once shown stays with its object.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace snapfs {

// The longest file name the kernel and every tool above it accept (NAME_MAX), in bytes.
inline constexpr std::size_t kMaxNameBytes = 255;

std::string escape_name(const std::string& provider_name);
// Decodes %2F, %25 and %00 (upper case only); any other '%' stays as it is. For every provider
// name p, unescape_name(escape_name(p)) == p.
std::string unescape_name(const std::string& file_name);

// Whether `text` is well-formed UTF-8 (no overlong forms, surrogates or code points past
// U+10FFFF): the APIs speak JSON, which cannot carry anything else.
bool is_utf8(std::string_view text);

// Whether mkdir or mv may give a snapshot the file name `file_name`: it is UTF-8, names no NUL,
// and is the very name the snapshot will be shown by (escape_name(unescape_name(n)) == n), so a
// stat of it finds the snapshot and a second mkdir of it meets EEXIST.
bool is_creatable_name(const std::string& file_name);

struct NamedObject {
  std::string id;
  std::string name;  // provider name
  std::int64_t created_us = 0;
};

// Display names for a set of siblings, in the input order: distinct, at most kMaxNameBytes long,
// never empty, "." or "..", never containing '/' or NUL. `shown`, when not empty, holds for each
// sibling the name it had in the previous listing ("" for none): a sibling keeps it while it
// still derives from its provider name and id. Among the others, the oldest of a group sharing a
// name gets the plain name when it is free (ties broken by id); each later one becomes NAME~ID8.
std::vector<std::string> display_names(const std::vector<NamedObject>& siblings,
                                       const std::vector<std::string>& shown = {});

}  // namespace snapfs
