// The snapfs configuration file: INI sections naming remotes, rclone style (`[name]` +
// `type = ...`). Documented in snapfs.conf(5).
#pragma once

#include <string>
#include <vector>

#include "providers/provider.h"

namespace snapfs {

struct ConfigFile {
  std::string path;
  std::vector<RemoteConfig> remotes;  // in file order
};

// Reads and checks a configuration file: every section needs a known `type`; a file that holds a
// secret must not be readable by group or others (as ssh refuses such keys).
Result<ConfigFile> load_config_file(const std::string& path);

// The file to use when none is given: $XDG_CONFIG_HOME/snapfs/snapfs.conf (default
// ~/.config/snapfs/snapfs.conf), then /etc/snapfs.conf. Empty when neither exists.
std::string default_config_path(const ProviderEnv& env);

// Keys whose values are secrets: never logged, and they make group/other-readable files refused.
bool is_secret_key(const std::string& key);

}  // namespace snapfs
