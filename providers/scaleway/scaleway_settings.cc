#include "providers/scaleway/scaleway_settings.h"

#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <optional>
#include <sstream>

#include "providers/common/log.h"
#include "providers/common/strings.h"

namespace snapfs {
namespace {

std::optional<std::string> env_value(const ProviderEnv& env, const std::string& name) {
  if (!env.getenv) return std::nullopt;
  auto value = env.getenv(name);
  if (!value || trim(*value).empty()) return std::nullopt;
  return trim(*value);
}

std::optional<std::string> env_first(const ProviderEnv& env,
                                     std::initializer_list<const char*> names) {
  for (const char* name : names) {
    if (auto value = env_value(env, name)) return value;
  }
  return std::nullopt;
}

// Scalar keys of one YAML mapping; nested values (the `profiles` map) are skipped.
void read_scalars(const YAML::Node& node, std::map<std::string, std::string>* out) {
  if (!node.IsMap()) return;
  for (const auto& entry : node) {
    if (!entry.first.IsScalar() || !entry.second.IsScalar()) continue;
    (*out)[entry.first.Scalar()] = entry.second.Scalar();
  }
}

bool file_exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool readable_by_others(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && (st.st_mode & (S_IRGRP | S_IROTH)) != 0;
}

// The config file that applies, and its chosen profile once read.
struct ConfigFile {
  std::string path;  // empty: none found
  std::string profile_name;
  std::optional<ScalewayProfile> profile;
  std::optional<Error> error;  // a file that exists but cannot be used
};

ConfigFile load_config_file(const RemoteConfig& remote, const ProviderEnv& env) {
  ConfigFile file;
  for (const std::string& candidate : scaleway_config_candidates(env)) {
    if (file_exists(candidate)) {
      file.path = candidate;
      break;
    }
  }
  file.profile_name = trim(remote.get("profile"));
  if (file.profile_name.empty()) file.profile_name = env_value(env, "SCW_PROFILE").value_or("");
  if (file.path.empty()) return file;
  std::ifstream in(file.path);
  if (!in) {
    file.error =
        Error(ErrorKind::AccessDenied, "remote '" + remote.name + "': cannot read " + file.path);
    return file;
  }
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = parse_scaleway_config(text.str(), file.profile_name);
  if (!parsed.ok()) {
    file.error = Error(parsed.error().kind, "remote '" + remote.name + "': " + file.path + ": " +
                                                parsed.error().message);
    return file;
  }
  file.profile = std::move(parsed.value());
  return file;
}

// One setting: the section key (when it has one), else the environment, else the profile key.
std::string pick(const RemoteConfig& remote, const char* section_key,
                 std::optional<std::string> from_env, const ConfigFile& file,
                 const char* profile_key) {
  if (section_key != nullptr) {
    std::string value = trim(remote.get(section_key));
    if (!value.empty()) return value;
  }
  if (from_env) return *from_env;
  if (file.profile) return trim(file.profile->get(profile_key));
  return "";
}

std::string missing_secret_message(const RemoteConfig& remote, const ProviderEnv& env,
                                   const ConfigFile& file) {
  std::string looked = "the section's secret_key, SCW_SECRET_KEY (and SCW_TOKEN, SCALEWAY_TOKEN)";
  if (!file.path.empty()) {
    looked += ", " + file.path + " (profile " +
              (file.profile_name.empty() ? std::string("active") : "'" + file.profile_name + "'") +
              ")";
  } else {
    std::string paths;
    for (const std::string& p : scaleway_config_candidates(env))
      paths += (paths.empty() ? "" : ", ") + p;
    looked += ", " + (paths.empty() ? std::string("no config file path (HOME unknown)")
                                    : paths + " (not found)");
  }
  return "remote '" + remote.name + "': no Scaleway secret key found; looked at " + looked +
         ". Set secret_key in the section, export SCW_SECRET_KEY, or run `scw init`";
}

}  // namespace

std::vector<std::string> scaleway_config_candidates(const ProviderEnv& env) {
  if (auto path = env_value(env, "SCW_CONFIG_PATH")) return {*path};
  std::vector<std::string> dirs;
  if (auto xdg = env_value(env, "XDG_CONFIG_HOME")) dirs.push_back(*xdg + "/scw");
  if (!env.home.empty()) dirs.push_back(env.home + "/.config/scw");
  std::vector<std::string> out;
  for (const std::string& dir : dirs) {
    out.push_back(dir + "/config.yaml");
    out.push_back(dir + "/config.yml");
  }
  return out;
}

Result<ScalewayProfile> parse_scaleway_config(const std::string& yaml_text,
                                              const std::string& profile) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    return Error(ErrorKind::InvalidArgument,
                 "malformed YAML at line " + std::to_string(e.mark.line + 1));
  }
  ScalewayProfile out;
  if (root.IsNull()) return out;
  if (!root.IsMap()) return Error(ErrorKind::InvalidArgument, "expected a YAML mapping");
  read_scalars(root, &out.keys);
  std::string name = profile;
  if (name.empty()) name = trim(out.get("active_profile"));
  out.keys.erase("active_profile");
  if (name.empty() || name == "default") return out;
  YAML::Node profiles = root["profiles"];
  YAML::Node chosen = profiles.IsMap() ? profiles[name] : YAML::Node();
  if (!chosen.IsDefined() || !chosen.IsMap()) {
    return Error(ErrorKind::InvalidArgument, "profile '" + name + "' not found");
  }
  read_scalars(chosen, &out.keys);
  return out;
}

const std::vector<std::string>& scaleway_config_keys() {
  static const std::vector<std::string> kKeys = {"secret_key", "access_key", "project_id",
                                                 "zones",      "api_url",    "profile",
                                                 "ca_file",    "insecure",   "max_rps"};
  return kKeys;
}

Result<ScalewaySettings> resolve_scaleway_settings(const RemoteConfig& remote,
                                                   const ProviderEnv& env) {
  ScalewaySettings s;
  ConfigFile file = load_config_file(remote, env);

  if (std::string key = trim(remote.get("secret_key")); !key.empty()) {
    s.secret_key = key;
    s.secret_source = "the config section";
  } else if (auto key = env_first(env, {"SCW_SECRET_KEY", "SCW_TOKEN", "SCALEWAY_TOKEN"})) {
    s.secret_key = *key;
    s.secret_source = "the SCW_SECRET_KEY environment";
  } else if (file.error) {
    return *file.error;
  } else if (file.profile && !trim(file.profile->get("secret_key")).empty()) {
    s.secret_key = trim(file.profile->get("secret_key"));
    s.secret_source = file.path;
    if (readable_by_others(file.path)) {
      log_warning("remote '" + remote.name + "': " + file.path +
                  " holds a secret key and is readable by other users (chmod 600 it)");
    }
  } else {
    return Error(ErrorKind::AccessDenied, missing_secret_message(remote, env, file));
  }
  if (file.error) {
    log_warning(file.error->message + " (ignored: the secret key comes from " + s.secret_source +
                ")");
  }

  s.access_key =
      pick(remote, "access_key", env_first(env, {"SCW_ACCESS_KEY", "SCALEWAY_ACCESS_KEY"}), file,
           "access_key");
  s.project_id = pick(remote, "project_id", env_value(env, "SCW_DEFAULT_PROJECT_ID"), file,
                      "default_project_id");
  s.zones = split_list(remote.get("zones"));
  if (s.zones.empty()) {
    std::string zone =
        pick(remote, nullptr, env_value(env, "SCW_DEFAULT_ZONE"), file, "default_zone");
    s.zones.push_back(zone.empty() ? kScalewayDefaultZone : zone);
  }
  for (const std::string& zone : s.zones) {
    if (zone.find_first_of("/?#%") != std::string::npos) {
      return Error(ErrorKind::InvalidArgument,
                   "remote '" + remote.name + "': '" + zone + "' is not a zone name");
    }
  }
  s.api_url = pick(remote, "api_url", env_value(env, "SCW_API_URL"), file, "api_url");
  if (s.api_url.empty()) s.api_url = kScalewayDefaultApiUrl;
  while (!s.api_url.empty() && s.api_url.back() == '/') s.api_url.pop_back();
  if (s.api_url.rfind("https://", 0) != 0 && s.api_url.rfind("http://", 0) != 0) {
    return Error(ErrorKind::InvalidArgument,
                 "remote '" + remote.name + "': api_url must start with https:// or http://");
  }
  s.ca_file = trim(remote.get("ca_file"));
  if (!parse_bool(remote.get("insecure"), &s.insecure)) {
    return Error(ErrorKind::InvalidArgument,
                 "remote '" + remote.name + "': insecure must be true or false");
  }
  if (!parse_rate(remote.get("max_rps"), &s.max_rps)) {
    return Error(ErrorKind::InvalidArgument, "remote '" + remote.name +
                                                 "': max_rps must be a positive number of " +
                                                 "requests per second");
  }
  return s;
}

}  // namespace snapfs
