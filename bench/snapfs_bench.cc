// snapfs-bench: the snapfs benchmark (bench/README.md). Starts snapfs-emulator with a generated
// data set and a fixed answer latency, mounts snapfs with one remote per remote type, measures
// the figures with ordinary tools and system calls, and prints one table (also as JSON).
// Request counts always come from the emulator's /_emulator/stats.
// The figure families are in crawl_figures.cc, mutation_figures.cc, peer_figures.cc and
// content_figures.cc (bench_rig.h); this file parses the options, describes the machine and runs
// them in order.
#include "bench/bench_rig.h"

#ifndef SNAPFS_BENCH_BUILD_TYPE
#define SNAPFS_BENCH_BUILD_TYPE "unknown"
#endif

namespace snapfs::bench {
namespace {

constexpr char kUsage[] =
    "usage: snapfs-bench [options]\n"
    "\n"
    "The snapfs benchmark (bench/README.md): snapfs-emulator with a generated data set and a\n"
    "fixed latency, snapfs mounted with one remote per remote type, the figures in a table.\n"
    "\n"
    "  --prefetch N       -o prefetch=N for the mount (default 8; passed only when\n"
    "                     snapfs --help lists the option) and the divisor of figure 1's bound\n"
    "  --latency-ms N     emulator latency = the RTT of every bound (default 20)\n"
    "  --cache-ttl S      -o cache_ttl=S (default 600: longer than the run, so that no\n"
    "                     listing expires during the figures defined within the TTL)\n"
    "  --async-ms N       emulator delay of asynchronous operations (default 500)\n"
    "  --shape S,V,N,M    data set: S services x V volumes x N snapshots + big=M per remote\n"
    "                     (default 3,10,100,1000)\n"
    "  --rss-shape S,V,N  data set of figure 7 (default 1,20,1000: 5 remotes x 20,000)\n"
    "  --runs N           ls -l repetitions of figure 3, each side (default 20)\n"
    "  --cpu-runs N       warm ls -l repetitions of figure 8 (default 50)\n"
    "  --mutations N      mkdir and rmdir count of figure 6 (default 100)\n"
    "  --no-rss           skip figure 7 (the 100,000-snapshot data set)\n"
    "  --small-shape S,V,N  data set of figure 1s (default 3,10,100)\n"
    "  --no-small         skip figure 1s (the small tree) and its peers\n"
    "  --no-peers         skip figure 9 (the official clients, node and npm)\n"
    "  --no-content       skip figures 10-12 (a snapshot's files)\n"
    "  --content-only     run figures 10-12 only\n"
    "  --content-read-mib N  file size of figure 10 (default 1024)\n"
    "  --content-find-files N  files of figure 11, 10 a directory (default 10000)\n"
    "  --content-entries N  entries of figure 12, 1,000 a directory (default 1000000)\n"
    "  --content-runs N   runs of figures 10 and 11, each side (default 5)\n"
    "  --callgrind        also count snapfs's instructions per 1,000 entries (valgrind)\n"
    "  --io-uring MODE    on (default): turn the kernel's FUSE over io_uring switch on for\n"
    "                     the run when it exists and root may, and put it back after;\n"
    "                     as-is: leave it; off: mount with -o io_uring=0 (/dev/fuse)\n"
    "  --session MODE     own (default): snapfs runs in a session of its own, as a mount\n"
    "                     that detached (the kernel schedules it apart from ls); same: in\n"
    "                     the driver's session, as snapfs -f started from the shell\n"
    "  --json FILE        write the result as JSON\n"
    "  --fail-on-miss     exit 3 when a figure misses its target\n"
    "\n"
    "Exit status: 0 when every figure was measured, 1 when one could not be, 2 on bad usage.\n";

[[noreturn]] void usage_error(const std::string& message) {
  std::fprintf(stderr, "snapfs-bench: %s\n(see --help)\n", message.c_str());
  std::exit(2);
}

int int_arg(const std::string& name, const std::string& value, int min, int max) {
  char* end = nullptr;
  long v = std::strtol(value.c_str(), &end, 10);
  if (value.empty() || *end != '\0' || v < min || v > max) {
    usage_error(name + ": bad number '" + value + "'");
  }
  return static_cast<int>(v);
}

std::vector<int> int_list(const std::string& name, const std::string& value, std::size_t count) {
  std::vector<int> out;
  std::stringstream in(value);
  for (std::string item; std::getline(in, item, ',');) {
    out.push_back(int_arg(name, item, 0, 1000000));
  }
  if (out.size() != count) usage_error(name + " wants " + std::to_string(count) + " numbers");
  return out;
}

Options parse_args(int argc, char** argv) {
  Options o;
  std::vector<std::string> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& name = args[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) usage_error(name + " needs a value");
      return args[++i];
    };
    if (name == "--help" || name == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else if (name == "--prefetch") {
      o.prefetch = int_arg(name, value(), 0, 64);
    } else if (name == "--latency-ms") {
      o.latency_ms = int_arg(name, value(), 1, 10000);
    } else if (name == "--cache-ttl") {
      o.cache_ttl_s = int_arg(name, value(), 1, 86400);
    } else if (name == "--async-ms") {
      o.async_ms = int_arg(name, value(), 0, 60000);
    } else if (name == "--shape") {
      auto v = int_list(name, value(), 4);
      o.shape = {v[0], v[1], v[2], v[3]};
    } else if (name == "--rss-shape") {
      auto v = int_list(name, value(), 3);
      o.rss_shape = {v[0], v[1], v[2], 0};
    } else if (name == "--runs") {
      o.list_runs = int_arg(name, value(), 1, 10000);
    } else if (name == "--cpu-runs") {
      o.cpu_runs = int_arg(name, value(), 1, 100000);
    } else if (name == "--mutations") {
      o.mutations = int_arg(name, value(), 1, 1000);
    } else if (name == "--no-rss") {
      o.rss = false;
    } else if (name == "--small-shape") {
      auto v = int_list(name, value(), 3);
      o.small_shape = {v[0], v[1], v[2], 0};
    } else if (name == "--no-small") {
      o.small = false;
    } else if (name == "--no-peers") {
      o.peers = false;
    } else if (name == "--no-content") {
      o.content = false;
    } else if (name == "--content-only") {
      o.content_only = true;
    } else if (name == "--content-read-mib") {
      o.content_read_mib = int_arg(name, value(), 1, 65536);
    } else if (name == "--content-find-files") {
      o.content_find_files = int_arg(name, value(), 10, 1000000);
    } else if (name == "--content-entries") {
      o.content_entries = int_arg(name, value(), 1000, 10000000);
    } else if (name == "--content-runs") {
      o.content_runs = int_arg(name, value(), 1, 100);
    } else if (name == "--callgrind") {
      o.callgrind = true;
    } else if (name == "--io-uring") {
      o.io_uring = value();
      if (o.io_uring != "on" && o.io_uring != "off" && o.io_uring != "as-is") {
        usage_error("--io-uring: on, off or as-is");
      }
    } else if (name == "--session") {
      o.session = value();
      if (o.session != "own" && o.session != "same") usage_error("--session: own or same");
    } else if (name == "--json") {
      o.json_path = value();
    } else if (name == "--fail-on-miss") {
      o.fail_on_miss = true;
    } else {
      usage_error("unknown option " + name);
    }
  }
  for (const DataShape* s : {&o.shape, &o.rss_shape, &o.small_shape}) {
    if (s->services < 1 || s->services > kMaxServices) usage_error("services must be 1 to 5");
    if (s->volumes < 1) usage_error("volumes must be at least 1");
  }
  if (o.shape.big < 1) usage_error("figure 3 needs the big volume: M must be at least 1");
  return o;
}

// ---------------------------------------------------------------------------------------------
// Optional: instructions snapfs executes per 1,000 entries of a warm ls -l (callgrind).

std::optional<double> callgrind_total(const std::string& dump) {
  std::ifstream in(dump);
  for (std::string line; std::getline(in, line);) {
    for (const char* key : {"totals:", "summary:"}) {
      if (line.rfind(key, 0) == 0) return std::stod(line.substr(std::strlen(key)));
    }
  }
  return std::nullopt;
}

std::string newest_dump(const std::string& dir, const std::string& prefix) {
  std::string best;
  std::filesystem::file_time_type best_time{};
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    if (best.empty() || e.last_write_time() > best_time) {
      best = e.path().string();
      best_time = e.last_write_time();
    }
  }
  return best;
}

bool wait_for_mount(const std::string& path, test::Subprocess& process,
                    std::chrono::seconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  while (Clock::now() < deadline && process.running()) {
    struct stat st {
    }, parent{};
    if (stat(path.c_str(), &st) == 0 && stat((path + "/..").c_str(), &parent) == 0 &&
        st.st_dev != parent.st_dev) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

void callgrind_figure(const Options& o, Report* report) {
  const std::string name = "snapfs instructions per 1,000 entries";
  auto fail = [&](const std::string& why) {
    report->add(error_figure("8c", name, "Minstr", "info", why));
  };
  if (run_command("command -v valgrind && command -v callgrind_control").exit_code != 0) {
    return fail("valgrind (callgrind_control) is not installed");
  }
  EmulatorProcess emulator(
      {"--seed", o.shape.seed(), "--latency-ms", std::to_string(o.latency_ms)});
  if (!emulator.ok()) return fail("snapfs-emulator did not start");
  TempDir work;
  const std::string mnt = work.path() + "/mnt";
  mkdir(mnt.c_str(), 0755);
  mkdir((work.path() + "/home").c_str(), 0700);
  const std::string config =
      work.write_file("snapfs.conf", bench_config(emulator.base_url(), o.shape));
  std::vector<std::string> argv = {"valgrind",
                                   "--tool=callgrind",
                                   "--callgrind-out-file=" + work.path() + "/callgrind.out",
                                   SNAPFS_BINARY_PATH,
                                   "-f",
                                   "--config",
                                   config,
                                   "-o",
                                   "remotes=scw",
                                   // valgrind does not run io_uring's commands: with the kernel's
                                   // FUSE over io_uring on, the rings are set up and never answer.
                                   "-o",
                                   "io_uring=0"};
  for (const std::string& opt : mount_options(o)) {
    if (opt != "io_uring=0") argv.insert(argv.end(), {"-o", opt});
  }
  argv.push_back(mnt);
  test::Subprocess snapfs(argv, {"HOME=" + work.path() + "/home"}, work.path() + "/snapfs.log",
                          mount_session(o));
  if (!wait_for_mount(mnt, snapfs, std::chrono::seconds(120))) {
    return fail("snapfs under valgrind did not mount: " +
                first_line(read_text_file(work.path() + "/snapfs.log")));
  }
  const std::string dir = mnt + "/scw/" + scaleway_zone(0) + "/big/.snapshots";
  run_timed({"ls", "-l", dir}, "");  // cold: lists the zone
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const std::string pid = std::to_string(snapfs.pid());
  run_command("callgrind_control -z " + pid, std::chrono::seconds(60));
  for (int i = 0; i < o.callgrind_runs; ++i) {
    drop_kernel_dir_cache(dir);  // as in figure 8: each run reads snapfs's cached listing
    run_timed({"ls", "-l", dir}, "");
  }
  run_command("callgrind_control -d " + pid, std::chrono::seconds(60));
  const std::string dump = newest_dump(work.path(), "callgrind.out");
  const double instructions = dump.empty() ? -1 : callgrind_total(dump).value_or(-1);
  run_command("fusermount3 -u " + shell_quote(mnt), std::chrono::seconds(30));
  snapfs.stop(SIGTERM, std::chrono::seconds(30));
  if (instructions < 0) return fail("no callgrind dump with a total");
  const double thousands = static_cast<double>(o.shape.big) * o.callgrind_runs / 1000.0;
  Figure& f = report->add(
      make_figure("8c", name, instructions / thousands / 1e6, "Minstr", std::nullopt, "info"));
  f.raw = {{"instructions", instructions}, {"runs", o.callgrind_runs}};
}

// ---------------------------------------------------------------------------------------------

std::string trimmed_command_output(const std::string& command) {
  std::string out = first_line(run_command(command).out);
  while (!out.empty() && (out.back() == '\r' || out.back() == ' ')) out.pop_back();
  return out;
}

// The kernel's FUSE over io_uring switch, turned on for the run (--io-uring on) and put back as
// it was at the end.
class FuseUringSwitch {
 public:
  FuseUringSwitch(const Options& o, Report* report) {
    saved_ = first_line(read_text_file(kPath));
    if (saved_.empty()) {
      report->config.push_back({"enable_uring", "absent (kernel without FUSE over io_uring)"});
      return;
    }
    report->config.push_back({"enable_uring", saved_});
    if (o.io_uring != "on" || saved_ == "Y") return;
    std::ofstream(kPath) << "Y\n";
    if (first_line(read_text_file(kPath)) == "Y") {
      changed_ = true;
      report->notes.push_back(std::string(kPath) + " was " + saved_ +
                              ": turned on for this run and put back after");
    } else {
      report->notes.push_back(std::string("cannot turn on ") + kPath + " (needs root)");
    }
  }
  ~FuseUringSwitch() {
    if (changed_) std::ofstream(kPath) << saved_ << "\n";
  }
  FuseUringSwitch(const FuseUringSwitch&) = delete;
  FuseUringSwitch& operator=(const FuseUringSwitch&) = delete;

 private:
  static constexpr const char* kPath = "/sys/module/fuse/parameters/enable_uring";
  std::string saved_;
  bool changed_ = false;
};

// What an idle vCPU does: halting at once (guest_halt_poll_ns=0) makes every wake-up of a thread
// on another vCPU an exit to the hypervisor, which FUSE over /dev/fuse pays twice per request.
std::string idle_policy() {
  std::string driver = first_line(read_text_file("/sys/devices/system/cpu/cpuidle/current_driver"));
  if (driver.empty()) driver = "none";
  const std::string poll_ns =
      first_line(read_text_file("/sys/module/haltpoll/parameters/guest_halt_poll_ns"));
  return poll_ns.empty() ? driver : driver + ", guest_halt_poll_ns=" + poll_ns;
}

void describe_machine(const Options& o, Report* report) {
  utsname u{};
  uname(&u);
  std::string cpu = trimmed_command_output("sed -n 's/^model name[^:]*: //p' /proc/cpuinfo");
  char when[32];
  std::time_t now = std::time(nullptr);
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  report->machine = {{"timestamp", when},
                     {"nproc", std::to_string(sysconf(_SC_NPROCESSORS_ONLN))},
                     {"cpu", cpu},
                     {"kernel", std::string(u.sysname) + " " + u.release},
                     {"loadavg_at_start", first_line(read_text_file("/proc/loadavg"))},
                     {"cpuidle", idle_policy()},
                     {"snapfs_version",
                      trimmed_command_output(shell_quote(SNAPFS_BINARY_PATH) + " --version 2>&1")},
                     {"git_rev", trimmed_command_output("git -C " + shell_quote(SNAPFS_SOURCE_DIR) +
                                                        " rev-parse --short HEAD 2>/dev/null")},
                     {"build_type", SNAPFS_BENCH_BUILD_TYPE},
                     {"snapfs_binary", SNAPFS_BINARY_PATH}};
  const bool prefetch_known = snapfs_has_option("prefetch");
  std::string remotes;
  for (const BenchRemote& r : bench_remotes()) remotes += (remotes.empty() ? "" : ",") + r.type;
  report->config = {{"data_set", o.shape.seed()},
                    {"remotes", remotes},
                    {"latency_ms", std::to_string(o.latency_ms)},
                    {"prefetch", std::to_string(o.prefetch)},
                    {"prefetch_option_passed", prefetch_known ? "true" : "false"},
                    {"cache_ttl_s", std::to_string(static_cast<int>(o.cache_ttl_s))},
                    {"async_ms", std::to_string(o.async_ms)},
                    {"snapfs_session", o.session},
                    {"sched_autogroup_enabled",
                     first_line(read_text_file("/proc/sys/kernel/sched_autogroup_enabled"))},
                    {"mount_options", [&] {
                       std::string s;
                       for (const auto& opt : mount_options(o)) s += (s.empty() ? "" : ",") + opt;
                       return s;
                     }()}};
  if (!prefetch_known) {
    report->notes.push_back(
        "snapfs --help does not list prefetch: mounted without -o prefetch; "
        "figure 1's bound still divides by " +
        std::to_string(o.prefetch));
  }
}

int run(int argc, char** argv) {
  Options o = parse_args(argc, argv);
  std::string why;
  if (!test::fuse_available(&why)) {
    std::fprintf(stderr, "snapfs-bench: FUSE is required: %s\n", why.c_str());
    return 1;
  }
  Report report;
  describe_machine(o, &report);
  FuseUringSwitch uring_switch(o, &report);
  const Clock::time_point start = Clock::now();
  double big_cold_s = 0, small_cold_s = 0;
  if (!o.content_only) big_cold_s = main_figures(o, &report);
  if (o.small && !o.content_only) small_cold_s = small_tree_figure(o, &report);
  if (o.peers && !o.content_only) {
    // The clients cover every remote type but NAVER's, which snapfs's crawl lists too.
    peer_figures(o, &report, "big", {"9a", "9b"}, o.shape, "instance,block,nasha,netapp", 4,
                 big_cold_s,
                 "the clients list 4 of the 5 remote types (none for NAVER); snapfs's crawl "
                 "lists all 5 and enters every directory");
    if (o.small) {
      peer_figures(o, &report, "small", {"9c", "9d"}, o.small_shape, "instance,nasha", 2,
                   small_cold_s, "");
    }
  }
  if (o.rss && !o.content_only) rss_figure(o, &report);
  if (o.content) content_figures(o, &report);
  if (o.callgrind) callgrind_figure(o, &report);
  report.config.push_back({"bench_wall_s", std::to_string(seconds_since(start))});

  std::string header = "figures 10-12 only (a snapshot's files)";
  if (!o.content_only) {
    std::string transport = "?";
    for (const auto& [key, value] : report.config) {
      if (key == "fuse_transport") transport = value;
    }
    header = o.shape.seed() + ", one remote per remote type; RTT " + std::to_string(o.latency_ms) +
             " ms, prefetch " + std::to_string(o.prefetch) + ", cache_ttl " +
             std::to_string(static_cast<int>(o.cache_ttl_s)) + " s, FUSE requests over " +
             transport;
  }
  std::cout << "snapfs benchmark: " << header << "\n\n" << format_table(report);
  if (!o.json_path.empty()) {
    std::ofstream json(o.json_path);
    json << to_json(report);
    if (!json) {
      std::fprintf(stderr, "snapfs-bench: cannot write %s\n", o.json_path.c_str());
      return 1;
    }
  }
  if (report.figures.empty() || report.any(Verdict::kError)) return 1;
  if (o.fail_on_miss && report.any(Verdict::kMiss)) return 3;
  return 0;
}

}  // namespace
}  // namespace snapfs::bench

int main(int argc, char** argv) {
  return snapfs::bench::run(argc, argv);
}
