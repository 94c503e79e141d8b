#include "fs/check_config.h"

#include <algorithm>
#include <cstdio>

namespace snapfs {
namespace {

// Environment variables that hold credentials the providers may read (snapfs.conf(5)).
constexpr const char* kSecretEnvVars[] = {"SCW_SECRET_KEY", "OVH_APPLICATION_SECRET",
                                          "OVH_CONSUMER_KEY", "NCLOUD_SECRET_ACCESS_KEY",
                                          "NCLOUD_SECRET_KEY"};

// Provider messages never carry secrets by contract; this keeps the promise of the table even if
// one someday echoes a value back (e.g. a malformed key quoted in a parse error).
std::string without_secrets(std::string text, const RemoteConfig& remote, const ProviderEnv& env) {
  std::vector<std::string> secrets;
  for (const auto& [key, value] : remote.keys) {
    if (is_secret_key(key)) secrets.push_back(value);
  }
  for (const char* name : kSecretEnvVars) {
    if (auto value = env.getenv ? env.getenv(name) : std::nullopt) secrets.push_back(*value);
  }
  for (const std::string& secret : secrets) {
    if (secret.size() < 4) continue;  // too short to be a credential; replacing would garble text
    for (std::size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
      text.replace(at, secret.size(), "***");
    }
  }
  return text;
}

std::uint64_t requests_made(const Provider& provider) {
  const RequestStats* stats = provider.request_stats();
  return stats ? stats->snapshot().requests : 0;
}

std::string format_seconds(std::chrono::milliseconds elapsed) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f s", static_cast<double>(elapsed.count()) / 1000.0);
  return text;
}

}  // namespace

Result<ConfigFile> load_mount_config(const std::string& given, const ProviderEnv& env) {
  std::string path = given.empty() ? default_config_path(env) : given;
  if (path.empty()) {
    return Error(ErrorKind::NotFound,
                 "no configuration file: give --config FILE or create "
                 "~/.config/snapfs/snapfs.conf or /etc/snapfs.conf (see snapfs.conf(5))");
  }
  return load_config_file(path);
}

Result<std::vector<RemoteConfig>> select_remotes(const ConfigFile& config,
                                                 const std::vector<std::string>& wanted) {
  std::vector<RemoteConfig> selected;
  for (const RemoteConfig& remote : config.remotes) {
    if (wanted.empty() || std::find(wanted.begin(), wanted.end(), remote.name) != wanted.end()) {
      selected.push_back(remote);
    }
  }
  for (const std::string& name : wanted) {
    if (std::none_of(selected.begin(), selected.end(),
                     [&](const RemoteConfig& r) { return r.name == name; })) {
      return Error(ErrorKind::NotFound, "remotes=: no [" + name + "] in " + config.path);
    }
  }
  return selected;
}

RemoteCheck check_remote(const RemoteConfig& remote, const ProviderEnv& env,
                         std::chrono::milliseconds timeout) {
  RemoteCheck check;
  check.remote = remote.name;
  check.type = remote.type;
  auto started = std::chrono::steady_clock::now();
  auto finish = [&](bool ok, const std::string& result) {
    check.ok = ok;
    check.result = without_secrets(result, remote, env);
    check.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    return check;
  };
  auto provider = make_provider(remote, env);
  if (!provider.ok()) return finish(false, provider.error().message);
  Provider& api = *provider.value();
  OpContext ctx(timeout);
  std::uint64_t before = requests_made(api);
  auto services = api.list_services(ctx);
  if (!services.ok()) return finish(false, services.error().message);
  check.services = services->size();
  bool asked_the_api = api.request_stats() != nullptr && requests_made(api) > before;
  if (!asked_the_api) {
    // The services came from the configuration (e.g. Scaleway zones): only a volume listing
    // proves the credentials.
    if (services->empty()) return finish(false, "no service to check the credentials against");
    ObjectRef first;
    first.level = Level::Service;
    first.service_id = services->front().id;
    auto volumes = api.list_volumes(first, ctx);
    if (!volumes.ok()) return finish(false, volumes.error().message);
  }
  return finish(true, "credentials OK");
}

std::string format_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

int run_check_config(const std::string& given_path, const std::vector<std::string>& wanted,
                     const ProviderEnv& env, std::FILE* out, std::FILE* err) {
  auto config = load_mount_config(given_path, env);
  if (!config.ok()) {
    std::fprintf(err, "snapfs: %s\n", config.error().message.c_str());
    return 1;
  }
  auto remotes = select_remotes(config.value(), wanted);
  if (!remotes.ok()) {
    std::fprintf(err, "snapfs: %s\n", remotes.error().message.c_str());
    return 1;
  }
  if (remotes->empty()) {
    std::fprintf(err, "snapfs: %s defines no remote\n", config->path.c_str());
    return 1;
  }
  std::fprintf(out, "configuration: %s\n", config->path.c_str());
  std::vector<std::vector<std::string>> rows = {{"REMOTE", "TYPE", "SERVICES", "TIME", "RESULT"}};
  bool all_ok = true;
  for (const RemoteConfig& remote : remotes.value()) {
    RemoteCheck check = check_remote(remote, env, std::chrono::seconds(10));
    all_ok = all_ok && check.ok;
    rows.push_back({check.remote, check.type, check.ok ? std::to_string(check.services) : "-",
                    format_seconds(check.elapsed), check.result});
  }
  std::fputs(format_table(rows).c_str(), out);
  return all_ok ? 0 : 1;
}

}  // namespace snapfs
