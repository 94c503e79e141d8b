#include "providers/naver/naver_signer.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <strings.h>

#include <algorithm>
#include <chrono>
#include <vector>

namespace snapfs {

std::string NaverSigner::string_to_sign(const std::string& method, const std::string& uri,
                                        const std::string& timestamp_ms,
                                        const std::string& access_key) {
  return method + " " + uri + "\n" + timestamp_ms + "\n" + access_key;
}

std::string NaverSigner::hmac_sha256_base64(const std::string& key, const std::string& message) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &mac_len);
  std::vector<unsigned char> encoded(4 * ((mac_len + 2) / 3) + 1);
  int n = EVP_EncodeBlock(encoded.data(), mac, static_cast<int>(mac_len));
  return std::string(reinterpret_cast<const char*>(encoded.data()), static_cast<std::size_t>(n));
}

std::string NaverSigner::request_uri(const std::string& url) {
  std::size_t scheme = url.find("://");
  std::size_t start = scheme == std::string::npos ? 0 : url.find('/', scheme + 3);
  if (start == std::string::npos) {
    // "http://host?x=1" has no path: curl sends "/?x=1".
    std::size_t query = url.find('?', scheme == std::string::npos ? 0 : scheme + 3);
    return query == std::string::npos ? "/" : "/" + url.substr(query);
  }
  std::string uri = url.substr(start);
  std::size_t fragment = uri.find('#');
  if (fragment != std::string::npos) uri.resize(fragment);
  return uri;
}

std::string NaverSigner::signature(const std::string& method, const std::string& uri,
                                   const std::string& timestamp_ms) const {
  return hmac_sha256_base64(secret_key_, string_to_sign(method, uri, timestamp_ms, access_key_));
}

void NaverSigner::sign(HttpRequest& request, std::int64_t timestamp_ms) const {
  static const char* const kNames[] = {"x-ncp-apigw-timestamp", "x-ncp-iam-access-key",
                                       "x-ncp-apigw-signature-v2"};
  auto& headers = request.headers;
  headers.erase(std::remove_if(headers.begin(), headers.end(),
                               [](const HttpHeader& h) {
                                 for (const char* name : kNames) {
                                   if (strcasecmp(h.name.c_str(), name) == 0) return true;
                                 }
                                 return false;
                               }),
                headers.end());
  std::string timestamp = std::to_string(timestamp_ms);
  std::string signed_value = signature(request.method, request_uri(request.url), timestamp);
  headers.push_back({kNames[0], timestamp});
  headers.push_back({kNames[1], access_key_});
  headers.push_back({kNames[2], std::move(signed_value)});
}

void NaverSigner::sign_now(HttpRequest& request) const {
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  sign(request, now.count());
}

}  // namespace snapfs
