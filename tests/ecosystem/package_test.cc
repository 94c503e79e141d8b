// The Debian packages of this build (scripts/package.sh): built with CPack, checked by lintian,
// installed with apt-get, mounted from an fstab-style line through the installed snapfs, removed
// again; and `snapfs --version`, which names the package version and the commit.
#include <gtest/gtest.h>
#include <unistd.h>

#include <regex>
#include <string>
#include <vector>

#include "tests/ecosystem/ecosystem_support.h"
#include "tests/support/mount.h"
#include "tests/support/process.h"

namespace snapfs::test {
namespace {

using std::chrono::seconds;

// "ii" for an installed package, "" for one that dpkg does not know or that is gone.
std::string package_status(const std::string& package) {
  CommandResult r = run_command("dpkg-query -W -f='${db:Status-Abbrev}' " + shell_quote(package) +
                                " 2>/dev/null");
  std::string status = r.out;
  while (!status.empty() && status.back() == ' ') status.pop_back();
  return status == "un" || status == "pn" ? "" : status;
}

// The commit of the source checkout, "" when the sources are not one (then snapfs names none).
std::string source_commit() {
  const std::string git = "git -C " + shell_quote(SNAPFS_SOURCE_DIR) + " ";
  CommandResult top = run_command(git + "rev-parse --show-toplevel 2>/dev/null");
  CommandResult head = run_command(git + "rev-parse --verify -q HEAD 2>/dev/null");
  if (top.exit_code != 0 || head.exit_code != 0) return "";
  CommandResult same = run_command("test " + shell_quote(split_lines(top.out).at(0)) + " -ef " +
                                   shell_quote(SNAPFS_SOURCE_DIR));
  return same.exit_code == 0 ? split_lines(head.out).at(0) : "";
}

// Removes the packages when the test ends early, so that the machine is left as it was found.
struct PackagesRemovedAtExit {
  ~PackagesRemovedAtExit() {
    if (!package_status("snapfs-emulator").empty() || !package_status("snapfs").empty()) {
      run_command("dpkg --purge snapfs-emulator snapfs", seconds(120));
    }
  }
};

TEST(VersionTest, NamesPackageVersionAndCommit) {
  CommandResult r = run_command(shell_quote(SNAPFS_BINARY_PATH) + " --version");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> lines = split_lines(r.out);
  ASSERT_GE(lines.size(), 2u) << r.out;
  EXPECT_EQ(lines[0], std::string("snapfs ") + SNAPFS_PROJECT_VERSION);
  const std::string commit = source_commit();
  if (commit.empty()) {
    EXPECT_EQ(lines[1].rfind("FUSE library version ", 0), 0u) << r.out;
    return;
  }
  // Built from a checkout: the commit, marked when tracked files had changes.
  ASSERT_GE(lines.size(), 3u) << r.out;
  EXPECT_TRUE(lines[1] == "git commit " + commit ||
              lines[1] == "git commit " + commit + " (modified)")
      << lines[1] << " (checkout at " << commit << ")";
  EXPECT_EQ(lines[2].rfind("FUSE library version ", 0), 0u) << r.out;
}

TEST(DebianPackageTest, BuildLintInstallMountRemove) {
  SNAPFS_REQUIRE_FUSE();
  SNAPFS_REQUIRE_ROOT();
  SNAPFS_REQUIRE_COMMANDS({"cpack", "dpkg", "dpkg-deb", "dpkg-query", "dpkg-shlibdeps", "gzip",
                           "lintian", "apt-get", "unshare", "mount", "mount.fuse3", "pgrep"});
  for (const char* package : {"snapfs", "snapfs-emulator"}) {
    if (package_status(package).empty()) continue;
    // Installed by someone else: this test would replace it and then remove it.
    if (under_ci()) FAIL() << package << " is installed as a package before the test";
    std::fprintf(stderr, "\n*** SKIPPING: package %s is installed (apt-get remove it) ***\n\n",
                 package);
    GTEST_SKIP() << package << " is installed";
  }

  // Build: the packages of this build tree, into a temporary directory.
  TempDir dir;
  const std::string out = dir.path() + "/debs";
  CommandResult built =
      run_command("SNAPFS_INSTALL_DEPS=0 SNAPFS_BUILD_DIR=" + shell_quote(SNAPFS_BUILD_DIR) + " " +
                      shell_quote(std::string(SNAPFS_SOURCE_DIR) + "/scripts/package.sh") + " " +
                      shell_quote(out),
                  seconds(240));
  ASSERT_EQ(built.exit_code, 0) << built.out << built.err;
  const std::string arch = split_lines(run_command("dpkg --print-architecture").out).at(0);
  const std::string version = SNAPFS_PROJECT_VERSION;
  const std::string snapfs_deb = out + "/snapfs_" + version + "_" + arch + ".deb";
  const std::string emulator_deb = out + "/snapfs-emulator_" + version + "_" + arch + ".deb";
  EXPECT_EQ(built.out, emulator_deb + "\n" + snapfs_deb + "\n");  // in the order of the glob
  ASSERT_EQ(access(snapfs_deb.c_str(), R_OK), 0) << built.out;
  ASSERT_EQ(access(emulator_deb.c_str(), R_OK), 0) << built.out;

  // Contents: each package its program and documentation, nothing of the other.
  CommandResult files = run_command("dpkg-deb -c " + shell_quote(snapfs_deb));
  ASSERT_EQ(files.exit_code, 0) << files.err;
  for (const char* path :
       {"./usr/bin/snapfs", "./usr/share/man/man1/snapfs.1.gz",
        "./usr/share/man/man5/snapfs.conf.5.gz", "./usr/share/doc/snapfs/examples/snapfs.conf",
        "./usr/share/doc/snapfs/examples/snapfs.mount", "./usr/share/doc/snapfs/copyright",
        "./usr/share/doc/snapfs/changelog.gz"}) {
    EXPECT_NE(files.out.find(std::string(" ") + path + "\n"), std::string::npos)
        << path << " not in snapfs:\n"
        << files.out;
  }
  EXPECT_EQ(files.out.find("snapfs-emulator"), std::string::npos) << files.out;
  files = run_command("dpkg-deb -c " + shell_quote(emulator_deb));
  for (const char* path : {"./usr/bin/snapfs-emulator", "./usr/share/man/man1/snapfs-emulator.1.gz",
                           "./usr/share/doc/snapfs-emulator/copyright"}) {
    EXPECT_NE(files.out.find(std::string(" ") + path + "\n"), std::string::npos)
        << path << " not in snapfs-emulator:\n"
        << files.out;
  }
  EXPECT_EQ(files.out.find("./usr/bin/snapfs\n"), std::string::npos) << files.out;

  // Dependencies: those of the linked libraries (dpkg-shlibdeps), and fuse3 for mount.fuse3.
  std::string depends = run_command("dpkg-deb -f " + shell_quote(snapfs_deb) + " Depends").out;
  for (const char* dependency : {"fuse3", "libfuse3-3 ", "liburing2 ", "libcurl4 ", "libc6 "}) {
    EXPECT_NE((" " + depends).find(std::string(" ") + dependency), std::string::npos)
        << dependency << " not in Depends: " << depends;
  }
  depends = run_command("dpkg-deb -f " + shell_quote(emulator_deb) + " Depends").out;
  EXPECT_NE(depends.find("libcpp-httplib"), std::string::npos) << depends;
  EXPECT_EQ(depends.find("fuse"), std::string::npos) << depends;

  // Lint: neither errors nor warnings (the informational tags left are the hardening flags and
  // the .comment section of this build's compiler options).
  CommandResult lint = run_command("lintian --fail-on error,warning --tag-display-limit 0 " +
                                       shell_quote(snapfs_deb) + " " + shell_quote(emulator_deb),
                                   seconds(180));
  EXPECT_EQ(lint.exit_code, 0) << lint.out << lint.err;
  EXPECT_EQ(("\n" + lint.out).find("\nE: "), std::string::npos) << lint.out;
  EXPECT_EQ(("\n" + lint.out).find("\nW: "), std::string::npos) << lint.out;

  // Install: apt-get resolves the dependencies; they are all there already (they are those of
  // this build), so it installs the two packages and nothing else, and removing them restores
  // the machine.
  const std::string debs = shell_quote(snapfs_deb) + " " + shell_quote(emulator_deb);
  const std::string apt = "DEBIAN_FRONTEND=noninteractive apt-get -y -q --no-install-recommends ";
  CommandResult plan = run_command(apt + "-s install " + debs, seconds(120));
  ASSERT_EQ(plan.exit_code, 0) << plan.out << plan.err;
  std::vector<std::string> installs;
  for (const auto& line : split_lines(plan.out)) {
    if (line.rfind("Inst ", 0) == 0) installs.push_back(line.substr(5, line.find(' ', 5) - 5));
  }
  ASSERT_EQ(installs, (std::vector<std::string>{"snapfs", "snapfs-emulator"})) << plan.out;
  PackagesRemovedAtExit remove_at_exit;
  CommandResult installed = run_command(apt + "install " + debs, seconds(180));
  ASSERT_EQ(installed.exit_code, 0) << installed.out << installed.err;
  ASSERT_EQ(package_status("snapfs"), "ii");
  ASSERT_EQ(package_status("snapfs-emulator"), "ii");
  CommandResult shown = run_command("/usr/bin/snapfs --version");
  EXPECT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_EQ(shown.out.rfind("snapfs " + version + "\n", 0), 0u) << shown.out;

  // Mount: the installed emulator, and the installed snapfs started by mount.fuse3 from an
  // fstab-style line. In a private mount namespace /usr/local/bin and /usr/local/sbin are empty,
  // so that a snapfs installed there (e.g. by `cmake --install`) cannot be the one found.
  {
    Subprocess emulator({"/usr/bin/snapfs-emulator", "--seed", "demo"}, {},
                        dir.path() + "/emulator.stderr");
    std::string line;
    std::smatch m;
    ASSERT_TRUE(emulator.read_line(&line, seconds(10)));
    ASSERT_TRUE(std::regex_search(line, m, std::regex(R"(listening on (http://\S+))"))) << line;
    std::string config = dir.write_file("snapfs.conf", demo_config(m[1]), 0600);
    std::string mnt = dir.path() + "/mnt", empty = dir.path() + "/empty";
    ASSERT_EQ(run_command("mkdir -p " + shell_quote(mnt) + " " + shell_quote(empty)).exit_code, 0);
    static const std::string kScript = R"(set -eu
empty=$1 config=$2 mnt=$3
mount --bind "$empty" /usr/local/bin
mount --bind "$empty" /usr/local/sbin
env -i /bin/sh -c 'command -v snapfs'
trap 'umount -l "$mnt" 2>/dev/null || true' EXIT
env -i PATH=/nonexistent /bin/mount -t fuse.snapfs "$config" "$mnt" -o ro,cache_ttl=5
for pid in $(pgrep -f -- "$config"); do readlink "/proc/$pid/exe"; done | grep snapfs
ls "$mnt"
echo ---
volume=$(ls "$mnt/scw/fr-par-1" | head -n 1)
ls "$mnt/scw/fr-par-1/$volume/.snapshots" | wc -l
echo ---
umount "$mnt"
echo unmounted
)";
    CommandResult r =
        run_command("unshare --mount --propagation private sh -c " + shell_quote(kScript) + " sh " +
                        shell_quote(empty) + " " + shell_quote(config) + " " + shell_quote(mnt),
                    seconds(60));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    std::vector<std::string> lines = split_lines(r.out);
    ASSERT_EQ(lines.size(), 11u) << r.out << r.err;
    EXPECT_EQ(lines[0], "/usr/bin/snapfs");  // what mount.fuse3 starts
    EXPECT_EQ(lines[1], "/usr/bin/snapfs");  // the running daemon
    EXPECT_EQ(std::vector<std::string>(lines.begin() + 2, lines.begin() + 8),
              (std::vector<std::string>{"naver", "ovh-efs", "ovh-nas", "scw", "scw-block", "---"}));
    EXPECT_GT(std::stoi(lines[8]), 0) << "no snapshot listed";
    EXPECT_EQ(lines[10], "unmounted");
    EXPECT_TRUE(poll_until([&] { return processes_with_argument(config).empty(); }, seconds(15)));
    EXPECT_EQ(kill_processes_with_argument(config), 0) << "a snapfs daemon was left running";
  }

  // Remove: both packages gone, and their files with them.
  CommandResult removed = run_command(apt + "purge snapfs snapfs-emulator", seconds(180));
  EXPECT_EQ(removed.exit_code, 0) << removed.out << removed.err;
  EXPECT_EQ(package_status("snapfs"), "");
  EXPECT_EQ(package_status("snapfs-emulator"), "");
  EXPECT_NE(access("/usr/bin/snapfs", F_OK), 0);
  EXPECT_NE(access("/usr/bin/snapfs-emulator", F_OK), 0);
  EXPECT_NE(access("/usr/share/doc/snapfs", F_OK), 0);
}

}  // namespace
}  // namespace snapfs::test
