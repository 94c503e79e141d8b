// What the two OVH remote types (ovh-nasha, ovh-netapp) share: the signed client of the remote's
// API with its request counters, the capabilities each declares, the API's clock, and the way a
// provider is made from its configuration section.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "providers/common/log.h"
#include "providers/common/time_util.h"
#include "providers/ovh/ovh_client.h"
#include "providers/ovh/ovh_settings.h"
#include "providers/provider.h"

namespace snapfs {

class OvhProvider : public Provider {
 public:
  const Capabilities& capabilities() const override { return capabilities_; }
  const RequestStats* request_stats() const override { return &stats_; }

 protected:
  OvhProvider(OvhSettings settings, std::string remote_name, OvhClient::LocalClock clock,
              Capabilities capabilities)
      : capabilities_(std::move(capabilities)),
        client_(std::move(settings), std::move(remote_name), &stats_, clock),
        clock_(std::move(clock)) {}

  // Now on the API's clock: the local clock (or the test's) plus the offset from /auth/time.
  std::int64_t server_now_us() const {
    std::int64_t local_us = clock_ ? clock_() * 1000000 : now_unix_us();
    return local_us + client_.clock_offset() * 1000000;
  }

  Capabilities capabilities_;
  RequestStats stats_;  // before client_, which counts into it
  OvhClient client_;
  OvhClient::LocalClock clock_;
};

// The factory of one OVH remote type (ovh_providers.h): the section's settings resolved, and a
// warning in the log when TLS certificates are not verified.
template <class P>
Result<std::unique_ptr<Provider>> make_ovh_provider(const RemoteConfig& remote,
                                                    const ProviderEnv& env) {
  auto settings = resolve_ovh_settings(remote, env);
  if (!settings.ok()) return settings.error();
  if (settings->insecure) {
    log_warning("remote '" + remote.name +
                "': TLS certificate verification is OFF (insecure = true)");
  }
  return std::unique_ptr<Provider>(std::make_unique<P>(std::move(settings.value()), remote.name));
}

}  // namespace snapfs
