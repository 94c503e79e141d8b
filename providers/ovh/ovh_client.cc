#include "providers/ovh/ovh_client.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <thread>

#include "providers/common/http_errors.h"
#include "providers/common/json_util.h"
#include "providers/common/log.h"
#include "providers/common/pagination.h"
#include "providers/common/strings.h"

namespace snapfs {
namespace {

bool contains(const std::string& haystack, const char* needle) {
  return lower(haystack).find(needle) != std::string::npos;
}

std::string with_query_id(const OvhErrorBody& body) {
  return body.query_id.empty() ? "" : " (query id " + body.query_id + ")";
}

// The part of an error body worth showing: "Client::NotFound: This service does not exist".
std::string describe(int status, const OvhErrorBody& body) {
  std::string tag = !body.error_code.empty() ? body.error_code : body.error_class;
  std::string text = std::to_string(status);
  if (!tag.empty()) text += " " + tag;
  if (!body.message.empty()) text += ": " + body.message;
  return text;
}

Error auth_error(int status, const OvhErrorBody& body, const std::string& remote,
                 const std::string& fix) {
  return Error(ErrorKind::AccessDenied,
               "remote '" + remote + "': OVH refused the credentials (" + describe(status, body) +
                   ")" + with_query_id(body) + "; " + fix,
               status);
}

}  // namespace

OvhErrorBody parse_ovh_error(const HttpResponse& response) {
  OvhErrorBody out;
  out.query_id = response.header("x-ovh-queryid");
  rapidjson::Document doc;
  doc.Parse(response.body.c_str(), response.body.size());
  if (!doc.HasParseError() && doc.IsObject()) {
    out.message = json_string_or(doc, "message");
    out.error_code = json_string_or(doc, "errorCode");
    out.error_class = json_string_or(doc, "class");
  } else if (!response.body.empty() && response.body.size() < 200 &&
             response.body.find('<') == std::string::npos) {
    // A short plain-text body (proxies); an HTML page is not worth quoting.
    out.message = response.body;
  }
  return out;
}

bool is_timestamp_refusal(int status, const OvhErrorBody& body) {
  if (status != 400 && status != 401 && status != 403) return false;
  if (body.error_code == "QUERY_TIME_OUT" || body.error_code == "INVALID_TIMESTAMP") return true;
  return contains(body.message, "out of time") || contains(body.message, "timestamp");
}

Error ovh_error(int status, const OvhErrorBody& body, const std::string& what,
                const std::string& remote, const std::string& secret_source) {
  const std::string& code = body.error_code;
  if (code == "INVALID_SIGNATURE") {
    return auth_error(status, body, remote,
                      "check the application secret (" + secret_source +
                          "; also OVH_APPLICATION_SECRET and ovh.conf) and that it belongs to "
                          "the application key");
  }
  if (code == "INVALID_KEY") {
    return auth_error(status, body, remote,
                      "check application_key (section, OVH_APPLICATION_KEY or ovh.conf)");
  }
  if (code == "INVALID_CREDENTIAL" || code == "NOT_CREDENTIAL") {
    return auth_error(status, body, remote,
                      "check consumer_key (section, OVH_CONSUMER_KEY or ovh.conf); it may be "
                      "expired or not validated yet");
  }
  if (code == "NOT_GRANTED_CALL" || code == "FORBIDDEN" ||
      body.error_class == "Client::Forbidden") {
    if (status == 403 && (code == "NOT_GRANTED_CALL" || contains(body.message, "not granted"))) {
      return auth_error(
          status, body, remote,
          "the consumer key is not granted " + what + "; create one whose access rules allow it");
    }
  }
  if (is_timestamp_refusal(status, body)) {
    return auth_error(status, body, remote,
                      "the API refused the request time even after "
                      "re-reading its clock");
  }
  if (status == 401) {
    return auth_error(status, body, remote, "the call was not signed (check the consumer key)");
  }
  std::string message = "OVH API " + what + ": " + describe(status, body) + with_query_id(body);
  Error error = error_for_status(status, message);
  if (status == 409) {
    error.kind = contains(body.message, "already") || contains(body.message, "exist")
                     ? ErrorKind::AlreadyExists
                     : ErrorKind::Busy;
  } else if ((status == 400 || status == 403) &&
             (contains(body.message, "maximum") || contains(body.message, "limit") ||
              contains(body.message, "quota"))) {
    error.kind = ErrorKind::QuotaExceeded;
  } else if (status == 400 && contains(body.message, "already exist")) {
    error.kind = ErrorKind::AlreadyExists;
  } else if (status == 460) {
    error.kind = ErrorKind::AccessDenied;
    error.message = "remote '" + remote + "': " + message + "; the service is expired or suspended";
  }
  return error;
}

OvhClient::OvhClient(OvhSettings settings, std::string remote_name, RequestStats* stats,
                     LocalClock clock)
    : settings_(std::move(settings)),
      remote_(std::move(remote_name)),
      stats_(stats),
      clock_(std::move(clock)),
      signer_(settings_.application_key, settings_.application_secret, settings_.consumer_key),
      http_(
          [this] {
            HttpOptions options;
            options.ca_file = settings_.ca_file;
            options.insecure = settings_.insecure;
            options.max_rps = settings_.max_rps;
            options.user_agent = "snapfs (ovh)";
            return options;
          }(),
          stats) {}

std::int64_t OvhClient::local_now() const {
  if (clock_) return clock_();
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status OvhClient::ensure_clock_offset(const OpContext& ctx, bool refresh) {
  if (have_offset_.load() && !refresh) return Status::Ok();
  std::lock_guard<std::mutex> lock(clock_mu_);
  if (have_offset_.load() && !refresh) return Status::Ok();
  HttpRequest request;
  request.method = "GET";
  request.url = settings_.base_url + "/auth/time";
  request.headers.push_back({"Accept", "application/json"});
  signer_.identify(request);
  auto response = http_.send(request, ctx);
  if (!response.ok()) return response.error();
  if (response->status != 200) {
    return Error(error_kind_for_status(response->status),
                 "remote '" + remote_ + "': cannot read the OVH API clock (GET /auth/time: HTTP " +
                     std::to_string(response->status) + ")",
                 response->status);
  }
  rapidjson::Document doc;
  doc.Parse(response->body.c_str(), response->body.size());
  if (doc.HasParseError() || !doc.IsInt64()) {
    return Error(ErrorKind::BadResponse,
                 "remote '" + remote_ + "': GET /auth/time did not answer a number of seconds");
  }
  std::int64_t offset = doc.GetInt64() - local_now();
  if (!have_offset_.load() || offset != offset_.load()) {
    if (offset > 30 || offset < -30) {
      log_info("remote '" + remote_ + "': the local clock is " + std::to_string(-offset) +
               " s off the OVH API's; requests use the API's time");
    } else {
      log_debug("remote '" + remote_ + "': OVH API clock offset " + std::to_string(offset) + " s");
    }
  }
  offset_.store(offset);
  have_offset_.store(true);
  return Status::Ok();
}

Result<HttpResponse> OvhClient::send_signed(const std::string& method, const std::string& url,
                                            const std::string& body,
                                            const std::vector<HttpHeader>& headers,
                                            const OpContext& ctx) {
  HttpRequest request;
  request.method = method;
  request.url = url;
  request.body = body;
  request.idempotent = method != "POST";
  request.headers.push_back({"Accept", "application/json"});
  if (!body.empty()) request.headers.push_back({"Content-Type", "application/json;charset=utf-8"});
  for (const HttpHeader& h : headers) request.headers.push_back(h);
  return http_.send(std::move(request), ctx,
                    [this](HttpRequest& r) { signer_.sign(r, local_now() + offset_.load()); });
}

Result<HttpResponse> OvhClient::call(const std::string& method, const std::string& path,
                                     const std::string& body, const OpContext& ctx,
                                     const std::vector<HttpHeader>& headers,
                                     const ErrorRefiner& refine) {
  if (Status s = ensure_clock_offset(ctx, false); !s.ok()) return s.error();
  const std::string url = settings_.base_url + path;
  auto response = send_signed(method, url, body, headers, ctx);
  if (!response.ok()) return response;
  if (response->status >= 200 && response->status < 300) return response;
  OvhErrorBody error = parse_ovh_error(*response);
  if (is_timestamp_refusal(response->status, error)) {
    log_info("remote '" + remote_ +
             "': the OVH API refused the request time; re-reading its clock");
    if (Status s = ensure_clock_offset(ctx, true); !s.ok()) return s.error();
    response = send_signed(method, url, body, headers, ctx);
    if (!response.ok()) return response;
    if (response->status >= 200 && response->status < 300) return response;
    error = parse_ovh_error(*response);
  }
  std::string what = method + " " + path.substr(0, path.find('?'));
  Error mapped = ovh_error(response->status, error, what, remote_, settings_.secret_source);
  if (refine) refine(response->status, error, mapped);
  return mapped;
}

Status OvhClient::call_json(const std::string& method, const std::string& path,
                            const std::string& body, const OpContext& ctx, rapidjson::Document* out,
                            const ErrorRefiner& refine) {
  auto response = call(method, path, body, ctx, {}, refine);
  if (!response.ok()) return response.error();
  const std::string& text = response->body.empty() ? std::string("null") : response->body;
  return parse_json(
      text, out,
      "the answer to " + method + " " + path.substr(0, path.find('?')) + " on [" + remote_ + "]");
}

Result<OvhObjectList> OvhClient::list_objects(const std::string& path, const std::string& query,
                                              const OpContext& ctx,
                                              std::chrono::seconds item_max_age,
                                              const std::vector<HttpHeader>& headers) {
  const std::string target = path + (query.empty() ? "" : "?" + query);
  std::atomic<bool> ids_only{false};
  PageFetcher<std::string> fetch_page = [&](int page) -> Result<Page<std::string>> {
    std::vector<HttpHeader> h = headers;
    h.push_back({"X-Pagination-Mode", "CachedObjectList-Pages"});
    h.push_back({"X-Pagination-Size", std::to_string(kPageSize)});
    h.push_back({"X-Pagination-Number", std::to_string(page)});
    auto response = call("GET", target, "", ctx, h);
    if (!response.ok()) return response.error();
    rapidjson::Document doc;
    if (Status s = parse_json(response->body, &doc, "the list " + path + " of [" + remote_ + "]");
        !s.ok()) {
      return s.error();
    }
    if (!doc.IsArray()) {
      return Error(ErrorKind::BadResponse,
                   "the list " + path + " of remote '" + remote_ + "' is not a JSON array");
    }
    Page<std::string> out;
    out.items.reserve(doc.Size());
    for (const auto& element : doc.GetArray()) {
      if (element.IsObject()) {
        out.items.push_back(json_compact(element));
      } else if (element.IsString()) {
        ids_only = true;
        out.items.emplace_back(element.GetString(), element.GetStringLength());
      } else if (element.IsInt64()) {
        ids_only = true;
        out.items.push_back(std::to_string(element.GetInt64()));
      }
    }
    std::string total = response->header("x-pagination-elements");
    if (!ids_only && !total.empty() &&
        std::all_of(total.begin(), total.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      out.total = std::stoll(total);
    } else {
      // Without pagination headers the answer is the whole list.
      out.total = static_cast<std::int64_t>(out.items.size());
    }
    return out;
  };
  PaginationOptions options;
  options.page_size = kPageSize;
  options.concurrency = kParallelPages;
  auto items = fetch_all_pages(fetch_page, options);
  if (!items.ok()) return items.error();
  OvhObjectList list;
  if (!ids_only) {
    list.objects = std::move(items.value());
    return list;
  }
  log_debug("remote '" + remote_ + "': " + path + " answered ids only; fetching " +
            std::to_string(items->size()) + " objects");
  auto objects = fetch_items(path, items.value(), ctx, item_max_age);
  if (!objects.ok()) return objects.error();
  list.objects = std::move(objects.value());
  list.expanded = false;
  return list;
}

Result<std::optional<std::string>> OvhClient::fetch_item(const std::string& path,
                                                         const std::string& id,
                                                         const OpContext& ctx) {
  rapidjson::Document doc;
  Status s = call_json("GET", path + "/" + url_encode(id), "", ctx, &doc);
  if (!s.ok()) {
    if (s.error().kind == ErrorKind::NotFound) return std::optional<std::string>();
    return s.error();
  }
  if (!doc.IsObject()) {
    return Error(ErrorKind::BadResponse,
                 "GET " + path + "/{id} on remote '" + remote_ + "' did not answer an object");
  }
  return std::optional<std::string>(json_compact(doc));
}

Result<std::vector<std::string>> OvhClient::fetch_items(const std::string& path,
                                                        const std::vector<std::string>& ids,
                                                        const OpContext& ctx,
                                                        std::chrono::seconds item_max_age) {
  const auto now = std::chrono::steady_clock::now();
  std::vector<std::string> objects(ids.size());
  std::vector<char> present(ids.size(), 0);
  std::vector<char> fetched_now(ids.size(), 0);
  std::vector<std::size_t> missing;
  {
    std::lock_guard<std::mutex> lock(items_mu_);
    auto& cache = items_[path];
    for (std::size_t i = 0; i < ids.size(); ++i) {
      auto it = cache.find(ids[i]);
      if (it != cache.end() && now - it->second.fetched <= item_max_age) {
        objects[i] = it->second.json;
        present[i] = 1;
      } else {
        missing.push_back(i);
      }
    }
  }
  std::mutex error_mu;
  std::optional<Error> first_error;
  ovh_parallel_for(missing.size(), kParallelGets, [&](std::size_t k) {
    {
      std::lock_guard<std::mutex> lock(error_mu);
      if (first_error) return;
    }
    std::size_t i = missing[k];
    auto item = fetch_item(path, ids[i], ctx);
    if (!item.ok()) {
      std::lock_guard<std::mutex> lock(error_mu);
      if (!first_error) first_error = item.error();
      return;
    }
    if (!*item) return;  // deleted since the listing
    objects[i] = std::move(**item);
    present[i] = 1;
    fetched_now[i] = 1;
  });
  if (first_error) return *first_error;
  std::vector<std::string> out;
  out.reserve(ids.size());
  {
    std::lock_guard<std::mutex> lock(items_mu_);
    auto& cache = items_[path];
    std::map<std::string, CachedItem> kept;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (!present[i]) continue;
      auto it = cache.find(ids[i]);
      kept[ids[i]] = fetched_now[i] || it == cache.end() ? CachedItem{objects[i], now} : it->second;
      out.push_back(std::move(objects[i]));
    }
    cache = std::move(kept);
  }
  return out;
}

void ovh_parallel_for(std::size_t n, int parallel, const std::function<void(std::size_t)>& fn) {
  if (n == 0) return;
  std::size_t workers = std::min<std::size_t>(n, static_cast<std::size_t>(std::max(1, parallel)));
  if (workers == 1) {
    for (std::size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> threads;
  threads.reserve(workers);
  for (std::size_t w = 0; w < workers; ++w) {
    threads.emplace_back([&] {
      for (std::size_t i = next++; i < n; i = next++) fn(i);
    });
  }
  for (std::thread& t : threads) t.join();
}

std::string ovh_path(std::initializer_list<std::string> segments) {
  std::string out;
  for (const std::string& s : segments) out += "/" + url_encode(s);
  return out;
}

}  // namespace snapfs
