// Factories of the two OVH remote types, for providers/registry.cc.
#pragma once

#include <memory>

#include "providers/provider.h"

namespace snapfs {

// type = ovh-nasha: HA-NAS services, partitions and custom snapshots.
Result<std::unique_ptr<Provider>> make_ovh_nasha_provider(const RemoteConfig& remote,
                                                          const ProviderEnv& env);
// type = ovh-netapp: Enterprise File Storage services, shares and share snapshots.
Result<std::unique_ptr<Provider>> make_ovh_netapp_provider(const RemoteConfig& remote,
                                                           const ProviderEnv& env);

}  // namespace snapfs
