#include <utility>

#include "providers/naver/naver_provider.h"
#include "providers/naver/naver_settings.h"
#include "providers/ovh/ovh_providers.h"
#include "providers/ovh/ovh_settings.h"
#include "providers/provider.h"
#include "providers/scaleway/scaleway_provider.h"
#include "providers/scaleway/scaleway_settings.h"

namespace snapfs {

namespace {

using Factory = Result<std::unique_ptr<Provider>> (*)(const RemoteConfig&, const ProviderEnv&);
using KeyList = const std::vector<std::string>& (*)();

struct RemoteType {
  std::string type;
  Factory factory;
  KeyList keys;  // the section keys its settings resolver reads
};

// One line per remote type.
const std::vector<RemoteType>& factories() {
  static const std::vector<RemoteType> kFactories = {
      {"scaleway-instance", &make_scaleway_instance_provider, &scaleway_config_keys},
      {"scaleway-block", &make_scaleway_block_provider, &scaleway_config_keys},
      {"naver-nas", &make_naver_nas_provider, &naver_config_keys},
      {"ovh-nasha", &make_ovh_nasha_provider, &ovh_config_keys},
      {"ovh-netapp", &make_ovh_netapp_provider, &ovh_config_keys},
  };
  return kFactories;
}

}  // namespace

std::vector<std::string> provider_types() {
  std::vector<std::string> types;
  for (const auto& entry : factories()) types.push_back(entry.type);
  return types;
}

std::vector<std::string> provider_config_keys(const std::string& type) {
  for (const auto& entry : factories()) {
    if (entry.type == type) return entry.keys();
  }
  return {};
}

Result<std::unique_ptr<Provider>> make_provider(const RemoteConfig& remote,
                                                const ProviderEnv& env) {
  for (const auto& entry : factories()) {
    if (entry.type == remote.type) return entry.factory(remote, env);
  }
  std::string known;
  for (const std::string& type : provider_types()) known += (known.empty() ? "" : ", ") + type;
  return Error(ErrorKind::InvalidArgument, "remote '" + remote.name + "': unknown type '" +
                                               remote.type + "' (known: " + known + ")");
}

}  // namespace snapfs
