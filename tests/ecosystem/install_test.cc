// `cmake --install` of this build: binaries, manual pages and examples where users, man(1) and
// mount.fuse3 look for them, and an installed snapfs that runs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "tests/ecosystem/ecosystem_support.h"
#include "tests/support/mount.h"
#include "tests/support/process.h"

namespace snapfs::test {
namespace {

using std::chrono::seconds;

CommandResult cmake_install(const std::string& arguments, const std::string& environment = "") {
  return run_command(environment + " " + shell_quote(SNAPFS_CMAKE_COMMAND) + " --install " +
                         shell_quote(SNAPFS_BUILD_DIR) + " " + arguments,
                     seconds(180));
}

void expect_same_file(const std::string& installed, const std::string& source) {
  std::string text = read_file_text(source);
  ASSERT_FALSE(text.empty()) << source;
  EXPECT_EQ(read_file_text(installed), text) << installed << " differs from " << source;
}

TEST(CmakeInstallTest, PrefixHoldsBinariesManPagesAndExamples) {
  TempDir dir;
  const std::string prefix = dir.path() + "/prefix";
  CommandResult install = cmake_install("--prefix " + shell_quote(prefix));
  ASSERT_EQ(install.exit_code, 0) << install.out << install.err;

  for (const char* program : {"snapfs", "snapfs-emulator"}) {
    EXPECT_EQ(access((prefix + "/bin/" + program).c_str(), X_OK), 0) << program;
  }
  const std::string source = SNAPFS_SOURCE_DIR;
  expect_same_file(prefix + "/share/man/man1/snapfs.1", source + "/man/snapfs.1");
  expect_same_file(prefix + "/share/man/man5/snapfs.conf.5", source + "/man/snapfs.conf.5");
  int examples = 0;
  for (const auto& entry : std::filesystem::directory_iterator(source + "/examples")) {
    if (!entry.is_regular_file()) continue;
    ++examples;
    expect_same_file(prefix + "/share/doc/snapfs/examples/" + entry.path().filename().string(),
                     entry.path().string());
  }
  EXPECT_GE(examples, 2);

  // The installed programs run on their own (no build-tree paths).
  CommandResult version = run_command(shell_quote(prefix + "/bin/snapfs") + " --version");
  EXPECT_EQ(version.exit_code, 0) << version.err;
  EXPECT_EQ(version.out.rfind(std::string("snapfs ") + SNAPFS_PROJECT_VERSION + "\n", 0), 0u)
      << version.out;
  CommandResult emulator_help =
      run_command(shell_quote(prefix + "/bin/snapfs-emulator") + " --help");
  EXPECT_EQ(emulator_help.exit_code, 0) << emulator_help.err;

  // man finds both pages under the prefix's share/man.
  if (!missing_commands({"man"}).empty()) {
    std::fprintf(stderr, "\n*** man is not installed: manual page lookup not checked ***\n\n");
    return;
  }
  std::string manpath = "MANPATH=" + shell_quote(prefix + "/share/man") + " man -w ";
  EXPECT_EQ(run_command(manpath + "1 snapfs").out, prefix + "/share/man/man1/snapfs.1\n");
  EXPECT_EQ(run_command(manpath + "5 snapfs.conf").out, prefix + "/share/man/man5/snapfs.conf.5\n");
}

TEST(CmakeInstallTest, MountFuse3FindsSnapfsInstalledUnderUsrLocal) {
  SNAPFS_REQUIRE_FUSE();
  SNAPFS_REQUIRE_ROOT();
  SNAPFS_REQUIRE_COMMANDS({"unshare", "mount", "mount.fuse3"});
  TempDir dir;
  // /usr/local is CMake's default prefix on Linux; staged with DESTDIR as packagers do.
  const std::string staged = dir.path() + "/stage/usr/local/bin";
  CommandResult install =
      cmake_install("--prefix /usr/local", "DESTDIR=" + shell_quote(dir.path() + "/stage"));
  ASSERT_EQ(install.exit_code, 0) << install.out << install.err;
  ASSERT_EQ(access((staged + "/snapfs").c_str(), X_OK), 0);

  EmulatorProcess emulator({"--seed", "demo"});
  ASSERT_TRUE(emulator.ok());
  std::string config = dir.write_file("snapfs.conf", demo_config(emulator.base_url()), 0600);
  std::string mnt = dir.path() + "/mnt", empty = dir.path() + "/empty";
  ASSERT_EQ(run_command("mkdir -p " + shell_quote(mnt) + " " + shell_quote(empty)).exit_code, 0);

  // In a private mount namespace the staged bin/ is /usr/local/bin and /usr/local/sbin (searched
  // first) is empty. mount(8) gives mount.fuse3 the default search path whatever PATH was, and
  // mount.fuse3 starts `snapfs CONFIG MOUNTPOINT -o ...` through /bin/sh, which searches it.
  static const std::string kScript = R"(set -eu
staged=$1 empty=$2 config=$3 mnt=$4
mount --bind "$staged" /usr/local/bin
mount --bind "$empty" /usr/local/sbin
env -i /bin/sh -c 'command -v snapfs'
echo ---
trap 'umount -l "$mnt" 2>/dev/null || true' EXIT
env -i PATH=/nonexistent /bin/mount -t fuse.snapfs "$config" "$mnt" -o cache_ttl=5
ls "$mnt"
echo ---
umount "$mnt"
echo unmounted
)";
  CommandResult r =
      run_command("unshare --mount --propagation private sh -c " + shell_quote(kScript) + " sh " +
                      shell_quote(staged) + " " + shell_quote(empty) + " " + shell_quote(config) +
                      " " + shell_quote(mnt),
                  seconds(60));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out,
            "/usr/local/bin/snapfs\n---\nnaver\novh-efs\novh-nas\nscw\nscw-block\n---\nunmounted\n")
      << r.err;

  // The daemon mount.fuse3 started ends with its mount.
  EXPECT_TRUE(poll_until([&] { return processes_with_argument(config).empty(); }, seconds(15)));
  EXPECT_EQ(kill_processes_with_argument(config), 0) << "a snapfs daemon was left running";
}

}  // namespace
}  // namespace snapfs::test
