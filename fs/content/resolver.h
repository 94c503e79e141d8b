// Where a snapshot's files are on this host: the per-remote `content` and `content_map` keys,
// the NFS mount table, and the export and snapshot directory the provider reports.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "fs/content/mount_table.h"
#include "providers/provider.h"

namespace snapfs::content {

// Remote types whose volumes are NFS exports, so that their snapshots have files to show.
bool has_file_access(const std::string& remote_type);
// The configuration keys this feature adds to those types' sections.
const std::vector<std::string>& config_keys();

struct Settings {
  bool enabled = true;                                   // content = auto (default) | off
  std::vector<std::pair<std::string, std::string>> map;  // content_map: export -> local dir
};

// The remote's content settings; an error message that names the bad key and value.
Result<Settings> parse_settings(const RemoteConfig& remote);

struct Location {
  std::string dir;      // the local directory holding the snapshot's files, or empty
  std::string why_not;  // when `dir` is empty: one line saying why
};

class Resolver {
 public:
  // `remotes`: the mounted remotes, by index (their keys were validated when loaded).
  Resolver(const std::vector<RemoteConfig>& remotes, std::shared_ptr<MountTable> mounts);

  Location resolve(std::size_t remote, const std::string& nfs_export,
                   const std::string& content_dir) const;

 private:
  struct PerRemote {
    bool file_access = false;
    Settings settings;
  };
  std::vector<PerRemote> remotes_;
  std::shared_ptr<MountTable> mounts_;
};

}  // namespace snapfs::content
