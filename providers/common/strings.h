// Small text helpers shared by the configuration readers and the providers.
#pragma once

#include <string>
#include <vector>

namespace snapfs {

std::string trim(const std::string& s);  // without leading/trailing blanks and line ends
std::string lower(std::string s);        // ASCII lower case
std::string upper(std::string s);        // ASCII upper case
// "a, b,,c, a" -> {"a", "b", "c"}: items trimmed, empty and repeated ones dropped (a zone or
// region listed twice would otherwise show twice).
std::vector<std::string> split_list(const std::string& text);
// true/yes/1/on and false/no/0/off/empty (any case); false when the text is none of those.
bool parse_bool(const std::string& text, bool* out);
// A request rate limit such as "10" or "2.5" (per second); empty means none (0). False when the
// text is not a positive number.
bool parse_rate(const std::string& text, double* out);

}  // namespace snapfs
