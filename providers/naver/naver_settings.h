// The settings of one naver-nas remote: its config section, then the NCLOUD_* environment, then
// ~/.ncloud/configure, the order the official SDKs follow.
#pragma once

#include <string>
#include <vector>

#include "providers/provider.h"
#include "providers/result.h"

namespace snapfs {

enum class NaverPlatform { Classic, Vpc };
enum class NaverFormat { Xml, Json };

struct NaverSettings {
  std::string access_key;
  std::string secret_key;
  std::string credentials_source;  // "the config section", "NCLOUD_* variables", a file path
  std::string api_url;             // scheme://host[:port][/prefix], no trailing slash
  NaverPlatform platform = NaverPlatform::Vpc;
  NaverFormat format = NaverFormat::Json;
  std::vector<std::string> regions;  // empty: ask the API (Classic) or KR (VPC)
  std::string ca_file;
  bool insecure = false;
  double max_rps = 0;  // requests per second, 0: no cap
  // Where a volume's snapshots are under its export root (snapshot_dir = ..., relative, no
  // "..": not documented by NAVER, so a key).
  std::string snapshot_dir = ".snapshot";
};

inline constexpr const char* kNaverDefaultApiUrl = "https://ncloud.apigw.ntruss.com";

// Reads and checks a remote's settings. Errors name the remote and the fix, never a secret.
Result<NaverSettings> resolve_naver_settings(const RemoteConfig& remote, const ProviderEnv& env);

// The section keys resolve_naver_settings reads; any other key in a section of this type is a
// mistake the configuration loader names.
const std::vector<std::string>& naver_config_keys();

// Keys of one profile of a ~/.ncloud/configure text: the section `profile`, else keys written
// before any section (files some tools write without a header). Empty when neither has keys.
struct NcloudProfile {
  std::string access_key;
  std::string secret_key;
  std::string api_url;
};
NcloudProfile parse_ncloud_configure(const std::string& text, const std::string& profile);

}  // namespace snapfs
