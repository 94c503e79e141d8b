// The settings of one Scaleway remote, resolved as the Scaleway SDKs and CLI resolve them: the
// config section first, then the SCW_* environment, then the active profile of
// ~/.config/scw/config.yaml (a named profile merged over the root one).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "providers/provider.h"
#include "providers/result.h"

namespace snapfs {

inline constexpr const char* kScalewayDefaultApiUrl = "https://api.scaleway.com";
inline constexpr const char* kScalewayDefaultZone = "fr-par-1";

struct ScalewaySettings {
  std::string secret_key;  // the X-Auth-Token value; never logged
  std::string access_key;  // not sent on the wire, kept for completeness
  std::string project_id;  // used by a create when the volume does not tell its project
  std::vector<std::string> zones;
  std::string api_url;        // scheme://host[:port][/prefix], no trailing slash
  std::string secret_source;  // where the secret key came from, for messages
  std::string ca_file;
  bool insecure = false;
  double max_rps = 0;  // requests per second, 0: no cap
};

// One profile of a Scaleway config file: scalar keys (secret_key, default_zone, ...) of the
// chosen profile merged over the root profile.
struct ScalewayProfile {
  std::map<std::string, std::string> keys;
  std::string get(const std::string& key) const {
    auto it = keys.find(key);
    return it == keys.end() ? "" : it->second;
  }
};

// Parses a config.yaml text and picks `profile` (empty: active_profile, else the root profile;
// "default" is the root). Errors (malformed YAML, unknown profile) are InvalidArgument.
Result<ScalewayProfile> parse_scaleway_config(const std::string& yaml_text,
                                              const std::string& profile);

// The config files to try, in order: $SCW_CONFIG_PATH alone when set, else config.yaml and
// config.yml under $XDG_CONFIG_HOME/scw and ~/.config/scw.
std::vector<std::string> scaleway_config_candidates(const ProviderEnv& env);

// The section keys resolve_scaleway_settings reads; any other key in a section of this type is
// a mistake the configuration loader names.
const std::vector<std::string>& scaleway_config_keys();

// Reads and checks a remote's settings. Errors name the remote and the fix, never a secret; a
// missing secret key is AccessDenied and lists the places looked at.
Result<ScalewaySettings> resolve_scaleway_settings(const RemoteConfig& remote,
                                                   const ProviderEnv& env);

}  // namespace snapfs
