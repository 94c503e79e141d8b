#include <utility>

#include "providers/naver/naver_provider.h"
#include "providers/ovh/ovh_providers.h"
#include "providers/provider.h"
#include "providers/scaleway/scaleway_provider.h"

namespace snapfs {

namespace {

using Factory = Result<std::unique_ptr<Provider>> (*)(const RemoteConfig&, const ProviderEnv&);

// One line per remote type.
const std::vector<std::pair<std::string, Factory>>& factories() {
  static const std::vector<std::pair<std::string, Factory>> kFactories = {
      {"scaleway-instance", &make_scaleway_instance_provider},
      {"scaleway-block", &make_scaleway_block_provider},
      {"naver-nas", &make_naver_nas_provider},
      {"ovh-nasha", &make_ovh_nasha_provider},
      {"ovh-netapp", &make_ovh_netapp_provider},
  };
  return kFactories;
}

}  // namespace

std::vector<std::string> provider_types() {
  std::vector<std::string> types;
  for (const auto& entry : factories()) types.push_back(entry.first);
  return types;
}

Result<std::unique_ptr<Provider>> make_provider(const RemoteConfig& remote,
                                                const ProviderEnv& env) {
  for (const auto& [type, factory] : factories()) {
    if (type == remote.type) return factory(remote, env);
  }
  std::string known;
  for (const std::string& type : provider_types()) known += (known.empty() ? "" : ", ") + type;
  return Error(ErrorKind::InvalidArgument, "remote '" + remote.name + "': unknown type '" +
                                               remote.type + "' (known: " + known + ")");
}

}  // namespace snapfs
