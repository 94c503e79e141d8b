#include "providers/scaleway/scaleway_client.h"

#include <rapidjson/document.h>

#include "providers/common/http_errors.h"
#include "providers/common/json_util.h"
#include "providers/common/log.h"

namespace snapfs {
namespace {

constexpr std::size_t kMaxApiMessage = 300;

// The kind a Scaleway error `type` names, or nullopt for types the status already says best.
std::optional<ErrorKind> kind_for_type(const std::string& type, const std::string& message) {
  if (type == "not_found" || type == "unknown_resource") return ErrorKind::NotFound;
  if (type == "denied_authentication" || type == "permissions_denied" || type == "invalid_auth") {
    return ErrorKind::AccessDenied;
  }
  if (type == "quotas_exceeded") return ErrorKind::QuotaExceeded;
  if (type == "invalid_arguments" || type == "invalid_request_error") {
    // The legacy Instance API reports quotas as an invalid request (GO scw/errors.go).
    if (message.find("Quota exceeded") != std::string::npos) return ErrorKind::QuotaExceeded;
    return ErrorKind::InvalidArgument;
  }
  if (type == "transient_state" || type == "precondition_failed" || type == "locked" ||
      type == "conflict") {
    return ErrorKind::Busy;
  }
  if (type == "already_exists") return ErrorKind::AlreadyExists;
  if (type == "too_many_requests") return ErrorKind::RateLimited;
  if (type == "out_of_stock") return ErrorKind::Unavailable;
  return std::nullopt;
}

// "name: help" for each entry of an invalid_arguments `details` list.
std::string argument_details(const rapidjson::Value& body) {
  const rapidjson::Value* details = json_array(body, "details");
  if (details == nullptr) return "";
  std::string out;
  for (const auto& d : details->GetArray()) {
    std::string name = json_string_or(d, "argument_name");
    std::string help = json_string_or(d, "help_message", json_string_or(d, "reason"));
    if (name.empty()) continue;
    out += (out.empty() ? "" : "; ") + name + (help.empty() ? "" : ": " + help);
  }
  return out;
}

std::string clip(std::string text) {
  if (text.size() > kMaxApiMessage) text = text.substr(0, kMaxApiMessage) + "...";
  return text;
}

}  // namespace

Error scaleway_error(int status, const std::string& body, const std::string& remote_name) {
  std::string type;
  std::string message;
  std::string details;
  rapidjson::Document doc;
  if (!body.empty() && parse_json(body, &doc, "error body").ok() && doc.IsObject()) {
    type = json_string_or(doc, "type");
    message = clip(json_string_or(doc, "message"));
    details = clip(argument_details(doc));
  }
  ErrorKind kind = kind_for_type(type, message).value_or(error_kind_for_status(status));
  std::string text = "remote '" + remote_name + "': ";
  if (status == 401) {
    text +=
        "authentication is denied (HTTP 401); check secret_key / SCW_SECRET_KEY / scw config "
        "profile";
    if (!message.empty()) text += " (API says: " + message + ")";
    return Error(ErrorKind::AccessDenied, text, status);
  }
  if (status == 429 && type.empty()) {
    text += "rate limited by the Scaleway API (HTTP 429) and retries ran out";
    return Error(ErrorKind::RateLimited, text, status);
  }
  text += message.empty() ? "HTTP " + std::to_string(status) : message;
  if (!details.empty()) text += " (" + details + ")";
  text += " [HTTP " + std::to_string(status) + (type.empty() ? "" : " " + type) + "]";
  return Error(kind, text, status);
}

ScalewayClient::ScalewayClient(std::string remote_name, ScalewaySettings settings)
    : remote_name_(std::move(remote_name)), settings_(std::move(settings)) {
  HttpOptions options;
  options.ca_file = settings_.ca_file;
  options.insecure = settings_.insecure;
  options.max_rps = settings_.max_rps;
  options.user_agent = "snapfs (scaleway)";
  http_ = std::make_unique<HttpClient>(options, &stats_);
}

Result<HttpResponse> ScalewayClient::call(const std::string& method, const std::string& path,
                                          const std::string& json_body, const OpContext& ctx,
                                          bool idempotent) {
  HttpRequest request;
  request.method = method;
  request.url = settings_.api_url + path;
  request.body = json_body;
  request.idempotent = idempotent;
  request.headers.push_back({"Accept", "application/json"});
  if (!json_body.empty()) request.headers.push_back({"Content-Type", "application/json"});
  const std::string& secret = settings_.secret_key;
  auto sign = [&secret](HttpRequest& r) { r.headers.push_back({"X-Auth-Token", secret}); };
  auto response = http_->send(std::move(request), ctx, sign);
  if (!response.ok()) {
    Error error = response.error();
    error.message = "remote '" + remote_name_ + "': " + error.message;
    return error;
  }
  if (response->status < 200 || response->status >= 300) {
    return scaleway_error(response->status, response->body, remote_name_);
  }
  return response;
}

Result<std::unique_ptr<ScalewayClient>> make_scaleway_client(const RemoteConfig& remote,
                                                             const ProviderEnv& env) {
  auto settings = resolve_scaleway_settings(remote, env);
  if (!settings.ok()) return settings.error();
  if (settings->insecure) {
    log_warning("remote '" + remote.name +
                "': TLS certificate verification is DISABLED (insecure = true); anyone on the "
                "path can read and change this remote's traffic");
  }
  return std::make_unique<ScalewayClient>(remote.name, std::move(settings.value()));
}

}  // namespace snapfs
