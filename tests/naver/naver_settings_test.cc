// Settings of a naver-nas remote: credentials from the section, NCLOUD_* or ~/.ncloud/configure,
// endpoint, platform, format and regions.
#include "providers/naver/naver_settings.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <map>

#include "tests/support/process.h"

namespace snapfs {
namespace {

class NaverSettingsTest : public ::testing::Test {
 protected:
  RemoteConfig remote(std::map<std::string, std::string> keys = {}) {
    RemoteConfig r;
    r.name = "nas";
    r.type = "naver-nas";
    r.keys = std::move(keys);
    return r;
  }
  ProviderEnv env() {
    ProviderEnv e;
    e.home = home_.path();
    e.getenv = [this](const std::string& name) -> std::optional<std::string> {
      auto it = vars_.find(name);
      if (it == vars_.end()) return std::nullopt;
      return it->second;
    };
    return e;
  }
  void write_configure(const std::string& text) {
    ::mkdir((home_.path() + "/.ncloud").c_str(), 0700);
    home_.write_file(".ncloud/configure", text);
  }

  test::TempDir home_;
  std::map<std::string, std::string> vars_;
};

TEST_F(NaverSettingsTest, SectionCredentialsAndDefaults) {
  auto s = resolve_naver_settings(remote({{"access_key", "AK"}, {"secret_key", "SK"}}), env());
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->access_key, "AK");
  EXPECT_EQ(s->secret_key, "SK");
  EXPECT_EQ(s->api_url, "https://ncloud.apigw.ntruss.com");
  EXPECT_EQ(s->platform, NaverPlatform::Vpc);
  EXPECT_EQ(s->format, NaverFormat::Json);  // VPC default
  EXPECT_TRUE(s->regions.empty());
  EXPECT_FALSE(s->insecure);
}

TEST_F(NaverSettingsTest, ClassicDefaultsToXml) {
  auto s = resolve_naver_settings(
      remote({{"access_key", "AK"}, {"secret_key", "SK"}, {"platform", "classic"}}), env());
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->platform, NaverPlatform::Classic);
  EXPECT_EQ(s->format, NaverFormat::Xml);
  auto json = resolve_naver_settings(remote({{"access_key", "AK"},
                                             {"secret_key", "SK"},
                                             {"platform", "Classic"},
                                             {"format", "json"}}),
                                     env());
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(json->format, NaverFormat::Json);
}

TEST_F(NaverSettingsTest, SectionWinsOverEnvironmentAndFile) {
  vars_ = {{"NCLOUD_ACCESS_KEY_ID", "ENVAK"}, {"NCLOUD_SECRET_ACCESS_KEY", "ENVSK"}};
  write_configure("[DEFAULT]\nncloud_access_key_id = FAK\nncloud_secret_access_key = FSK\n");
  auto s = resolve_naver_settings(remote({{"access_key", "AK"}, {"secret_key", "SK"}}), env());
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->access_key, "AK");
  EXPECT_EQ(s->credentials_source, "the config section");
}

TEST_F(NaverSettingsTest, EnvironmentWinsOverFile) {
  vars_ = {{"NCLOUD_ACCESS_KEY_ID", "ENVAK"}, {"NCLOUD_SECRET_ACCESS_KEY", "ENVSK"}};
  write_configure("[DEFAULT]\nncloud_access_key_id = FAK\nncloud_secret_access_key = FSK\n");
  auto s = resolve_naver_settings(remote(), env());
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->access_key, "ENVAK");
  EXPECT_EQ(s->secret_key, "ENVSK");
}

TEST_F(NaverSettingsTest, AlternativeVariableNames) {
  vars_ = {{"NCLOUD_ACCESS_KEY", "AK2"}, {"NCLOUD_SECRET_KEY", "SK2"}};
  auto s = resolve_naver_settings(remote(), env());
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->access_key, "AK2");
  EXPECT_EQ(s->secret_key, "SK2");
}

TEST_F(NaverSettingsTest, ConfigureFileDefaultSection) {
  write_configure(
      "[DEFAULT]\nncloud_access_key_id = FAK\nncloud_secret_access_key = FSK\n"
      "ncloud_api_url = https://ncloud.apigw.gov-ntruss.com\n\n[other]\n"
      "ncloud_access_key_id = OAK\nncloud_secret_access_key = OSK\n");
  auto s = resolve_naver_settings(remote(), env());
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->access_key, "FAK");
  EXPECT_EQ(s->secret_key, "FSK");
  EXPECT_EQ(s->api_url, "https://ncloud.apigw.gov-ntruss.com");
  EXPECT_NE(s->credentials_source.find(".ncloud/configure"), std::string::npos);
}

TEST_F(NaverSettingsTest, ConfigureFileProfile) {
  write_configure(
      "[DEFAULT]\nncloud_access_key_id = FAK\nncloud_secret_access_key = FSK\n[project]\n"
      "ncloud_access_key_id = PAK\nncloud_secret_access_key = PSK\n");
  auto s = resolve_naver_settings(remote({{"profile", "project"}}), env());
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->access_key, "PAK");
  EXPECT_EQ(s->secret_key, "PSK");
}

TEST_F(NaverSettingsTest, SectionlessConfigureFile) {
  write_configure("ncloud_access_key_id = TAK\nncloud_secret_access_key = TSK\n");
  auto s = resolve_naver_settings(remote(), env());
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->access_key, "TAK");
  EXPECT_EQ(s->secret_key, "TSK");
}

TEST_F(NaverSettingsTest, ParseConfigureText) {
  auto p = parse_ncloud_configure(
      "# comment\n[DEFAULT]\nncloud_access_key_id=A\nncloud_secret_access_key=B\n", "DEFAULT");
  EXPECT_EQ(p.access_key, "A");
  EXPECT_EQ(p.secret_key, "B");
  auto missing = parse_ncloud_configure("[x]\nncloud_access_key_id=A\n", "DEFAULT");
  EXPECT_EQ(missing.access_key, "");
}

TEST_F(NaverSettingsTest, NoCredentialsExplainsTheFixWithoutSecrets) {
  auto s = resolve_naver_settings(remote(), env());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind, ErrorKind::AccessDenied);
  EXPECT_NE(s.error().message.find("nas"), std::string::npos);
  EXPECT_NE(s.error().message.find("NCLOUD_ACCESS_KEY_ID"), std::string::npos);
  EXPECT_NE(s.error().message.find(".ncloud/configure"), std::string::npos);
}

TEST_F(NaverSettingsTest, HalfSetCredentialsAreRefusedWithoutEchoingThem) {
  auto s = resolve_naver_settings(remote({{"secret_key", "VERYSECRET"}}), env());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind, ErrorKind::InvalidArgument);
  EXPECT_EQ(s.error().message.find("VERYSECRET"), std::string::npos);
  vars_ = {{"NCLOUD_SECRET_ACCESS_KEY", "ENVSECRET"}};
  auto e = resolve_naver_settings(remote(), env());
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().message.find("ENVSECRET"), std::string::npos);
}

TEST_F(NaverSettingsTest, ApiUrlFromSectionOrVariable) {
  vars_ = {{"NCLOUD_API_GW", "http://127.0.0.1:9000/"}};
  auto from_env = resolve_naver_settings(remote({{"access_key", "A"}, {"secret_key", "S"}}), env());
  ASSERT_TRUE(from_env.ok());
  EXPECT_EQ(from_env->api_url, "http://127.0.0.1:9000");
  auto from_section = resolve_naver_settings(
      remote({{"access_key", "A"}, {"secret_key", "S"}, {"api_url", "https://x.example/"}}), env());
  ASSERT_TRUE(from_section.ok());
  EXPECT_EQ(from_section->api_url, "https://x.example");
  auto bad = resolve_naver_settings(
      remote({{"access_key", "A"}, {"secret_key", "S"}, {"api_url", "ftp://x"}}), env());
  EXPECT_FALSE(bad.ok());
}

TEST_F(NaverSettingsTest, RegionsTlsAndInvalidValues) {
  auto s = resolve_naver_settings(remote({{"access_key", "A"},
                                          {"secret_key", "S"},
                                          {"regions", " KR, JPN ,,"},
                                          {"ca_file", "/tmp/ca.pem"},
                                          {"insecure", "true"}}),
                                  env());
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->regions, (std::vector<std::string>{"KR", "JPN"}));
  EXPECT_EQ(s->ca_file, "/tmp/ca.pem");
  EXPECT_TRUE(s->insecure);
  EXPECT_FALSE(resolve_naver_settings(
                   remote({{"access_key", "A"}, {"secret_key", "S"}, {"platform", "gov"}}), env())
                   .ok());
  EXPECT_FALSE(resolve_naver_settings(
                   remote({{"access_key", "A"}, {"secret_key", "S"}, {"format", "yaml"}}), env())
                   .ok());
  EXPECT_FALSE(resolve_naver_settings(
                   remote({{"access_key", "A"}, {"secret_key", "S"}, {"insecure", "maybe"}}), env())
                   .ok());
}

TEST_F(NaverSettingsTest, SnapshotDirIsRelativeWithoutDotDot) {
  auto with = [&](const std::string& dir) {
    return resolve_naver_settings(
        remote({{"access_key", "A"}, {"secret_key", "S"}, {"snapshot_dir", dir}}), env());
  };
  auto plain = resolve_naver_settings(remote({{"access_key", "A"}, {"secret_key", "S"}}), env());
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->snapshot_dir, ".snapshot");
  auto zfs = with(" .zfs/snapshot/ ");
  ASSERT_TRUE(zfs.ok()) << zfs.error().message;
  EXPECT_EQ(zfs->snapshot_dir, ".zfs/snapshot");
  for (const char* bad : {"", "/", "/abs/.snapshot", "..", "a/../b", "../x"}) {
    auto refused = with(bad);
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_NE(refused.error().message.find("snapshot_dir"), std::string::npos);
  }
  const auto& keys = naver_config_keys();
  EXPECT_NE(std::find(keys.begin(), keys.end(), "snapshot_dir"), keys.end());
}

}  // namespace
}  // namespace snapfs
