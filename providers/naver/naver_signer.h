// NAVER Cloud API Gateway signature v2: Base64(HMAC-SHA256(secret, "METHOD URI\nTIMESTAMP\nKEY"))
// where URI is the request path with its query string exactly as sent.
#pragma once

#include <cstdint>
#include <string>

#include "providers/http/http_client.h"

namespace snapfs {

class NaverSigner {
 public:
  NaverSigner(std::string access_key, std::string secret_key)
      : access_key_(std::move(access_key)), secret_key_(std::move(secret_key)) {}

  // The string the gateway signs: "METHOD URI\nTIMESTAMP\nACCESSKEY", no trailing newline.
  static std::string string_to_sign(const std::string& method, const std::string& uri,
                                    const std::string& timestamp_ms, const std::string& access_key);
  // Base64 (with padding) of HMAC-SHA256(key, message).
  static std::string hmac_sha256_base64(const std::string& key, const std::string& message);
  // The path and query of an absolute URL as curl sends them ("/vnas/v2/x?a=1"; "/" when none).
  static std::string request_uri(const std::string& url);

  std::string signature(const std::string& method, const std::string& uri,
                        const std::string& timestamp_ms) const;
  // Replaces the three authentication headers of `request` with fresh ones for `timestamp_ms`.
  void sign(HttpRequest& request, std::int64_t timestamp_ms) const;
  // Signs with the current time; the HttpClient calls this before every attempt.
  void sign_now(HttpRequest& request) const;

  const std::string& access_key() const { return access_key_; }

 private:
  std::string access_key_;
  std::string secret_key_;
};

}  // namespace snapfs
