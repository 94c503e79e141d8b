// Where an OVH remote finds its endpoint and credentials: the section, OVH_* variables, ovh.conf
// files in increasing priority.
#include "providers/ovh/ovh_settings.h"

#include <gtest/gtest.h>

#include <map>

#include "tests/support/process.h"

namespace snapfs {
namespace {

ProviderEnv env_with(std::map<std::string, std::string> vars, std::string home = "") {
  ProviderEnv env;
  env.getenv = [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  env.home = std::move(home);
  return env;
}

RemoteConfig remote(std::map<std::string, std::string> keys) {
  RemoteConfig r;
  r.name = "nas";
  r.type = "ovh-nasha";
  r.keys = std::move(keys);
  return r;
}

TEST(OvhSettings, NamedEndpointsMapToTheirBaseUrls) {
  EXPECT_EQ(ovh_endpoint_base_url("ovh-eu"), "https://eu.api.ovh.com/1.0");
  EXPECT_EQ(ovh_endpoint_base_url("ovh-ca"), "https://ca.api.ovh.com/1.0");
  EXPECT_EQ(ovh_endpoint_base_url("ovh-us"), "https://api.us.ovhcloud.com/1.0");
  EXPECT_EQ(ovh_endpoint_base_url("kimsufi-eu"), "https://eu.api.kimsufi.com/1.0");
  EXPECT_EQ(ovh_endpoint_base_url("soyoustart-ca"), "https://ca.api.soyoustart.com/1.0");
  EXPECT_FALSE(ovh_endpoint_base_url("ovh-mars").has_value());
}

TEST(OvhSettings, SectionKeysWinAndDefaultEndpointIsOvhEu) {
  auto s = resolve_ovh_settings(
      remote({{"application_key", "ak"}, {"application_secret", "as"}, {"consumer_key", "ck"}}),
      env_with({{"OVH_APPLICATION_KEY", "env-ak"}}), {});
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->application_key, "ak");
  EXPECT_EQ(s->application_secret, "as");
  EXPECT_EQ(s->consumer_key, "ck");
  EXPECT_EQ(s->endpoint, "ovh-eu");
  EXPECT_EQ(s->base_url, "https://eu.api.ovh.com/1.0");
  EXPECT_EQ(s->secret_source, "application_secret in [nas]");
  EXPECT_FALSE(s->insecure);
}

TEST(OvhSettings, UrlEndpointIsUsedAsGivenAndGetsTheApiPrefixWhenBare) {
  auto with_prefix = resolve_ovh_settings(remote({{"endpoint", "https://127.0.0.1:8443/1.0/"},
                                                  {"application_key", "a"},
                                                  {"application_secret", "b"},
                                                  {"consumer_key", "c"}}),
                                          env_with({}), {});
  ASSERT_TRUE(with_prefix.ok());
  EXPECT_EQ(with_prefix->base_url, "https://127.0.0.1:8443/1.0");
  auto bare = resolve_ovh_settings(remote({{"endpoint", "http://127.0.0.1:9000"},
                                           {"application_key", "a"},
                                           {"application_secret", "b"},
                                           {"consumer_key", "c"}}),
                                   env_with({}), {});
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->base_url, "http://127.0.0.1:9000/1.0");
  auto bad = resolve_ovh_settings(remote({{"endpoint", "ftp://x/y"}}), env_with({}), {});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::InvalidArgument);
  auto unknown = resolve_ovh_settings(remote({{"endpoint", "ovh-mars"}}), env_with({}), {});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("ovh-mars"), std::string::npos);
}

TEST(OvhSettings, EnvironmentFillsWhatTheSectionLacks) {
  auto s = resolve_ovh_settings(remote({{"application_key", "ak"}}),
                                env_with({{"OVH_ENDPOINT", "ovh-ca"},
                                          {"OVH_APPLICATION_KEY", "env-ak"},
                                          {"OVH_APPLICATION_SECRET", "env-as"},
                                          {"OVH_CONSUMER_KEY", "env-ck"}}),
                                {});
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->application_key, "ak");
  EXPECT_EQ(s->application_secret, "env-as");
  EXPECT_EQ(s->consumer_key, "env-ck");
  EXPECT_EQ(s->base_url, "https://ca.api.ovh.com/1.0");
  EXPECT_EQ(s->secret_source, "OVH_APPLICATION_SECRET");
}

TEST(OvhSettings, LaterOvhConfFilesOverrideEarlierOnes) {
  test::TempDir dir;
  std::string etc = dir.write_file("etc-ovh.conf",
                                   "[default]\nendpoint=ovh-ca\n\n[ovh-ca]\n"
                                   "application_key=etc-ak\napplication_secret=etc-as\n"
                                   "consumer_key=etc-ck\n");
  std::string home =
      dir.write_file("home-ovh.conf", "[ovh-ca]\n; a comment\napplication_secret=home-as\n");
  std::string cwd = dir.write_file("cwd-ovh.conf", "[ovh-ca]\nconsumer_key = cwd-ck\n");
  auto s = resolve_ovh_settings(remote({}), env_with({}),
                                {etc, home, cwd, dir.path() + "/missing.conf"});
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->endpoint, "ovh-ca");
  EXPECT_EQ(s->application_key, "etc-ak");
  EXPECT_EQ(s->application_secret, "home-as");
  EXPECT_EQ(s->consumer_key, "cwd-ck");
  EXPECT_NE(s->secret_source.find(home), std::string::npos);
  EXPECT_NE(s->secret_source.find("[ovh-ca]"), std::string::npos);
}

TEST(OvhSettings, UrlEndpointsReadTheSectionNamedByTheUrl) {
  test::TempDir dir;
  std::string conf = dir.write_file("ovh.conf",
                                    "[https://127.0.0.1:8443/1.0]\napplication_key=a\n"
                                    "application_secret=b\nconsumer_key=c\n");
  auto s = resolve_ovh_settings(remote({}),
                                env_with({{"OVH_ENDPOINT", "https://127.0.0.1:8443/1.0"}}), {conf});
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->application_key, "a");
  EXPECT_EQ(s->base_url, "https://127.0.0.1:8443/1.0");
}

TEST(OvhSettings, DefaultPathsAreEtcThenHomeThenCurrentDirectory) {
  auto paths = default_ovh_conf_paths(env_with({}, "/home/u"));
  ASSERT_EQ(paths.size(), 3u);
  EXPECT_EQ(paths[0], "/etc/ovh.conf");
  EXPECT_EQ(paths[1], "/home/u/.ovh.conf");
  EXPECT_EQ(paths[2].substr(paths[2].size() - 9), "/ovh.conf");
}

TEST(OvhSettings, MissingCredentialsAreNamedWithoutLeakingOthers) {
  auto s = resolve_ovh_settings(remote({{"application_secret", "s3cr3t-value"}}), env_with({}), {});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind, ErrorKind::InvalidArgument);
  EXPECT_NE(s.error().message.find("application_key"), std::string::npos);
  EXPECT_NE(s.error().message.find("consumer_key"), std::string::npos);
  EXPECT_NE(s.error().message.find("remote 'nas' (ovh-nasha): "), std::string::npos);
  EXPECT_EQ(s.error().message.find("s3cr3t-value"), std::string::npos);
}

TEST(OvhSettings, InsecureAndCaFileComeFromTheSection) {
  auto s = resolve_ovh_settings(remote({{"application_key", "a"},
                                        {"application_secret", "b"},
                                        {"consumer_key", "c"},
                                        {"insecure", "true"},
                                        {"ca_file", "/tmp/ca.pem"}}),
                                env_with({}), {});
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->insecure);
  EXPECT_EQ(s->ca_file, "/tmp/ca.pem");
  auto bad = resolve_ovh_settings(remote({{"application_key", "a"},
                                          {"application_secret", "b"},
                                          {"consumer_key", "c"},
                                          {"insecure", "maybe"}}),
                                  env_with({}), {});
  EXPECT_FALSE(bad.ok());
}

}  // namespace
}  // namespace snapfs
