#include "providers/http/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "providers/common/log.h"
#include "providers/common/strings.h"
#include "providers/common/wait_notice.h"
#include "providers/http/rate_limiter.h"

namespace snapfs {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_ALL); });
}

// "scheme://host:port/path" of a URL, never its credentials or query string, for messages.
struct SafeUrl {
  std::string origin;  // scheme://host:port
  std::string host_port;
  std::string path;
  std::string text() const { return origin + path; }
};

SafeUrl safe_url(const std::string& url) {
  SafeUrl out;
  CURLU* u = curl_url();
  if (u == nullptr) return out;
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    auto part = [u](CURLUPart which, unsigned flags) {
      char* value = nullptr;
      std::string text;
      if (curl_url_get(u, which, &value, flags) == CURLUE_OK && value != nullptr) text = value;
      curl_free(value);
      return text;
    };
    std::string scheme = part(CURLUPART_SCHEME, 0);
    std::string host = part(CURLUPART_HOST, 0);
    std::string port = part(CURLUPART_PORT, CURLU_DEFAULT_PORT);
    out.host_port = port.empty() ? host : host + ":" + port;
    out.origin = scheme + "://" + out.host_port;
    out.path = part(CURLUPART_PATH, 0);
  } else {
    out.origin = "(malformed URL)";
  }
  curl_url_cleanup(u);
  return out;
}

std::string seconds_text(Clock::duration d) {
  double s = std::chrono::duration<double>(d).count();
  char buf[32];
  if (s >= 10) {
    std::snprintf(buf, sizeof buf, "%.0f s", s);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f s", s);
  }
  return buf;
}

bool retryable_status(int status) {
  return status == 429 || (status >= 500 && status != 501 && status != 505);
}

// The API asks us to slow down: any 429, and Scaleway's gateway marks its own refusals.
bool rate_limited(const HttpResponse& response) {
  return response.status == 429 || !response.header("x-envoy-ratelimited").empty();
}

// How one attempt ended.
struct Attempt {
  std::optional<HttpResponse> response;
  Error error;
  bool retryable = false;    // worth another attempt (idempotent requests only)
  bool unreachable = false;  // nothing reached the API, or nothing came back from it
};

// A timeout says the API is unreachable only when it had time to answer and sent no byte: a
// deadline that was nearly spent, or a slow answer on its way, says nothing about the API.
constexpr milliseconds kOutageMinWait{500};

// The Retry-After of a response (delta seconds or an HTTP date), when present.
std::optional<milliseconds> retry_after(const HttpResponse& response) {
  std::string value = response.header("retry-after");
  if (value.empty()) return std::nullopt;
  bool digits =
      std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits && value.size() < 9) return milliseconds(std::stoll(value) * 1000);
  time_t when = curl_getdate(value.c_str(), nullptr);
  if (when < 0) return std::nullopt;
  long long delta = static_cast<long long>(when) - static_cast<long long>(std::time(nullptr));
  return milliseconds(std::max(0LL, delta) * 1000);
}

Error cancelled_error(const HttpRequest& request) {
  return Error(ErrorKind::Cancelled, "request to " + safe_url(request.url).text() + " cancelled");
}

// The last answer, or error, of a request that is not tried again.
Result<HttpResponse> give_up(Attempt& a) {
  if (a.response) return std::move(*a.response);
  return a.error;
}

void log_attempt(const HttpRequest& request, const Attempt& a, Clock::time_point attempt_started,
                 int n) {
  if (!log_enabled(LogLevel::Debug)) return;
  // Method, origin and path only: queries and headers may carry credentials.
  long long ms = std::chrono::duration_cast<milliseconds>(Clock::now() - attempt_started).count();
  log_debug(request.method + " " + safe_url(request.url).text() + " -> " +
            (a.response ? std::to_string(a.response->status) : a.error.message) + " (" +
            std::to_string(ms) + " ms, attempt " + std::to_string(n) + ")");
}

// Sleeps `sleep`; false when the caller cancels meanwhile.
bool sleep_unless_cancelled(const OpContext& ctx, milliseconds sleep) {
  const Clock::time_point wake = Clock::now() + sleep;
  while (Clock::now() < wake) {
    if (ctx.cancelled()) return false;
    std::this_thread::sleep_for(std::min<Clock::duration>(milliseconds(50), wake - Clock::now()));
  }
  return true;
}

}  // namespace

std::string HttpResponse::header(const std::string& name) const {
  std::string wanted = lower(name);
  for (const HttpHeader& h : headers) {
    if (h.name == wanted) return h.value;
  }
  return "";
}

std::string url_encode(const std::string& value) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size() * 3);
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

struct HttpClient::Impl {
  HttpOptions options;
  RequestStats* stats;
  RateLimiter limiter{options.max_rps};  // after `options`, which it is built from
  CURLSH* share = nullptr;
  std::array<std::mutex, CURL_LOCK_DATA_LAST> share_locks;
  std::mutex pool_mu;
  std::vector<CURL*> pool;
  std::mutex rng_mu;
  std::mt19937_64 rng{std::random_device{}()};
  // Last: its probe thread uses the members above, so it stops before they go.
  std::unique_ptr<OutageGate> gate;

  Impl(HttpOptions o, RequestStats* s) : options(std::move(o)), stats(s) {
    init_curl_once();
    share = curl_share_init();
    if (share != nullptr) {
      curl_share_setopt(share, CURLSHOPT_LOCKFUNC, &Impl::lock_share);
      curl_share_setopt(share, CURLSHOPT_UNLOCKFUNC, &Impl::unlock_share);
      curl_share_setopt(share, CURLSHOPT_USERDATA, this);
      curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
      curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
      curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
    }
    gate = std::make_unique<OutageGate>(
        options.outage,
        [this](const std::string& url, milliseconds timeout,
               const std::shared_ptr<std::atomic<bool>>& stop) {
          // A bare GET without credentials: any answer, a 401 included, shows the API is back.
          HttpRequest probe;
          probe.url = url;
          OpContext ctx(timeout, stop);
          Attempt a = attempt(probe, ctx, Clock::now());
          if (log_enabled(LogLevel::Debug)) {
            log_debug("probe GET " + url + " -> " +
                      (a.response ? std::to_string(a.response->status) : a.error.message));
          }
          return a.response.has_value();
        },
        stats);
  }

  ~Impl() {
    gate.reset();  // joins the probe thread, which uses the pool and share below
    for (CURL* easy : pool) curl_easy_cleanup(easy);
    if (share != nullptr) curl_share_cleanup(share);
  }

  static void lock_share(CURL*, curl_lock_data data, curl_lock_access, void* user) {
    static_cast<Impl*>(user)->share_locks[data].lock();
  }
  static void unlock_share(CURL*, curl_lock_data data, void* user) {
    static_cast<Impl*>(user)->share_locks[data].unlock();
  }

  CURL* checkout() {
    {
      std::lock_guard<std::mutex> lock(pool_mu);
      if (!pool.empty()) {
        CURL* easy = pool.back();
        pool.pop_back();
        return easy;
      }
    }
    return curl_easy_init();
  }

  void checkin(CURL* easy) {
    curl_easy_reset(easy);
    std::lock_guard<std::mutex> lock(pool_mu);
    pool.push_back(easy);
  }

  milliseconds backoff(int failed_attempts) {
    long long cap = options.retry.initial_backoff.count();
    for (int i = 1; i < failed_attempts && cap < options.retry.max_backoff.count(); ++i) cap *= 2;
    cap = std::min<long long>(cap, options.retry.max_backoff.count());
    if (cap <= 0) return milliseconds(0);
    std::lock_guard<std::mutex> lock(rng_mu);
    return milliseconds(std::uniform_int_distribution<long long>(0, cap)(rng));
  }

  Attempt attempt(const HttpRequest& request, const OpContext& ctx, Clock::time_point started);
  // Why the next attempt is not sent (cancelled, deadline passed, outage, rate limit), if so.
  std::optional<Error> not_sent(const HttpRequest& request, const OpContext& ctx,
                                Clock::time_point started);
  // Records the attempt's outcome and tells whether it may be retried; *wait is the API's
  // Retry-After, when it gave one.
  bool retryable(const HttpRequest& request, const Attempt& a, int n,
                 std::optional<milliseconds>* wait);
};

namespace {

struct TransferState {
  const OpContext* ctx = nullptr;
  std::string* body = nullptr;
  std::size_t max_body = 0;
  bool too_large = false;
  bool cancelled = false;
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* state = static_cast<TransferState*>(user);
  size_t n = size * count;
  if (state->body->size() + n > state->max_body) {
    state->too_large = true;
    return 0;
  }
  state->body->append(data, n);
  return n;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* state = static_cast<TransferState*>(user);
  if (state->ctx->cancelled()) {
    state->cancelled = true;
    return 1;
  }
  return state->ctx->expired() ? 1 : 0;
}

void set_method(CURL* easy, const HttpRequest& request) {
  const std::string& m = request.method;
  if (m == "GET") {
    curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
  } else if (m == "HEAD") {
    curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
  } else {
    if (m != "POST") curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, m.c_str());
    if (m == "POST" || !request.body.empty()) {
      curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
      curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request.body.c_str());
    }
  }
}

std::vector<HttpHeader> response_headers(CURL* easy) {
  std::vector<HttpHeader> out;
  struct curl_header* prev = nullptr;
  while (struct curl_header* h = curl_easy_nextheader(easy, CURLH_HEADER, -1, prev)) {
    out.push_back({lower(h->name), h->value});
    prev = h;
  }
  return out;
}

}  // namespace

Attempt HttpClient::Impl::attempt(const HttpRequest& request, const OpContext& ctx,
                                  Clock::time_point started) {
  Attempt result;
  SafeUrl where = safe_url(request.url);
  milliseconds remaining = std::max(ctx.remaining(), milliseconds(1));
  CURL* easy = checkout();
  if (easy == nullptr) {
    result.error = Error(ErrorKind::Internal, "cannot initialise an HTTP transfer");
    return result;
  }
  std::string body;
  TransferState state;
  state.ctx = &ctx;
  state.body = &body;
  state.max_body = options.max_body_bytes;

  curl_slist* headers = nullptr;
  for (const HttpHeader& h : request.headers) {
    headers = curl_slist_append(headers, (h.name + ": " + h.value).c_str());
  }
  headers = curl_slist_append(headers, "Expect:");

  if (share != nullptr) curl_easy_setopt(easy, CURLOPT_SHARE, share);
  curl_easy_setopt(easy, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(easy, CURLOPT_USERAGENT, options.user_agent.c_str());
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::min(options.connect_timeout, remaining).count()));
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(remaining.count()));
  curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE,
                   static_cast<curl_off_t>(options.max_body_bytes));
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &on_body);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &state);
  curl_easy_setopt(easy, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(easy, CURLOPT_XFERINFOFUNCTION, &on_progress);
  curl_easy_setopt(easy, CURLOPT_XFERINFODATA, &state);
  if (!options.ca_file.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, options.ca_file.c_str());
  if (options.insecure) {
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  // A request that must not run twice gets its own connection: libcurl silently re-sends a
  // request whose reused connection turns out to be dead, which would duplicate a create.
  if (!request.idempotent) curl_easy_setopt(easy, CURLOPT_FRESH_CONNECT, 1L);
  set_method(easy, request);

  const Clock::time_point attempt_started = Clock::now();
  CURLcode code = curl_easy_perform(easy);
  const bool waited = Clock::now() - attempt_started >= kOutageMinWait;
  long status = 0;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
  long request_bytes = 0;
  curl_easy_getinfo(easy, CURLINFO_REQUEST_SIZE, &request_bytes);
  long header_bytes = 0;
  curl_easy_getinfo(easy, CURLINFO_HEADER_SIZE, &header_bytes);
  const bool silent = header_bytes == 0 && waited;
  if (code == CURLE_OK) {
    HttpResponse response;
    response.status = static_cast<int>(status);
    response.headers = response_headers(easy);
    response.body = std::move(body);
    result.response = std::move(response);
  }
  curl_slist_free_all(headers);
  checkin(easy);
  if (code == CURLE_OK) return result;

  // The server may have acted on the request once it was sent, whatever happened next.
  bool sent = request_bytes > 0;
  const std::string target = " (" + where.text() + ")";
  switch (code) {
    case CURLE_ABORTED_BY_CALLBACK:
      if (state.cancelled) {
        result.error = Error(ErrorKind::Cancelled, "request cancelled" + target);
      } else {
        result.error = Error(ErrorKind::Timeout,
                             "timed out after " + seconds_text(Clock::now() - started) + target);
        result.unreachable = silent;
      }
      break;
    case CURLE_OPERATION_TIMEDOUT:
      result.error =
          Error(ErrorKind::Timeout, (sent ? "timed out after " : "connect timed out after ") +
                                        seconds_text(Clock::now() - started) + target);
      result.retryable = !ctx.expired();
      result.unreachable = silent;
      break;
    case CURLE_WRITE_ERROR:
    case CURLE_FILESIZE_EXCEEDED:
      result.error = Error(
          ErrorKind::BadResponse,
          "response larger than " + std::to_string(options.max_body_bytes) + " bytes" + target);
      break;
    case CURLE_COULDNT_CONNECT:
      result.error = Error(ErrorKind::Unavailable, "connection refused to " + where.host_port);
      result.retryable = true;
      result.unreachable = true;
      sent = false;
      break;
    case CURLE_COULDNT_RESOLVE_HOST:
      result.error = Error(ErrorKind::Unavailable, "cannot resolve host of " + where.origin);
      result.retryable = true;
      result.unreachable = true;
      sent = false;
      break;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
      result.error =
          Error(ErrorKind::Unavailable, "connection reset by " + where.host_port + target);
      result.retryable = true;
      break;
    case CURLE_PARTIAL_FILE:
      result.error = Error(ErrorKind::Unavailable, "response truncated" + target);
      result.retryable = true;
      break;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CONNECT_ERROR:
      result.error = Error(ErrorKind::Unavailable,
                           std::string("TLS failure with ") + where.host_port + ": " +
                               curl_easy_strerror(code) + " (check ca_file / insecure)");
      sent = false;
      break;
    default:
      result.error = Error(ErrorKind::Unavailable, std::string("HTTP transfer failed: ") +
                                                       curl_easy_strerror(code) + target);
      break;
  }
  if (state.cancelled) {
    result.error.kind = ErrorKind::Cancelled;
    result.unreachable = false;
  }
  result.error.outcome_unknown = sent && !request.idempotent;
  return result;
}

HttpClient::HttpClient(HttpOptions options, RequestStats* stats)
    : impl_(std::make_unique<Impl>(std::move(options), stats)) {}

HttpClient::~HttpClient() = default;

bool HttpClient::unreachable() const {
  return impl_->gate->down();
}

Result<HttpResponse> HttpClient::send(HttpRequest request, const OpContext& ctx,
                                      const Signer& sign) {
  const milliseconds given = ctx.remaining();
  bool unreachable = false;
  Result<HttpResponse> result = send_attempts(request, ctx, sign, &unreachable);
  if (result.ok()) {
    impl_->gate->answered(safe_url(request.url).text());
  } else if (unreachable && result.error().kind != ErrorKind::Cancelled) {
    // The probe waits as long as this request could, within reason.
    impl_->gate->failed(result.error(), safe_url(request.url).text(),
                        std::clamp<milliseconds>(given, milliseconds(1000), milliseconds(30000)));
  }
  return result;
}

std::optional<Error> HttpClient::Impl::not_sent(const HttpRequest& request, const OpContext& ctx,
                                                Clock::time_point started) {
  // Nothing is sent once the caller gave up or the deadline passed.
  if (ctx.cancelled()) return cancelled_error(request);
  if (ctx.expired()) {
    return Error(ErrorKind::Timeout, "request to " + safe_url(request.url).text() +
                                         " timed out after " +
                                         seconds_text(Clock::now() - started));
  }
  // A known outage: the caller gets its error now, not after waiting on the API once more.
  if (auto refused = gate->refusal(safe_url(request.url).text())) return refused;
  if (!limiter.acquire(ctx)) {
    if (ctx.cancelled()) return cancelled_error(request);
    return Error(ErrorKind::Timeout, "request to " + safe_url(request.url).text() +
                                         " not sent: the rate limit (max_rps, or the API's " +
                                         "own 429 answers) would pass the deadline");
  }
  return std::nullopt;
}

bool HttpClient::Impl::retryable(const HttpRequest& request, const Attempt& a, int n,
                                 std::optional<milliseconds>* wait) {
  if (!a.response) {
    if (stats) {
      stats->record_response(0);
      stats->record_error(a.error.message);
    }
    // outcome_unknown: a create that left this machine; only the caller can tell what happened.
    return a.retryable && !a.error.outcome_unknown;
  }
  if (stats) stats->record_response(a.response->status);
  if (!retryable_status(a.response->status)) return false;
  if (stats) {
    stats->record_error("HTTP " + std::to_string(a.response->status) + " from " +
                        safe_url(request.url).text());
  }
  *wait = retry_after(*a.response);
  if (rate_limited(*a.response)) {
    // Every request of this remote holds off, not just this one.
    limiter.pause_until(Clock::now() + wait->value_or(backoff(n)));
  }
  // A request that is not idempotent (a create) is sent again only when the API certainly
  // did nothing with it: a 429 is a refusal before any work. A 5xx may come after the work.
  return request.idempotent || a.response->status == 429;
}

Result<HttpResponse> HttpClient::send_attempts(const HttpRequest& request, const OpContext& ctx,
                                               const Signer& sign, bool* unreachable) {
  WaitNotice::before_waiting();
  const Clock::time_point started = Clock::now();
  const int max_attempts = std::max(1, impl_->options.retry.max_attempts);
  RequestStats* stats = impl_->stats;
  for (int n = 1;; ++n) {
    if (std::optional<Error> refused = impl_->not_sent(request, ctx, started)) return *refused;
    HttpRequest signed_request = request;
    if (sign) sign(signed_request);
    const Clock::time_point attempt_started = Clock::now();
    Attempt a = impl_->attempt(signed_request, ctx, started);
    *unreachable = !a.response && a.unreachable;
    log_attempt(request, a, attempt_started, n);

    std::optional<milliseconds> wait;
    if (!impl_->retryable(request, a, n, &wait)) return give_up(a);
    if (n >= max_attempts || ctx.cancelled()) return give_up(a);
    milliseconds sleep = std::max(wait.value_or(milliseconds(0)), impl_->backoff(n));
    // Never sleep past the deadline: the caller is better served by the last answer now.
    if (sleep >= ctx.remaining()) return give_up(a);
    if (stats) stats->record_retry();
    if (!sleep_unless_cancelled(ctx, sleep)) return cancelled_error(request);
  }
}

}  // namespace snapfs
