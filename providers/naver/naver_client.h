// The NAVER Cloud NAS API on the wire: request building (GET for reads, form POST for actions,
// the response format asked for), signing, decoding either answer format, and mapping failures
// to typed errors that name the remote and the action. What the answers mean for snapshots is
// the provider's business.
#pragma once

#include <rapidjson/document.h>

#include <string>
#include <utility>
#include <vector>

#include "providers/http/http_client.h"
#include "providers/naver/naver_settings.h"
#include "providers/naver/naver_signer.h"

namespace snapfs {

class NaverClient {
 public:
  using Params = std::vector<std::pair<std::string, std::string>>;
  // Read: GET, retried. Create: POST, never re-sent blindly. Delete: POST, re-sent (a repeated
  // delete finds the snapshot gone, which counts as success). Set: POST of a configuration
  // value, re-sent (setting the same value twice leaves the same state).
  enum class CallKind { Read, Create, Delete, Set };

  // Logs loudly when TLS verification is off.
  NaverClient(std::string remote_name, NaverSettings settings);

  // Sends one action and returns the object inside its `<action>Response`; every failure names
  // the remote and the action, never a credential, and is counted in stats().
  Result<rapidjson::Document> call(const std::string& action, Params params, CallKind kind,
                                   const OpContext& ctx);

  const std::string& remote_name() const { return remote_; }
  const NaverSettings& settings() const { return settings_; }
  const RequestStats& stats() const { return stats_; }

 private:
  HttpRequest build_request(const std::string& action, Params params, CallKind kind) const;
  // What to check when the API refuses the credentials, naming where the key in use came from.
  std::string auth_fix() const;

  std::string remote_;
  NaverSettings settings_;
  std::string prefix_;  // "/server/v2" or "/vnas/v2"
  RequestStats stats_;
  NaverSigner signer_;
  HttpClient http_;
};

}  // namespace snapfs
