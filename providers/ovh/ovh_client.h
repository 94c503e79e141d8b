// The one OVH API v6 client shared by the ovh-nasha and ovh-netapp providers: signed calls over
// the shared HttpClient, the server clock offset from /auth/time, OVH error bodies mapped to typed
// errors, and list routes expanded without one request per element.
#pragma once

#include <rapidjson/document.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "providers/http/http_client.h"
#include "providers/ovh/ovh_settings.h"
#include "providers/ovh/ovh_signer.h"
#include "providers/request_stats.h"
#include "providers/result.h"

namespace snapfs {

// What an OVH error answer says (SEMANTICS of ovh-api.md section 2).
struct OvhErrorBody {
  std::string message;
  std::string error_code;   // auth layer: "INVALID_SIGNATURE", "NOT_GRANTED_CALL", ...
  std::string error_class;  // API layer: "Client::NotFound", ...
  std::string query_id;     // X-Ovh-Queryid, safe to log
};
OvhErrorBody parse_ovh_error(const HttpResponse& response);

// True when the API refused the request because its X-Ovh-Timestamp is too far from the server's
// clock (400 "Query out of time").
bool is_timestamp_refusal(int status, const OvhErrorBody& body);

// Maps an OVH error answer to the typed error. Authentication refusals name the remote and what to
// check; `secret_source` says where the application secret came from.
Error ovh_error(int status, const OvhErrorBody& body, const std::string& what,
                const std::string& remote, const std::string& secret_source);

// A list route's elements as compact JSON objects, in the API's order.
struct OvhObjectList {
  std::vector<std::string> objects;
  bool expanded = true;  // false: the route answered ids only; they were fetched one by one
};

class OvhClient {
 public:
  // Local clock in Unix seconds; replaceable in tests to simulate a skewed machine clock.
  using LocalClock = std::function<std::int64_t()>;

  // Lets a caller give an error answer the meaning it has for that call (a 403 on a delete, a
  // 400 on a create), with the body at hand.
  using ErrorRefiner = std::function<void(int status, const OvhErrorBody& body, Error& error)>;

  static constexpr int kParallelGets = 10;  // as the official CLI's FetchExpandedArray
  static constexpr int kPageSize = 5000;    // as the control panel's default

  OvhClient(OvhSettings settings, std::string remote_name, RequestStats* stats,
            LocalClock clock = {});

  // A signed call to `path` (relative to the base URL, query included). 2xx answers are returned;
  // others become typed errors. A refused timestamp refreshes the clock offset and the call is
  // sent once more (the server refused it before doing anything).
  Result<HttpResponse> call(const std::string& method, const std::string& path,
                            const std::string& body, const OpContext& ctx,
                            const std::vector<HttpHeader>& headers = {},
                            const ErrorRefiner& refine = {});
  // The same, with the answer parsed as JSON.
  Status call_json(const std::string& method, const std::string& path, const std::string& body,
                   const OpContext& ctx, rapidjson::Document* out, const ErrorRefiner& refine = {});

  // Every element of a list route that the API can expand (x-expanded-response): one paged
  // request with X-Pagination-Mode: CachedObjectList-Pages. When the answer holds ids only, the
  // objects are fetched with at most kParallelGets GETs of `path/{id}` at once; those are kept with
  // the listing for `item_max_age` so that the next listing fetches only new ids. An element that
  // vanished between the list and its GET is left out.
  Result<OvhObjectList> list_objects(const std::string& path, const std::string& query,
                                     const OpContext& ctx,
                                     std::chrono::seconds item_max_age = std::chrono::seconds(0),
                                     const std::vector<HttpHeader>& headers = {});

  // Seconds to add to the local clock to get the server's (learned from /auth/time).
  std::int64_t clock_offset() const { return offset_.load(); }
  const std::string& remote_name() const { return remote_; }
  const OvhSettings& settings() const { return settings_; }
  RequestStats* stats() const { return stats_; }

 private:
  struct CachedItem {
    std::string json;
    std::chrono::steady_clock::time_point fetched;
  };

  std::int64_t local_now() const;
  Status ensure_clock_offset(const OpContext& ctx, bool refresh);
  Result<HttpResponse> send_signed(const std::string& method, const std::string& url,
                                   const std::string& body, const std::vector<HttpHeader>& headers,
                                   const OpContext& ctx);
  // One item as compact JSON; nullopt when it is gone (404).
  Result<std::optional<std::string>> fetch_item(const std::string& path, const std::string& id,
                                                const OpContext& ctx);
  Result<std::vector<std::string>> fetch_items(const std::string& path,
                                               const std::vector<std::string>& ids,
                                               const OpContext& ctx,
                                               std::chrono::seconds item_max_age);

  OvhSettings settings_;
  std::string remote_;
  RequestStats* stats_;
  LocalClock clock_;
  OvhSigner signer_;
  HttpClient http_;

  std::mutex clock_mu_;  // one /auth/time request at a time
  std::atomic<bool> have_offset_{false};
  std::atomic<std::int64_t> offset_{0};

  std::mutex items_mu_;
  std::map<std::string, std::map<std::string, CachedItem>> items_;  // list path -> id -> object
};

// Runs fn(0..n-1) on at most `parallel` threads; returns once all calls returned.
void ovh_parallel_for(std::size_t n, int parallel, const std::function<void(std::size_t)>& fn);

// "/a/b" + "/" + url_encode(segment).
std::string ovh_path(std::initializer_list<std::string> segments);

}  // namespace snapfs
