// Scaleway Block Storage API v1: /block/v1/zones/{zone}/volumes and /snapshots, bare objects,
// `page`/`page_size` pagination with `total_count` in the body, creates answered with 200.
#pragma once

#include "providers/scaleway/scaleway_provider.h"

namespace snapfs {

// Its snapshot states: "locked" and "exporting" -> "busy", "deleted" -> "deleting", other words
// (including "in_use", a snapshot that an image references) unchanged.
extern const ScalewayApi kScalewayBlockApi;
using ScalewayBlockProvider = ScalewayTypedProvider<kScalewayBlockApi>;

}  // namespace snapfs
