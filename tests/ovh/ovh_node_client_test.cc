// The official Node.js client (@ovhcloud/node-ovh) against snapfs-emulator over TLS, for every
// route of the HA-NAS and Enterprise File Storage guides (tests/node/ovh_seed_routes.js). Runs only
// where node and npm are installed; the package is installed under the build tree.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/ovh/ovh_test_env.h"

namespace snapfs {
namespace {

namespace fs = std::filesystem;
using test::EmulatorProcess;
using test::route_count;
using test::run_command;
using test::shell_quote;

TEST(OvhNodeClient, OfficialNodeClientRunsEveryGuideRouteOverTls) {
  if (run_command("command -v node && command -v npm").exit_code != 0) {
    GTEST_SKIP() << "node and npm are not installed";
  }
  const fs::path source = fs::path(SNAPFS_SOURCE_DIR) / "tests" / "node";
  const fs::path work = fs::current_path() / "node-ovh-check";
  fs::create_directories(work);
  for (const char* file : {"package.json", "ovh_seed_routes.js"}) {
    fs::copy_file(source / file, work / file, fs::copy_options::overwrite_existing);
  }
  if (!fs::exists(work / "node_modules" / "@ovhcloud" / "node-ovh")) {
    auto install = run_command("cd " + shell_quote(work.string()) +
                                   " && npm install --no-audit --no-fund --loglevel=error",
                               std::chrono::minutes(5));
    if (install.exit_code != 0) {
      std::fprintf(stderr, "\n*** SKIPPING: npm install @ovhcloud/node-ovh failed: %s ***\n\n",
                   install.err.c_str());
      GTEST_SKIP() << "cannot install @ovhcloud/node-ovh (offline?)";
    }
  }
  EmulatorProcess emu({"--seed", "demo", "--async-ms", "200"}, /*tls=*/true);
  ASSERT_TRUE(emu.ok());
  auto run = run_command("cd " + shell_quote(work.string()) +
                             " && NODE_EXTRA_CA_CERTS=" + shell_quote(emu.ca_file()) +
                             " node ovh_seed_routes.js " + std::to_string(emu.port()),
                         std::chrono::minutes(2));
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("all routes ok"), std::string::npos) << run.out << run.err;

  const std::string part = "/1.0/dedicated/nasha/{serviceName}/partition/{partitionName}";
  const std::string share = "/1.0/storage/netapp/{serviceName}/share/{shareId}";
  for (const auto& [method, route] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/1.0/dedicated/nasha"},
           {"GET", part + "/snapshot"},
           {"POST", part + "/snapshot"},
           {"GET", part + "/snapshot/{snapshotType}"},
           {"DELETE", part + "/snapshot/{snapshotType}"},
           {"GET", part + "/customSnapshot"},
           {"POST", part + "/customSnapshot"},
           {"GET", part + "/customSnapshot/{name}"},
           {"DELETE", part + "/customSnapshot/{name}"},
           {"GET", share + "/snapshot"},
           {"POST", share + "/snapshot"},
           {"GET", share + "/snapshot/{snapshotId}"},
           {"DELETE", share + "/snapshot/{snapshotId}"}}) {
    EXPECT_GT(route_count(emu, method, route, 200), 0) << method << " " << route;
  }
}

}  // namespace
}  // namespace snapfs
