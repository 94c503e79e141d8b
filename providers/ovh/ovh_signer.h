// OVH API v6 application-key signing, as the official clients (go-ovh, python-ovh, node-ovh) do
// it: X-Ovh-Signature = "$1$" + hex(SHA-1(AS + "+" + CK + "+" + METHOD + "+" + URL + "+" + BODY +
// "+" + TIMESTAMP)), where URL is the full request URL with its query string and BODY the exact
// bytes sent.
#pragma once

#include <cstdint>
#include <string>

#include "providers/http/http_client.h"

namespace snapfs {

class OvhSigner {
 public:
  OvhSigner(std::string application_key, std::string application_secret, std::string consumer_key)
      : application_key_(std::move(application_key)),
        application_secret_(std::move(application_secret)),
        consumer_key_(std::move(consumer_key)) {}

  // Lower-case hexadecimal SHA-1 of `data`.
  static std::string sha1_hex(const std::string& data);
  // "$1$" + sha1_hex of the "+"-joined fields.
  static std::string signature(const std::string& application_secret,
                               const std::string& consumer_key, const std::string& method,
                               const std::string& url, const std::string& body,
                               std::int64_t timestamp);

  // Replaces the four authentication headers of `request` with ones for `timestamp` (the server's
  // clock, Unix seconds).
  void sign(HttpRequest& request, std::int64_t timestamp) const;
  // Sets only X-Ovh-Application, for the unsigned calls (/auth/time).
  void identify(HttpRequest& request) const;

  const std::string& application_key() const { return application_key_; }

 private:
  std::string application_key_;
  std::string application_secret_;
  std::string consumer_key_;
};

}  // namespace snapfs
