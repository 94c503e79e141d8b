// snapfs-bench: the snapfs benchmark (bench/README.md). Starts snapfs-emulator with a generated
// data set and a fixed answer latency, mounts snapfs with one remote per remote type, measures
// the figures with ordinary tools and system calls, and prints one table (also as JSON).
// Request counts always come from the emulator's /_emulator/stats.
#include <dirent.h>
#include <fcntl.h>
#include <rapidjson/document.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <set>
#include <sstream>
#include <thread>

#include "bench/bench_util.h"
#include "bench/expected_requests.h"
#include "bench/report.h"
#include "tests/support/mount.h"
#include "tests/support/process.h"

#ifndef SNAPFS_BENCH_BUILD_TYPE
#define SNAPFS_BENCH_BUILD_TYPE "unknown"
#endif

namespace snapfs::bench {
namespace {

using test::CommandResult;
using test::EmulatorProcess;
using test::run_command;
using test::shell_quote;
using test::SnapfsMount;
using test::TempDir;

// Directory levels from the mount root to a snapshot directory:
// /, remote, service, volume, .snapshots, snapshot.
constexpr int kDepth = 6;
constexpr double kRatioTarget = 1.5;
constexpr double kRssTargetMib = 64;

// What file managers look up in every directory they show.
const char* const kProbeNames[] = {
    ".hidden",     ".directory",  "desktop.ini",           "Desktop.ini", "autorun.inf",
    ".Trash-1000", ".Trash",      ".xdg-volume-info",      ".git",        ".svn",
    ".hg",         ".DS_Store",   "._.DS_Store",           ".localized",  "Thumbs.db",
    "folder.jpg",  ".thumbnails", ".metadata_never_index", ".nomedia",    ".comments"};

struct Options {
  int prefetch = 8;
  int latency_ms = 20;
  double cache_ttl_s = 600;
  int async_ms = 500;
  int list_runs = 20;
  int cpu_runs = 50;
  int mutations = 100;
  int callgrind_runs = 5;
  DataShape shape;
  DataShape rss_shape{1, 20, 1000, 0};
  DataShape small_shape{3, 10, 100, 0};  // figure 1s: scw and ovh-nas over TLS
  int peer_concurrency = 8;              // figure 9: the official clients' concurrent run
  bool small = true;
  bool peers = true;
  bool rss = true;
  bool callgrind = false;
  bool content = true;        // figures 10-12: a snapshot's files
  bool content_only = false;  // only figures 10-12
  int content_read_mib = 1024;
  int content_find_files = 10000;
  long long content_entries = 1000000;
  int content_runs = 3;
  bool fail_on_miss = false;
  std::string io_uring = "on";
  // Where snapfs runs: in a session of its own as a detached mount does (own), or in the
  // driver's, as `snapfs -f` started from the shell that then runs ls (same).
  std::string session = "own";
  std::string json_path;
};

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
    "  --content-runs N   runs of figures 10 and 11, each side (default 3)\n"
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
// The emulator, the mount, and what they are asked.

bool snapfs_has_option(const std::string& option) {
  CommandResult help = run_command(shell_quote(SNAPFS_BINARY_PATH) + " --help 2>&1");
  return help.out.find(option) != std::string::npos;
}

std::vector<std::string> mount_options(const Options& o) {
  std::vector<std::string> options = {"cache_ttl=" +
                                      std::to_string(static_cast<int>(o.cache_ttl_s))};
  if (snapfs_has_option("prefetch")) options.push_back("prefetch=" + std::to_string(o.prefetch));
  if (o.io_uring == "off" && snapfs_has_option("io_uring")) options.push_back("io_uring=0");
  return options;
}

test::Session mount_session(const Options& o) {
  return o.session == "own" ? test::Session::Own : test::Session::Same;
}

// A data set served by the emulator and mounted by snapfs.
class Rig {
 public:
  // `remotes`: the remotes mounted (empty: one per remote type); `tls`: the emulator speaks
  // HTTPS with a certificate of its own, which snapfs is told to trust.
  Rig(const Options& o, const DataShape& shape, std::vector<std::string> remotes = {},
      bool tls = false)
      : options_(o), shape_(shape), remotes_(std::move(remotes)), tls_(tls) {}

  bool start(std::string* error) {
    emulator_ = std::make_unique<EmulatorProcess>(
        std::vector<std::string>{"--seed", shape_.seed(), "--latency-ms",
                                 std::to_string(options_.latency_ms), "--async-ms",
                                 std::to_string(options_.async_ms)},
        tls_);
    if (!emulator_->ok()) {
      *error = "snapfs-emulator did not start";
      return false;
    }
    mount_ = std::make_unique<SnapfsMount>(
        bench_config(emulator_->base_url(), shape_, remotes_, emulator_->ca_file()),
        mount_options(options_), std::vector<std::string>{}, mount_session(options_));
    if (!mount_->ok()) {
      *error = "snapfs did not mount: " + mount_->log();
      return false;
    }
    return true;
  }

  RequestCounts counts() const {
    RequestCounts c;
    std::string error;
    if (!parse_request_counts(emulator_->stats_json(), &c, &error)) {
      std::fprintf(stderr, "snapfs-bench: %s\n", error.c_str());
    }
    return c;
  }

  // The counters once no request arrived for `quiet` (background listings have settled).
  RequestCounts settled_counts(double* waited_s,
                               std::chrono::milliseconds quiet = std::chrono::seconds(1)) const {
    const Clock::time_point start = Clock::now();
    RequestCounts last = counts();
    Clock::time_point changed = Clock::now();
    while (Clock::now() - changed < quiet && Clock::now() - start < std::chrono::seconds(60)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      RequestCounts now = counts();
      if (now.total != last.total) changed = Clock::now();
      last = std::move(now);
    }
    if (waited_s != nullptr) *waited_s = seconds_since(start);
    return last;
  }

  void reset() const { emulator_->reset_stats(); }
  // How the kernel passes requests to this mount: snapfs logs the rings when it uses them.
  std::string fuse_transport() const {
    return mount_->log().find("FUSE requests over io_uring") != std::string::npos ? "io_uring"
                                                                                  : "/dev/fuse";
  }
  const std::string& root() const { return mount_->path(); }
  pid_t snapfs_pid() const { return mount_->pid(); }
  const DataShape& shape() const { return shape_; }
  double rtt_s() const { return options_.latency_ms / 1000.0; }
  // Snapshot directories under the mount.
  long long snapshots_total() const {
    return remotes_.empty()
               ? shape_.snapshots_total()
               : shape_.snapshots_per_remote() * static_cast<long long>(remotes_.size());
  }

 private:
  const Options& options_;
  DataShape shape_;
  std::vector<std::string> remotes_;
  bool tls_ = false;
  std::unique_ptr<EmulatorProcess> emulator_;
  std::unique_ptr<SnapfsMount> mount_;
};

// Samples the emulator's request total every 50 ms while a crawl runs, to tell by when its
// requests were all answered: the rest of the crawl's time is local work.
class RequestSampler {
 public:
  explicit RequestSampler(const Rig& rig) : rig_(rig), start_(Clock::now()) {
    thread_ = std::thread([this] { sample(); });
  }
  ~RequestSampler() { stop(); }

  // Seconds from the start until the total first reached `total` (within one period).
  double reached(long long total) {
    stop();
    for (const auto& [when, seen] : samples_) {
      if (seen >= total) return when;
    }
    return seconds_since(start_);
  }

 private:
  void sample() {
    while (!done_) {
      const long long total = rig_.counts().total;
      samples_.emplace_back(seconds_since(start_), total);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  void stop() {
    done_ = true;
    if (thread_.joinable()) thread_.join();
  }

  const Rig& rig_;
  const Clock::time_point start_;
  std::atomic<bool> done_{false};
  std::vector<std::pair<double, long long>> samples_;  // the thread's until it is joined
  std::thread thread_;
};

// `ls -lAR` of the whole mount: -A because .snapshots is a dot directory that plain -lR skips.
TimedRun crawl(const Rig& rig, const std::string& output_path) {
  return run_timed({"ls", "-lAR", "--quoting-style=literal", "."}, rig.root(), output_path);
}

// The same crawl with the kernel's copy of every directory's entries dropped first, so that
// every directory is read from snapfs's cache (as figure 8 does for one directory): the reads a
// cold crawl sends, without its API waits. The kernel keeps its inodes and dentries.
TimedRun crawl_from_snapfs_cache(const Rig& rig, const std::vector<std::string>& dirs,
                                 const std::string& output_path) {
  for (const std::string& dir : dirs) drop_kernel_dir_cache(dir);
  return crawl(rig, output_path);
}

std::string crawl_problem(const TimedRun& run, long long snapshot_dirs, long long expected) {
  std::string problem;
  if (run.exit_code != 0) {
    problem = "ls exited with " + std::to_string(run.exit_code) + " (" +
              std::to_string(run.err_lines) + " error lines, first: " + first_line(run.err) + ")";
  }
  if (snapshot_dirs != expected) {
    problem += (problem.empty() ? "" : "; ") + std::string("the crawl entered ") +
               std::to_string(snapshot_dirs) + " snapshot directories, the data set has " +
               std::to_string(expected);
  }
  return problem;
}

long long count_snapshot_dirs(const std::vector<std::string>& dirs) {
  return std::count_if(dirs.begin(), dirs.end(), [](const std::string& d) {
    return d.find("/.snapshots/") != std::string::npos;
  });
}

std::vector<std::string> directory_entries(const std::string& path) {
  std::vector<std::string> names;
  DIR* dir = opendir(path.c_str());
  if (dir == nullptr) return names;
  while (dirent* e = readdir(dir)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

Figure make_figure(std::string id, std::string name, double value, std::string unit,
                   std::optional<double> bound, std::string target) {
  Figure f;
  f.id = std::move(id);
  f.name = std::move(name);
  f.value = value;
  f.unit = std::move(unit);
  f.bound = bound;
  f.target = std::move(target);
  return f;
}

Figure error_figure(std::string id, std::string name, std::string unit, std::string target,
                    std::string why) {
  Figure f = make_figure(std::move(id), std::move(name), 0, std::move(unit), std::nullopt,
                         std::move(target));
  f.verdict = Verdict::kError;
  f.note = std::move(why);
  return f;
}

std::string big_dir_figure_name(const DataShape& shape) {
  return "ls -l warm " + std::to_string(shape.big) + "-snapshot dir, median";
}

Verdict at_most(double value, double limit) {
  return value <= limit ? Verdict::kPass : Verdict::kMiss;
}

// ---------------------------------------------------------------------------------------------
// Figures on the main data set.

class MainBench {
 public:
  MainBench(const Options& o, Report* report) : o_(o), report_(*report), rig_(o, o.shape) {}
  // The cold crawl's time, for the peers (figure 9); 0 when it was not measured.
  double cold_s() const { return cold_ok_ ? cold_s_ : 0; }

  bool start() {
    std::string error;
    if (rig_.start(&error)) return true;
    report_.notes.push_back("main data set: " + error);
    return false;
  }

  void run() {
    const Clock::time_point start = Clock::now();
    cold_crawl();
    warm_crawl();
    probes();
    big_listing_and_cpu();
    mutations();
    const double elapsed = seconds_since(start);
    report_.config.push_back({"main_data_set_wall_s", std::to_string(elapsed)});
    if (elapsed >= o_.cache_ttl_s) {
      report_.notes.push_back("the figures took " + std::to_string(elapsed) +
                              " s, longer than cache_ttl: some ran after listings expired");
    }
  }

 private:
  // Figures 1 and 5.
  void cold_crawl() {
    const std::string out = work_.path() + "/cold-crawl.txt";
    const std::optional<long long> reads_before = snapfs_counter(rig_.root(), "readdirs");
    RequestSampler sampler(rig_);
    TimedRun run = crawl(rig_, out);
    RequestCounts at_end = rig_.counts();
    report_.config.push_back({"fuse_transport", rig_.fuse_transport()});
    const std::optional<long long> reads_after = snapfs_counter(rig_.root(), "readdirs");
    const double requests_done_s = sampler.reached(at_end.total);
    double settle_s = 0;
    RequestCounts settled = rig_.settled_counts(&settle_s);
    const std::optional<double> round_trip_us = fuse_round_trip_us(rig_.root(), 2000);
    dirs_ = directories_of_ls_output(out, rig_.root());
    const long long snapshot_dirs = count_snapshot_dirs(dirs_);
    const std::string problem = crawl_problem(run, snapshot_dirs, rig_.snapshots_total());

    const double rtt = rig_.rtt_s();
    const long long list_requests = at_end.method("GET");
    bound_s_ =
        std::max(kDepth * rtt, static_cast<double>(list_requests) * rtt / std::max(1, o_.prefetch));
    cold_s_ = run.seconds;
    cold_ok_ = problem.empty();
    // The bound is completed once figure 2b has measured the same crawl from the warm cache.
    Figure& f = report_.add(make_figure("1", "cold ls -lAR of the mount, wall time", run.seconds,
                                        "s", bound_s_, "2b + network; ratio <= 1.5"));
    f.ratio = run.seconds / bound_s_;
    f.verdict = problem.empty() ? at_most(*f.ratio, kRatioTarget) : Verdict::kError;
    f.raw = {{"rtt_s", rtt},
             {"network_bound_s", bound_s_},
             {"depth", kDepth},
             {"list_requests", static_cast<double>(list_requests)},
             {"prefetch", o_.prefetch},
             {"depth_x_rtt_s", kDepth * rtt},
             {"requests_x_rtt_over_prefetch_s",
              static_cast<double>(list_requests) * rtt / std::max(1, o_.prefetch)},
             {"requests_answered_by_s", requests_done_s},
             {"requests_answered_by_ratio_to_bound", requests_done_s / bound_s_},
             {"directories_listed", static_cast<double>(dirs_.size())},
             {"snapshot_directories", static_cast<double>(snapshot_dirs)},
             {"requests_after_crawl_end", static_cast<double>(settled.total - at_end.total)},
             {"settle_wait_s", settle_s}};
    f.note = problem;
    if (reads_before && reads_after) {
      cold_reads_ = static_cast<double>(*reads_after - *reads_before);
      f.raw.push_back({"snapfs_directory_reads", cold_reads_});
    }
    if (round_trip_us) f.raw.push_back({"fuse_round_trip_tight_loop_us", *round_trip_us});
    cold_crawl_requests(settled);
  }

  void cold_crawl_requests(const RequestCounts& settled) {
    std::map<std::string, long long> expected = expected_crawl_requests(rig_.shape());
    std::set<std::string> routes;
    long long expected_total = 0;
    for (const auto& [route, n] : expected) {
      routes.insert(route);
      expected_total += n;
    }
    for (const auto& [route, n] : settled.by_route) routes.insert(route);
    bool equal = true;
    for (const std::string& route : routes) {
      RouteRow row{route, 0, 0};
      if (auto it = expected.find(route); it != expected.end()) row.expected = it->second;
      if (auto it = settled.by_route.find(route); it != settled.by_route.end()) {
        row.actual = it->second;
      }
      equal = equal && row.expected == row.actual;
      report_.cold_crawl_routes.push_back(row);
    }
    Figure& f =
        report_.add(make_figure("5", "cold crawl, API requests", static_cast<double>(settled.total),
                                "req", static_cast<double>(expected_total), "= pages needed"));
    f.ratio = static_cast<double>(settled.total) / static_cast<double>(expected_total);
    f.verdict = equal && settled.failed == 0 ? Verdict::kPass : Verdict::kMiss;
    f.raw = {{"expected_pages", static_cast<double>(expected_total)},
             {"get_requests", static_cast<double>(settled.method("GET"))},
             {"other_requests", static_cast<double>(settled.total - settled.method("GET"))},
             {"failed_requests", static_cast<double>(settled.failed)}};
    if (!equal) f.note = "per-route counts differ from the pages needed (see the route table)";
    if (settled.failed > 0) {
      f.note += (f.note.empty() ? "" : "; ") + std::to_string(settled.failed) +
                " requests got an error status";
    }
  }

  // Figure 2.
  void warm_crawl() {
    rig_.reset();
    KernelRequests before = kernel_requests();
    TimedRun run = crawl(rig_, work_.path() + "/warm-crawl.txt");
    KernelRequests during = kernel_requests().since(before);
    double settle_s = 0;
    RequestCounts settled = rig_.settled_counts(&settle_s);
    Figure& requests =
        report_.add(make_figure("2a", "same crawl within the TTL, API requests",
                                static_cast<double>(settled.total), "req", std::nullopt, "= 0"));
    requests.verdict = run.exit_code != 0   ? Verdict::kError
                       : settled.total == 0 ? Verdict::kPass
                                            : Verdict::kMiss;
    requests.raw = {{"get_requests", static_cast<double>(settled.method("GET"))}};
    if (run.exit_code != 0) requests.note = "ls failed: " + first_line(run.err);
    Figure& wall = report_.add(make_figure("2b", "same crawl within the TTL, wall time",
                                           run.seconds, "s", bound_s_, "info (network bound)"));
    wall.ratio = run.seconds / bound_s_;
    complete_cold_bound(run.exit_code == 0 ? std::optional<double>(run.seconds) : std::nullopt);
    wall.raw = {{"cold_minus_warm_s", cold_s_ - run.seconds},
                {"cold_minus_warm_ratio_to_bound", (cold_s_ - run.seconds) / bound_s_},
                {"snapfs_directory_reads", during.reads},
                {"snapfs_getattrs", during.getattrs}};
    tmpfs_crawl(wall, run.seconds);
    kernel_only_crawl(run.seconds, during);
    snapfs_cache_crawl();
  }

  // Figure 2d: 2b reads no directory through snapfs (the kernel kept its copies; one GETATTR per
  // directory reaches snapfs), while the cold crawl reads every one: this crawl makes those
  // reads again, answered from snapfs's cache, to show what they cost.
  void snapfs_cache_crawl() {
    KernelRequests before = kernel_requests();
    TimedRun run = crawl_from_snapfs_cache(rig_, dirs_, work_.path() + "/snapfs-cache-crawl.txt");
    KernelRequests during = kernel_requests().since(before);
    Figure& f = report_.add(make_figure("2d", "crawl with every dir read from snapfs's cache",
                                        run.seconds, "s", bound_s_, "info (network bound)"));
    f.ratio = run.seconds / bound_s_;
    f.verdict = run.exit_code == 0 ? Verdict::kInfo : Verdict::kError;
    f.raw = {{"snapfs_directory_reads", during.reads},
             {"snapfs_getattrs", during.getattrs},
             {"cold_minus_this_s", cold_s_ - run.seconds}};
    if (run.exit_code != 0) f.note = "ls failed: " + first_line(run.err);
    for (Figure& cold : report_.figures) {
      if (cold.id != "1") continue;
      cold.raw.push_back({"snapfs_cache_crawl_s", run.seconds});
      cold.raw.push_back(
          {"ratio_to_snapfs_cache_crawl_plus_network", cold.value / (run.seconds + bound_s_)});
    }
  }

  // Figure 1's bound: the crawl answered from snapfs's warm cache (2b, every local cost of the
  // crawl: ls, the kernel, FUSE and snapfs) plus the network's round-trip bound, the time no
  // scheduling of requests can hide. The round-trip bound alone left the local part out.
  void complete_cold_bound(std::optional<double> warm_s) {
    for (Figure& cold : report_.figures) {
      if (cold.id != "1") continue;
      cold.raw.push_back({"ratio_to_network_bound", cold.value / bound_s_});
      if (!warm_s) {
        cold.verdict = Verdict::kError;
        cold.note += (cold.note.empty() ? "" : "; ") + std::string("the warm crawl (2b) failed");
        return;
      }
      cold.bound = *warm_s + bound_s_;
      cold.ratio = cold.value / *cold.bound;
      cold.raw.push_back({"warm_crawl_s", *warm_s});
      if (cold.verdict != Verdict::kError) cold.verdict = at_most(*cold.ratio, kRatioTarget);
    }
  }

  struct KernelRequests {
    bool ok = false;
    double reads = 0, getattrs = 0;
    // FUSE requests: a directory read is two (entries, then the empty read that ends it).
    double requests() const { return 2 * reads + getattrs; }
    KernelRequests since(const KernelRequests& b) const {
      return {ok && b.ok, reads - b.reads, getattrs - b.getattrs};
    }
  };
  KernelRequests kernel_requests() const {
    auto reads = snapfs_counter(rig_.root(), "readdirs");
    auto getattrs = snapfs_counter(rig_.root(), "getattrs");
    if (!reads || !getattrs) return {};
    return {true, static_cast<double>(*reads), static_cast<double>(*getattrs)};
  }

  // Figure 2c and the local floor under figure 1. The kernel re-reads a directory's attributes
  // once after an uncached read of it (readdir marks its atime stale), so the crawl of 2b still
  // sends one GETATTR per directory and a third crawl sends none: their difference is what one
  // FUSE request costs inside `ls -lAR` on this machine, which the cold crawl needs two of per
  // directory read, with the cost of the crawl answered by the kernel alone on top.
  void kernel_only_crawl(double warm_s, const KernelRequests& warm) {
    KernelRequests before = kernel_requests();
    TimedRun run = crawl(rig_, work_.path() + "/kernel-crawl.txt");
    KernelRequests during = kernel_requests().since(before);
    Figure& f = report_.add(make_figure("2c", "third crawl, answered by the kernel, wall time",
                                        run.seconds, "s", bound_s_, "info (network bound)"));
    f.ratio = run.seconds / bound_s_;
    f.raw = {{"snapfs_directory_reads", during.reads}, {"snapfs_getattrs", during.getattrs}};
    const double extra_requests = warm.requests() - during.requests();
    if (run.exit_code != 0 || !warm.ok || !during.ok || extra_requests < 1 || cold_reads_ <= 0) {
      report_.notes.push_back("figure 1: no local floor (a crawl or user.snapfs.stats failed)");
      return;
    }
    const double per_request_s = std::max(0.0, warm_s - run.seconds) / extra_requests;
    const double floor_s = run.seconds + 2 * cold_reads_ * per_request_s;
    for (Figure& cold : report_.figures) {
      if (cold.id != "1") continue;
      cold.raw.push_back({"fuse_request_in_crawl_us", per_request_s * 1e6});
      cold.raw.push_back({"local_floor_s", floor_s});
      cold.raw.push_back({"local_floor_ratio_to_bound", floor_s / bound_s_});
      cold.raw.push_back({"ratio_to_local_floor", cold.value / floor_s});
    }
  }

  // The floor under figure 1 that the round-trip bound leaves out: `ls -lAR` of the same tree of
  // empty directories on tmpfs (kernel and ls alone, no FUSE, no network), median of 3.
  void tmpfs_crawl(Figure& warm, double warm_s) {
    std::string base = "/dev/shm/snapfs-bench-tree-XXXXXX";
    if (!is_tmpfs("/dev/shm") || mkdtemp(base.data()) == nullptr) {
      report_.notes.push_back("no tmpfs crawl reference: /dev/shm is not a writable tmpfs");
      return;
    }
    const std::string& root = rig_.root();
    bool made = true;
    for (const std::string& dir : dirs_) {  // parents come before children in ls -R output
      if (dir.size() <= root.size()) continue;
      const std::string copy = base + dir.substr(root.size());
      made = made && (mkdir(copy.c_str(), 0755) == 0 || errno == EEXIST);
    }
    std::vector<double> runs;
    for (int i = 0; made && i < 3; ++i) {
      TimedRun r = run_timed({"ls", "-lAR", "--quoting-style=literal", "."}, base);
      made = r.exit_code == 0;
      runs.push_back(r.seconds);
    }
    std::error_code ec;
    std::filesystem::remove_all(base, ec);
    if (!made) {
      report_.notes.push_back("no tmpfs crawl reference: building or listing the tree failed");
      return;
    }
    const double tmpfs_s = percentile(runs, 50);
    warm.raw.push_back({"tmpfs_same_tree_s", tmpfs_s});
    warm.raw.push_back({"ratio_to_tmpfs", warm_s / tmpfs_s});
    for (Figure& f : report_.figures) {
      if (f.id != "1") continue;
      f.raw.push_back({"tmpfs_same_tree_s", tmpfs_s});
      f.raw.push_back({"ratio_to_max_of_bound_and_tmpfs", f.value / std::max(bound_s_, tmpfs_s)});
    }
  }

  // Figure 4.
  void probes() {
    rig_.reset();
    long long absent = 0, present = 0, other = 0;
    const Clock::time_point start = Clock::now();
    struct stat st {};
    for (const std::string& dir : dirs_) {
      for (const char* name : kProbeNames) {
        const std::string path = dir + "/" + name;
        if (lstat(path.c_str(), &st) == 0) {
          ++present;
        } else if (errno == ENOENT) {
          ++absent;
        } else {
          ++other;
        }
      }
    }
    const double seconds = seconds_since(start);
    RequestCounts settled = rig_.settled_counts(nullptr);
    const long long probes = static_cast<long long>(dirs_.size()) * std::size(kProbeNames);
    Figure& f =
        report_.add(make_figure("4", "20 absent-name probes per dir, requests",
                                static_cast<double>(settled.total), "req", std::nullopt, "= 0"));
    f.verdict = settled.total == 0 ? Verdict::kPass : Verdict::kMiss;
    f.raw = {{"directories", static_cast<double>(dirs_.size())},
             {"probes", static_cast<double>(probes)},
             {"enoent", static_cast<double>(absent)},
             {"found", static_cast<double>(present)},
             {"other_errors", static_cast<double>(other)},
             {"seconds", seconds},
             {"us_per_probe", probes > 0 ? seconds * 1e6 / static_cast<double>(probes) : 0}};
    if (present + other > 0) {
      f.note = std::to_string(present) + " probes found an entry and " + std::to_string(other) +
               " failed otherwise than ENOENT";
    }
  }

  // Figures 3 and 8: the warm 1,000-snapshot directory against the same shape on tmpfs, and
  // snapfs's CPU time for listing it.
  void big_listing_and_cpu() {
    const std::string dir = rig_.root() + "/scw/" + scaleway_zone(0) + "/big/.snapshots";
    const std::vector<std::string> names = directory_entries(dir);
    std::string tmpfs_error;
    std::string copy = make_tmpfs_copy(names, &tmpfs_error);
    rig_.reset();
    if (copy.empty()) {
      report_.add(
          error_figure("3", big_dir_figure_name(rig_.shape()), "ms", "ratio <= 1.5", tmpfs_error));
    } else {
      compare_with_tmpfs(dir, copy, names.size());
      std::error_code ec;
      std::filesystem::remove_all(std::filesystem::path(copy).parent_path(), ec);
    }
    cpu_per_thousand(dir, names.size());
  }

  // The same names as empty directories under /dev/shm (tmpfs); returns the directory.
  std::string make_tmpfs_copy(const std::vector<std::string>& names, std::string* error) {
    if (names.size() != static_cast<std::size_t>(rig_.shape().big)) {
      *error = "the big .snapshots shows " + std::to_string(names.size()) + " entries, not " +
               std::to_string(rig_.shape().big);
      return "";
    }
    std::string base = "/dev/shm/snapfs-bench-XXXXXX";
    if (!is_tmpfs("/dev/shm") || mkdtemp(base.data()) == nullptr) {
      *error = "/dev/shm is not a writable tmpfs";
      return "";
    }
    std::string copy = base + "/.snapshots";
    mkdir(copy.c_str(), 0755);
    for (const std::string& name : names) {
      if (mkdir((copy + "/" + name).c_str(), 0555) != 0) {
        *error = "mkdir on tmpfs: " + std::string(std::strerror(errno));
        return "";
      }
    }
    return copy;
  }

  void compare_with_tmpfs(const std::string& dir, const std::string& copy, std::size_t entries) {
    auto ls = [](const std::string& path) { return run_timed({"ls", "-l", path}, ""); };
    ls(dir);  // the ls binary and its libraries into the page cache, on both sides
    ls(copy);
    std::vector<double> snapfs_ms, tmpfs_ms;
    bool failed = false;
    for (int i = 0; i < o_.list_runs; ++i) {  // interleaved, so that both see the same noise
      TimedRun a = ls(dir);
      TimedRun b = ls(copy);
      failed = failed || a.exit_code != 0 || b.exit_code != 0;
      snapfs_ms.push_back(a.seconds * 1000);
      tmpfs_ms.push_back(b.seconds * 1000);
    }
    const double snapfs_median = percentile(snapfs_ms, 50);
    const double tmpfs_median = percentile(tmpfs_ms, 50);
    Figure& f = report_.add(make_figure("3", big_dir_figure_name(rig_.shape()), snapfs_median, "ms",
                                        tmpfs_median, "tmpfs; ratio <= 1.5"));
    f.ratio = snapfs_median / tmpfs_median;
    f.verdict = failed ? Verdict::kError : at_most(*f.ratio, kRatioTarget);
    f.raw = {{"entries", static_cast<double>(entries)},
             {"runs", o_.list_runs},
             {"snapfs_min_ms", percentile(snapfs_ms, 0.0001)},
             {"snapfs_max_ms", percentile(snapfs_ms, 100)},
             {"tmpfs_min_ms", percentile(tmpfs_ms, 0.0001)},
             {"tmpfs_max_ms", percentile(tmpfs_ms, 100)},
             {"ratio_of_minimums", percentile(snapfs_ms, 0.0001) / percentile(tmpfs_ms, 0.0001)}};
    if (failed) f.note = "an ls -l failed";
  }

  void cpu_per_thousand(const std::string& dir, std::size_t entries) {
    const pid_t pid = rig_.snapfs_pid();
    const KernelRequests reads_before = kernel_requests();
    auto before = process_cpu_time(pid);
    bool failed = false;
    // The kernel would answer every warm `ls` from its own copy, and snapfs would do nothing:
    // dropping that copy first makes each run read snapfs's cached listing.
    for (int i = 0; i < o_.cpu_runs; ++i) {
      failed = !drop_kernel_dir_cache(dir) || failed;
      failed = run_timed({"ls", "-l", dir}, "").exit_code != 0 || failed;
    }
    auto after = process_cpu_time(pid);
    const KernelRequests reads = kernel_requests().since(reads_before);
    RequestCounts requests = rig_.counts();  // since the reset before figure 3
    const double thousands = static_cast<double>(entries) * o_.cpu_runs / 1000.0;
    CpuTime used;
    if (before && after) used = {after->user - before->user, after->system - before->system};
    Figure& f = report_.add(make_figure("8", "snapfs CPU per 1,000 entries, warm ls -l",
                                        thousands > 0 ? used.total() * 1000 / thousands : 0, "ms",
                                        std::nullopt, "info"));
    f.verdict = failed || !before || !after ? Verdict::kError : Verdict::kInfo;
    f.raw = {{"cpu_s", used.total()},
             {"user_s", used.user},
             {"system_s", used.system},
             {"runs", o_.cpu_runs},
             {"entries", static_cast<double>(entries)},
             {"clock_tick_s", 1.0 / static_cast<double>(sysconf(_SC_CLK_TCK))},
             {"api_requests_during_figures_3_and_8", static_cast<double>(requests.total)},
             {"snapfs_directory_reads", reads.reads}};
    if (!reads.ok || reads.reads < o_.cpu_runs) {
      f.verdict = Verdict::kError;
      f.note = "the kernel's copy was not dropped before each run";
    }
    if (requests.total > 0) {
      f.note = std::to_string(requests.total) + " API requests during figures 3 and 8 (want 0)";
    }
  }

  // Figure 6: mkdir and rmdir bursts in one Scaleway Instance volume.
  void mutations() {
    const int zone = rig_.shape().services >= 2 ? 1 : 0;
    const std::string dir = rig_.root() + "/scw/" + scaleway_zone(zone) + "/data-001/.snapshots";
    // A refresh lists the whole zone, the new snapshots included.
    const long long refresh_pages = scaleway_zone_snapshot_pages(rig_.shape(), zone, o_.mutations);
    std::vector<std::string> paths;
    for (int i = 0; i < o_.mutations; ++i) {
      char name[32];
      std::snprintf(name, sizeof name, "/bench-%03d", i);
      paths.push_back(dir + name);
    }
    rig_.reset();
    RequestCounts start = rig_.counts();
    Burst made = burst(paths, [](const char* p) { return mkdir(p, 0755); });
    RequestCounts after_mkdir = rig_.counts();
    // A snapshot is "creating" until the emulator's async delay has passed, and rmdir of a
    // creating snapshot is EBUSY by contract: let them become available first.
    std::this_thread::sleep_for(std::chrono::milliseconds(o_.async_ms + 300));
    Burst removed = burst(paths, [](const char* p) { return rmdir(p); });
    RequestCounts after_rmdir = rig_.counts();
    const double rtt_ms = o_.latency_ms;
    add_latency("6a", "mkdir latency p50", percentile(made.ms, 50) / rtt_ms);
    add_latency("6b", "mkdir latency p99", percentile(made.ms, 99) / rtt_ms);
    add_latency("6c", "rmdir latency p50", percentile(removed.ms, 50) / rtt_ms);
    add_latency("6d", "rmdir latency p99", percentile(removed.ms, 99) / rtt_ms);
    add_burst_requests("6e", "mkdir burst, requests per mkdir", made, start.until(after_mkdir),
                       refresh_pages);
    add_burst_requests("6f", "rmdir burst, requests per rmdir", removed,
                       after_mkdir.until(after_rmdir), refresh_pages);
  }

  struct Burst {
    std::vector<double> ms;
    int failures = 0;
    std::string first_error;
  };

  template <class Op>
  Burst burst(const std::vector<std::string>& paths, Op op) {
    Burst b;
    for (const std::string& path : paths) {
      const Clock::time_point start = Clock::now();
      int rc = op(path.c_str());
      int err = errno;
      b.ms.push_back(seconds_since(start) * 1000);
      if (rc != 0) {
        if (b.failures++ == 0) b.first_error = path + ": " + std::strerror(err);
      }
    }
    return b;
  }

  void add_latency(const std::string& id, const std::string& name, double rtts) {
    Figure& f = report_.add(make_figure(id, name, rtts, "RTT", 1.0, "info"));
    f.ratio = rtts;
  }

  void add_burst_requests(const std::string& id, const std::string& name, const Burst& b,
                          const RequestCounts& delta, long long refresh_pages) {
    const double ops = static_cast<double>(b.ms.size());
    const long long gets = delta.method("GET");
    const long long changes = delta.total - gets;
    const double allowed = 1.0 + static_cast<double>(refresh_pages) / ops;
    Figure& f = report_.add(make_figure(id, name, static_cast<double>(delta.total) / ops, "req/op",
                                        allowed, "1 each + <= 1 refresh"));
    f.ratio = f.value / allowed;
    const bool ok = changes == static_cast<long long>(ops) && gets <= refresh_pages;
    f.verdict = b.failures > 0 ? Verdict::kError : ok ? Verdict::kPass : Verdict::kMiss;
    f.raw = {{"operations", ops},
             {"change_requests", static_cast<double>(changes)},
             {"list_requests", static_cast<double>(gets)},
             {"pages_per_listing_refresh", static_cast<double>(refresh_pages)},
             {"listing_refreshes", static_cast<double>(gets) / static_cast<double>(refresh_pages)},
             {"failures", static_cast<double>(b.failures)}};
    for (const auto& [route, count] : delta.by_route) {
      f.raw.emplace_back(route, static_cast<double>(count));
    }
    if (b.failures > 0) {
      f.note = std::to_string(b.failures) + " failed, first: " + b.first_error;
    }
  }

  const Options& o_;
  Report& report_;
  Rig rig_;
  TempDir work_;
  std::vector<std::string> dirs_;  // every directory the cold crawl listed
  double bound_s_ = 1;
  double cold_s_ = 0;
  bool cold_ok_ = false;
  double cold_reads_ = 0;  // directory reads snapfs answered during the cold crawl
};

// ---------------------------------------------------------------------------------------------
// Figure 1s: figure 1 on a small tree, where the API waits weigh most, with the timeline that
// says where the cold crawl's time goes.

// One reading of snapfs's own counters (user.snapfs.stats of the mount root).
struct StatsSample {
  double t = 0;            // seconds since the crawl started
  long long readdirs = 0;  // directory reads the kernel passed on (one per directory)
  long long requests = 0;  // API requests answered, all remotes
};

std::optional<StatsSample> read_snapfs_stats(const std::string& mount_root) {
  std::string value(1 << 16, '\0');
  ssize_t n = getxattr(mount_root.c_str(), "user.snapfs.stats", value.data(), value.size());
  if (n < 0) return std::nullopt;
  rapidjson::Document doc;
  doc.Parse(value.data(), static_cast<std::size_t>(n));
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("readdirs") ||
      !doc["readdirs"].IsInt64() || !doc.HasMember("remotes") || !doc["remotes"].IsObject()) {
    return std::nullopt;
  }
  StatsSample s;
  s.readdirs = doc["readdirs"].GetInt64();
  for (const auto& remote : doc["remotes"].GetObject()) {
    if (remote.value.IsObject() && remote.value.HasMember("requests") &&
        remote.value["requests"].IsInt64()) {
      s.requests += remote.value["requests"].GetInt64();
    }
  }
  return s;
}

// Reads snapfs's counters every 5 ms while a crawl runs: when the crawl's directory reads stop
// advancing while requests are still being answered, `ls` is waiting for the network. The
// emulator's counters would do too, but over TLS each reading costs a handshake; a getxattr
// costs one FUSE round trip.
class StatsTimeline {
 public:
  explicit StatsTimeline(const std::string& root) : root_(root), start_(Clock::now()) {
    thread_ = std::thread([this] {
      while (!done_) {
        if (auto s = read_snapfs_stats(root_)) {
          s->t = seconds_since(start_);
          samples_.push_back(*s);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    });
  }
  ~StatsTimeline() { stop(); }
  const std::vector<StatsSample>& stop() {
    done_ = true;
    if (thread_.joinable()) thread_.join();
    return samples_;
  }

 private:
  std::string root_;
  Clock::time_point start_;
  std::atomic<bool> done_{false};
  std::vector<StatsSample> samples_;  // the thread's until it is joined
  std::thread thread_;
};

// A stretch of the crawl with no new directory read while requests went on being answered.
struct Stall {
  double from = 0, to = 0;
  long long directory = 0;  // the directory being read (1 = the mount root)
  long long requests = 0;   // answered meanwhile
};

std::vector<Stall> stalls_of(const std::vector<StatsSample>& samples, double min_s) {
  std::vector<Stall> out;
  std::size_t i = 0;
  while (i < samples.size()) {
    std::size_t j = i;
    while (j + 1 < samples.size() && samples[j + 1].readdirs == samples[i].readdirs) ++j;
    // The crawl is over once the last directory was read: the tail is no stall.
    const bool last = j + 1 >= samples.size();
    if (!last && samples[j + 1].t - samples[i].t >= min_s &&
        samples[j + 1].requests > samples[i].requests) {
      out.push_back({samples[i].t, samples[j + 1].t, samples[i].readdirs,
                     samples[j + 1].requests - samples[i].requests});
    }
    i = j + 1;
  }
  return out;
}

// A path under the mount (/remote/service/volume/.snapshots/snapshot) whose listing takes API
// requests: a remote's (services), a service's (volumes) or a .snapshots directory's.
bool needs_listing(const std::string& path) {
  const auto depth = std::count(path.begin(), path.end(), '/');
  const std::string tail = "/.snapshots";
  return depth == 1 || depth == 2 ||
         (depth == 4 && path.size() >= tail.size() &&
          path.compare(path.size() - tail.size(), tail.size(), tail) == 0);
}

std::string fixed(double v, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

class SmallTreeBench {
 public:
  static constexpr const char* kId = "1s";
  SmallTreeBench(const Options& o, Report* report)
      : o_(o), report_(*report), rig_(o, o.small_shape, {"scw", "ovh-nas"}, /*tls=*/true) {}

  // The cold crawl's time, for the peers (figure 9); 0 when it was not measured.
  double cold_s() const { return cold_s_; }

  void run() {
    const std::string name = "small tree: cold ls -lAR, wall time";
    const std::string target = "2b + network; ratio <= 1.5";
    std::string error;
    if (!rig_.start(&error)) {
      report_.add(error_figure(kId, name, "s", target, "small tree: " + error));
      return;
    }
    const std::string out = work_.path() + "/cold-crawl.txt";
    StatsTimeline timeline(rig_.root());
    TimedRun cold = crawl(rig_, out);
    const std::vector<StatsSample> samples = timeline.stop();
    RequestCounts at_end = rig_.counts();
    double settle_s = 0;
    RequestCounts settled = rig_.settled_counts(&settle_s);
    const std::vector<std::string> dirs = directories_of_ls_output(out, rig_.root());
    const long long snapshot_dirs = count_snapshot_dirs(dirs);
    std::string problem = crawl_problem(cold, snapshot_dirs, rig_.snapshots_total());

    rig_.reset();
    TimedRun warm = crawl(rig_, work_.path() + "/warm-crawl.txt");
    RequestCounts warm_requests = rig_.settled_counts(nullptr);
    TimedRun from_cache =
        crawl_from_snapfs_cache(rig_, dirs, work_.path() + "/snapfs-cache-crawl.txt");
    if (warm.exit_code != 0) {
      problem += (problem.empty() ? "" : "; ") + std::string("the warm crawl failed");
    }

    const double rtt = rig_.rtt_s();
    const long long list_requests = at_end.method("GET");
    const double network_s =
        std::max(kDepth * rtt, static_cast<double>(list_requests) * rtt / std::max(1, o_.prefetch));
    Figure& f =
        report_.add(make_figure(kId, name, cold.seconds, "s", warm.seconds + network_s, target));
    f.ratio = cold.seconds / *f.bound;
    f.verdict = problem.empty() ? at_most(*f.ratio, kRatioTarget) : Verdict::kError;
    cold_s_ = problem.empty() ? cold.seconds : 0;

    // Where the time went: when the requests were answered, and when the crawl stood still.
    double answered_by = 0;
    const long long final_requests = samples.empty() ? 0 : samples.back().requests;
    for (const StatsSample& s : samples) {
      if (s.requests < final_requests) answered_by = s.t;
    }
    const std::vector<Stall> stalls = stalls_of(samples, rtt);
    double stalled_s = 0;
    for (const Stall& st : stalls) stalled_s += st.to - st.from;
    // How far the crawl had got when the network was done, and how fast it went on from there
    // against the warm crawl's pace: what is left after the last answer is local work.
    long long read_by_answered = 0;
    for (const StatsSample& s : samples) {
      if (s.t <= answered_by) read_by_answered = s.readdirs - samples.front().readdirs;
    }
    const double total_reads =
        samples.empty() ? 0
                        : static_cast<double>(samples.back().readdirs - samples.front().readdirs);
    const double after_s = cold.seconds - answered_by;
    const double after_rate =
        after_s > 0 ? (total_reads - static_cast<double>(read_by_answered)) / after_s : 0;
    f.raw = {{"warm_crawl_s", warm.seconds},
             {"network_bound_s", network_s},
             {"ratio_to_network_bound", cold.seconds / network_s},
             {"cold_minus_warm_s", cold.seconds - warm.seconds},
             {"snapfs_cache_crawl_s", from_cache.exit_code == 0 ? from_cache.seconds : -1},
             {"ratio_to_snapfs_cache_crawl_plus_network",
              cold.seconds / (from_cache.seconds + network_s)},
             {"list_requests", static_cast<double>(list_requests)},
             {"requests_after_crawl_end", static_cast<double>(settled.total - at_end.total)},
             {"warm_crawl_api_requests", static_cast<double>(warm_requests.total)},
             {"requests_answered_by_s", answered_by},
             {"directories_read_when_answered", static_cast<double>(read_by_answered)},
             {"directories_read", total_reads},
             {"directories_per_s_after_answered", after_rate},
             {"directories_per_s_warm", warm.seconds > 0 ? total_reads / warm.seconds : 0},
             {"stalls", static_cast<double>(stalls.size())},
             {"stalled_s", stalled_s},
             {"directories_listed", static_cast<double>(dirs.size())},
             {"snapshot_directories", static_cast<double>(snapshot_dirs)},
             {"timeline_samples", static_cast<double>(samples.size())},
             {"settle_wait_s", settle_s}};
    f.note = problem;
    if (!problem.empty() || samples.empty()) return;

    // The stalls, longest first, with the directory ls was waiting for: ls -R reads directories
    // in the order its output names them, and snapfs counts about one read per directory (the
    // kernel answers a few itself, so the count lags a little), so it is the first directory
    // from that count on whose listing takes a request (a remote, a service, a .snapshots).
    std::vector<Stall> longest = stalls;
    std::sort(longest.begin(), longest.end(),
              [](const Stall& a, const Stall& b) { return a.to - a.from > b.to - b.from; });
    std::string where;
    for (std::size_t i = 0; i < longest.size() && i < 4; ++i) {
      const Stall& st = longest[i];
      std::size_t index = static_cast<std::size_t>(std::max(1LL, st.directory)) - 1;
      while (index < dirs.size() && !needs_listing(dirs[index].substr(rig_.root().size()))) {
        ++index;
      }
      std::string path = index < dirs.size() ? dirs[index].substr(rig_.root().size()) : "?";
      where += std::string(i ? "; " : "") + fixed(st.from, 3) + "-" + fixed(st.to, 3) +
               " s around " + path + " (" + std::to_string(st.requests) +
               " requests answered meanwhile)";
    }
    f.note =
        "cold " + fixed(cold.seconds, 3) + " s = warm " + fixed(warm.seconds, 3) + " s + " +
        fixed(cold.seconds - warm.seconds, 3) +
        " s (every directory read from snapfs's cache: " + fixed(from_cache.seconds, 3) +
        " s); requests all answered by " + fixed(answered_by, 3) + " s, when ls had read " +
        std::to_string(read_by_answered) + " of " +
        std::to_string(static_cast<long long>(total_reads)) + " directories; then " +
        std::to_string(static_cast<long long>(after_rate)) + " directories/s (warm: " +
        std::to_string(static_cast<long long>(warm.seconds > 0 ? total_reads / warm.seconds : 0)) +
        "); ls stood still " + fixed(stalled_s, 3) + " s in " + std::to_string(stalls.size()) +
        " stalls of >= 1 RTT" + (where.empty() ? "" : ", longest: " + where);

    // A coarse timeline for the notes: requests answered and directories read per 50 ms.
    std::string line =
        "1s timeline (per 50 ms from the start of ls: requests answered/"
        "directories read):";
    std::size_t k = 0;
    StatsSample previous = samples.front();
    for (double edge = 0.05; k < samples.size(); edge += 0.05) {
      StatsSample last = previous;
      while (k < samples.size() && samples[k].t < edge) last = samples[k++];
      line += " " + std::to_string(last.requests - previous.requests) + "/" +
              std::to_string(last.readdirs - previous.readdirs);
      previous = last;
    }
    report_.notes.push_back(line);
    report_.config.push_back(
        {"small_data_set", o_.small_shape.seed() + " (remotes scw and ovh-nas, TLS)"});
  }

 private:
  const Options& o_;
  Report& report_;
  Rig rig_;
  TempDir work_;
  double cold_s_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Figure 9: the official clients (@scaleway/sdk, @ovhcloud/node-ovh) listing every snapshot
// with its date on the same data, as a user's script would, against snapfs's cold crawl.

struct PeerRun {
  bool ok = false;
  std::string error;
  double seconds = 0;  // the script's own time, from its first call to its last answer
  double process_s = 0;
  double snapshots = 0, dated = 0, calls = 0;
};

// Installs the locked packages under the build tree once (npm ci); empty when ready.
std::string prepare_peers() {
  if (run_command("command -v node && command -v npm").exit_code != 0) {
    return "node and npm are not installed (scripts/install-deps.sh installs them)";
  }
  namespace fs = std::filesystem;
  const fs::path source = fs::path(SNAPFS_SOURCE_DIR) / "bench" / "peers";
  const fs::path dir = SNAPFS_BENCH_PEERS_DIR;
  std::error_code ec;
  fs::create_directories(dir, ec);
  for (const char* file : {"package.json", "package-lock.json", "list_snapshots.mjs"}) {
    fs::copy_file(source / file, dir / file, fs::copy_options::overwrite_existing, ec);
    if (ec) return std::string("cannot copy bench/peers/") + file + ": " + ec.message();
  }
  const std::string lock = read_text_file((dir / "package-lock.json").string());
  const fs::path stamp = dir / "node_modules" / ".snapfs-bench-lock";
  if (read_text_file(stamp.string()) == lock) return "";
  std::fprintf(stderr, "snapfs-bench: installing the official clients (npm ci in %s)\n",
               dir.c_str());
  CommandResult install = run_command(
      "cd " + shell_quote(dir.string()) + " && npm ci --no-audit --no-fund --loglevel=error",
      std::chrono::minutes(10));
  if (install.exit_code != 0) return "npm ci failed: " + first_line(install.err);
  std::ofstream(stamp) << lock;
  return "";
}

PeerRun run_peer(const EmulatorProcess& emulator, int concurrency, const std::string& apis,
                 const DataShape& shape) {
  PeerRun r;
  std::string zones;
  for (int i = 0; i < shape.services; ++i) zones += (i ? "," : "") + scaleway_zone(i);
  const Clock::time_point start = Clock::now();
  CommandResult run =
      run_command("cd " + shell_quote(SNAPFS_BENCH_PEERS_DIR) +
                      " && NODE_EXTRA_CA_CERTS=" + shell_quote(emulator.ca_file()) +
                      " node list_snapshots.mjs " + shell_quote(emulator.base_url()) + " " +
                      std::to_string(concurrency) + " " + apis + " " + zones,
                  std::chrono::minutes(15));
  r.process_s = seconds_since(start);
  rapidjson::Document doc;
  const std::string out = first_line(run.out);
  doc.Parse(out.c_str());
  if (run.exit_code != 0 || doc.HasParseError() || !doc.IsObject() || !doc.HasMember("seconds")) {
    r.error = "the script failed (" + std::to_string(run.exit_code) + "): " + first_line(run.err);
    return r;
  }
  r.ok = true;
  r.seconds = doc["seconds"].GetDouble();
  r.snapshots = doc["snapshots"].GetDouble();
  r.dated = doc["dated"].GetDouble();
  r.calls = doc["calls"].GetDouble();
  return r;
}

// `ids`: the figure ids of the sequential and the concurrent run; `apis`: what the script lists
// (instance, block, nasha, netapp), `api_count` of them; `snapfs_s`: snapfs's cold crawl of the
// same data (0 when it failed).
void peer_figures(const Options& o, Report* report, const std::string& tree,
                  const std::pair<std::string, std::string>& ids, const DataShape& shape,
                  const std::string& apis, int api_count, double snapfs_s,
                  const std::string& note) {
  const std::vector<std::pair<int, std::string>> runs = {{1, ids.first},
                                                         {o.peer_concurrency, ids.second}};
  const std::string target = "snapfs cold; ratio >= 10";
  auto name = [&](int c) {
    return tree + ", clients " +
           (c == 1 ? std::string("1 call at a time") : std::to_string(c) + " calls at a time");
  };
  auto fail_all = [&](const std::string& why) {
    for (const auto& [c, id] : runs) report->add(error_figure(id, name(c), "s", target, why));
  };
  if (std::string why = prepare_peers(); !why.empty()) return fail_all(why);
  EmulatorProcess emulator({"--seed", shape.seed(), "--latency-ms", std::to_string(o.latency_ms)},
                           /*tls=*/true);
  if (!emulator.ok()) return fail_all("snapfs-emulator did not start");
  const double expected = static_cast<double>(shape.snapshots_per_remote()) * api_count;
  for (const auto& [c, id] : runs) {
    emulator.reset_stats();
    PeerRun r = run_peer(emulator, c, apis, shape);
    if (!r.ok) {
      report->add(error_figure(id, name(c), "s", target, r.error));
      continue;
    }
    const long long requests = emulator.total_requests();
    Figure& f = report->add(
        make_figure(id, name(c), r.seconds, "s",
                    snapfs_s > 0 ? std::optional<double>(snapfs_s) : std::nullopt, target));
    if (snapfs_s > 0) f.ratio = r.seconds / snapfs_s;
    f.verdict = r.snapshots != expected || snapfs_s <= 0 ? Verdict::kError
                : *f.ratio >= 10                         ? Verdict::kPass
                                                         : Verdict::kMiss;
    f.raw = {{"concurrency", c},
             {"snapshots_listed", r.snapshots},
             {"snapshots_expected", expected},
             {"snapshots_with_a_date", r.dated},
             {"calls", r.calls},
             {"api_requests", static_cast<double>(requests)},
             {"process_wall_s", r.process_s},
             {"snapfs_cold_crawl_s", snapfs_s}};
    if (snapfs_s <= 0) {
      f.note = "snapfs's cold crawl of this tree was not measured";
    } else if (r.snapshots != expected) {
      f.note = "listed " + std::to_string(static_cast<long long>(r.snapshots)) +
               " snapshots, the data set has " + std::to_string(static_cast<long long>(expected));
    } else if (c == 1) {
      f.note = note;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Figure 7: peak memory after listing the 100,000-snapshot data set.

void rss_figure(const Options& o, Report* report) {
  Rig rig(o, o.rss_shape);
  std::string error;
  const long long expected = o.rss_shape.snapshots_total();
  const std::string name = "peak RSS, " + std::to_string(expected) + " snapshots listed";
  if (!rig.start(&error)) {
    report->add(error_figure("7", name, "MiB", "ratio <= 1", error));
    return;
  }
  TempDir work;
  const std::string out = work.path() + "/crawl.txt";
  TimedRun run = crawl(rig, out);
  double settle_s = 0;
  RequestCounts settled = rig.settled_counts(&settle_s);
  const long long snapshot_dirs = count_snapshot_dirs(directories_of_ls_output(out, rig.root()));
  auto hwm = process_status_kib(rig.snapfs_pid(), "VmHWM");
  auto rss = process_status_kib(rig.snapfs_pid(), "VmRSS");
  const std::string problem = crawl_problem(run, snapshot_dirs, expected);
  Figure& f = report->add(make_figure("7", name, hwm ? static_cast<double>(*hwm) / 1024 : 0, "MiB",
                                      kRssTargetMib, "ratio <= 1"));
  f.ratio = f.value / kRssTargetMib;
  f.verdict = !problem.empty() || !hwm ? Verdict::kError : at_most(f.value, kRssTargetMib);
  f.raw = {{"vm_rss_mib", rss ? static_cast<double>(*rss) / 1024 : 0},
           {"snapshot_directories", static_cast<double>(snapshot_dirs)},
           {"crawl_s", run.seconds},
           {"api_requests", static_cast<double>(settled.total)},
           {"settle_wait_s", settle_s}};
  f.note = problem;
  report->config.push_back({"rss_data_set", o.rss_shape.seed() + " (one remote per type)"});
}

// ---------------------------------------------------------------------------------------------
// Figures 10-12: a snapshot's files. An HA-NAS snapshot of the emulator's demo data shows the
// files of its `.zfs/snapshot/<name>` directory under the partition's NFS mount; the driver
// names a local directory as that mount in a mountinfo file (SNAPFS_MOUNTINFO), fills the
// snapshot's copy there, and compares each operation inside the snapshot with the same on that
// backing directory, in the same run.

constexpr const char* kContentExport = "10.16.101.42:/zpool-123456/partition1";
constexpr const char* kContentSnapshot = "nas/zpool-123456/partition1/.snapshots/snap-daily-backup";
constexpr const char* kContentCopy = "/.zfs/snapshot/snap-daily-backup";
constexpr double kReadRatioTarget = 0.9;
constexpr double kPassthroughReadTarget = 0.98;  // figure 10p: the kernel reads the file itself
constexpr double kFindColdTarget = 3;
constexpr double kFindWarmTarget = 1.5;
constexpr double kForgetRssTarget = 1.1;

Verdict at_least(double value, double limit) {
  return value >= limit ? Verdict::kPass : Verdict::kMiss;
}

double median(std::vector<double> values) {
  return percentile(std::move(values), 50);
}

// Writes `what` to /proc/sys/vm/drop_caches (1: page cache, 2: dentries and inodes, which makes
// the kernel send FUSE FORGETs, 3: both); false when not allowed.
bool drop_caches(const char* what) {
  sync();
  std::ofstream f("/proc/sys/vm/drop_caches");
  f << what << "\n";
  f.flush();
  return static_cast<bool>(f);
}

// Drops a file's pages from the page cache (the file was synced when written: dirty pages
// would stay).
bool drop_file_cache(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool dropped = ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0;
  ::close(fd);
  return dropped;
}

// Reads a file from start to end, 1 MiB a read(2); the bytes read, or -1.
long long read_whole(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  std::vector<char> buffer(1 << 20);
  long long total = 0;
  for (;;) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      total = -1;
      break;
    }
    if (n == 0) break;
    total += n;
  }
  ::close(fd);
  return total;
}

// `size` bytes of pseudo-random data (no run of zeros a filesystem could keep sparse), synced.
bool write_data_file(const std::string& path, long long size) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  std::vector<std::uint64_t> buffer((1 << 20) / sizeof(std::uint64_t));
  std::uint64_t x = 0x9E3779B97F4A7C15ull;
  bool ok = true;
  for (long long written = 0; ok && written < size;) {
    for (auto& word : buffer) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      word = x;
    }
    const std::size_t want =
        static_cast<std::size_t>(std::min<long long>(size - written, buffer.size() * 8));
    const ssize_t n = ::write(fd, buffer.data(), want);
    ok = n == static_cast<ssize_t>(want);
    written += want;
  }
  ok = ::fsync(fd) == 0 && ok;
  return ::close(fd) == 0 && ok;
}

// `dirs` directories of `files` files each under `base`, each file holding `bytes` bytes.
bool make_tree(const std::string& base, int dirs, int files, int bytes) {
  const std::string content(static_cast<std::size_t>(bytes), 'x');
  char name[32];
  for (int d = 0; d < dirs; ++d) {
    std::snprintf(name, sizeof name, "/d%04d", d);
    const std::string dir = base + name;
    if (::mkdir(dir.c_str(), 0755) != 0) return false;
    for (int i = 0; i < files; ++i) {
      std::snprintf(name, sizeof name, "/f%04d", i);
      const int fd = ::open((dir + name).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
      if (fd < 0) return false;
      const bool ok = bytes == 0 || ::write(fd, content.data(), content.size()) == bytes;
      if (::close(fd) != 0 || !ok) return false;
    }
  }
  return true;
}

// VmRSS of a process once it stopped changing for 1 s (FORGETs take a moment to arrive and be
// handled), at most 30 s.
std::optional<long long> settled_rss_kib(pid_t pid) {
  std::optional<long long> last = process_status_kib(pid, "VmRSS");
  Clock::time_point changed = Clock::now();
  const Clock::time_point start = Clock::now();
  while (Clock::now() - changed < std::chrono::seconds(1) &&
         Clock::now() - start < std::chrono::seconds(30)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::optional<long long> now = process_status_kib(pid, "VmRSS");
    if (now != last) changed = Clock::now();
    last = now;
  }
  return last;
}

class ContentBench {
 public:
  ContentBench(const Options& o, Report* report) : options_(o), report_(report) {}

  void run() {
    std::string error;
    if (!start(&error)) {
      report_->add(error_figure("10", read_name(), "MiB/s", "ratio >= 0.9", error));
      report_->add(error_figure("10p", read_name(true), "MiB/s", "ratio >= 0.98", error));
      report_->add(error_figure("11a", find_name("cold"), "s", "ratio <= 3", error));
      report_->add(error_figure("11b", find_name("warm"), "s", "ratio <= 1.5", error));
      report_->add(error_figure("12", rss_name(), "MiB", "ratio <= 1.1", error));
      return;
    }
    read_figure();
    find_figures();
    forget_figure();
  }

 private:
  std::string read_name(bool passthrough = false) const {
    return "sequential read, " + std::to_string(options_.content_read_mib) +
           " MiB file in a snapshot, uncached" + (passthrough ? ", passthrough" : "");
  }
  std::string find_name(const char* which) const {
    return "find -ls " + which_count(options_.content_find_files) + " files, " +
           which_count(options_.content_find_files / 10) + " dirs, " + which;
  }
  std::string rss_name() const {
    return "RSS after " + which_count(options_.content_entries) +
           " content entries crawled and forgotten";
  }
  static std::string which_count(long long n) {
    const std::string digits = std::to_string(n);
    std::string s;
    for (std::size_t i = 0; i < digits.size(); ++i) {
      if (i > 0 && (digits.size() - i) % 3 == 0) s += ',';
      s += digits[i];
    }
    return s;
  }

  bool start(std::string* error) {
    if (!drop_caches("2")) {
      *error = "cannot write /proc/sys/vm/drop_caches (needs root)";
      return false;
    }
    emulator_ = std::make_unique<EmulatorProcess>(std::vector<std::string>{"--seed", "demo"});
    if (!emulator_->ok()) {
      *error = "snapfs-emulator did not start";
      return false;
    }
    backing_ = files_.path() + "/export";
    copy_ = backing_ + kContentCopy;
    std::error_code ec;
    std::filesystem::create_directories(copy_, ec);
    if (ec) {
      *error = "cannot create " + copy_ + ": " + ec.message();
      return false;
    }
    const std::string mountinfo = files_.write_file(
        "mountinfo", "36 25 0:50 / " + backing_ + " rw,relatime - nfs4 " + kContentExport + " rw\n",
        0644);
    const std::string config = "[nas]\ntype = ovh-nasha\nendpoint = " + emulator_->base_url() +
                               "/1.0\napplication_key = demo-ak\napplication_secret = demo-as\n"
                               "consumer_key = demo-ck\n";
    const std::vector<std::string> env = {"SNAPFS_MOUNTINFO=" + mountinfo};
    // Figures 10-12 on a mount whose reads all go through snapfs; figure 10p on one where the
    // kernel reads the files itself (FUSE passthrough, snapfs's default where it can).
    std::vector<std::string> through_snapfs = mount_options(options_);
    const bool passthrough = snapfs_has_option("passthrough");
    if (passthrough) through_snapfs.push_back("passthrough=0");
    mount_ = std::make_unique<SnapfsMount>(config, through_snapfs, env, mount_session(options_));
    if (!mount_->ok()) {
      *error = "snapfs did not mount: " + mount_->log();
      return false;
    }
    if (passthrough) {
      passthrough_mount_ = std::make_unique<SnapfsMount>(config, mount_options(options_), env,
                                                         mount_session(options_));
      if (!passthrough_mount_->ok()) {
        *error = "snapfs did not mount: " + passthrough_mount_->log();
        return false;
      }
    }
    snap_ = mount_->path() + "/" + kContentSnapshot;
    char shown[4096];
    const ssize_t n = ::getxattr(snap_.c_str(), "user.snapfs.content", shown, sizeof shown - 1);
    if (n < 0 || std::string(shown, static_cast<std::size_t>(n)) != copy_) {
      *error = "the snapshot does not show " + copy_ + ": user.snapfs.content is " +
               (n < 0 ? std::string(std::strerror(errno))
                      : std::string(shown, static_cast<std::size_t>(n)));
      return false;
    }
    return true;
  }

  // Figures 10 and 10p: throughput of a sequential read inside the snapshot against the backing
  // file, the reads going through snapfs (10) or passed through to the backing file by the
  // kernel (10p).
  void read_figure() {
    const long long size = static_cast<long long>(options_.content_read_mib) << 20;
    const std::string direct = copy_ + "/big.bin";
    std::vector<std::string> paths = {direct, snap_ + "/big.bin"};
    if (passthrough_mount_) {
      paths.push_back(passthrough_mount_->path() + "/" + kContentSnapshot + "/big.bin");
    }
    const auto failed = [&](const std::string& problem) {
      report_->add(error_figure("10", read_name(), "MiB/s", "ratio >= 0.9", problem));
      report_->add(error_figure("10p", read_name(true), "MiB/s", "ratio >= 0.98", problem));
    };
    const Clock::time_point write_start = Clock::now();
    if (!write_data_file(direct, size)) {
      failed("cannot write " + direct + ": " + std::strerror(errno));
      return;
    }
    const double write_s = seconds_since(write_start);
    std::vector<std::vector<double>> mibs(paths.size());  // by path: direct, 10, 10p
    std::string problem;
    // Alternating, so that every side sees the same machine noise.
    for (int run = 0; run < options_.content_runs && problem.empty(); ++run) {
      for (std::size_t i = 0; i < paths.size() && problem.empty(); ++i) {
        for (const std::string& path : paths) {
          if (!drop_file_cache(path)) problem = "posix_fadvise(POSIX_FADV_DONTNEED) failed";
        }
        if (!problem.empty()) break;
        const Clock::time_point t = Clock::now();
        const long long got = read_whole(paths[i]);
        const double s = seconds_since(t);
        if (got != size) {
          problem = "reading " + paths[i] + " gave " + std::to_string(got) + " bytes";
          break;
        }
        mibs[i].push_back(static_cast<double>(size >> 20) / s);
      }
    }
    std::filesystem::remove(direct);
    if (!problem.empty()) {
      failed(problem);
      return;
    }
    const double bound = median(mibs[0]);
    const auto add = [&](const char* id, const std::string& name, const std::vector<double>& inside,
                         double target, const char* target_text, const std::string& how) {
      Figure& f = report_->add(make_figure(id, name, median(inside), "MiB/s", bound, target_text));
      f.ratio = f.value / bound;
      f.verdict = at_least(*f.ratio, target);
      f.raw = {{"runs_each", static_cast<double>(options_.content_runs)},
               {"snapshot_min_mib_s", *std::min_element(inside.begin(), inside.end())},
               {"snapshot_max_mib_s", *std::max_element(inside.begin(), inside.end())},
               {"backing_min_mib_s", *std::min_element(mibs[0].begin(), mibs[0].end())},
               {"backing_max_mib_s", *std::max_element(mibs[0].begin(), mibs[0].end())},
               {"write_backing_file_s", write_s}};
      f.note = how + "; bound: the same file read directly from the backing directory; median of " +
               std::to_string(options_.content_runs) +
               " runs each, alternating, page cache of every file dropped before each";
    };
    add("10", read_name(), mibs[1], kReadRatioTarget, "ratio >= 0.9",
        passthrough_mount_ ? "reads through snapfs (-o passthrough=0)" : "reads through snapfs");
    if (passthrough_mount_) {
      add("10p", read_name(true), mibs[2], kPassthroughReadTarget, "ratio >= 0.98",
          "-o passthrough=1: the kernel reads the backing file where it can");
    } else {
      report_->add(error_figure("10p", read_name(true), "MiB/s", "ratio >= 0.98",
                                "this snapfs has no -o passthrough"));
    }
  }

  // Figures 11a and 11b: find -ls inside the snapshot against the backing directory, cold (the
  // kernel's dentries and inodes dropped) and warm (the run right after).
  void find_figures() {
    const int files = options_.content_find_files;
    const std::string base = copy_ + "/find";
    std::error_code ec;
    std::filesystem::create_directory(base, ec);
    if (ec || !make_tree(base, files / 10, 10, 100)) {
      report_->add(
          error_figure("11a", find_name("cold"), "s", "ratio <= 3", "cannot build " + base));
      report_->add(
          error_figure("11b", find_name("warm"), "s", "ratio <= 1.5", "cannot build " + base));
      return;
    }
    std::vector<double> cold[2], warm[2];
    std::string problem;
    const std::string dirs[2] = {base, snap_ + "/find"};
    long long lines[2] = {0, 0};
    for (int run = 0; run < options_.content_runs && problem.empty(); ++run) {
      for (int side = 0; side < 2 && problem.empty(); ++side) {
        const std::string out = files_.path() + "/find.txt";
        drop_caches("2");
        for (auto* times : {&cold[side], &warm[side]}) {
          TimedRun r = run_timed({"find", dirs[side], "-ls"}, "", out);
          if (r.exit_code != 0) {
            problem = "find -ls " + dirs[side] + " failed: " + first_line(r.err);
            break;
          }
          times->push_back(r.seconds);
        }
        std::ifstream in(out);
        lines[side] =
            std::count(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>(), '\n');
      }
    }
    if (problem.empty() && lines[0] != lines[1]) {
      problem = "find -ls listed " + std::to_string(lines[1]) + " entries in the snapshot, " +
                std::to_string(lines[0]) + " in the backing directory";
    }
    std::filesystem::remove_all(base, ec);
    for (int which = 0; which < 2; ++which) {
      const char* id = which == 0 ? "11a" : "11b";
      const double target = which == 0 ? kFindColdTarget : kFindWarmTarget;
      const std::string target_text = which == 0 ? "ratio <= 3" : "ratio <= 1.5";
      const std::string name = find_name(which == 0 ? "cold" : "warm");
      if (!problem.empty()) {
        report_->add(error_figure(id, name, "s", target_text, problem));
        continue;
      }
      const auto& times = which == 0 ? cold : warm;
      const double bound = median(times[0]);
      Figure& f = report_->add(make_figure(id, name, median(times[1]), "s", bound, target_text));
      f.ratio = f.value / bound;
      f.verdict = at_most(*f.ratio, target);
      f.raw = {{"entries_listed", static_cast<double>(lines[1])},
               {"snapshot_min_s", *std::min_element(times[1].begin(), times[1].end())},
               {"backing_min_s", *std::min_element(times[0].begin(), times[0].end())}};
      f.note = which == 0
                   ? "bound: the same find on the backing directory; median of " +
                         std::to_string(options_.content_runs) +
                         " runs each, dentries and inodes dropped before each (drop_caches 2)"
                   : "the run right after each cold one";
    }
  }

  // Figure 12: snapfs's resident set after the kernel looked up every entry of a big tree and
  // then forgot them all, against before.
  void forget_figure() {
    const long long entries = options_.content_entries;
    const int dirs = static_cast<int>(std::max<long long>(1, entries / 1000));
    const int per_dir = static_cast<int>(entries / dirs);
    const std::string base = copy_ + "/many";
    std::error_code ec;
    std::filesystem::create_directory(base, ec);
    const Clock::time_point build_start = Clock::now();
    if (ec || !make_tree(base, dirs, per_dir, 0)) {
      report_->add(error_figure("12", rss_name(), "MiB", "ratio <= 1.1", "cannot build " + base));
      return;
    }
    const double build_s = seconds_since(build_start);
    const pid_t pid = mount_->pid();
    drop_caches("2");
    const std::optional<long long> before = settled_rss_kib(pid);
    const TimedRun crawl = run_timed({"find", snap_ + "/many", "-ls"}, "");
    const std::optional<long long> crawled = process_status_kib(pid, "VmRSS");
    const Clock::time_point forget_start = Clock::now();
    drop_caches("2");
    const std::optional<long long> after = settled_rss_kib(pid);
    const double forget_s = seconds_since(forget_start);
    const std::optional<long long> hwm = process_status_kib(pid, "VmHWM");
    const Clock::time_point remove_start = Clock::now();
    std::filesystem::remove_all(base, ec);
    const double remove_s = seconds_since(remove_start);
    if (crawl.exit_code != 0 || !before || !after) {
      report_->add(error_figure("12", rss_name(), "MiB", "ratio <= 1.1",
                                crawl.exit_code != 0 ? "find failed: " + first_line(crawl.err)
                                                     : "cannot read snapfs's VmRSS"));
      return;
    }
    const double bound = static_cast<double>(*before) / 1024;
    Figure& f = report_->add(make_figure("12", rss_name(), static_cast<double>(*after) / 1024,
                                         "MiB", bound, "ratio <= 1.1"));
    f.ratio = f.value / bound;
    f.verdict = at_most(*f.ratio, kForgetRssTarget);
    f.raw = {{"rss_after_crawl_mib", crawled ? static_cast<double>(*crawled) / 1024 : 0},
             {"vm_hwm_mib", hwm ? static_cast<double>(*hwm) / 1024 : 0},
             {"crawl_s", crawl.seconds},
             {"forget_settle_s", forget_s},
             {"build_tree_s", build_s},
             {"remove_tree_s", remove_s},
             {"directories", static_cast<double>(dirs)},
             {"files_per_directory", static_cast<double>(per_dir)}};
    f.note =
        "bound: snapfs's VmRSS before the crawl (find -ls), after drop_caches 2; value: "
        "after the crawl and drop_caches 2, once VmRSS stopped moving for 1 s";
  }

  const Options& options_;
  Report* report_;
  TempDir files_;
  std::string backing_, copy_, snap_;
  std::unique_ptr<EmulatorProcess> emulator_;
  std::unique_ptr<SnapfsMount> mount_;
  std::unique_ptr<SnapfsMount> passthrough_mount_;  // figure 10p; null without the option
};

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
                                   "remotes=scw"};
  for (const std::string& opt : mount_options(o)) argv.insert(argv.end(), {"-o", opt});
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
  if (!o.content_only) {
    MainBench bench(o, &report);
    if (bench.start()) bench.run();
    big_cold_s = bench.cold_s();
  }
  if (o.small && !o.content_only) {
    SmallTreeBench small(o, &report);
    small.run();
    small_cold_s = small.cold_s();
  }
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
  if (o.content) {
    ContentBench content(o, &report);
    content.run();
  }
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
