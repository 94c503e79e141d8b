// NAVER API Gateway signature v2. Expected values were computed independently with
//   printf '%s' "$MESSAGE" | openssl dgst -sha256 -hmac "$SECRET" -binary | base64
#include "providers/naver/naver_signer.h"

#include <gtest/gtest.h>

#include <chrono>

namespace snapfs {
namespace {

constexpr const char* kExampleSecret = "SECRETKEYEXAMPLE00000000000000000000000";
constexpr const char* kExampleKey = "ACCESSKEYEXAMPLE0000";

std::string header(const HttpRequest& r, const std::string& name) {
  std::string value;
  int count = 0;
  for (const auto& h : r.headers) {
    if (h.name == name) {
      value = h.value;
      ++count;
    }
  }
  EXPECT_LE(count, 1) << "header " << name << " set " << count << " times";
  return value;
}

TEST(NaverSigner, StringToSignLayout) {
  EXPECT_EQ(NaverSigner::string_to_sign("GET", "/a?b=1", "1700000000000", "KEY"),
            "GET /a?b=1\n1700000000000\nKEY");
}

TEST(NaverSigner, DocumentationSampleVector) {
  EXPECT_EQ(NaverSigner::hmac_sha256_base64(
                "ncp-secret-example",
                "GET /photos/puppy.jpg?query1=&query2\n1700000000000\nACCESS_KEY_ID"),
            "iPe1hFfjl7BPGhFZJGCY5XZgH6eWMwCWlSdSkKU+SPE=");
}

TEST(NaverSigner, NasRequestVectors) {
  NaverSigner signer(kExampleKey, kExampleSecret);
  EXPECT_EQ(signer.signature("GET",
                             "/vnas/v2/getNasVolumeSnapshotList?nasVolumeInstanceNo=12345678&"
                             "regionCode=KR&responseFormatType=json",
                             "1700000000000"),
            "PCETJwZsAwR7ACCC6JSwQJgYdij5Uz0d29Fh+rXBSUo=");
  EXPECT_EQ(signer.signature("POST", "/vnas/v2/createNasVolumeSnapshot", "1700000000000"),
            "Ww9Gg2zqbOY5/KkNd9gArfkjW0+ckU2XzbZsBM+yp1U=");
  EXPECT_EQ(signer.signature("GET",
                             "/server/v2/deleteNasVolumeSnapshot?nasVolumeInstanceNo=12345678&"
                             "nasVolumeSnapshotName=now.20240403.164347",
                             "1700000000000"),
            "Z8Am3paGzWft10maWijyrAu1iWWFM5Cf35AmmRhfZks=");
}

TEST(NaverSigner, DemoCredentialVectors) {
  NaverSigner signer("demo-access-key", "demo-secret-key");
  EXPECT_EQ(signer.signature(
                "POST", "/vnas/v2/changeNasVolumeSnapshotConfiguration?responseFormatType=json",
                "1712130227000"),
            "06w10xBR12KoSeWuULRCaoG6F6UKM9mVyVveBoFteV4=");
  EXPECT_EQ(
      signer.signature("GET", "/server/v2/getNasVolumeInstanceList?regionNo=1", "1712130227123"),
      "5VXhj++eAh1rUlUl7m6DcAUO1WN55pdcKNt/YSH19sw=");
}

TEST(NaverSigner, RequestUriKeepsPathAndQueryAsSent) {
  EXPECT_EQ(NaverSigner::request_uri("https://ncloud.apigw.ntruss.com/vnas/v2/x?a=1&b=%2F"),
            "/vnas/v2/x?a=1&b=%2F");
  EXPECT_EQ(NaverSigner::request_uri("http://127.0.0.1:8080/server/v2/getRegionList"),
            "/server/v2/getRegionList");
  EXPECT_EQ(NaverSigner::request_uri("http://127.0.0.1:8080/prefix/vnas/v2/x"),
            "/prefix/vnas/v2/x");
  EXPECT_EQ(NaverSigner::request_uri("http://host"), "/");
  EXPECT_EQ(NaverSigner::request_uri("http://host?x=1"), "/?x=1");
}

TEST(NaverSigner, SignSetsTheThreeHeadersFromTheUrl) {
  NaverSigner signer(kExampleKey, kExampleSecret);
  HttpRequest r;
  r.method = "GET";
  r.url =
      "https://ncloud.apigw.ntruss.com/vnas/v2/getNasVolumeSnapshotList?"
      "nasVolumeInstanceNo=12345678&regionCode=KR&responseFormatType=json";
  signer.sign(r, 1700000000000);
  EXPECT_EQ(header(r, "x-ncp-apigw-timestamp"), "1700000000000");
  EXPECT_EQ(header(r, "x-ncp-iam-access-key"), kExampleKey);
  EXPECT_EQ(header(r, "x-ncp-apigw-signature-v2"), "PCETJwZsAwR7ACCC6JSwQJgYdij5Uz0d29Fh+rXBSUo=");
}

TEST(NaverSigner, ResigningReplacesOldHeaders) {
  NaverSigner signer(kExampleKey, kExampleSecret);
  HttpRequest r;
  r.method = "POST";
  r.url = "https://ncloud.apigw.ntruss.com/vnas/v2/createNasVolumeSnapshot";
  r.headers.push_back({"Content-Type", "application/x-www-form-urlencoded"});
  signer.sign(r, 1600000000000);
  signer.sign(r, 1700000000000);
  EXPECT_EQ(r.headers.size(), 4u);
  EXPECT_EQ(header(r, "x-ncp-apigw-timestamp"), "1700000000000");
  EXPECT_EQ(header(r, "x-ncp-apigw-signature-v2"), "Ww9Gg2zqbOY5/KkNd9gArfkjW0+ckU2XzbZsBM+yp1U=");
  EXPECT_EQ(header(r, "Content-Type"), "application/x-www-form-urlencoded");
}

TEST(NaverSigner, SignNowUsesMillisecondsOfTheCurrentTime) {
  NaverSigner signer("k", "s");
  HttpRequest r;
  r.url = "http://h/vnas/v2/x";
  auto before = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  signer.sign_now(r);
  auto after = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
  long long ts = std::stoll(header(r, "x-ncp-apigw-timestamp"));
  EXPECT_GE(ts, before);
  EXPECT_LE(ts, after);
  EXPECT_EQ(header(r, "x-ncp-apigw-signature-v2"),
            signer.signature("GET", "/vnas/v2/x", std::to_string(ts)));
}

}  // namespace
}  // namespace snapfs
