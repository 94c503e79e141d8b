// Scaleway settings resolution (section, SCW_* environment, scw config profiles), error-body
// mapping and object parsing: no network.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <map>

#include "providers/common/json_util.h"
#include "providers/scaleway/scaleway_block_provider.h"
#include "providers/scaleway/scaleway_client.h"
#include "providers/scaleway/scaleway_instance_provider.h"
#include "providers/scaleway/scaleway_settings.h"
#include "tests/support/process.h"

namespace snapfs {
namespace {

using test::TempDir;

constexpr const char* kRootSecret = "11111111-1111-4111-8111-111111111111";
constexpr const char* kProfileSecret = "22222222-2222-4222-8222-222222222222";
constexpr const char* kEnvSecret = "33333333-3333-4333-8333-333333333333";
constexpr const char* kSectionSecret = "44444444-4444-4444-8444-444444444444";

const char* kConfigYaml = R"(access_key: SCWROOTROOTROOTROOT1
secret_key: 11111111-1111-4111-8111-111111111111
default_project_id: aaaaaaaa-0000-4000-8000-000000000001
default_zone: fr-par-2
profiles:
  other:
    secret_key: 22222222-2222-4222-8222-222222222222
    default_zone: nl-ams-1
  nozone:
    default_project_id: aaaaaaaa-0000-4000-8000-000000000002
)";

class ScalewaySettingsTest : public ::testing::Test {
 protected:
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
  std::string write_default_config(const std::string& text,
                                   const std::string& file = "config.yaml") {
    std::string dir = home_.path() + "/.config/scw";
    test::run_command("mkdir -p " + test::shell_quote(dir));
    return home_.write_file(".config/scw/" + file, text);
  }
  RemoteConfig remote(std::map<std::string, std::string> keys = {}) {
    RemoteConfig r;
    r.name = "scw";
    r.type = "scaleway-instance";
    r.keys = std::move(keys);
    return r;
  }
  Result<ScalewaySettings> resolve(std::map<std::string, std::string> keys = {}) {
    return resolve_scaleway_settings(remote(std::move(keys)), env());
  }

  TempDir home_;
  std::map<std::string, std::string> vars_;
};

TEST_F(ScalewaySettingsTest, RootProfileOfTheDefaultConfigFile) {
  write_default_config(kConfigYaml);
  auto s = resolve();
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->secret_key, kRootSecret);
  EXPECT_EQ(s->access_key, "SCWROOTROOTROOTROOT1");
  EXPECT_EQ(s->project_id, "aaaaaaaa-0000-4000-8000-000000000001");
  EXPECT_EQ(s->zones, std::vector<std::string>{"fr-par-2"});
  EXPECT_EQ(s->api_url, "https://api.scaleway.com");
  EXPECT_FALSE(s->insecure);
}

TEST_F(ScalewaySettingsTest, NamedProfileIsMergedOverTheRootProfile) {
  write_default_config(kConfigYaml);
  auto s = resolve({{"profile", "other"}});
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->secret_key, kProfileSecret);
  EXPECT_EQ(s->zones, std::vector<std::string>{"nl-ams-1"});
  // Inherited from the root profile.
  EXPECT_EQ(s->project_id, "aaaaaaaa-0000-4000-8000-000000000001");
  EXPECT_EQ(s->access_key, "SCWROOTROOTROOTROOT1");

  auto inherit = resolve({{"profile", "nozone"}});
  ASSERT_TRUE(inherit.ok()) << inherit.error().message;
  EXPECT_EQ(inherit->secret_key, kRootSecret);
  EXPECT_EQ(inherit->zones, std::vector<std::string>{"fr-par-2"});
  EXPECT_EQ(inherit->project_id, "aaaaaaaa-0000-4000-8000-000000000002");
}

TEST_F(ScalewaySettingsTest, ProfileChoiceSectionThenScwProfileThenActiveProfile) {
  write_default_config(std::string(kConfigYaml) + "active_profile: nozone\n");
  auto active = resolve();
  ASSERT_TRUE(active.ok()) << active.error().message;
  EXPECT_EQ(active->project_id, "aaaaaaaa-0000-4000-8000-000000000002");

  vars_["SCW_PROFILE"] = "other";
  auto from_env = resolve();
  ASSERT_TRUE(from_env.ok()) << from_env.error().message;
  EXPECT_EQ(from_env->secret_key, kProfileSecret);

  auto from_section = resolve({{"profile", "default"}});
  ASSERT_TRUE(from_section.ok()) << from_section.error().message;
  EXPECT_EQ(from_section->secret_key, kRootSecret);
  EXPECT_EQ(from_section->project_id, "aaaaaaaa-0000-4000-8000-000000000001");
}

TEST_F(ScalewaySettingsTest, EnvironmentWinsOverTheFileAndTheSectionWinsOverBoth) {
  write_default_config(kConfigYaml);
  vars_["SCW_SECRET_KEY"] = kEnvSecret;
  vars_["SCW_DEFAULT_ZONE"] = "pl-waw-1";
  vars_["SCW_DEFAULT_PROJECT_ID"] = "bbbbbbbb-0000-4000-8000-000000000001";
  vars_["SCW_API_URL"] = "http://127.0.0.1:9/";
  auto env_wins = resolve();
  ASSERT_TRUE(env_wins.ok()) << env_wins.error().message;
  EXPECT_EQ(env_wins->secret_key, kEnvSecret);
  EXPECT_EQ(env_wins->zones, std::vector<std::string>{"pl-waw-1"});
  EXPECT_EQ(env_wins->project_id, "bbbbbbbb-0000-4000-8000-000000000001");
  EXPECT_EQ(env_wins->api_url, "http://127.0.0.1:9");

  auto section_wins = resolve({{"secret_key", kSectionSecret},
                               {"zones", " fr-par-1, nl-ams-1 ,"},
                               {"project_id", "cccccccc-0000-4000-8000-000000000001"},
                               {"api_url", "https://example.test/scw//"}});
  ASSERT_TRUE(section_wins.ok()) << section_wins.error().message;
  EXPECT_EQ(section_wins->secret_key, kSectionSecret);
  EXPECT_EQ(section_wins->zones, (std::vector<std::string>{"fr-par-1", "nl-ams-1"}));
  EXPECT_EQ(section_wins->project_id, "cccccccc-0000-4000-8000-000000000001");
  EXPECT_EQ(section_wins->api_url, "https://example.test/scw");
}

TEST_F(ScalewaySettingsTest, LegacySecretVariables) {
  vars_["SCALEWAY_TOKEN"] = kEnvSecret;
  auto s = resolve();
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->secret_key, kEnvSecret);
  EXPECT_EQ(s->zones, std::vector<std::string>{"fr-par-1"});
}

TEST_F(ScalewaySettingsTest, ScwConfigPathReplacesTheDefaultLocations) {
  write_default_config(kConfigYaml);
  TempDir elsewhere;
  std::string path =
      elsewhere.write_file("custom.yaml", "secret_key: 55555555-5555-4555-8555-555555555555\n");
  vars_["SCW_CONFIG_PATH"] = path;
  auto s = resolve();
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->secret_key, "55555555-5555-4555-8555-555555555555");
  EXPECT_EQ(s->secret_source, path);

  vars_["SCW_CONFIG_PATH"] = elsewhere.path() + "/missing.yaml";
  auto missing = resolve();
  ASSERT_FALSE(missing.ok()) << "the default file must not be read when SCW_CONFIG_PATH is set";
  EXPECT_NE(missing.error().message.find("missing.yaml"), std::string::npos);
}

TEST_F(ScalewaySettingsTest, XdgConfigHomeAndTheYmlSpelling) {
  TempDir xdg;
  test::run_command("mkdir -p " + test::shell_quote(xdg.path() + "/scw"));
  xdg.write_file("scw/config.yml", "secret_key: 66666666-6666-4666-8666-666666666666\n");
  vars_["XDG_CONFIG_HOME"] = xdg.path();
  auto s = resolve();
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->secret_key, "66666666-6666-4666-8666-666666666666");
}

TEST_F(ScalewaySettingsTest, MissingSecretKeyNamesTheRemoteAndThePlacesLookedAt) {
  auto s = resolve();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind, ErrorKind::AccessDenied);
  const std::string& m = s.error().message;
  EXPECT_NE(m.find("'scw'"), std::string::npos) << m;
  EXPECT_NE(m.find("SCW_SECRET_KEY"), std::string::npos) << m;
  EXPECT_NE(m.find("secret_key"), std::string::npos) << m;
  EXPECT_NE(m.find(home_.path() + "/.config/scw/config.yaml"), std::string::npos) << m;

  RemoteConfig r = remote();
  auto provider = make_provider(r, env());
  ASSERT_FALSE(provider.ok());
  EXPECT_EQ(provider.error().kind, ErrorKind::AccessDenied);
}

TEST_F(ScalewaySettingsTest, ProfileWithoutSecretAndAMissingProfile) {
  write_default_config("default_zone: fr-par-3\n");
  auto no_secret = resolve();
  ASSERT_FALSE(no_secret.ok());
  EXPECT_EQ(no_secret.error().kind, ErrorKind::AccessDenied);
  EXPECT_NE(no_secret.error().message.find("config.yaml"), std::string::npos);

  write_default_config(kConfigYaml);
  auto unknown = resolve({{"profile", "nosuch"}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("nosuch"), std::string::npos);
}

TEST_F(ScalewaySettingsTest, MalformedYamlIsAnErrorNotACrash) {
  for (const char* text : {"secret_key: [unclosed\n", "- a\n- b\n",
                           "profiles: 5\nactive_profile: x\n", "secret_key:\n  nested: map\n"}) {
    write_default_config(text);
    auto s = resolve();
    EXPECT_FALSE(s.ok()) << text;
  }
  // With the secret given elsewhere, a broken file is only a warning.
  write_default_config("secret_key: [unclosed\n");
  vars_["SCW_SECRET_KEY"] = kEnvSecret;
  EXPECT_TRUE(resolve().ok());
}

TEST_F(ScalewaySettingsTest, TlsKeysAndBadValues) {
  auto s =
      resolve({{"secret_key", kSectionSecret}, {"ca_file", "/tmp/ca.pem"}, {"insecure", "yes"}});
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->ca_file, "/tmp/ca.pem");
  EXPECT_TRUE(s->insecure);
  EXPECT_FALSE(resolve({{"secret_key", kSectionSecret}, {"insecure", "maybe"}}).ok());
  EXPECT_FALSE(resolve({{"secret_key", kSectionSecret}, {"api_url", "api.scaleway.com"}}).ok());
  EXPECT_FALSE(resolve({{"secret_key", kSectionSecret}, {"zones", "fr-par-1/../x"}}).ok());
}

TEST_F(ScalewaySettingsTest, ErrorsNeverContainTheSecret) {
  auto s = resolve({{"secret_key", kSectionSecret}, {"insecure", "maybe"}});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message.find(kSectionSecret), std::string::npos);
}

TEST(ScalewayRegistry, KnowsBothTypesAndRefusesOthers) {
  auto types = provider_types();
  EXPECT_NE(std::find(types.begin(), types.end(), "scaleway-instance"), types.end());
  EXPECT_NE(std::find(types.begin(), types.end(), "scaleway-block"), types.end());
  RemoteConfig r;
  r.name = "x";
  r.type = "no-such-type";
  auto p = make_provider(r, ProviderEnv{});
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().kind, ErrorKind::InvalidArgument);
}

// ---------------------------------------------------------------------------------------------
// Error bodies

TEST(ScalewayErrors, TypedBodies) {
  struct Case {
    int status;
    const char* body;
    ErrorKind kind;
  };
  const Case cases[] = {
      {404,
       R"({"type": "not_found", "message": "resource is not found", "resource": "instance_snapshot"})",
       ErrorKind::NotFound},
      {403,
       R"({"details":[{"action":"read","resource":"snapshot"}],"message":"insufficient permissions","type":"permissions_denied"})",
       ErrorKind::AccessDenied},
      {400,
       R"json({"type": "invalid_arguments", "message": "invalid argument(s)", "details": [{"argument_name": "name", "reason": "required", "help_message": "required key not provided"}]})json",
       ErrorKind::InvalidArgument},
      {403, R"({"type": "invalid_request_error", "message": "Quota exceeded for this resource."})",
       ErrorKind::QuotaExceeded},
      {400, R"({"type": "invalid_request_error", "message": "snapshot is not available"})",
       ErrorKind::InvalidArgument},
      {403, R"({"type": "quotas_exceeded", "message": "quota(s) exceeded for this resource"})",
       ErrorKind::QuotaExceeded},
      {409,
       R"({"current_state":"configuring","message":"resource is in a transient state","type":"transient_state"})",
       ErrorKind::Busy},
      {412,
       R"({"message":"precondition is not respected","precondition":"resource_still_in_use","type":"precondition_failed"})",
       ErrorKind::Busy},
      {409, R"({"message": "Group is in use. You cannot delete it.", "type": "conflict"})",
       ErrorKind::Busy},
      {409, R"({"message": "already exists", "type": "already_exists"})", ErrorKind::AlreadyExists},
      {429, "", ErrorKind::RateLimited},
      {503, "<html>bad gateway</html>", ErrorKind::Unavailable},
      {500, R"({"type": 42, "message": ["not", "a", "string"]})", ErrorKind::Unavailable},
      {404, "[1, 2, 3]", ErrorKind::NotFound},
      {418, "", ErrorKind::BadResponse},
  };
  for (const Case& c : cases) {
    Error e = scaleway_error(c.status, c.body, "scw");
    EXPECT_EQ(e.kind, c.kind) << c.status << " " << c.body;
    EXPECT_EQ(e.http_status, c.status);
    EXPECT_NE(e.message.find("'scw'"), std::string::npos) << e.message;
  }
  Error details = scaleway_error(400, cases[2].body, "scw");
  EXPECT_NE(details.message.find("name: required key not provided"), std::string::npos)
      << details.message;
}

TEST(ScalewayErrors, UnauthorizedTellsWhatToFix) {
  Error e = scaleway_error(
      401,
      R"({"message":"authentication is denied","method":"api_key","reason":"not_found","type":"denied_authentication"})",
      "scw");
  EXPECT_EQ(e.kind, ErrorKind::AccessDenied);
  EXPECT_NE(e.message.find("SCW_SECRET_KEY"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("secret_key"), std::string::npos) << e.message;
}

// ---------------------------------------------------------------------------------------------
// Object parsing

rapidjson::Document parse(const char* text) {
  rapidjson::Document doc;
  EXPECT_TRUE(parse_json(text, &doc, "test").ok()) << text;
  return doc;
}

TEST(ScalewayObjects, InstanceSnapshotAsRecorded) {
  auto doc =
      parse(R"({"id": "75ecf8a3-1da1-4c11-b1bc-64367963556e", "name": "snp-trusting-antonelli",
    "volume_type": "l_ssd", "creation_date": "2026-07-30T12:53:37.276052+00:00",
    "project": "105bdce1-64c0-48ab-899d-868455867ecf", "size": 20000000000, "state": "snapshotting",
    "base_volume": {"id": "06c1d8cc-3d57-4f56-864c-70e37c1caaca", "name": "Ubuntu"},
    "tags": ["a", "b"], "zone": "fr-par-1", "error_details": null})");
  auto s = ScalewayInstanceProvider::parse_snapshot_object(doc);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->id, "75ecf8a3-1da1-4c11-b1bc-64367963556e");
  EXPECT_EQ(s->name, "snp-trusting-antonelli");
  EXPECT_EQ(s->volume_id, "06c1d8cc-3d57-4f56-864c-70e37c1caaca");
  EXPECT_EQ(s->state, "creating");
  EXPECT_EQ(s->size, 20000000000ull);
  EXPECT_EQ(s->created_us, 1785416017276052ll);
  EXPECT_EQ(s->tags, (std::vector<std::string>{"a", "b"}));
  rapidjson::Document round;
  ASSERT_TRUE(parse_json(s->json, &round, "json").ok());
  EXPECT_EQ(json_string_or(round, "zone"), "fr-par-1");
  EXPECT_EQ(s->json.find('\n'), std::string::npos);
}

TEST(ScalewayObjects, WrongFieldTypesAreAbsentNotFatal) {
  auto doc = parse(R"({"id": "x1", "name": 5, "size": "big", "state": null, "tags": [1, "a", {}],
    "base_volume": "not-an-object", "creation_date": 12})");
  auto s = ScalewayInstanceProvider::parse_snapshot_object(doc);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->name, "");
  EXPECT_FALSE(s->size.has_value());
  EXPECT_EQ(s->volume_id, "");
  EXPECT_EQ(s->created_us, 0);
  EXPECT_EQ(s->tags, std::vector<std::string>{"a"});

  auto block = ScalewayBlockProvider::parse_snapshot_object(parse(
      R"({"id": "b1", "parent_volume": {"id": 7}, "size": -5, "status": ["x"], "tags": "t"})"));
  ASSERT_TRUE(block.ok());
  EXPECT_EQ(block->volume_id, "");
  EXPECT_FALSE(block->size.has_value());
  EXPECT_TRUE(block->tags && block->tags->empty());

  for (const char* bad : {R"({"name": "no id"})", R"({"id": 5})", "[]", "\"text\"", "null"}) {
    EXPECT_FALSE(ScalewayInstanceProvider::parse_snapshot_object(parse(bad)).ok()) << bad;
    EXPECT_FALSE(ScalewayBlockProvider::parse_snapshot_object(parse(bad)).ok()) << bad;
    EXPECT_FALSE(ScalewayInstanceProvider::parse_volume_object(parse(bad)).ok()) << bad;
    EXPECT_FALSE(ScalewayBlockProvider::parse_volume_object(parse(bad)).ok()) << bad;
  }
}

TEST(ScalewayObjects, BlockVolumeAndSnapshotStates) {
  auto v = ScalewayBlockProvider::parse_volume_object(parse(
      R"({"created_at":"2026-06-15T15:33:46.725992Z","id":"cc13","name":"data","project_id":"p1",
         "size":10000000000,"status":"in_use","tags":["x"],"type":"sbs_5k"})"));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->state, "in_use");
  EXPECT_EQ(v->provider_data, "p1");
  EXPECT_EQ(v->size, 10000000000ull);
  EXPECT_NE(v->created_us, 0);
  EXPECT_EQ(ScalewayBlockProvider::map_snapshot_state("in_use"), "in_use");
  EXPECT_EQ(ScalewayBlockProvider::map_snapshot_state("locked"), "busy");
  EXPECT_EQ(ScalewayBlockProvider::map_snapshot_state("exporting"), "busy");
  EXPECT_EQ(ScalewayBlockProvider::map_snapshot_state("creating"), "creating");
  EXPECT_EQ(ScalewayInstanceProvider::map_snapshot_state("invalid_data"), "error");
  EXPECT_EQ(ScalewayInstanceProvider::map_snapshot_state("exporting"), "exporting");
  EXPECT_EQ(ScalewayInstanceProvider::map_snapshot_state("available"), "available");
}

TEST(ScalewayTags, ParsedFromTheAttributeValue) {
  auto tags = parse_scaleway_tags(" a, b ,,c ");
  ASSERT_TRUE(tags.ok());
  EXPECT_EQ(*tags, (std::vector<std::string>{"a", "b", "c"}));
  auto none = parse_scaleway_tags("");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  EXPECT_FALSE(parse_scaleway_tags(std::string("a\nb")).ok());
}

TEST(ScalewayTags, TagsThatWouldMakeTheJsonUnreadableAreRefused) {
  // 64 KiB of tags would push user.snapfs.json past the 64 KiB an xattr value can hold.
  auto huge = parse_scaleway_tags(std::string(64 * 1024, 'x'));
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.error().kind, ErrorKind::InvalidArgument);
  std::string many;
  for (int i = 0; i < 5000; ++i) many += "tag-" + std::to_string(i) + ",";
  ASSERT_GT(many.size(), kScalewayMaxTagsJson);
  EXPECT_FALSE(parse_scaleway_tags(many).ok());
  EXPECT_TRUE(parse_scaleway_tags(std::string(kScalewayMaxTagsJson - 100, 'y')).ok());
}

TEST(JsonUtil, SafeGetters) {
  auto doc = parse(R"({"s": "x", "i": -3, "u": 18446744073709551615, "f": 1.5, "b": true,
                       "o": {"k": 1}, "a": ["p", 2], "n": null})");
  EXPECT_EQ(json_string(doc, "s"), "x");
  EXPECT_FALSE(json_string(doc, "i"));
  EXPECT_EQ(json_int64(doc, "i"), -3);
  EXPECT_FALSE(json_uint64(doc, "i"));
  EXPECT_EQ(json_uint64(doc, "u"), 18446744073709551615ull);
  EXPECT_FALSE(json_int64(doc, "u"));
  EXPECT_FALSE(json_int64(doc, "f"));
  EXPECT_EQ(json_bool(doc, "b"), true);
  EXPECT_NE(json_object(doc, "o"), nullptr);
  EXPECT_EQ(json_object(doc, "n"), nullptr);
  EXPECT_EQ(json_array(doc, "o"), nullptr);
  EXPECT_EQ(json_string_array(doc, "a"), std::vector<std::string>{"p"});
  EXPECT_FALSE(json_string_array(doc, "s"));
  rapidjson::Value scalar(5);
  EXPECT_EQ(json_member(scalar, "s"), nullptr);
  EXPECT_EQ(json_compact(*json_object(doc, "o")), R"({"k":1})");
  rapidjson::Document bad;
  Status st = parse_json("{\"a\":", &bad, "a test body");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind, ErrorKind::BadResponse);
  EXPECT_NE(st.error().message.find("a test body"), std::string::npos);
}

}  // namespace
}  // namespace snapfs
