// The one HTTP client of every provider (libcurl): connection reuse across threads, TLS verified
// by default, per-attempt timeouts bounded by the operation's deadline, and the one retry policy.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "providers/http/outage_gate.h"
#include "providers/op_context.h"
#include "providers/request_stats.h"
#include "providers/result.h"

namespace snapfs {

struct HttpHeader {
  std::string name;
  std::string value;
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;  // absolute, query string included
  std::vector<HttpHeader> headers;
  std::string body;
  // GET, DELETE and PUT/PATCH of a value are idempotent and may be retried. A POST is sent again
  // only when the API certainly did not act on it (refused connection, 429): a retried create
  // must never make two snapshots.
  bool idempotent = true;
};

struct HttpResponse {
  int status = 0;
  std::vector<HttpHeader> headers;  // names lower-cased
  std::string body;

  // First value of a header (name compared case-insensitively), or "" when absent.
  std::string header(const std::string& name) const;
};

struct RetryPolicy {
  int max_attempts = 5;
  std::chrono::milliseconds initial_backoff{200};
  std::chrono::milliseconds max_backoff{5000};
};

struct HttpOptions {
  std::string ca_file;    // extra CA bundle (PEM); empty: the system's
  bool insecure = false;  // skip TLS verification (logged loudly by the caller)
  std::chrono::milliseconds connect_timeout{5000};
  std::string user_agent = "snapfs";
  RetryPolicy retry;
  std::size_t max_body_bytes = 64u << 20;  // a larger body is refused as BadResponse
  double max_rps = 0;                      // attempts per second, all threads together; 0: no cap
  OutagePolicy outage;                     // how often an unreachable API is asked again
};

class HttpClient {
 public:
  // Called before every attempt so that time-based signatures are fresh on retries.
  using Signer = std::function<void(HttpRequest&)>;

  explicit HttpClient(HttpOptions options, RequestStats* stats = nullptr);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends a request and returns the server's answer, whatever its status. Transport failures
  // become an Error (Timeout, Unavailable, Cancelled, BadResponse). Idempotent requests are
  // retried with exponential backoff and jitter on connection errors, 429 and 5xx, honouring
  // Retry-After, within ctx's deadline; the last answer or error is returned when retries run out.
  // Every attempt first takes a token of the client's rate limiter (HttpOptions::max_rps); a 429
  // pauses every request of this client for the Retry-After (or backoff) time.
  // A request that finds the API unreachable (connections refused once retries ran out, or no
  // byte of an answer before the deadline) starts an outage (OutageGate): until a background probe
  // gets an answer again, every request fails at once with that error, nothing sent.
  Result<HttpResponse> send(HttpRequest request, const OpContext& ctx, const Signer& sign = {});
  // Whether the API is taken as unreachable now.
  bool unreachable() const;

 private:
  Result<HttpResponse> send_attempts(const HttpRequest& request, const OpContext& ctx,
                                     const Signer& sign, bool* unreachable);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Percent-encodes a path segment or query value (RFC 3986 unreserved characters kept).
std::string url_encode(const std::string& value);

}  // namespace snapfs
