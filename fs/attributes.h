// The extended attributes of the tree's objects (SEMANTICS.md, user.snapfs.*): one table per
// kind of object says which keys it shows and how each value reads, so listxattr's names and
// getxattr's values cannot disagree; and the default-expiration setting of each .snapshots
// directory, which mkdir sends with its create.
//
// Owns: default_expiration_, guarded by mu_. The tables are constant. mu_ is a leaf lock: it is
// taken with or without Namespace::mu_ held, and nothing is called while holding it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "providers/common/thread_annotations.h"
#include "providers/provider.h"

namespace snapfs {

// Parses a duration such as "7d", "12h", "30m", "90s" or "3600" (seconds); false when malformed.
bool parse_duration_seconds(const std::string& text, std::int64_t* seconds);

// The object an attribute is read from: at most one is set, by the kind of node.
struct AttrSubject {
  const ServiceInfo* service = nullptr;
  const VolumeInfo* volume = nullptr;
  std::optional<SnapshotInfo> snapshot;  // expanded from its stored form
  // A snapshot's "content": where its files are on this host, or why they are not shown; read
  // only when asked for (names() lists it whenever it is set).
  std::function<std::string()> content;
};

class Attributes {
 public:
  // The keys (without the user.snapfs. prefix) the subject's object shows, in listing order:
  // its table's fields that have a value, then the provider's extra attributes.
  static std::vector<std::string> names(const AttrSubject& subject);
  // The value of `key` in the subject's object, or nothing when it has none.
  static std::optional<std::string> value(const AttrSubject& subject, const std::string& key);

  // The default-expiration text of the .snapshots directory `dir_key` ("" when unset), and the
  // seconds a create there asks for.
  std::string default_expiration_text(const std::string& dir_key) const EXCLUDES(mu_);
  std::optional<std::int64_t> default_expiration_seconds(const std::string& dir_key) const
      EXCLUDES(mu_);
  // Sets (or with "" clears) it: 0, or EINVAL for a malformed duration or one that reaches past
  // the last date the APIs take. `remote_name` names the remote in the warning.
  int set_default_expiration(const std::string& dir_key, const std::string& text,
                             const std::string& remote_name) EXCLUDES(mu_);

 private:
  mutable Mutex mu_;
  // dir key -> (seconds, the text written, which is what reads show)
  std::map<std::string, std::pair<std::int64_t, std::string>> default_expiration_ GUARDED_BY(mu_);
};

}  // namespace snapfs
