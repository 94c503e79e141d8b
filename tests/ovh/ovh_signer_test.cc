// OvhSigner against vectors computed independently: go-ovh's published test vectors and digests
// computed with `openssl sha1` over the "+"-joined fields.
#include "providers/ovh/ovh_signer.h"

#include <gtest/gtest.h>

#include <random>

#include "tests/support/process.h"

namespace snapfs {
namespace {

constexpr const char* kGoSecret = "9ufkBmLaTQ9nz5yMUlg79taH0GNnzDjk";
constexpr const char* kGoConsumer = "5mBuy6SUQcRw2ZUxg0cG68BoDKpED4KY";
constexpr const char* kGoUrl = "https://eu.api.ovh.com/1.0/auth";
constexpr std::int64_t kGoTimestamp = 1457018875;

std::string header(const HttpRequest& r, const std::string& name) {
  for (const auto& h : r.headers) {
    if (h.name == name) return h.value;
  }
  return "";
}

TEST(OvhSigner, Sha1OfEmptyInputIsTheKnownDigest) {
  EXPECT_EQ(OvhSigner::sha1_hex(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(OvhSigner::sha1_hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
}

TEST(OvhSigner, MatchesGoOvhPublishedVectors) {
  const std::string body = "{\"a\":\"b\",\"c\":\"d\"}";
  EXPECT_EQ(OvhSigner::signature(kGoSecret, kGoConsumer, "GET", kGoUrl, "", kGoTimestamp),
            "$1$e9556054b6309771395efa467c22e627407461ad");
  EXPECT_EQ(OvhSigner::signature(kGoSecret, kGoConsumer, "POST", kGoUrl, body, kGoTimestamp),
            "$1$ec2fb5c7a81f64723c77d2e5b609ae6f58a84fc1");
  EXPECT_EQ(OvhSigner::signature(kGoSecret, kGoConsumer, "PUT", kGoUrl, body, kGoTimestamp),
            "$1$8a75a9e7c8e7296c9dbeda6a2a735eb6bd58ec4b");
  EXPECT_EQ(OvhSigner::signature(kGoSecret, kGoConsumer, "DELETE", kGoUrl, "", kGoTimestamp),
            "$1$a1eecd00b3b02b6cf5708b84b9ff42059a950d85");
}

TEST(OvhSigner, MatchesOpensslOverEscapedUrlsAndBodies) {
  // printf '%s' 'demo-as+demo-ck+GET+https://127.0.0.1:8443/1.0/...?x=1++1700000000' | openssl sha1
  EXPECT_EQ(
      OvhSigner::signature("demo-as", "demo-ck", "GET",
                           "https://127.0.0.1:8443/1.0/dedicated/nasha/zpool-123456/partition/"
                           "partition1/customSnapshot/snap-a%3Ab?x=1",
                           "", 1700000000),
      "$1$fd668fcdcb0874a391b8e1916444e0648bae3798");
  EXPECT_EQ(OvhSigner::signature(
                "demo-as", "demo-ck", "POST",
                "https://eu.api.ovh.com/1.0/dedicated/nasha/zpool-123456/partition/"
                "partition1/customSnapshot",
                "{\"name\":\"snap-x\",\"expiration\":\"2030-01-01T00:00:00Z\"}", 1700000123),
            "$1$8b2865b6364b1d3f7dc59bc534b6698896e483c6");
  EXPECT_EQ(OvhSigner::signature(
                "demo-as", "demo-ck", "PUT",
                "http://127.0.0.1:9999/1.0/storage/netapp/5f7a0ec8-1d3e-4b5e-9d55-3c0c9b1e2a10/"
                "share/a1b2c3d4-1111-4aaa-8bbb-000000000001/snapshot/"
                "0a000000-0000-4000-8000-000000000001",
                "{\"name\":\"caf\\u00e9 / x\"}", 1700000456),
            "$1$4ac3a38ca2004016f90f686d023355ecb9bec2ab");
}

TEST(OvhSigner, SignSetsTheFourHeadersAndReplacesStaleOnes) {
  OvhSigner signer("TDPKJdwZwAQPwKX2", kGoSecret, kGoConsumer);
  HttpRequest r;
  r.method = "GET";
  r.url = kGoUrl;
  r.headers.push_back({"X-Ovh-Timestamp", "1"});
  r.headers.push_back({"x-ovh-signature", "$1$old"});
  signer.sign(r, kGoTimestamp);
  EXPECT_EQ(header(r, "X-Ovh-Application"), "TDPKJdwZwAQPwKX2");
  EXPECT_EQ(header(r, "X-Ovh-Consumer"), kGoConsumer);
  EXPECT_EQ(header(r, "X-Ovh-Timestamp"), "1457018875");
  EXPECT_EQ(header(r, "X-Ovh-Signature"), "$1$e9556054b6309771395efa467c22e627407461ad");
  EXPECT_EQ(r.headers.size(), 4u);
}

TEST(OvhSigner, RandomInputsAgreeWithTheOpensslCommand) {
  auto probe = test::run_command("command -v openssl");
  if (probe.exit_code != 0) GTEST_SKIP() << "no openssl command on this machine";
  std::mt19937 rng(20240624);
  const std::string alphabet =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789{}\":,/?=&%+-_. ";
  auto random_text = [&](std::size_t n) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s.push_back(alphabet[rng() % alphabet.size()]);
    return s;
  };
  for (int i = 0; i < 5; ++i) {
    std::string secret = random_text(32);
    std::string consumer = random_text(32);
    std::string url = "https://eu.api.ovh.com/1.0/" + random_text(20);
    std::string body = random_text(40);
    std::int64_t ts = 1600000000 + static_cast<std::int64_t>(rng() % 100000000);
    std::string joined =
        secret + "+" + consumer + "+POST+" + url + "+" + body + "+" + std::to_string(ts);
    auto out = test::run_command("printf '%s' " + test::shell_quote(joined) + " | openssl sha1");
    ASSERT_EQ(out.exit_code, 0) << out.err;
    std::string digest = out.out.substr(out.out.rfind(' ') + 1);
    while (!digest.empty() && (digest.back() == '\n' || digest.back() == '\r')) digest.pop_back();
    EXPECT_EQ(OvhSigner::signature(secret, consumer, "POST", url, body, ts), "$1$" + digest);
  }
}

}  // namespace
}  // namespace snapfs
