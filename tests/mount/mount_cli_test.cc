// The administrator's commands around a mount: --check-config, status, mounting through
// mount(8) and mount.fuse3 as fstab and systemd do, and the manual pages against the program.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "tests/support/fs_call.h"
#include "tests/support/mount.h"
#include "tests/support/process.h"

namespace snapfs::test {
namespace {

constexpr const char* kToken = "00000000-0000-4000-8000-000000000001";
constexpr const char* kWrongToken = "11111111-2222-4333-8444-555555555555";

std::string snapfs_command(const std::string& args) {
  return shell_quote(SNAPFS_BINARY_PATH) + " " + args;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Arguments of a man macro line, quotes honoured: `.BI "\-o uid=" n` -> {"\-o uid=", "n"}.
std::vector<std::string> macro_args(const std::string& rest) {
  std::vector<std::string> args;
  std::string current;
  bool quoted = false, any = false;
  for (char c : rest) {
    if (c == '"') {
      quoted = !quoted;
      any = true;
    } else if (c == ' ' && !quoted) {
      if (any) args.push_back(current);
      current.clear();
      any = false;
    } else {
      current += c;
      any = true;
    }
  }
  if (any) args.push_back(current);
  return args;
}

// One line of man source as the reader sees its words: fonts dropped, \- as -, the arguments of
// the alternating-font macros (.BI, .BR ...) run together.
std::string man_line_text(const std::string& line) {
  std::string text = line;
  static const std::regex kMacro(R"(^\.([A-Z]{1,2})\s*(.*)$)");
  std::smatch m;
  if (std::regex_match(line, m, kMacro)) {
    std::string name = m[1], rest = m[2];
    std::vector<std::string> args = macro_args(rest);
    std::string sep = name.size() == 2 && name != "TP" && name != "PP" && name != "SH" ? "" : " ";
    text.clear();
    for (std::size_t i = 0; i < args.size(); ++i) text += (i ? sep : "") + args[i];
  }
  text = std::regex_replace(text, std::regex(R"(\\f[BIRP])"), "");
  text = std::regex_replace(text, std::regex(R"(\\-)"), "-");
  return text;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string man_source(const std::string& page) {
  return read_text(std::string(SNAPFS_SOURCE_DIR) + "/man/" + page);
}

// The `-o` options the OPTIONS section of snapfs(1) documents, each with its placeholder
// ("seconds", "file" ...; empty for a flag such as ro).
std::map<std::string, std::string> man_mount_options() {
  std::map<std::string, std::string> options;
  bool in_options = false, tag_line = false;
  static const std::regex kOption(R"(-o ([a-z_]+)(=([a-z]+))?)");
  for (const std::string& line : lines_of(man_source("snapfs.1"))) {
    if (line.rfind(".SH", 0) == 0) in_options = line == ".SH OPTIONS";
    if (!in_options) continue;
    if (line == ".TP") {
      tag_line = true;
      continue;
    }
    if (!tag_line) continue;
    tag_line = false;
    std::string text = man_line_text(line);
    for (std::sregex_iterator it(text.begin(), text.end(), kOption), end; it != end; ++it) {
      options[(*it)[1]] = (*it)[3];
    }
  }
  return options;
}

class CliTest : public ::testing::Test {
 protected:
  void StartEmulator() {
    emulator_ = std::make_unique<EmulatorProcess>(std::vector<std::string>{"--seed", "demo"});
    ASSERT_TRUE(emulator_->ok());
  }

  // `snapfs -f CONFIG MNT -o OPTION` on a fresh mount point: for options that must fail the
  // mount before it happens.
  CommandResult MountInForeground(const std::string& option) {
    std::string config = dir_.write_file("snapfs.conf", Config(), 0600);
    std::string mnt = dir_.path() + "/refused-mnt";
    return run_command(
        "mkdir -p " + shell_quote(mnt) + " && " +
            snapfs_command("-f " + shell_quote(config) + " " + shell_quote(mnt) + " -o " + option),
        std::chrono::seconds(20));
  }

  // `snapfs -f --config CONFIG MNT`: for configurations that must fail the mount before it
  // happens. CONFIG is written as given unless it names an existing path.
  CommandResult MountConfigInForeground(const std::string& config_text) {
    std::string config = dir_.write_file("given.conf", config_text, 0600);
    return MountPathInForeground(config);
  }
  CommandResult MountPathInForeground(const std::string& config) {
    std::string mnt = dir_.path() + "/refused-mnt";
    return run_command(
        "mkdir -p " + shell_quote(mnt) + " && HOME=" + shell_quote(dir_.path()) + " " +
            snapfs_command("-f --config " + shell_quote(config) + " " + shell_quote(mnt)),
        std::chrono::seconds(20));
  }

  std::string Config(const std::string& secret = kToken) const {
    return "[scw]\ntype = scaleway-instance\nzones = fr-par-1,nl-ams-1\napi_url = " +
           emulator_->base_url() + "\nsecret_key = " + secret + "\n";
  }

  CommandResult CheckConfig(const std::string& config_text, int mode = 0600) {
    std::string path = dir_.write_file("snapfs.conf", config_text, mode);
    return run_command("HOME=" + shell_quote(dir_.path()) + " " +
                       snapfs_command("--check-config --config " + shell_quote(path)));
  }

  TempDir dir_;
  std::unique_ptr<EmulatorProcess> emulator_;
};

TEST_F(CliTest, CheckConfigListsEachWorkingRemoteAndExitsZero) {
  StartEmulator();
  emulator_->reset_stats();
  CommandResult r = CheckConfig(Config());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  std::vector<std::string> lines = lines_of(r.out);
  ASSERT_GE(lines.size(), 3u) << r.out;
  EXPECT_NE(lines[1].find("REMOTE"), std::string::npos) << r.out;
  EXPECT_TRUE(std::regex_search(lines[2], std::regex(R"(^scw\s+scaleway-instance\s+2\s+)")))
      << lines[2];
  EXPECT_NE(lines[2].find("credentials OK"), std::string::npos) << lines[2];
  // Zones come from the configuration, so a volume listing proved the credentials.
  EXPECT_GE(emulator_->total_requests(), 1);
}

TEST_F(CliTest, CheckConfigWithAWrongSecretFailsWithoutPrintingIt) {
  StartEmulator();
  CommandResult r = CheckConfig(Config(kWrongToken));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("scw"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("credentials OK"), std::string::npos) << r.out;
  EXPECT_EQ((r.out + r.err).find(kWrongToken), std::string::npos) << r.out << r.err;
  EXPECT_EQ((r.out + r.err).find("11111111"), std::string::npos) << r.out << r.err;
}

TEST_F(CliTest, CheckConfigRefusesAGroupReadableFileHoldingASecret) {
  CommandResult r = CheckConfig("[scw]\ntype = scaleway-instance\nzones = fr-par-1\nsecret_key = " +
                                    std::string(kToken) + "\n",
                                0644);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("chmod 600"), std::string::npos) << r.err;
  EXPECT_EQ((r.out + r.err).find(kToken), std::string::npos);
}

TEST_F(CliTest, StatusShowsTheRemoteAndItsRequestsAfterListing) {
  SNAPFS_REQUIRE_FUSE();
  StartEmulator();
  SnapfsMount mount(Config());
  ASSERT_TRUE(mount.ok()) << mount.log();
  ASSERT_EQ(mount.sh("ls scw/fr-par-1 >/dev/null && ls scw/nl-ams-1").exit_code, 0);
  CommandResult r = run_command(snapfs_command("status " + shell_quote(mount.path())));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.out, m, std::regex(R"(\nscw\s+scaleway-instance\s+(\d+)\s)")))
      << r.out;
  EXPECT_GT(std::stoi(m[1]), 0) << r.out;
  EXPECT_NE(r.out.find("200:"), std::string::npos) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(cache: \d+ hits, [1-9]\d* misses)"))) << r.out;

  CommandResult not_snapfs = run_command(snapfs_command("status " + shell_quote(dir_.path())));
  EXPECT_EQ(not_snapfs.exit_code, 1);
  EXPECT_NE(not_snapfs.err.find("not a snapfs mount"), std::string::npos) << not_snapfs.err;
}

TEST_F(CliTest, MountTypeFuseSnapfsFindsSnapfsOnTheDefaultSearchPath) {
  SNAPFS_REQUIRE_FUSE();
  if (geteuid() != 0 ||
      run_command("command -v mount.fuse3 && command -v unshare").exit_code != 0) {
    std::fprintf(stderr, "\n*** SKIPPING mount -t fuse.snapfs: needs root, mount.fuse3, unshare\n");
    GTEST_SKIP() << "needs root, mount.fuse3 and unshare";
  }
  StartEmulator();
  // mount(8) clears PATH before running mount.fuse3, whose shell then searches the default path
  // (/usr/local/sbin first). A private mount namespace puts snapfs there for this test alone.
  std::string bin = dir_.path() + "/bin", mnt = dir_.path() + "/mnt";
  ASSERT_EQ(run_command("mkdir -p " + shell_quote(bin) + " " + shell_quote(mnt) + " && ln -s " +
                        shell_quote(SNAPFS_BINARY_PATH) + " " + shell_quote(bin + "/snapfs"))
                .exit_code,
            0);
  std::string config = dir_.write_file("snapfs.conf", Config(), 0600);
  std::string script = "set -e; mount --bind " + shell_quote(bin) +
                       " /usr/local/sbin; trap 'umount " + shell_quote(mnt) +
                       " 2>/dev/null || true' EXIT; mount -t fuse.snapfs " + shell_quote(config) +
                       " " + shell_quote(mnt) + " -o cache_ttl=5; ls " + shell_quote(mnt) +
                       "; echo ---; grep " + shell_quote(" " + mnt + " ") +
                       " /proc/mounts; echo ---; umount " + shell_quote(mnt) + "; echo unmounted";
  CommandResult r = run_command("unshare -m --propagation private sh -c " + shell_quote(script));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::vector<std::string> parts;
  std::stringstream in(r.out);
  std::string part, line;
  while (std::getline(in, line)) {
    if (line == "---") {
      parts.push_back(part);
      part.clear();
    } else {
      part += line + "\n";
    }
  }
  parts.push_back(part);
  ASSERT_EQ(parts.size(), 3u) << r.out;
  EXPECT_EQ(parts[0], "scw\n");
  EXPECT_NE(parts[1].find(" fuse.snapfs "), std::string::npos) << parts[1];
  EXPECT_EQ(parts[2], "unmounted\n");
}

TEST_F(CliTest, FstabOnlyOptionsAreIgnoredAndUnknownOnesFailLoudly) {
  SNAPFS_REQUIRE_FUSE();
  StartEmulator();
  SnapfsMount mount(Config(), {"rw,defaults,noatime,relatime,nodiratime,comment=x,x-systemd.a=1"});
  ASSERT_TRUE(mount.ok()) << mount.log();
  EXPECT_EQ(mount.sh("ls").out, "scw\n");

  CommandResult r = MountInForeground("no_such_option");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("no_such_option"), std::string::npos) << r.err;
}

// busy_poll_us=0 (sleep at once) still serves; bad loop option values fail before mounting.
TEST_F(CliTest, BusyPollZeroStillServesAndBadLoopValuesFailLoudly) {
  SNAPFS_REQUIRE_FUSE();
  StartEmulator();
  SnapfsMount mount(Config(), {"busy_poll_us=0"});
  ASSERT_TRUE(mount.ok()) << mount.log();
  EXPECT_EQ(mount.sh("ls").out, "scw\n");
  EXPECT_EQ(mount.sh("ls scw").out, "fr-par-1\nnl-ams-1\n");

  for (const std::string option : {"busy_poll_us=soon", "io_uring=yes"}) {
    CommandResult r = MountInForeground(option);
    EXPECT_EQ(r.exit_code, 2) << option;
    EXPECT_NE(r.err.find(option.substr(0, option.find('='))), std::string::npos) << r.err;
  }
}

// Every bad option value fails with exit code 2 and its own message, before the configuration
// file is read. The options are checked in one fixed order, whatever their order on the command
// line: the first bad one in that order is the one reported.
TEST_F(CliTest, EachBadOptionFailsWithItsMessageTheFirstInAFixedOrder) {
  const std::string mnt = dir_.path() + "/refused-mnt";
  ASSERT_EQ(run_command("mkdir -p " + shell_quote(mnt)).exit_code, 0);
  auto refused = [&](const std::string& args) {
    return run_command(
        snapfs_command("-f --config " + shell_quote(dir_.path() + "/absent.conf") + " " + args),
        std::chrono::seconds(20));
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"log_level=loud", "log_level must be error, warning, info or debug"},
      {"uid=me", "bad uid"},
      {"gid=-", "bad gid"},
      {"umask=0778", "bad umask"},
      {"umask=1000", "bad umask"},
      {"cache_ttl=long", "cache_ttl must be a number of seconds"},
      {"timeout=0", "timeout must be a positive number of seconds"},
      {"prefetch=65", "prefetch must be a number of workers, 0 to 64"},
      {"max_rps=0", "max_rps must be a positive number of requests per second"},
      {"busy_poll_us=1000001", "busy_poll_us must be 0 to 1000000 microseconds"},
      {"io_uring=2", "io_uring must be 0 or 1"},
      // Several bad ones, the later in the fixed order first on the command line.
      {"uid=me,log_level=loud", "log_level must be error, warning, info or debug"},
      {"umask=9,gid=-,uid=me", "bad uid"},
      {"umask=9,gid=-", "bad gid"},
      {"io_uring=2,busy_poll_us=x,max_rps=0,prefetch=99,timeout=0,cache_ttl=x",
       "cache_ttl must be a number of seconds"},
      {"io_uring=2,busy_poll_us=x,max_rps=0,prefetch=99,timeout=0",
       "timeout must be a positive number of seconds"},
      {"io_uring=2,busy_poll_us=x,max_rps=0,prefetch=99",
       "prefetch must be a number of workers, 0 to 64"},
      {"io_uring=2,busy_poll_us=x,max_rps=0",
       "max_rps must be a positive number of requests per second"},
      {"io_uring=2,busy_poll_us=x", "busy_poll_us must be 0 to 1000000 microseconds"},
  };
  for (const auto& [option, message] : cases) {
    CommandResult r = refused(shell_quote(mnt) + " -o " + option);
    EXPECT_EQ(r.exit_code, 2) << option;
    EXPECT_EQ(r.err, "snapfs: " + message + "\n") << option;
  }
  // All good: the configuration file is read next.
  CommandResult good = refused(shell_quote(mnt) + " -o uid=1,gid=2,umask=022,timeout=3");
  EXPECT_EQ(good.exit_code, 2);
  EXPECT_EQ(good.err, "snapfs: cannot read configuration file " + dir_.path() + "/absent.conf\n");

  CommandResult two = refused("a b " + shell_quote(mnt));
  EXPECT_EQ(two.exit_code, 2);
  EXPECT_EQ(two.err, "snapfs: expected one mount point (see --help)\n");
  CommandResult check = run_command(snapfs_command("--check-config a b"));
  EXPECT_EQ(check.exit_code, 2);
  EXPECT_EQ(check.err, "snapfs: --check-config takes at most one configuration file\n");
  CommandResult status = run_command(snapfs_command("status"));
  EXPECT_EQ(status.exit_code, 2);
  EXPECT_EQ(status.err, "usage: snapfs status MOUNTPOINT\n");
}

TEST_F(CliTest, EveryHelpOptionIsInTheManPage) {
  CommandResult help = run_command(snapfs_command("--help"));
  ASSERT_EQ(help.exit_code, 0);
  std::size_t from = help.out.find("snapfs options:");
  std::size_t to = help.out.find("FUSE options:");
  ASSERT_NE(from, std::string::npos);
  ASSERT_NE(to, std::string::npos);
  std::string ours = help.out.substr(from, to - from);
  std::string man;
  for (const std::string& line : lines_of(man_source("snapfs.1")))
    man += man_line_text(line) + "\n";
  std::set<std::string> wanted;
  static const std::regex kOption(R"(-o ([a-z_]+))");
  static const std::regex kFlag(R"((^|[\s,])(--?[A-Za-z][A-Za-z-]*))");
  for (std::sregex_iterator it(ours.begin(), ours.end(), kOption), end; it != end; ++it) {
    wanted.insert("-o " + (*it)[1].str());
  }
  for (std::sregex_iterator it(ours.begin(), ours.end(), kFlag), end; it != end; ++it) {
    if ((*it)[2] != "-o") wanted.insert((*it)[2]);
  }
  EXPECT_GE(wanted.size(), 10u);
  for (const std::string& option : wanted) {
    EXPECT_NE(man.find(option), std::string::npos) << option << " is missing from snapfs.1";
  }
}

TEST_F(CliTest, EveryManPageMountOptionIsAcceptedByAMount) {
  std::map<std::string, std::string> documented = man_mount_options();
  ASSERT_GE(documented.size(), 8u) << "the OPTIONS section of snapfs.1 could not be read";
  SNAPFS_REQUIRE_FUSE();
  StartEmulator();
  std::string config = dir_.write_file("other.conf", Config(), 0600);
  const std::map<std::string, std::string> samples = {
      {"file", config}, {"seconds", "5"},       {"name", "scw"},
      {"octal", "022"}, {"level", "info"},      {"workers", "4"},
      {"rate", "50"},   {"microseconds", "20"}, {"flag", "1"},
      {"kib", "1024"}};
  std::vector<std::string> options;
  for (const auto& [option, placeholder] : documented) {
    if (placeholder.empty()) {
      options.push_back(option);
    } else if (placeholder == "n") {
      options.push_back(option + "=" + std::to_string(option == "gid" ? getgid() : getuid()));
    } else {
      auto sample = samples.find(placeholder);
      ASSERT_NE(sample, samples.end()) << "no sample value for -o " << option << "=" << placeholder;
      options.push_back(option + "=" + sample->second);
    }
  }
  SnapfsMount mount(Config(), options);
  ASSERT_TRUE(mount.ok()) << mount.log();
  EXPECT_EQ(mount.sh("ls").out, "scw\n");
}

TEST_F(CliTest, ManPagesRenderWithoutWarnings) {
  if (run_command("command -v groff").exit_code != 0) {
    std::fprintf(stderr, "\n*** SKIPPING man page check: groff is not installed ***\n\n");
    GTEST_SKIP() << "groff missing (Debian package groff-base)";
  }
  for (const char* page : {"snapfs.1", "snapfs.conf.5"}) {
    std::string path = std::string(SNAPFS_SOURCE_DIR) + "/man/" + page;
    CommandResult r = run_command("groff -man -Tutf8 -ww -z " + shell_quote(path));
    EXPECT_EQ(r.exit_code, 0) << page;
    EXPECT_EQ(r.out + r.err, "") << page;
  }
}

}  // namespace
}  // namespace snapfs::test

namespace snapfs::test {
namespace {

constexpr auto kCallLimit = std::chrono::seconds(30);

// A remote whose section says read_only = true refuses every change as `-o ro` does, while the
// other remotes of the same mount still accept them; a refresh changes nothing in the cloud and
// stays allowed.
TEST_F(CliTest, ReadOnlyRemoteRefusesEveryChangeButARefresh) {
  SNAPFS_REQUIRE_FUSE();
  StartEmulator();
  std::string rw = Config();
  std::string ro = rw;
  ro.replace(ro.find("[scw]"), 5, "[guarded]");
  ro += "read_only = true\n";
  SnapfsMount mount(ro + "\n" + rw);
  ASSERT_TRUE(mount.ok()) << mount.log();
  const std::string root = mount.path() + "/";
  const std::string snaps = "/fr-par-1/web-01-root/.snapshots";
  const std::string guarded = root + "guarded" + snaps, open = root + "scw" + snaps;
  const std::string snap = guarded + "/web-01-root-2026-03-01";

  EXPECT_EQ(mount.sh("stat -c %a " + shell_quote(guarded)).out, "555\n");
  EXPECT_EQ(mount.sh("stat -c %a " + shell_quote(open)).out, "755\n");

  EXPECT_EQ(errno_name(fs_mkdir(guarded + "/new-one", kCallLimit).error), "EROFS");
  EXPECT_EQ(errno_name(fs_rmdir(snap, kCallLimit).error), "EROFS");
  EXPECT_EQ(errno_name(fs_rename(snap, guarded + "/renamed", kCallLimit).error), "EROFS");
  EXPECT_EQ(errno_name(fs_rmdir(root + "guarded/fr-par-1/web-01-root", kCallLimit).error), "EROFS");
  EXPECT_EQ(errno_name(fs_setxattr(snap, "user.snapfs.tags", "x", kCallLimit).error), "EROFS");
  EXPECT_EQ(errno_name(fs_setxattr(snap, "user.snapfs.description", "x", kCallLimit).error),
            "EROFS");
  CommandResult remove = mount.sh("setfattr -x user.snapfs.tags " + shell_quote(snap));
  EXPECT_NE(remove.exit_code, 0);
  EXPECT_NE(remove.err.find("Read-only file system"), std::string::npos) << remove.err;
  EXPECT_EQ(errno_name(fs_setxattr(guarded, "user.snapfs.refresh", "1", kCallLimit).error), "ok");

  // Nothing reached the cloud: the snapshot is there under its name with its tags.
  CommandResult listed = mount.sh("ls " + shell_quote(open));
  EXPECT_NE(listed.out.find("web-01-root-2026-03-01\n"), std::string::npos) << listed.out;
  EXPECT_EQ(listed.out.find("new-one"), std::string::npos) << listed.out;
  EXPECT_EQ(fs_getxattr(open + "/web-01-root-2026-03-01", "user.snapfs.tags", kCallLimit).value,
            "daily");

  // The same volume through the remote without the key takes changes.
  EXPECT_EQ(errno_name(fs_mkdir(open + "/new-one", kCallLimit).error), "ok");
}

TEST_F(CliTest, ReadOnlyThatIsNotABooleanFailsTheMountAndCheckConfig) {
  StartEmulator();
  std::string config = Config() + "read_only = maybe\n";
  CommandResult mounted = MountConfigInForeground(config);
  EXPECT_EQ(mounted.exit_code, 2) << mounted.out << mounted.err;
  EXPECT_NE(mounted.err.find("[scw] read_only must be true or false, not 'maybe'"),
            std::string::npos)
      << mounted.err;
  CommandResult checked = CheckConfig(config);
  EXPECT_EQ(checked.exit_code, 1) << checked.out << checked.err;
  EXPECT_NE(checked.err.find("read_only must be true or false"), std::string::npos) << checked.err;
}

// -o ro refuses changes, but a refresh only drops snapfs's own copy of a listing.
TEST_F(CliTest, ReadOnlyMountStillTakesARefresh) {
  SNAPFS_REQUIRE_FUSE();
  StartEmulator();
  SnapfsMount mount(Config(), {"ro"});
  ASSERT_TRUE(mount.ok()) << mount.log();
  const std::string dir = mount.path() + "/scw/fr-par-1/spare-disk/.snapshots";
  EXPECT_EQ(errno_name(fs_setxattr(dir, "user.snapfs.refresh", "1", kCallLimit).error), "ok");
  EXPECT_EQ(
      errno_name(fs_setxattr(mount.path() + "/scw", "user.snapfs.refresh", "1", kCallLimit).error),
      "ok");
  EXPECT_EQ(errno_name(fs_mkdir(dir + "/new-one", kCallLimit).error), "EROFS");
}

// A configuration that cannot be what was meant fails the mount with a message, instead of
// mounting an empty tree or silently ignoring a key.
TEST_F(CliTest, ConfigurationMistakesFailTheMountWithAMessage) {
  StartEmulator();
  CommandResult directory = MountPathInForeground(dir_.path());
  EXPECT_EQ(directory.exit_code, 2) << directory.err;
  EXPECT_NE(directory.err.find("is not a configuration file (a directory)"), std::string::npos)
      << directory.err;

  CommandResult empty = MountConfigInForeground("");
  EXPECT_EQ(empty.exit_code, 2) << empty.err;
  EXPECT_NE(empty.err.find("defines no remote"), std::string::npos) << empty.err;

  std::string typo = Config();
  typo.replace(typo.find("secret_key"), 10, "secret_kye");
  CommandResult unknown = MountConfigInForeground(typo);
  EXPECT_EQ(unknown.exit_code, 2) << unknown.err;
  EXPECT_NE(unknown.err.find("unknown key 'secret_kye' in [scw] (did you mean 'secret_key'?)"),
            std::string::npos)
      << unknown.err;
  EXPECT_EQ(unknown.err.find(kToken), std::string::npos) << unknown.err;

  CommandResult checked = CheckConfig(typo);
  EXPECT_EQ(checked.exit_code, 1) << checked.out << checked.err;
  EXPECT_NE(checked.err.find("unknown key 'secret_kye'"), std::string::npos) << checked.err;
}

TEST_F(CliTest, AZoneListedTwiceShowsOnce) {
  SNAPFS_REQUIRE_FUSE();
  StartEmulator();
  std::string config = Config();
  config.replace(config.find("fr-par-1,nl-ams-1"), 17, "fr-par-1, nl-ams-1,fr-par-1");
  SnapfsMount mount(config);
  ASSERT_TRUE(mount.ok()) << mount.log();
  EXPECT_EQ(mount.sh("ls scw").out, "fr-par-1\nnl-ams-1\n");
}

}  // namespace
}  // namespace snapfs::test
