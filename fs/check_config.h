// `snapfs --check-config`: loads the configuration as a mount would, then proves each remote's
// credentials with one cheap API request, so an administrator learns what is wrong before the
// first `ls` of a mount answers EACCES.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

#include "fs/config.h"
#include "providers/provider.h"

namespace snapfs {

// The configuration a mount uses: `given` when not empty, else default_config_path(env). The
// error explains how to create one when there is none.
Result<ConfigFile> load_mount_config(const std::string& given, const ProviderEnv& env);

// The remotes named in `wanted` (all when empty), in file order; an error names a missing one.
Result<std::vector<RemoteConfig>> select_remotes(const ConfigFile& config,
                                                 const std::vector<std::string>& wanted);

struct RemoteCheck {
  std::string remote;
  std::string type;
  bool ok = false;
  std::string result;  // "credentials OK" or what went wrong, never a secret
  std::size_t services = 0;
  std::chrono::milliseconds elapsed{0};
};

// Builds the remote's provider and makes one request with it: list_services, or list_volumes on
// the first service when list_services answered from the configuration alone.
RemoteCheck check_remote(const RemoteConfig& remote, const ProviderEnv& env,
                         std::chrono::milliseconds timeout);

// Lines of left-aligned columns separated by two spaces; the first row is the header.
std::string format_table(const std::vector<std::vector<std::string>>& rows);

// The whole command. Returns 0 when every selected remote works, 1 otherwise (the configuration
// itself unusable included).
int run_check_config(const std::string& given_path, const std::vector<std::string>& wanted,
                     const ProviderEnv& env, std::FILE* out, std::FILE* err);

}  // namespace snapfs
