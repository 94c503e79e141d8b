#include "providers/naver/naver_settings.h"

#include <ini.h>

#include <cctype>
#include <fstream>
#include <optional>
#include <sstream>

#include "providers/common/strings.h"

namespace snapfs {
namespace {

struct ConfigureScan {
  std::string profile;
  NcloudProfile in_profile;
  NcloudProfile top_level;
};

void assign(NcloudProfile& p, const std::string& key, const std::string& value) {
  if (key == "ncloud_access_key_id") p.access_key = value;
  if (key == "ncloud_secret_access_key") p.secret_key = value;
  if (key == "ncloud_api_url") p.api_url = value;
}

int configure_handler(void* user, const char* section, const char* name, const char* value) {
  auto* scan = static_cast<ConfigureScan*>(user);
  std::string sec = section ? section : "";
  std::string key = lower(trim(name ? name : ""));
  std::string val = trim(value ? value : "");
  if (sec.empty()) {
    assign(scan->top_level, key, val);
  } else if (sec == scan->profile) {
    assign(scan->in_profile, key, val);
  }
  return 1;
}

std::optional<std::string> env_first(const ProviderEnv& env,
                                     std::initializer_list<const char*> names) {
  if (!env.getenv) return std::nullopt;
  for (const char* name : names) {
    auto value = env.getenv(name);
    if (value && !value->empty()) return value;
  }
  return std::nullopt;
}

Error config_error(const RemoteConfig& remote, const std::string& what) {
  return Error(ErrorKind::InvalidArgument, "remote '" + remote.name + "': " + what);
}

}  // namespace

NcloudProfile parse_ncloud_configure(const std::string& text, const std::string& profile) {
  ConfigureScan scan;
  scan.profile = profile;
  ini_parse_string(text.c_str(), configure_handler, &scan);
  NcloudProfile out = scan.in_profile;
  if (out.access_key.empty() && out.secret_key.empty()) {
    out.access_key = scan.top_level.access_key;
    out.secret_key = scan.top_level.secret_key;
  }
  if (out.api_url.empty()) out.api_url = scan.top_level.api_url;
  return out;
}

const std::vector<std::string>& naver_config_keys() {
  static const std::vector<std::string> kKeys = {
      "access_key", "secret_key", "profile",  "api_url", "platform",    "format",
      "regions",    "ca_file",    "insecure", "max_rps", "snapshot_dir"};
  return kKeys;
}

namespace {

// The credentials: the first source that names a key wins, and must name both. *file_profile
// is the profile of ~/.ncloud/configure, which also may name the endpoint.
Status resolve_credentials(const RemoteConfig& remote, const ProviderEnv& env, NaverSettings* s,
                           NcloudProfile* file_profile) {
  const std::string fix =
      "set access_key and secret_key in the section, or NCLOUD_ACCESS_KEY_ID and "
      "NCLOUD_SECRET_ACCESS_KEY, or run `ncloud configure` (~/.ncloud/configure)";
  std::string section_key = trim(remote.get("access_key"));
  std::string section_secret = trim(remote.get("secret_key"));
  auto env_key = env_first(env, {"NCLOUD_ACCESS_KEY_ID", "NCLOUD_ACCESS_KEY"});
  auto env_secret = env_first(env, {"NCLOUD_SECRET_ACCESS_KEY", "NCLOUD_SECRET_KEY"});
  std::string profile_name = trim(remote.get("profile", "DEFAULT"));
  if (profile_name.empty()) profile_name = "DEFAULT";
  std::string configure_path = env.home.empty() ? "" : env.home + "/.ncloud/configure";
  if (!configure_path.empty()) {
    std::ifstream in(configure_path);
    if (in) {
      std::stringstream buffer;
      buffer << in.rdbuf();
      *file_profile = parse_ncloud_configure(buffer.str(), profile_name);
    }
  }
  if (!section_key.empty() || !section_secret.empty()) {
    if (section_key.empty() || section_secret.empty()) {
      return config_error(remote, std::string("the section sets ") +
                                      (section_key.empty() ? "secret_key but not access_key"
                                                           : "access_key but not secret_key"));
    }
    s->access_key = section_key;
    s->secret_key = section_secret;
    s->credentials_source = "the config section";
  } else if (env_key || env_secret) {
    if (!env_key || !env_secret) {
      return config_error(remote,
                          std::string("NCLOUD_") +
                              (env_key ? "ACCESS_KEY_ID is set but NCLOUD_SECRET_ACCESS_KEY"
                                       : "SECRET_ACCESS_KEY is set but NCLOUD_ACCESS_KEY_ID") +
                              " is not");
    }
    s->access_key = *env_key;
    s->secret_key = *env_secret;
    s->credentials_source = "NCLOUD_* variables";
  } else if (!file_profile->access_key.empty() && !file_profile->secret_key.empty()) {
    s->access_key = file_profile->access_key;
    s->secret_key = file_profile->secret_key;
    s->credentials_source = configure_path + " [" + profile_name + "]";
  } else {
    return Error(ErrorKind::AccessDenied,
                 "remote '" + remote.name + "': no NAVER Cloud API key: " + fix);
  }
  return Status::Ok();
}

// The platform and the answer format, which defaults to the platform's (JSON on VPC).
Status resolve_platform(const RemoteConfig& remote, NaverSettings* s) {
  std::string platform = lower(trim(remote.get("platform", "vpc")));
  if (platform == "vpc") {
    s->platform = NaverPlatform::Vpc;
  } else if (platform == "classic") {
    s->platform = NaverPlatform::Classic;
  } else {
    return config_error(remote, "platform must be classic or vpc, not '" + platform + "'");
  }

  std::string format = lower(trim(remote.get("format")));
  if (format.empty()) {
    s->format = s->platform == NaverPlatform::Vpc ? NaverFormat::Json : NaverFormat::Xml;
  } else if (format == "json") {
    s->format = NaverFormat::Json;
  } else if (format == "xml") {
    s->format = NaverFormat::Xml;
  } else {
    return config_error(remote, "format must be xml or json, not '" + format + "'");
  }
  return Status::Ok();
}

}  // namespace

Result<NaverSettings> resolve_naver_settings(const RemoteConfig& remote, const ProviderEnv& env) {
  NaverSettings s;
  NcloudProfile file_profile;
  if (Status found = resolve_credentials(remote, env, &s, &file_profile); !found.ok()) {
    return found.error();
  }

  // Endpoint: the section, the SDKs' variable, the CLI's file key, the public gateway.
  std::string api_url = trim(remote.get("api_url"));
  if (api_url.empty()) api_url = env_first(env, {"NCLOUD_API_GW"}).value_or("");
  if (api_url.empty()) api_url = file_profile.api_url;
  if (api_url.empty()) api_url = kNaverDefaultApiUrl;
  while (!api_url.empty() && api_url.back() == '/') api_url.pop_back();
  if (api_url.rfind("http://", 0) != 0 && api_url.rfind("https://", 0) != 0) {
    return config_error(remote, "api_url must start with https:// (or http://)");
  }
  s.api_url = api_url;

  if (Status valid = resolve_platform(remote, &s); !valid.ok()) return valid.error();

  s.regions = split_list(remote.get("regions"));
  s.ca_file = trim(remote.get("ca_file"));
  if (!parse_bool(remote.get("insecure"), &s.insecure)) {
    return config_error(remote, "insecure must be true or false");
  }
  if (!parse_rate(remote.get("max_rps"), &s.max_rps)) {
    return config_error(remote, "max_rps must be a positive number of requests per second");
  }
  if (remote.keys.count("snapshot_dir")) {
    std::string dir = trim(remote.get("snapshot_dir"));
    while (!dir.empty() && dir.back() == '/') dir.pop_back();
    const bool dotdot = ("/" + dir + "/").find("/../") != std::string::npos;
    if (dir.empty() || dir.front() == '/' || dotdot) {
      return config_error(remote,
                          "snapshot_dir must be a directory relative to the export root, "
                          "without '..' (default .snapshot)");
    }
    s.snapshot_dir = dir;
  }
  return s;
}

}  // namespace snapfs
