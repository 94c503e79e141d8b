// The settings of one OVH remote (ovh-nasha, ovh-netapp): endpoint and application-key
// credentials, looked up the way the official clients do: the remote's config section first (as
// explicit arguments), then OVH_* variables, then the [<endpoint>] section of ovh.conf, read from
// /etc/ovh.conf, ~/.ovh.conf and ./ovh.conf with later files overriding earlier ones.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "providers/provider.h"
#include "providers/result.h"

namespace snapfs {

struct OvhSettings {
  std::string endpoint;  // as configured: a name ("ovh-eu") or a URL
  std::string base_url;  // "https://eu.api.ovh.com/1.0": scheme, host, port, API prefix; no '/'
  std::string application_key;
  std::string application_secret;
  std::string consumer_key;
  // Where the application secret came from, for error messages ("application_secret in [nas]",
  // "OVH_APPLICATION_SECRET", "/home/u/.ovh.conf [ovh-eu]").
  std::string secret_source;
  std::string ca_file;
  bool insecure = false;
  double max_rps = 0;  // requests per second, 0: no cap
};

// The base URL of a named endpoint ("ovh-eu" -> "https://eu.api.ovh.com/1.0"), or nullopt.
std::optional<std::string> ovh_endpoint_base_url(const std::string& name);

// The ovh.conf files in increasing priority: /etc/ovh.conf, ~/.ovh.conf, ./ovh.conf.
std::vector<std::string> default_ovh_conf_paths(const ProviderEnv& env);

// Sections of INI files read in order, later values overriding earlier ones. Missing files are
// skipped.
using IniSections = std::map<std::string, std::map<std::string, std::string>>;
struct OvhConfFiles {
  IniSections sections;
  std::map<std::string, std::string> origin;  // "section\nkey" -> file that set it
};
OvhConfFiles read_ovh_conf_files(const std::vector<std::string>& paths);

// Reads and checks a remote's settings. Errors name the remote and the fix, never a secret.
Result<OvhSettings> resolve_ovh_settings(const RemoteConfig& remote, const ProviderEnv& env,
                                         const std::vector<std::string>& conf_paths);
Result<OvhSettings> resolve_ovh_settings(const RemoteConfig& remote, const ProviderEnv& env);

// The section keys resolve_ovh_settings reads; any other key in a section of these types is a
// mistake the configuration loader names.
const std::vector<std::string>& ovh_config_keys();

}  // namespace snapfs
