#include "providers/ovh/ovh_settings.h"

#include <ini.h>
#include <unistd.h>

#include <cctype>

#include "providers/common/strings.h"

namespace snapfs {
namespace {

struct FileScan {
  OvhConfFiles* out;
  std::string path;
};

int conf_handler(void* user, const char* section, const char* name, const char* value) {
  auto* scan = static_cast<FileScan*>(user);
  std::string sec = trim(section ? section : "");
  std::string key = lower(trim(name ? name : ""));
  scan->out->sections[sec][key] = trim(value ? value : "");
  scan->out->origin[sec + "\n" + key] = scan->path;
  return 1;
}

// A custom endpoint URL: http(s)://host[:port][/prefix]. Without a prefix the API's own "/1.0"
// is assumed, so "https://127.0.0.1:8443" and "https://127.0.0.1:8443/1.0" mean the same.
std::optional<std::string> normalize_url(std::string url) {
  url = trim(url);
  if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0) return std::nullopt;
  while (!url.empty() && url.back() == '/') url.pop_back();
  std::size_t host_start = url.find("://") + 3;
  if (host_start >= url.size()) return std::nullopt;
  if (url.find('/', host_start) == std::string::npos) url += "/1.0";
  return url;
}

struct Lookup {
  const RemoteConfig& remote;
  const ProviderEnv& env;
  const OvhConfFiles& files;
  std::string endpoint;

  // The value of `key` and where it came from, or nullopt.
  std::optional<std::pair<std::string, std::string>> find(const std::string& key) const {
    std::string v = trim(remote.get(key));
    if (!v.empty()) return std::make_pair(v, key + " in [" + remote.name + "]");
    std::string var = "OVH_" + upper(key);
    if (env.getenv) {
      if (auto e = env.getenv(var); e && !trim(*e).empty()) return std::make_pair(trim(*e), var);
    }
    auto sec = files.sections.find(endpoint);
    if (sec != files.sections.end()) {
      auto it = sec->second.find(key);
      if (it != sec->second.end() && !it->second.empty()) {
        auto origin = files.origin.find(endpoint + "\n" + key);
        std::string file = origin == files.origin.end() ? "ovh.conf" : origin->second;
        return std::make_pair(it->second, key + " in " + file + " [" + endpoint + "]");
      }
    }
    return std::nullopt;
  }
};

std::string resolve_endpoint(const RemoteConfig& remote, const ProviderEnv& env,
                             const OvhConfFiles& files) {
  std::string v = trim(remote.get("endpoint"));
  if (!v.empty()) return v;
  if (env.getenv) {
    if (auto e = env.getenv("OVH_ENDPOINT"); e && !trim(*e).empty()) return trim(*e);
  }
  auto sec = files.sections.find("default");
  if (sec != files.sections.end()) {
    auto it = sec->second.find("endpoint");
    if (it != sec->second.end() && !it->second.empty()) return it->second;
  }
  return "ovh-eu";
}

Error config_error(const RemoteConfig& remote, const std::string& what) {
  return Error(ErrorKind::InvalidArgument,
               "remote '" + remote.name + "' (" + remote.type + "): " + what);
}

}  // namespace

std::optional<std::string> ovh_endpoint_base_url(const std::string& name) {
  static const std::map<std::string, std::string> kEndpoints = {
      {"ovh-eu", "https://eu.api.ovh.com/1.0"},
      {"ovh-ca", "https://ca.api.ovh.com/1.0"},
      {"ovh-us", "https://api.us.ovhcloud.com/1.0"},
      {"kimsufi-eu", "https://eu.api.kimsufi.com/1.0"},
      {"kimsufi-ca", "https://ca.api.kimsufi.com/1.0"},
      {"soyoustart-eu", "https://eu.api.soyoustart.com/1.0"},
      {"soyoustart-ca", "https://ca.api.soyoustart.com/1.0"},
      // Aliases node-ovh accepts.
      {"ks-eu", "https://eu.api.kimsufi.com/1.0"},
      {"ks-ca", "https://ca.api.kimsufi.com/1.0"},
      {"sys-eu", "https://eu.api.soyoustart.com/1.0"},
      {"sys-ca", "https://ca.api.soyoustart.com/1.0"},
  };
  auto it = kEndpoints.find(lower(trim(name)));
  if (it == kEndpoints.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> default_ovh_conf_paths(const ProviderEnv& env) {
  std::vector<std::string> paths = {"/etc/ovh.conf"};
  if (!env.home.empty()) paths.push_back(env.home + "/.ovh.conf");
  char cwd[4096];
  if (::getcwd(cwd, sizeof cwd) != nullptr) {
    paths.push_back(std::string(cwd) + "/ovh.conf");
  } else {
    paths.push_back("./ovh.conf");
  }
  return paths;
}

OvhConfFiles read_ovh_conf_files(const std::vector<std::string>& paths) {
  OvhConfFiles out;
  for (const std::string& path : paths) {
    FileScan scan{&out, path};
    // A missing or unreadable file is skipped, as the official clients do.
    ini_parse(path.c_str(), conf_handler, &scan);
  }
  return out;
}

const std::vector<std::string>& ovh_config_keys() {
  // client_id, client_secret and access_token (OAuth2) are read only to explain that they are
  // not supported.
  static const std::vector<std::string> kKeys = {
      "endpoint", "application_key", "application_secret", "consumer_key",  "ca_file",
      "insecure", "max_rps",         "client_id",          "client_secret", "access_token"};
  return kKeys;
}

namespace {

// The base URL of an endpoint: a known name, or a custom URL (any value with a '/').
Result<std::string> endpoint_base_url(const RemoteConfig& remote, const std::string& endpoint) {
  if (endpoint.find('/') != std::string::npos) {
    auto url = normalize_url(endpoint);
    if (!url) {
      return config_error(remote, "endpoint '" + endpoint +
                                      "' is neither a known name (ovh-eu, ovh-ca, ovh-us, "
                                      "kimsufi-eu, ...) nor an http(s):// URL");
    }
    return *url;
  }
  auto url = ovh_endpoint_base_url(endpoint);
  if (!url) {
    return config_error(remote, "unknown endpoint '" + endpoint +
                                    "' (known: ovh-eu, ovh-ca, ovh-us, kimsufi-eu, kimsufi-ca, "
                                    "soyoustart-eu, soyoustart-ca, or a https:// URL)");
  }
  return *url;
}

// Names the credentials not found and where they are looked for.
Error missing_credentials(const RemoteConfig& remote, const Lookup& lookup, bool have_ak,
                          bool have_as, bool have_ck) {
  std::string missing;
  if (!have_ak) missing += "application_key";
  if (!have_as) missing += std::string(missing.empty() ? "" : ", ") + "application_secret";
  if (!have_ck) missing += std::string(missing.empty() ? "" : ", ") + "consumer_key";
  std::string hint;
  if (!have_ak && (lookup.find("client_id") || lookup.find("access_token"))) {
    hint =
        " (OAuth2 client_id/client_secret and access_token are not supported; create an "
        "application key at https://eu.api.ovh.com/createToken/)";
  }
  return config_error(remote, "missing OVH credentials: " + missing +
                                  "; set them in the section, as OVH_APPLICATION_KEY, "
                                  "OVH_APPLICATION_SECRET and OVH_CONSUMER_KEY, or in the [" +
                                  lookup.endpoint +
                                  "] section of ovh.conf (/etc/ovh.conf, ~/.ovh.conf, "
                                  "./ovh.conf)" +
                                  hint);
}

}  // namespace

Result<OvhSettings> resolve_ovh_settings(const RemoteConfig& remote, const ProviderEnv& env,
                                         const std::vector<std::string>& conf_paths) {
  OvhConfFiles files = read_ovh_conf_files(conf_paths);
  OvhSettings s;
  s.endpoint = resolve_endpoint(remote, env, files);
  auto base_url = endpoint_base_url(remote, s.endpoint);
  if (!base_url.ok()) return base_url.error();
  s.base_url = *base_url;

  Lookup lookup{remote, env, files, s.endpoint};
  auto ak = lookup.find("application_key");
  auto as = lookup.find("application_secret");
  auto ck = lookup.find("consumer_key");
  if (!ak || !as || !ck) {
    return missing_credentials(remote, lookup, ak.has_value(), as.has_value(), ck.has_value());
  }
  s.application_key = ak->first;
  s.application_secret = as->first;
  s.secret_source = as->second;
  s.consumer_key = ck->first;
  s.ca_file = trim(remote.get("ca_file"));
  if (!parse_bool(remote.get("insecure"), &s.insecure)) {
    return config_error(remote, "insecure must be true or false");
  }
  if (!parse_rate(remote.get("max_rps"), &s.max_rps)) {
    return config_error(remote, "max_rps must be a positive number of requests per second");
  }
  return s;
}

Result<OvhSettings> resolve_ovh_settings(const RemoteConfig& remote, const ProviderEnv& env) {
  return resolve_ovh_settings(remote, env, default_ovh_conf_paths(env));
}

}  // namespace snapfs
