#include "providers/naver/naver_client.h"

#include "providers/common/log.h"
#include "providers/naver/naver_response.h"

namespace snapfs {
namespace {

std::string encode_params(const NaverClient::Params& params) {
  std::string out;
  for (const auto& [key, value] : params) {
    if (!out.empty()) out += '&';
    out += url_encode(key) + "=" + url_encode(value);
  }
  return out;
}

}  // namespace

NaverClient::NaverClient(std::string remote_name, NaverSettings settings)
    : remote_(std::move(remote_name)),
      settings_(std::move(settings)),
      prefix_(settings_.platform == NaverPlatform::Classic ? "/server/v2" : "/vnas/v2"),
      signer_(settings_.access_key, settings_.secret_key),
      http_(
          [this] {
            HttpOptions o;
            o.ca_file = settings_.ca_file;
            o.insecure = settings_.insecure;
            o.max_rps = settings_.max_rps;
            return o;
          }(),
          &stats_) {
  if (settings_.insecure) {
    log_warning("remote '" + remote_ + "': TLS certificate verification is OFF (insecure = true)");
  }
}

std::string NaverClient::auth_fix() const {
  return "check access_key/secret_key in [" + remote_ +
         "], NCLOUD_ACCESS_KEY_ID/NCLOUD_SECRET_ACCESS_KEY or ~/.ncloud/configure (the key in use "
         "comes from " +
         settings_.credentials_source + ")";
}

HttpRequest NaverClient::build_request(const std::string& action, Params params,
                                       CallKind kind) const {
  const bool json = settings_.format == NaverFormat::Json;
  HttpRequest request;
  std::string url = settings_.api_url + prefix_ + "/" + action;
  if (kind == CallKind::Read) {
    if (json) params.emplace_back("responseFormatType", "json");
    request.method = "GET";
    request.url = params.empty() ? url : url + "?" + encode_params(params);
  } else {
    // Actions with effects go as POST with a form body, as the official SDKs send them.
    request.method = "POST";
    request.url = json ? url + "?responseFormatType=json" : url;
    request.body = encode_params(params);
    request.headers.push_back({"Content-Type", "application/x-www-form-urlencoded"});
    request.idempotent = kind != CallKind::Create;
  }
  request.headers.push_back({"Accept", json ? "application/json" : "application/xml"});
  return request;
}

Result<rapidjson::Document> NaverClient::call(const std::string& action, Params params,
                                              CallKind kind, const OpContext& ctx) {
  const std::string who = "remote '" + remote_ + "': ";
  auto response = http_.send(build_request(action, std::move(params), kind), ctx,
                             [this](HttpRequest& r) { signer_.sign_now(r); });
  if (!response.ok()) {
    Error e = response.error();
    e.message = who + action + ": " + e.message;
    return e;
  }
  const HttpResponse& r = response.value();
  Error e;
  if (r.status < 200 || r.status >= 300) {
    e = naver_error(r.status, r.body, remote_, auth_fix());
    if (e.message.rfind(who, 0) == 0) e.message.insert(who.size(), action + ": ");
  } else {
    auto parsed = parse_naver_success(r.body);
    if (parsed.ok()) return std::move(parsed.value());
    e = parsed.error();
    e.message = who + action + ": " + e.message;
    e.http_status = r.status;
  }
  stats_.record_error(e.message);
  return e;
}

}  // namespace snapfs
