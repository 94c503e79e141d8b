// The shared HTTP client (retry policy, deadlines, cancellation, limits, messages) against
// snapfs-emulator's Scaleway routes and against a closed port.
#include "providers/http/http_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <thread>

#include "tests/scaleway/scaleway_provider_fixture.h"

namespace snapfs {
namespace {

using namespace std::chrono_literals;
using test::EmulatorProcess;

// A port on 127.0.0.1 that nothing listens on.
int closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

HttpOptions fast_retries() {
  HttpOptions o;
  o.retry.initial_backoff = 5ms;
  o.retry.max_backoff = 20ms;
  return o;
}

class HttpClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    emu_ = std::make_unique<EmulatorProcess>(
        std::vector<std::string>{"--seed", "synthetic:services=1,volumes=3,snapshots=2"});
    ASSERT_TRUE(emu_->ok());
  }
  HttpRequest volumes_request(const std::string& query = "") const {
    HttpRequest r;
    r.url = emu_->base_url() + "/instance/v1/zones/fr-par-1/volumes" + query;
    return r;
  }
  // A snapshot create, which is not idempotent.
  HttpRequest create_request() const {
    HttpRequest post;
    post.method = "POST";
    post.idempotent = false;
    post.url = emu_->base_url() + "/instance/v1/zones/fr-par-1/snapshots";
    post.body = "{}";
    post.headers.push_back({"Content-Type", "application/json"});
    return post;
  }
  static void sign(HttpRequest& r) { r.headers.push_back({"X-Auth-Token", test::kScalewaySecret}); }

  std::unique_ptr<EmulatorProcess> emu_;
};

TEST_F(HttpClientTest, ReturnsTheAnswerWithLowerCasedHeaderNames) {
  RequestStats stats;
  HttpClient client(HttpOptions{}, &stats);
  auto r = client.send(volumes_request("?per_page=2&page=1"), test::op(), &sign);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body.front(), '{');
  EXPECT_EQ(r->header("X-Total-Count"), "3");
  EXPECT_EQ(r->header("x-total-count"), "3");
  EXPECT_EQ(r->header("no-such-header"), "");
  for (const HttpHeader& h : r->headers) {
    for (char c : h.name) EXPECT_FALSE(std::isupper(static_cast<unsigned char>(c))) << h.name;
  }
  auto s = stats.snapshot();
  EXPECT_EQ(s.requests, 1u);
  EXPECT_EQ(s.by_status[200], 1u);
  EXPECT_EQ(s.retries, 0u);
}

TEST_F(HttpClientTest, NonSuccessStatusesAreAnswersNotErrors) {
  HttpClient client(HttpOptions{});
  auto r = client.send(volumes_request(), test::op());  // no token
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 401);
}

TEST_F(HttpClientTest, SignerRunsBeforeEveryAttempt) {
  RequestStats stats;
  HttpClient client(fast_retries(), &stats);
  emu_->set_faults({"status=503,count=2"});
  int signatures = 0;
  auto r = client.send(volumes_request(), test::op(), [&](HttpRequest& req) {
    ++signatures;
    sign(req);
  });
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(signatures, 3);
  auto s = stats.snapshot();
  EXPECT_EQ(s.requests, 3u);
  EXPECT_EQ(s.retries, 2u);
  EXPECT_EQ(s.by_status[503], 2u);
}

TEST_F(HttpClientTest, WhenRetriesRunOutTheLastAnswerIsReturned) {
  RequestStats stats;
  HttpOptions o = fast_retries();
  o.retry.max_attempts = 3;
  HttpClient client(o, &stats);
  emu_->set_faults({"status=503,count=100"});
  auto r = client.send(volumes_request(), test::op(), &sign);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(stats.snapshot().requests, 3u);
  EXPECT_EQ(emu_->total_requests(), 3);
}

TEST_F(HttpClientTest, PostIsSentExactlyOnce) {
  RequestStats stats;
  HttpClient client(fast_retries(), &stats);
  emu_->reset_stats();
  emu_->set_faults({"status=503,count=100"});
  auto r = client.send(create_request(), test::op(), &sign);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(stats.snapshot().requests, 1u);
  EXPECT_EQ(stats.snapshot().retries, 0u);
  EXPECT_EQ(emu_->total_requests(), 1);
}

// A 429 is a refusal before any work: the create is safe to send again, and is.
TEST_F(HttpClientTest, PostRefusedWith429IsSentAgain) {
  RequestStats stats;
  HttpClient client(fast_retries(), &stats);
  emu_->reset_stats();
  emu_->set_faults({"status=429,count=2,method=POST"});
  auto r = client.send(create_request(), test::op(), &sign);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_NE(r->status, 429);
  EXPECT_EQ(stats.snapshot().requests, 3u);
  EXPECT_EQ(stats.snapshot().retries, 2u);
  EXPECT_EQ(emu_->total_requests(), 3);
}

TEST_F(HttpClientTest, RetryAfterIsHonoured) {
  RequestStats stats;
  HttpClient client(fast_retries(), &stats);
  emu_->set_faults({"status=429,retry-after=1,count=1"});
  auto started = std::chrono::steady_clock::now();
  auto r = client.send(volumes_request(), test::op(), &sign);
  auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 200);
  // The backoff alone is at most 20 ms; only Retry-After explains a wait of a second.
  EXPECT_GE(elapsed, 900ms);
  EXPECT_EQ(stats.snapshot().requests, 2u);
}

TEST_F(HttpClientTest, NeverSleepsPastTheDeadline) {
  RequestStats stats;
  HttpClient client(fast_retries(), &stats);
  emu_->set_faults({"status=429,retry-after=60,count=1"});
  auto started = std::chrono::steady_clock::now();
  auto r = client.send(volumes_request(), test::op(10s), &sign);
  auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 429);
  EXPECT_LT(elapsed, 10s);
  EXPECT_EQ(stats.snapshot().requests, 1u);
}

TEST_F(HttpClientTest, DeadlineEndsASlowAnswer) {
  HttpClient client(fast_retries());
  emu_->set_faults({"delay-ms=5000"});
  auto started = std::chrono::steady_clock::now();
  auto r = client.send(volumes_request(), test::op(1s), &sign);
  auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::Timeout);
  EXPECT_NE(r.error().message.find("timed out after"), std::string::npos) << r.error().message;
  EXPECT_LT(elapsed, 4s);
}

TEST_F(HttpClientTest, CancelAbandonsAWaitingRequest) {
  HttpClient client(fast_retries());
  emu_->set_faults({"delay-ms=8000"});
  OpContext ctx(20s);
  std::thread canceller([&ctx] {
    std::this_thread::sleep_for(300ms);
    ctx.cancel();
  });
  auto started = std::chrono::steady_clock::now();
  auto r = client.send(volumes_request(), ctx, &sign);
  auto elapsed = std::chrono::steady_clock::now() - started;
  canceller.join();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::Cancelled);
  EXPECT_LT(elapsed, 5s);
}

TEST_F(HttpClientTest, CancelInterruptsTheBackoff) {
  HttpOptions o;
  o.retry.initial_backoff = 5000ms;
  o.retry.max_backoff = 5000ms;
  o.retry.max_attempts = 2;
  HttpClient client(o);
  emu_->set_faults({"status=503,count=100,retry-after=5"});
  OpContext ctx(30s);
  std::thread canceller([&ctx] {
    std::this_thread::sleep_for(500ms);
    ctx.cancel();
  });
  auto started = std::chrono::steady_clock::now();
  auto r = client.send(volumes_request(), ctx, &sign);
  auto elapsed = std::chrono::steady_clock::now() - started;
  canceller.join();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::Cancelled);
  EXPECT_LT(elapsed, 4s);
}

TEST_F(HttpClientTest, OversizedBodyIsABadResponse) {
  HttpOptions o;
  o.max_body_bytes = 64;
  HttpClient client(o);
  auto r = client.send(volumes_request(), test::op(), &sign);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::BadResponse) << r.error().message;
}

TEST_F(HttpClientTest, TruncatedAnswerIsRetried) {
  RequestStats stats;
  HttpClient client(fast_retries(), &stats);
  emu_->set_faults({"truncate,count=1"});
  auto r = client.send(volumes_request(), test::op(), &sign);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(stats.snapshot().requests, 2u);
}

TEST_F(HttpClientTest, ManyThreadsShareOneClient) {
  RequestStats stats;
  HttpClient client(HttpOptions{}, &stats);
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        auto r = client.send(volumes_request(), test::op(), &sign);
        if (r.ok() && r->status == 200) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 80);
  EXPECT_EQ(stats.snapshot().requests, 80u);
}

// An API that took a request and never answered is not waited on again: until a probe gets an
// answer, every request fails at once with the same error, a create included, and none is sent.
TEST_F(HttpClientTest, AnUnreachableApiIsWaitedOnOncePerOutage) {
  RequestStats stats;
  HttpOptions o = fast_retries();
  o.outage.initial_backoff = 60s;  // no probe within this test
  HttpClient client(o, &stats);
  emu_->set_faults({"delay-ms=30000"});
  auto first = client.send(volumes_request(), test::op(1s), &sign);
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.error().kind, ErrorKind::Timeout);
  EXPECT_TRUE(client.unreachable());
  auto again = client.send(volumes_request(), test::op(10s), &sign);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind, ErrorKind::Timeout) << "the same errno as the outage";
  EXPECT_NE(again.error().message.find("not sent"), std::string::npos) << again.error().message;
  auto create = client.send(create_request(), test::op(10s), &sign);
  ASSERT_FALSE(create.ok());
  EXPECT_EQ(create.error().kind, ErrorKind::Timeout);
  EXPECT_FALSE(create.error().outcome_unknown) << "nothing was sent: nothing to check";
  const RequestStats::Snapshot s = stats.snapshot();
  EXPECT_EQ(s.requests, 1u) << "one request waited on the dead API";
  EXPECT_EQ(s.not_sent, 2u);
  EXPECT_TRUE(s.unreachable);
  EXPECT_EQ(s.outages, 1u);
}

// The background probe notices the API's return with no request asking for it.
TEST_F(HttpClientTest, AProbeNoticesTheApiIsBack) {
  RequestStats stats;
  HttpOptions o = fast_retries();
  o.outage.initial_backoff = 50ms;
  o.outage.max_backoff = 100ms;
  HttpClient client(o, &stats);
  emu_->set_faults({"delay-ms=30000"});
  ASSERT_FALSE(client.send(volumes_request(), test::op(1s), &sign).ok());
  ASSERT_TRUE(client.unreachable());
  emu_->clear_faults();
  const auto until = std::chrono::steady_clock::now() + 30s;
  while (client.unreachable() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_FALSE(client.unreachable());
  EXPECT_GE(stats.snapshot().probes, 1u);
  EXPECT_FALSE(stats.snapshot().unreachable);
  auto r = client.send(volumes_request(), test::op(), &sign);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 200);
}

// Two remotes of one API (Scaleway Instance and Block, say) share its outage: the second is not
// made to wait on the dead API once more, and learns of its return from the first one's probe.
TEST_F(HttpClientTest, RemotesOfOneApiShareItsOutage) {
  RequestStats first_stats;
  RequestStats second_stats;
  HttpOptions o = fast_retries();
  o.outage.initial_backoff = 50ms;
  o.outage.max_backoff = 100ms;
  HttpClient first(o, &first_stats);
  HttpOptions slow_probes = fast_retries();
  slow_probes.outage.initial_backoff = 60s;  // this one never probes within the test
  HttpClient second(slow_probes, &second_stats);
  emu_->set_faults({"delay-ms=30000"});
  ASSERT_FALSE(first.send(volumes_request(), test::op(1s), &sign).ok());
  ASSERT_TRUE(first.unreachable());

  auto refused = second.send(volumes_request(), test::op(10s), &sign);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::Timeout) << "the same errno as the outage";
  EXPECT_NE(refused.error().message.find("not sent"), std::string::npos)
      << refused.error().message;
  EXPECT_EQ(second_stats.snapshot().requests, 0u) << "nothing waited on the dead API again";
  EXPECT_EQ(second_stats.snapshot().not_sent, 1u);
  EXPECT_TRUE(second.unreachable());

  emu_->clear_faults();
  const auto until = std::chrono::steady_clock::now() + 30s;
  while (first.unreachable() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_FALSE(first.unreachable());
  auto back = second.send(volumes_request(), test::op(), &sign);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->status, 200);
  EXPECT_EQ(second_stats.snapshot().probes, 0u) << "the first client's probe was enough";
}

// A slow answer on its way, or a deadline nearly spent, says nothing about the API.
TEST_F(HttpClientTest, ADeadlineTooShortToAnswerIsNoOutage) {
  HttpClient client(fast_retries());
  emu_->set_faults({"delay-ms=2000"});
  auto r = client.send(volumes_request(), test::op(100ms), &sign);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::Timeout);
  EXPECT_FALSE(client.unreachable());
}

TEST(HttpClientOffline, ConnectionRefusedSaysWhereWithoutSecrets) {
  RequestStats stats;
  HttpOptions o = fast_retries();
  o.retry.max_attempts = 3;
  HttpClient client(o, &stats);
  int port = closed_port();
  HttpRequest r;
  r.url = "http://user:hunter2@127.0.0.1:" + std::to_string(port) + "/path?token=querysecret";
  r.headers.push_back({"X-Auth-Token", "headersecret"});
  auto result = client.send(r, test::op());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, ErrorKind::Unavailable);
  EXPECT_FALSE(result.error().outcome_unknown);
  const std::string& m = result.error().message;
  EXPECT_NE(m.find("connection refused to 127.0.0.1:" + std::to_string(port)), std::string::npos)
      << m;
  for (const char* secret : {"hunter2", "querysecret", "headersecret"}) {
    EXPECT_EQ(m.find(secret), std::string::npos) << m;
    EXPECT_EQ(stats.snapshot().last_error.find(secret), std::string::npos);
  }
  EXPECT_EQ(stats.snapshot().requests, 3u);
  EXPECT_EQ(stats.snapshot().by_status[0], 3u);
  EXPECT_EQ(stats.snapshot().retries, 2u);
  // Refused once retries ran out: the next request is refused at once, nothing sent.
  auto again = client.send(r, test::op());
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind, ErrorKind::Unavailable);
  EXPECT_EQ(again.error().message.find("headersecret"), std::string::npos);
  EXPECT_EQ(stats.snapshot().requests, 3u);
  EXPECT_EQ(stats.snapshot().not_sent, 1u);
}

TEST(HttpClientOffline, AnExpiredOrCancelledContextSendsNothing) {
  RequestStats stats;
  HttpClient client(HttpOptions{}, &stats);
  HttpRequest r;
  r.url = "http://127.0.0.1:" + std::to_string(closed_port()) + "/";
  OpContext expired(0ms);
  auto timed_out = client.send(r, expired);
  ASSERT_FALSE(timed_out.ok());
  EXPECT_EQ(timed_out.error().kind, ErrorKind::Timeout);
  OpContext cancelled(10s);
  cancelled.cancel();
  auto gave_up = client.send(r, cancelled);
  ASSERT_FALSE(gave_up.ok());
  EXPECT_EQ(gave_up.error().kind, ErrorKind::Cancelled);
}

TEST(HttpClientOffline, UrlEncodeKeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(url_encode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(url_encode("a b/c?d=e&f%"), "a%20b%2Fc%3Fd%3De%26f%25");
  EXPECT_EQ(url_encode("\xC3\xA9"), "%C3%A9");
  EXPECT_EQ(url_encode(""), "");
}

}  // namespace
}  // namespace snapfs
