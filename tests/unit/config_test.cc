#include "fs/config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include "providers/common/strings.h"
#include "tests/support/process.h"

namespace snapfs {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& text, mode_t mode) {
    std::string path = dir_ + "/snapfs.conf";
    std::ofstream(path) << text;
    chmod(path.c_str(), mode);
    return path;
  }
  test::TempDir files_;
  const std::string dir_ = files_.path();
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

TEST_F(ConfigTest, RefusesADirectoryAndAFileWithoutRemotes) {
  auto directory = load_config_file(dir_);
  ASSERT_FALSE(directory.ok());
  EXPECT_NE(directory.error().message.find("a directory"), std::string::npos)
      << directory.error().message;
  for (const char* text : {"", "; only a comment\n# and another\n"}) {
    auto empty = load_config_file(Write(text, 0600));
    ASSERT_FALSE(empty.ok()) << "'" << text << "'";
    EXPECT_NE(empty.error().message.find("defines no remote"), std::string::npos)
        << empty.error().message;
  }
}

TEST_F(ConfigTest, NamesAnUnknownKeyAndTheKnownOneItResembles) {
  auto typo =
      load_config_file(Write("[scw]\ntype = scaleway-instance\nsecret_kye = s3cr3t-value\n", 0600));
  ASSERT_FALSE(typo.ok());
  EXPECT_EQ(typo.error().kind, ErrorKind::InvalidArgument);
  EXPECT_NE(
      typo.error().message.find("unknown key 'secret_kye' in [scw] (did you mean 'secret_key'?)"),
      std::string::npos)
      << typo.error().message;
  EXPECT_EQ(typo.error().message.find("s3cr3t-value"), std::string::npos);
  // Keys of one type are unknown to another: regions is NAVER's, zones Scaleway's.
  auto other_type = load_config_file(Write("[nas]\ntype = ovh-nasha\nregions = KR\n", 0600));
  ASSERT_FALSE(other_type.ok());
  EXPECT_NE(other_type.error().message.find("unknown key 'regions' in [nas]"), std::string::npos)
      << other_type.error().message;
  // Nothing close: the keys of the type are listed instead.
  auto far = load_config_file(Write("[n]\ntype = naver-nas\ncolour = blue\n", 0600));
  ASSERT_FALSE(far.ok());
  EXPECT_NE(far.error().message.find("unknown key 'colour' in [n] (keys of type naver-nas: "),
            std::string::npos)
      << far.error().message;
}

TEST_F(ConfigTest, EveryKeyATypeReadsIsAccepted) {
  for (const std::string& type : provider_types()) {
    std::vector<std::string> keys = provider_config_keys(type);
    ASSERT_FALSE(keys.empty()) << type;
    std::string text = "[r]\ntype = " + type + "\nread_only = false\n";
    for (const std::string& key : keys) text += key + " = x\n";
    auto config = load_config_file(Write(text, 0600));
    EXPECT_TRUE(config.ok()) << type << ": " << config.error().message;
  }
}

TEST_F(ConfigTest, ReadOnlyMustBeABoolean) {
  auto bad = load_config_file(Write("[scw]\ntype = scaleway-instance\nread_only = maybe\n", 0600));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("[scw] read_only must be true or false, not 'maybe'"),
            std::string::npos)
      << bad.error().message;
  for (const char* value : {"true", "yes", "off", "0"}) {
    auto good = load_config_file(
        Write(std::string("[scw]\ntype = scaleway-instance\nread_only = ") + value + "\n", 0600));
    EXPECT_TRUE(good.ok()) << value;
  }
}

// Each check names the file, the section and what is wrong, in these words.
TEST_F(ConfigTest, EachMistakeIsNamedInFull) {
  auto message = [&](const std::string& text) {
    auto config = load_config_file(Write(text, 0600));
    EXPECT_FALSE(config.ok()) << text;
    return config.ok() ? std::string() : config.error().message;
  };
  const std::string path = dir_ + "/snapfs.conf";
  std::string types;
  for (const std::string& type : provider_types()) types += (types.empty() ? "" : ", ") + type;
  EXPECT_EQ(message("[x]\nzones = a\n"), path + ": [x] has no type");
  EXPECT_EQ(message("[..]\ntype = scaleway-instance\n"),
            path + ": [..] cannot be a directory name");
  EXPECT_EQ(message("[x]\ntype = floppy\n"),
            path + ": [x] has unknown type 'floppy' (known: " + types + ")");
  EXPECT_EQ(message("zones = a\n[x]\ntype = scaleway-instance\n"),
            path + ": key 'zones' is outside any [remote] section");
  EXPECT_EQ(message("[x]\ntype = scaleway-instance\n[y]\ntype = scaleway-block\n[x]\nzones = a\n"),
            path + ": section [x] appears twice");
  EXPECT_EQ(message("[x]\ntype = scaleway-instance\nno equals sign\n"), path + ":3: syntax error");
  EXPECT_EQ(message("[x]\ntype = ovh-nasha\ncontent = sometimes\n"),
            path + ": [x] content must be auto or off, not 'sometimes'");
}

// Sections are checked in file order, each completely, and the file's mode only once every
// section is good: the first mistake in the file is the one reported.
TEST_F(ConfigTest, TheFirstMistakeInTheFileIsReported) {
  auto message = [&](const std::string& text, mode_t mode) {
    auto config = load_config_file(Write(text, mode));
    EXPECT_FALSE(config.ok()) << text;
    return config.ok() ? std::string() : config.error().message;
  };
  const std::string path = dir_ + "/snapfs.conf";
  EXPECT_EQ(message("[a]\ntype = scaleway-instance\nread_only = maybe\n[b]\ntype = floppy\n", 0600),
            path + ": [a] read_only must be true or false, not 'maybe'");
  EXPECT_EQ(message("[a]\ntype = scaleway-instance\n[b]\ntype = floppy\nread_only = maybe\n", 0600)
                .find(path + ": [b] has unknown type 'floppy'"),
            0u);
  // A secret in a group-readable file, and a mistake in a later section: the mistake.
  EXPECT_EQ(message("[a]\ntype = scaleway-instance\nsecret_key = s3cr3t-value\n"
                    "[b]\ntype = scaleway-block\nread_only = 2\n",
                    0640),
            path + ": [b] read_only must be true or false, not '2'");
  // The secret of a later section counts as much as the first's.
  auto later = load_config_file(Write(
      "[a]\ntype = scaleway-instance\n[b]\ntype = scaleway-block\nsecret_key = s3cr3t-value\n",
      0604));
  ASSERT_FALSE(later.ok());
  EXPECT_EQ(later.error().kind, ErrorKind::AccessDenied);
  EXPECT_EQ(later.error().message, path +
                                       " holds secrets but is accessible by others (mode 0604); "
                                       "run: chmod 600 " +
                                       path);
  // An empty secret is no secret.
  EXPECT_TRUE(load_config_file(Write("[a]\ntype = scaleway-instance\nsecret_key =\n", 0644)).ok());
}

TEST(ConfigListTest, RepeatedItemsOfACommaListCountOnce) {
  EXPECT_EQ(split_list("fr-par-1,fr-par-1"), std::vector<std::string>{"fr-par-1"});
  EXPECT_EQ(split_list(" nl-ams-1, fr-par-1 ,nl-ams-1,,fr-par-1"),
            (std::vector<std::string>{"nl-ams-1", "fr-par-1"}));
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
