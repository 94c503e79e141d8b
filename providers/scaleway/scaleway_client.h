// What the Scaleway Instance and Block providers share: the X-Auth-Token header, the base URL,
// the mapping of Scaleway error bodies to typed errors, and the remote's request counters.
#pragma once

#include <memory>
#include <string>

#include "providers/http/http_client.h"
#include "providers/scaleway/scaleway_settings.h"

namespace snapfs {

// The typed error for a non-2xx answer, from the body's `type` and `message` where it has them
// and from the status otherwise. The message names the remote and never a credential.
Error scaleway_error(int status, const std::string& body, const std::string& remote_name);

class ScalewayClient {
 public:
  ScalewayClient(std::string remote_name, ScalewaySettings settings);

  // Sends `method path` (path includes the query) and returns the answer when its status is 2xx;
  // any other status becomes scaleway_error(). A non-idempotent request is sent once.
  Result<HttpResponse> call(const std::string& method, const std::string& path,
                            const std::string& json_body, const OpContext& ctx,
                            bool idempotent = true);

  const std::string& remote_name() const { return remote_name_; }
  const ScalewaySettings& settings() const { return settings_; }
  const RequestStats& stats() const { return stats_; }

 private:
  std::string remote_name_;
  ScalewaySettings settings_;
  RequestStats stats_;
  std::unique_ptr<HttpClient> http_;
};

// Resolves the remote's settings and builds its client (logging loudly when TLS verification is
// off); errors explain what to fix without naming a secret.
Result<std::unique_ptr<ScalewayClient>> make_scaleway_client(const RemoteConfig& remote,
                                                             const ProviderEnv& env);

}  // namespace snapfs
