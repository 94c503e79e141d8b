#include "fs/config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

namespace snapfs {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/snapfs-config-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  std::string Write(const std::string& text, mode_t mode) {
    std::string path = dir_ + "/snapfs.conf";
    std::ofstream(path) << text;
    chmod(path.c_str(), mode);
    return path;
  }
  std::string dir_;
};

TEST_F(ConfigTest, ReadsSectionsAsRemotesWithInlineComments) {
  auto config = load_config_file(Write(
      "; a comment\n[scw]\ntype = scaleway-instance\nzones = fr-par-1,nl-ams-1   # two zones\n\n"
      "[blocks]\ntype = scaleway-block\napi_url = http://127.0.0.1:9\n",
      0644));
  ASSERT_TRUE(config.ok()) << config.error().message;
  ASSERT_EQ(config->remotes.size(), 2u);
  EXPECT_EQ(config->remotes[0].name, "scw");
  EXPECT_EQ(config->remotes[0].type, "scaleway-instance");
  EXPECT_EQ(config->remotes[0].get("zones"), "fr-par-1,nl-ams-1");
  EXPECT_EQ(config->remotes[1].get("api_url"), "http://127.0.0.1:9");
  EXPECT_EQ(config->remotes[1].get("missing", "fallback"), "fallback");
}

TEST_F(ConfigTest, RefusesSecretsReadableByOthersAndSaysHowToFix) {
  std::string path = Write("[scw]\ntype = scaleway-instance\nsecret_key = s3cr3t-value\n", 0644);
  auto config = load_config_file(path);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().kind, ErrorKind::AccessDenied);
  EXPECT_NE(config.error().message.find("chmod 600"), std::string::npos);
  EXPECT_EQ(config.error().message.find("s3cr3t-value"), std::string::npos);
  chmod(path.c_str(), 0600);
  EXPECT_TRUE(load_config_file(path).ok());
}

TEST_F(ConfigTest, RejectsUnknownTypesMissingTypesAndStrayKeys) {
  auto unknown = load_config_file(Write("[x]\ntype = floppy\n", 0600));
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("unknown type 'floppy'"), std::string::npos);
  EXPECT_FALSE(load_config_file(Write("[x]\nzones = a\n", 0600)).ok());
  EXPECT_FALSE(load_config_file(Write("zones = a\n[x]\ntype = scaleway-instance\n", 0600)).ok());
  EXPECT_FALSE(load_config_file(Write("[a/b]\ntype = scaleway-instance\n", 0600)).ok());
  EXPECT_FALSE(load_config_file(dir_ + "/absent.conf").ok());
}

TEST_F(ConfigTest, DefaultPathPrefersXdgConfigHome) {
  std::string xdg = dir_ + "/xdg";
  std::system(("mkdir -p " + xdg + "/snapfs && touch " + xdg + "/snapfs/snapfs.conf").c_str());
  ProviderEnv env;
  env.getenv = [&](const std::string& name) -> std::optional<std::string> {
    if (name == "XDG_CONFIG_HOME") return xdg;
    return std::nullopt;
  };
  EXPECT_EQ(default_config_path(env), xdg + "/snapfs/snapfs.conf");
}

}  // namespace
}  // namespace snapfs
