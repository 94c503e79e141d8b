#include "fs/attributes.h"

#include <cerrno>

#include "providers/common/log.h"
#include "providers/common/time_util.h"

namespace snapfs {

namespace {

using Text = std::optional<std::string>;

// One attribute of objects of type T: its key, and its value (nothing: the object has none, and
// the key is not listed).
template <class T>
struct Field {
  const char* key;
  Text (*read)(const T&);
};

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += sep;
    out += item;
  }
  return out;
}

Text created_text(std::int64_t created_us) {
  return created_us != 0 ? Text(format_rfc3339_us(created_us)) : std::nullopt;
}
Text size_text(const std::optional<std::uint64_t>& size) {
  return size ? Text(std::to_string(*size)) : std::nullopt;
}
Text tags_text(const std::optional<std::vector<std::string>>& tags) {
  return tags ? Text(join(*tags, ",")) : std::nullopt;
}
Text unless_empty(const std::string& text) {
  return text.empty() ? std::nullopt : Text(text);
}

// In listing order.
const Field<SnapshotInfo> kSnapshotFields[] = {
    {"id", [](const SnapshotInfo& s) -> Text { return s.id; }},
    {"name", [](const SnapshotInfo& s) -> Text { return s.name; }},
    {"state", [](const SnapshotInfo& s) -> Text { return s.state; }},
    {"created", [](const SnapshotInfo& s) { return created_text(s.created_us); }},
    {"size", [](const SnapshotInfo& s) { return size_text(s.size); }},
    {"type", [](const SnapshotInfo& s) { return unless_empty(s.type); }},
    {"description", [](const SnapshotInfo& s) { return s.description; }},
    {"expiration", [](const SnapshotInfo& s) { return s.expiration; }},
    {"tags", [](const SnapshotInfo& s) { return tags_text(s.tags); }},
    {"json", [](const SnapshotInfo& s) { return unless_empty(s.json); }},
};

const Field<VolumeInfo> kVolumeFields[] = {
    {"id", [](const VolumeInfo& v) -> Text { return v.id; }},
    {"name", [](const VolumeInfo& v) -> Text { return v.name; }},
    {"state", [](const VolumeInfo& v) { return unless_empty(v.state); }},
    {"created", [](const VolumeInfo& v) { return created_text(v.created_us); }},
    {"size", [](const VolumeInfo& v) { return size_text(v.size); }},
    {"tags", [](const VolumeInfo& v) { return tags_text(v.tags); }},
    {"json", [](const VolumeInfo& v) { return unless_empty(v.json); }},
};

const Field<ServiceInfo> kServiceFields[] = {
    {"json", [](const ServiceInfo& s) { return unless_empty(s.json); }},
};

template <class T, std::size_t N>
void add_names(const Field<T> (&fields)[N], const T& object, std::vector<std::string>* keys,
               const char* extra = nullptr) {
  for (const Field<T>& field : fields) {
    if (field.read(object)) keys->push_back(field.key);
  }
  if (extra != nullptr) keys->push_back(extra);
  for (const Attr& a : object.attrs) keys->push_back(a.key);
}

// A table field without a value leaves the key to the provider's extra attributes.
template <class T, std::size_t N>
Text read_value(const Field<T> (&fields)[N], const T& object, const std::string& key) {
  for (const Field<T>& field : fields) {
    if (key != field.key) continue;
    if (Text text = field.read(object)) return text;
    break;
  }
  for (const Attr& a : object.attrs) {
    if (a.key == key) return a.value;
  }
  return std::nullopt;
}

}  // namespace

bool parse_duration_seconds(const std::string& text, std::int64_t* seconds) {
  if (text.empty()) return false;
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 12) return false;
  std::int64_t value = std::stoll(text.substr(0, digits));
  std::string unit = text.substr(digits);
  std::int64_t factor = 0;
  if (unit.empty() || unit == "s") {
    factor = 1;
  } else if (unit == "m") {
    factor = 60;
  } else if (unit == "h") {
    factor = 3600;
  } else if (unit == "d") {
    factor = 86400;
  } else if (unit == "w") {
    factor = 7LL * 86400;
  } else {
    return false;
  }
  if (value <= 0) return false;
  *seconds = value * factor;
  return true;
}

std::vector<std::string> Attributes::names(const AttrSubject& subject) {
  std::vector<std::string> keys;
  if (subject.snapshot) {
    add_names(kSnapshotFields, *subject.snapshot, &keys, subject.content ? "content" : nullptr);
  }
  if (subject.volume != nullptr) add_names(kVolumeFields, *subject.volume, &keys);
  if (subject.service != nullptr) add_names(kServiceFields, *subject.service, &keys);
  return keys;
}

std::optional<std::string> Attributes::value(const AttrSubject& subject, const std::string& key) {
  if (subject.snapshot && subject.content && key == "content") return subject.content();
  if (subject.snapshot) return read_value(kSnapshotFields, *subject.snapshot, key);
  if (subject.volume != nullptr) return read_value(kVolumeFields, *subject.volume, key);
  if (subject.service != nullptr) return read_value(kServiceFields, *subject.service, key);
  return std::nullopt;
}

std::string Attributes::default_expiration_text(const std::string& dir_key) const {
  MutexLock lock(mu_);
  auto it = default_expiration_.find(dir_key);
  return it == default_expiration_.end() ? std::string() : it->second.second;
}

std::optional<std::int64_t> Attributes::default_expiration_seconds(
    const std::string& dir_key) const {
  MutexLock lock(mu_);
  auto it = default_expiration_.find(dir_key);
  if (it == default_expiration_.end()) return std::nullopt;
  return it->second.first;
}

int Attributes::set_default_expiration(const std::string& dir_key, const std::string& text,
                                       const std::string& remote_name) {
  if (text.empty()) {
    MutexLock lock(mu_);
    default_expiration_.erase(dir_key);
    return 0;
  }
  std::int64_t seconds = 0;
  if (!parse_duration_seconds(text, &seconds)) return EINVAL;
  // The expiration is sent as an RFC 3339 date, whose years end at 9999: a duration past
  // that would make every later mkdir fail, so it is refused now.
  constexpr std::int64_t kLastRfc3339Second = 253402300799;  // 9999-12-31T23:59:59Z
  if (seconds > kLastRfc3339Second - now_unix_us() / 1000000) {
    log_warning(remote_name +
                ": default-expiration reaches past 9999-12-31, the last date the API takes");
    return EINVAL;
  }
  MutexLock lock(mu_);
  default_expiration_[dir_key] = {seconds, text};
  return 0;
}

}  // namespace snapfs
