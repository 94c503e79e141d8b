// Scaleway Instance API v1: /instance/v1/zones/{zone}/volumes and /snapshots, wrapped objects,
// `per_page`/`page` pagination with the total in X-Total-Count.
#pragma once

#include "providers/scaleway/scaleway_provider.h"

namespace snapfs {

// Its snapshot states: "snapshotting" -> "creating", "invalid_data" -> "error", other words
// unchanged.
extern const ScalewayApi kScalewayInstanceApi;
using ScalewayInstanceProvider = ScalewayTypedProvider<kScalewayInstanceApi>;

}  // namespace snapfs
