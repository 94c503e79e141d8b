#include "providers/ovh/ovh_signer.h"

#include <openssl/evp.h>
#include <strings.h>

#include <algorithm>
#include <memory>

namespace snapfs {
namespace {

void remove_headers(HttpRequest& request, std::initializer_list<const char*> names) {
  auto& headers = request.headers;
  headers.erase(std::remove_if(headers.begin(), headers.end(),
                               [&](const HttpHeader& h) {
                                 for (const char* name : names) {
                                   if (strcasecmp(h.name.c_str(), name) == 0) return true;
                                 }
                                 return false;
                               }),
                headers.end());
}

}  // namespace

std::string OvhSigner::sha1_hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha1(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), digest, &length) != 1) {
    return "";
  }
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0x0f]);
  }
  return out;
}

std::string OvhSigner::signature(const std::string& application_secret,
                                 const std::string& consumer_key, const std::string& method,
                                 const std::string& url, const std::string& body,
                                 std::int64_t timestamp) {
  std::string joined;
  joined.reserve(application_secret.size() + consumer_key.size() + method.size() + url.size() +
                 body.size() + 32);
  joined.append(application_secret).append("+").append(consumer_key).append("+");
  joined.append(method).append("+").append(url).append("+").append(body).append("+");
  joined.append(std::to_string(timestamp));
  return "$1$" + sha1_hex(joined);
}

void OvhSigner::sign(HttpRequest& request, std::int64_t timestamp) const {
  remove_headers(request,
                 {"X-Ovh-Application", "X-Ovh-Consumer", "X-Ovh-Timestamp", "X-Ovh-Signature"});
  request.headers.push_back({"X-Ovh-Application", application_key_});
  request.headers.push_back({"X-Ovh-Consumer", consumer_key_});
  request.headers.push_back({"X-Ovh-Timestamp", std::to_string(timestamp)});
  request.headers.push_back(
      {"X-Ovh-Signature", signature(application_secret_, consumer_key_, request.method, request.url,
                                    request.body, timestamp)});
}

void OvhSigner::identify(HttpRequest& request) const {
  remove_headers(request, {"X-Ovh-Application"});
  request.headers.push_back({"X-Ovh-Application", application_key_});
}

}  // namespace snapfs
