// snapfs: mount cloud NAS and volume snapshots as directories.
//
//   snapfs [-o OPTIONS] [--config FILE] MOUNTPOINT
//   snapfs CONFIG MOUNTPOINT -o OPTIONS        (as mount.fuse3 and /etc/fstab call it)
//   snapfs --check-config [--config FILE]      (tries each remote's credentials)
//   snapfs status MOUNTPOINT                   (a running mount's counters)
//   snapfs versions [--mount DIR]... [--timeout S] FILE  (a file's other versions in snapshots)
#include <fuse_lowlevel.h>
#include <malloc.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fs/check_config.h"
#include "fs/config.h"
#include "fs/content/read_data.h"
#include "fs/device_io.h"
#include "fs/fuse_adapter.h"
#include "fs/fuse_uring.h"
#include "fs/namespace.h"
#include "fs/passthrough.h"
#include "fs/read_ahead.h"
#include "fs/session_loop.h"
#include "fs/status.h"
#include "fs/versions.h"
#include "providers/common/log.h"
#include "providers/common/strings.h"
#include "snapfs_git_commit.h"  // SNAPFS_GIT_COMMIT, generated at build time

namespace snapfs {
namespace {

struct CliOptions {
  char* config = nullptr;
  char* cache_ttl = nullptr;
  char* timeout = nullptr;
  char* log_level = nullptr;
  char* remotes = nullptr;
  char* uid = nullptr;
  char* gid = nullptr;
  char* umask = nullptr;
  char* prefetch = nullptr;
  char* max_rps = nullptr;
  char* busy_poll_us = nullptr;
  char* io_uring = nullptr;
  char* passthrough = nullptr;
  char* read_ahead_kb = nullptr;
  int read_only = 0;
  int show_help = 0;
  int show_version = 0;
  int check_config = 0;
  std::vector<std::string> positional;

  CliOptions() = default;
  CliOptions(const CliOptions&) = delete;
  CliOptions& operator=(const CliOptions&) = delete;
  // fuse_opt_parse strdup()s every %s value.
  ~CliOptions() {
    for (char* value : {config, cache_ttl, timeout, log_level, remotes, uid, gid, umask, prefetch,
                        max_rps, busy_poll_us, io_uring, passthrough, read_ahead_kb}) {
      free(value);
    }
  }
};

// Frees libfuse's argument vector on every way out of run().
struct FuseArgsGuard {
  fuse_args* args;
  ~FuseArgsGuard() { fuse_opt_free_args(args); }
};

// See SessionLoopOptions::busy_poll.
constexpr unsigned long kDefaultBusyPollUs = 50;

enum { kKeyHelp, kKeyVersion, kKeyReadOnly, kKeyCheckConfig };

#define SNAPFS_OPT(templ, field) \
  { templ, offsetof(CliOptions, field), 1 }
const fuse_opt kOptions[] = {
    SNAPFS_OPT("config=%s", config),
    SNAPFS_OPT("--config=%s", config),
    SNAPFS_OPT("--config %s", config),
    SNAPFS_OPT("cache_ttl=%s", cache_ttl),
    SNAPFS_OPT("timeout=%s", timeout),
    SNAPFS_OPT("log_level=%s", log_level),
    SNAPFS_OPT("remotes=%s", remotes),
    SNAPFS_OPT("uid=%s", uid),
    SNAPFS_OPT("gid=%s", gid),
    SNAPFS_OPT("umask=%s", umask),
    SNAPFS_OPT("prefetch=%s", prefetch),
    SNAPFS_OPT("max_rps=%s", max_rps),
    SNAPFS_OPT("busy_poll_us=%s", busy_poll_us),
    SNAPFS_OPT("io_uring=%s", io_uring),
    SNAPFS_OPT("passthrough=%s", passthrough),
    SNAPFS_OPT("read_ahead_kb=%s", read_ahead_kb),
    FUSE_OPT_KEY("ro", kKeyReadOnly),
    FUSE_OPT_KEY("-h", kKeyHelp),
    FUSE_OPT_KEY("--help", kKeyHelp),
    FUSE_OPT_KEY("-V", kKeyVersion),
    FUSE_OPT_KEY("--version", kKeyVersion),
    FUSE_OPT_KEY("--check-config", kKeyCheckConfig),
    FUSE_OPT_END,
};
#undef SNAPFS_OPT

// fstab options that mean something to mount(8) or to other programs but nothing to snapfs.
// mount.fuse3 already drops _netdev, nofail, auto, noauto, user, users and nouser, yet passes
// "defaults", "comment=" and the rest; libfuse itself takes rw, ro, dev, suid, exec, atime,
// noatime, sync, async and dirsync, but refuses the other atime flavours, which mean nothing for
// directories whose contents never change. These are dropped here; any other unknown option
// still fails the mount with libfuse's "unknown option" message on standard error, before the
// daemon detaches, so mount(8) reports it.
bool is_ignored_mount_option(const std::string& option) {
  static const char* const kIgnored[] = {
      "defaults", "auto",       "noauto",      "user",          "users",    "nouser",
      "owner",    "group",      "_netdev",     "nofail",        "diratime", "nodiratime",
      "relatime", "norelatime", "strictatime", "nostrictatime", "lazytime", "nolazytime"};
  for (const char* name : kIgnored) {
    if (option == name) return true;
  }
  return option.rfind("x-", 0) == 0 || option.rfind("comment=", 0) == 0;
}

int option_proc(void* data, const char* arg, int key, fuse_args*) {
  auto* opts = static_cast<CliOptions*>(data);
  switch (key) {
    case kKeyHelp: opts->show_help = 1; return 0;
    case kKeyVersion: opts->show_version = 1; return 0;
    case kKeyCheckConfig: opts->check_config = 1; return 0;
    // snapfs refuses the changes itself: a kernel read-only mount would also refuse the
    // setxattr of user.snapfs.refresh, which changes nothing in the cloud.
    case kKeyReadOnly: opts->read_only = 1; return 0;
    case FUSE_OPT_KEY_NONOPT: opts->positional.emplace_back(arg); return 0;
    case FUSE_OPT_KEY_OPT: return is_ignored_mount_option(arg) ? 0 : 1;
    default: return 1;
  }
}

void print_help(const char* prog) {
  std::printf(
      "usage: %s [options] MOUNTPOINT\n"
      "       %s CONFIG MOUNTPOINT [-o options]       (mount.fuse3, /etc/fstab)\n"
      "       %s --check-config [--config FILE] [-o remotes=...]\n"
      "       %s status MOUNTPOINT\n"
      "       %s versions [--mount DIR]... [--timeout S] FILE\n\n"
      "Shows cloud NAS and volume snapshots as directories:\n"
      "  MOUNTPOINT/<remote>/<service>/<volume>/.snapshots/<snapshot>/\n\n"
      "snapfs options:\n"
      "    --config FILE, -o config=FILE  configuration file (default: $XDG_CONFIG_HOME/snapfs/\n"
      "                                   snapfs.conf, then /etc/snapfs.conf)\n"
      "    -o ro                          read-only mount: mkdir, rmdir, mv and xattr writes\n"
      "                                   (user.snapfs.refresh aside) fail with EROFS\n"
      "    -o cache_ttl=SECONDS           how long listings are cached (default 30)\n"
      "    -o timeout=SECONDS             deadline of each operation (default 20)\n"
      "    -o prefetch=WORKERS            background listing workers: children of listed\n"
      "                                   directories, refreshes past cache_ttl (default 8,\n"
      "                                   0 = off)\n"
      "    -o max_rps=RATE                at most RATE API requests per second per remote\n"
      "                                   (default: no limit but the API's own 429 answers)\n"
      "    -o busy_poll_us=MICROSECONDS   after each request, look for the next one this\n"
      "                                   long before sleeping (default 50, 0 = never)\n"
      "    -o io_uring=FLAG               1: take requests over FUSE over io_uring when the\n"
      "                                   kernel offers it (default); 0: /dev/fuse only\n"
      "    -o passthrough=FLAG            1: the kernel reads snapshot files itself where it\n"
      "                                   can (default); 0: every read goes through snapfs\n"
      "    -o read_ahead_kb=KIB           how far the kernel reads ahead in a snapshot's file\n"
      "                                   read through snapfs (default 4096, in whole READs\n"
      "                                   of max_read; 0: the kernel's own, 128; needs root)\n"
      "    -o remotes=NAME[,NAME...]      mount only these remotes\n"
      "    -o uid=N, -o gid=N             owner of every entry (default: the mounting user)\n"
      "    -o umask=OCTAL                 permission bits to clear (default 0)\n"
      "    -o log_level=LEVEL             error, warning, info (default) or debug\n"
      "    --check-config                 try each remote's credentials with one request, print\n"
      "                                   a table and exit (0: all remotes work)\n"
      "    -V, --version                  print the version\n\n"
      "commands:\n"
      "    status MOUNTPOINT              a running mount's request and cache counters\n"
      "    versions [--mount DIR]... [--timeout S] FILE\n"
      "                                   the snapshots holding another version of FILE (on an\n"
      "                                   NFS mount of a volume), newest first; a snapfs mount\n"
      "                                   silent for S seconds (30) is passed over\n\n"
      "FUSE options:\n",
      prog, prog, prog, prog, prog);
  fuse_cmdline_help();
  fuse_lowlevel_help();
}

bool parse_seconds(const char* text, std::chrono::milliseconds* out) {
  if (text == nullptr) return true;
  char* end = nullptr;
  double value = std::strtod(text, &end);
  if (end == text || *end != '\0' || value < 0 || value > 86400 * 365) return false;
  *out = std::chrono::milliseconds(static_cast<long long>(value * 1000));
  return true;
}

bool valid_max_rps(const char* text) {
  double rate = 0;
  return parse_rate(text, &rate) && rate > 0;
}

bool parse_unsigned(const char* text, int base, unsigned long* out) {
  char* end = nullptr;
  unsigned long value = std::strtoul(text, &end, base);
  if (end == text || *end != '\0') return false;
  *out = value;
  return true;
}

// Prints "snapfs: MESSAGE" for a refused command line; false, for the caller to exit with 2.
bool refuse(const char* message) {
  std::fprintf(stderr, "snapfs: %s\n", message);
  return false;
}

// `snapfs status` and `snapfs versions` are commands of their own: the exit code when argv names
// one, nothing when it is a mount or --check-config.
std::optional<int> run_command(int argc, char* argv[]) {
  if (argc < 2) return std::nullopt;
  // A configuration file named "status" is still mountable as ./status.
  if (std::strcmp(argv[1], "status") == 0) {
    if (argc != 3) {
      std::fprintf(stderr, "usage: snapfs status MOUNTPOINT\n");
      return 2;
    }
    return run_status(argv[2], stdout, stderr);
  }
  if (std::strcmp(argv[1], "versions") == 0) {
    return run_versions(std::vector<std::string>(argv + 2, argv + argc), stdout, stderr);
  }
  return std::nullopt;
}

void print_version() {
  std::printf("snapfs %s\n", SNAPFS_VERSION);
  // The version alone does not tell builds of a checkout apart; the commit does.
  if (SNAPFS_GIT_COMMIT[0] != '\0') std::printf("git commit %s\n", SNAPFS_GIT_COMMIT);
  std::printf("FUSE library version %s\n", fuse_pkgversion());
}

// mount.fuse3 passes the fstab "device" (our configuration file) before the mount point; an
// explicit config= option wins over it.
int run_check_config_command(const CliOptions& cli, std::string config_path,
                             const std::vector<std::string>& wanted) {
  if (cli.positional.size() > 1) {
    std::fprintf(stderr, "snapfs: --check-config takes at most one configuration file\n");
    return 2;
  }
  if (config_path.empty() && !cli.positional.empty()) config_path = cli.positional[0];
  return run_check_config(config_path, wanted, default_provider_env(), stdout, stderr);
}

// Leaves the mount point alone in cli->positional, taking a configuration file in front of it
// (mount.fuse3's "device") into *config_path unless one was given already.
bool take_mount_point(CliOptions* cli, std::string* config_path) {
  if (cli->positional.size() == 2) {
    if (config_path->empty()) *config_path = cli->positional[0];
    cli->positional.erase(cli->positional.begin());
  }
  if (cli->positional.size() != 1) return refuse("expected one mount point (see --help)");
  return true;
}

// libfuse's -d means debug; log_level= overrides it either way.
bool apply_log_level(const CliOptions& cli, const fuse_cmdline_opts& cmd) {
  LogLevel level = cmd.debug ? LogLevel::Debug : LogLevel::Info;
  if (cli.log_level && !parse_log_level(cli.log_level, &level)) {
    return refuse("log_level must be error, warning, info or debug");
  }
  set_log_level(level);
  return true;
}

// Every entry's owner and modes: the mounting user's unless uid=, gid= or umask= say otherwise.
bool parse_ownership(const CliOptions& cli, FsOptions* fs) {
  fs->uid = getuid();
  fs->gid = getgid();
  unsigned long number = 0;
  if (cli.uid) {
    if (!parse_unsigned(cli.uid, 10, &number)) return refuse("bad uid");
    fs->uid = static_cast<uid_t>(number);
  }
  if (cli.gid) {
    if (!parse_unsigned(cli.gid, 10, &number)) return refuse("bad gid");
    fs->gid = static_cast<gid_t>(number);
  }
  if (cli.umask) {
    if (!parse_unsigned(cli.umask, 8, &number) || number > 0777) return refuse("bad umask");
    fs->umask = static_cast<mode_t>(number);
  }
  return true;
}

bool parse_fs_options(const CliOptions& cli, FsOptions* fs) {
  fs->read_only = cli.read_only != 0;
  if (!parse_ownership(cli, fs)) return false;
  if (!parse_seconds(cli.cache_ttl, &fs->cache_ttl)) {
    return refuse("cache_ttl must be a number of seconds");
  }
  if (!parse_seconds(cli.timeout, &fs->timeout) || fs->timeout.count() == 0) {
    return refuse("timeout must be a positive number of seconds");
  }
  unsigned long number = 0;
  if (cli.prefetch) {
    if (!parse_unsigned(cli.prefetch, 10, &number) || number > 64) {
      return refuse("prefetch must be a number of workers, 0 to 64");
    }
    fs->prefetch = number;
  }
  return true;
}

// max_rps is handed to each remote as its default (see make_remotes); only checked here.
bool check_max_rps(const CliOptions& cli) {
  if (cli.max_rps && !valid_max_rps(cli.max_rps)) {
    return refuse("max_rps must be a positive number of requests per second");
  }
  return true;
}

bool parse_loop_options(const CliOptions& cli, const fuse_cmdline_opts& cmd,
                        SessionLoopOptions* loop, bool* use_io_uring) {
  loop->threads = cmd.singlethread ? 1 : cmd.max_threads;
  loop->busy_poll = std::chrono::microseconds(kDefaultBusyPollUs);
  unsigned long number = 0;
  if (cli.busy_poll_us) {
    if (!parse_unsigned(cli.busy_poll_us, 10, &number) || number > 1000000) {
      return refuse("busy_poll_us must be 0 to 1000000 microseconds");
    }
    loop->busy_poll = std::chrono::microseconds(number);
  }
  *use_io_uring = true;
  if (cli.io_uring) {
    if (std::strcmp(cli.io_uring, "0") != 0 && std::strcmp(cli.io_uring, "1") != 0) {
      return refuse("io_uring must be 0 or 1");
    }
    *use_io_uring = cli.io_uring[0] == '1';
  }
  return true;
}

bool parse_passthrough(const CliOptions& cli, bool* use_passthrough) {
  *use_passthrough = true;
  if (cli.passthrough) {
    if (std::strcmp(cli.passthrough, "0") != 0 && std::strcmp(cli.passthrough, "1") != 0) {
      return refuse("passthrough must be 0 or 1");
    }
    *use_passthrough = cli.passthrough[0] == '1';
  }
  return true;
}

bool parse_read_ahead(const CliOptions& cli, unsigned* read_ahead_kb, bool* asked) {
  *read_ahead_kb = kDefaultReadAheadKb;
  *asked = cli.read_ahead_kb != nullptr;
  if (cli.read_ahead_kb) {
    char* end = nullptr;
    errno = 0;
    const unsigned long kb = std::strtoul(cli.read_ahead_kb, &end, 10);
    // The kernel keeps readahead in pages of an unsigned long; a GiB is far past any use.
    if (errno != 0 || end == cli.read_ahead_kb || *end != '\0' || cli.read_ahead_kb[0] == '-' ||
        kb > 1048576) {
      return refuse("read_ahead_kb must be a number of KiB from 0 to 1048576");
    }
    *read_ahead_kb = static_cast<unsigned>(kb);
  }
  return true;
}

// Not being root only costs speed: said once, louder when the option was asked for.
void raise_read_ahead(const char* mount_point, unsigned kb, bool asked) {
  const std::string why = set_read_ahead(mount_point, kb);
  if (why.empty()) return;
  const std::string line = "readahead of snapshot files stays the kernel's: " + why;
  if (asked) {
    log_warning(line);
  } else {
    log_info(line);
  }
}

// What the -o options ask of a mount, once checked.
struct MountOptions {
  FsOptions fs;
  SessionLoopOptions loop;
  bool use_io_uring = true;
  bool use_passthrough = true;
  unsigned read_ahead_kb = kDefaultReadAheadKb;  // 0: the kernel's default stays
  bool read_ahead_asked = false;                 // -o read_ahead_kb given
};

// In the order of the error messages: the first bad option is the one reported.
bool parse_mount_options(const CliOptions& cli, const fuse_cmdline_opts& cmd, MountOptions* out) {
  return parse_fs_options(cli, &out->fs) && check_max_rps(cli) &&
         parse_loop_options(cli, cmd, &out->loop, &out->use_io_uring) &&
         parse_passthrough(cli, &out->use_passthrough) &&
         parse_read_ahead(cli, &out->read_ahead_kb, &out->read_ahead_asked);
}

// Reads the configuration file (*config_path: the one given, then the one read) and makes a
// provider for each remote wanted.
bool make_remotes(const CliOptions& cli, const std::vector<std::string>& wanted,
                  std::string* config_path, std::vector<Remote>* remotes) {
  ProviderEnv env = default_provider_env();
  auto config = load_mount_config(*config_path, env);
  if (!config.ok()) return refuse(config.error().message.c_str());
  *config_path = config->path;
  auto selected = select_remotes(config.value(), wanted);
  if (!selected.ok()) return refuse(selected.error().message.c_str());
  for (RemoteConfig& rc : selected.value()) {
    // The mount option is every remote's default; a remote's own max_rps key wins.
    if (cli.max_rps && rc.keys.count("max_rps") == 0) rc.keys["max_rps"] = cli.max_rps;
    auto provider = make_provider(rc, env);
    if (!provider.ok()) {
      std::fprintf(stderr, "snapfs: remote [%s]: %s\n", rc.name.c_str(),
                   provider.error().message.c_str());
      return false;
    }
    remotes->push_back(Remote{rc, std::move(provider.value())});
  }
  return true;
}

// The mounted life of the daemon: from its mount line to the unmount. Returns the session
// loop's result (non-zero: failed).
int serve_mounted(fuse_session* session, const fuse_cmdline_opts& cmd, FuseNotifier* notifier,
                  FuseAdapterConfig* adapter, const MountOptions& options,
                  const std::string& config_path) {
  int rc = 1;
  // The daemon's journal starts with its mount line.
  if (!cmd.foreground) log_to_syslog("snapfs");
  log_info("mounted " + std::string(cmd.mountpoint) + " from " + config_path);
  fuse_daemonize(cmd.foreground);
  notifier->start(session);
  // FUSE over io_uring needs a thread per CPU, so not with -s.
  const bool rings_wanted = options.use_io_uring && !cmd.singlethread;
  FuseUring uring(session, rings_wanted);
  Passthrough passthrough(session, options.use_passthrough);
  adapter->passthrough = options.use_passthrough ? &passthrough : nullptr;
  DeviceIo device_io(session, rings_wanted ? &uring : nullptr, adapter->passthrough);
  // With both declined, the session keeps libfuse's own /dev/fuse reads and writes: no hook
  // stands between libfuse and the device.
  if (!rings_wanted) log_info("FUSE requests over /dev/fuse only: io_uring not used");
  if ((rings_wanted || options.use_passthrough) && !device_io.install()) {
    log_error("cannot install the FUSE I/O hooks");
  } else {
    SessionLoopOptions loop_options = options.loop;
    // Calls still waiting on the API end now, with ENOTCONN, rather than at their deadline.
    loop_options.on_exit = [adapter] { adapter->requests.cancel_all(); };
    // INIT's answer sets the readahead to the kernel's default at most: raised after it.
    if (options.read_ahead_kb != 0) {
      loop_options.after_init = [&options, &cmd] {
        raise_read_ahead(cmd.mountpoint, options.read_ahead_kb, options.read_ahead_asked);
      };
    }
    rc = run_session_loop(session, loop_options, rings_wanted ? &uring : nullptr);
  }
  notifier->stop();
  fuse_session_unmount(session);
  log_info("unmounted " + std::string(cmd.mountpoint));
  return rc;
}

// Mounts the remotes and answers the kernel until the mount goes away; the exit code.
int mount_and_serve(fuse_args* args, const fuse_cmdline_opts& cmd, std::vector<Remote> remotes,
                    const MountOptions& options, const std::string& config_path) {
  // The kernel enforces the modes we report (0755 .snapshots, 0555 elsewhere), also with
  // allow_other; fsname/subtype name the mount in /proc/mounts and df.
  fuse_opt_add_arg(args, "-odefault_permissions,fsname=snapfs,subtype=snapfs");
  // A read of a snapshot file answers from a pipe, which must hold the whole answer
  // (fs/content/read_data.h): where pipes are bounded, so are reads (unless asked otherwise).
  // libfuse also wants the mount's max_read repeated in init, where the user's own is kept.
  unsigned max_read = 0;
  for (int i = 0; i < args->argc; ++i) {
    if (const char* given = std::strstr(args->argv[i], "max_read=")) {
      max_read = static_cast<unsigned>(std::strtoul(given + std::strlen("max_read="), nullptr, 10));
    }
  }
  if (max_read == 0) {
    max_read = static_cast<unsigned>(content::ReadPipe::largest_read());
    if (max_read != 0) fuse_opt_add_arg(args, ("-omax_read=" + std::to_string(max_read)).c_str());
  }

  FuseNotifier notifier;
  Namespace ns(std::move(remotes), options.fs, &notifier);
  FuseAdapterConfig adapter;
  adapter.ns = &ns;
  adapter.timeout = options.fs.timeout;
  adapter.max_read = max_read;
  fuse_lowlevel_ops ops = make_lowlevel_ops();
  fuse_session* session = fuse_session_new(args, &ops, sizeof ops, &adapter);
  if (session == nullptr) return 1;
  int rc = 1;
  if (fuse_set_signal_handlers(session) == 0) {
    if (fuse_session_mount(session, cmd.mountpoint) == 0) {
      MountOptions serving = options;
      if (!serving.read_ahead_asked) {
        serving.read_ahead_kb = read_ahead_in_whole_reads(serving.read_ahead_kb, max_read);
      }
      rc = serve_mounted(session, cmd, &notifier, &adapter, serving, config_path);
    }
    fuse_remove_signal_handlers(session);
  }
  fuse_session_destroy(session);
  return rc == 0 ? 0 : 1;
}

int run(int argc, char* argv[]) {
  if (auto exit_code = run_command(argc, argv)) return *exit_code;
  fuse_args args = FUSE_ARGS_INIT(argc, argv);
  FuseArgsGuard args_guard{&args};
  CliOptions cli;
  if (fuse_opt_parse(&args, &cli, kOptions, option_proc) != 0) return 2;
  if (cli.show_version) {
    print_version();
    return 0;
  }
  if (cli.show_help) {
    print_help(argv[0]);
    return 0;
  }
  std::string config_path = cli.config ? cli.config : "";
  std::vector<std::string> wanted =
      cli.remotes ? split_list(cli.remotes) : std::vector<std::string>{};
  if (cli.check_config) return run_check_config_command(cli, config_path, wanted);
  if (!take_mount_point(&cli, &config_path)) return 2;
  fuse_opt_add_arg(&args, cli.positional[0].c_str());

  fuse_cmdline_opts cmd{};
  if (fuse_parse_cmdline(&args, &cmd) != 0) return 2;
  std::unique_ptr<char, decltype(&free)> mountpoint_guard(cmd.mountpoint, &free);
  if (cmd.show_help || cmd.show_version) {
    print_help(argv[0]);
    return 0;
  }
  if (!apply_log_level(cli, cmd)) return 2;
  MountOptions options;
  if (!parse_mount_options(cli, cmd, &options)) return 2;
  std::vector<Remote> remotes;
  if (!make_remotes(cli, wanted, &config_path, &remotes)) return 2;
  return mount_and_serve(&args, cmd, std::move(remotes), options, config_path);
}

}  // namespace
}  // namespace snapfs

int main(int argc, char* argv[]) {
  // glibc gives threads up to 8 malloc arenas per core, each keeping its own free memory; snapfs's
  // threads spend their time waiting on the network, so two arenas cost no speed and keep the
  // resident size of a large cache several MiB lower.
  mallopt(M_ARENA_MAX, 2);
  snapfs::content::ContentTree::fix_allocator_thresholds();  // a forgotten crawl's memory goes back
  try {
    return snapfs::run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "snapfs: %s\n", e.what());
  }
  return 1;
}
