// What the figure families of snapfs-bench share (bench/README.md): the options, the emulator
// and mount of a data set (Rig), the crawl and its checks, the making of a figure; and the entry
// point of each family, one file each: crawl_figures.cc (figures 1-5, 7, 8 and 1s),
// mutation_figures.cc (6), peer_figures.cc (9), content_figures.cc (10-12: a snapshot's files).
#pragma once

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
namespace snapfs::bench {

using test::CommandResult;
using test::EmulatorProcess;
using test::run_command;
using test::shell_quote;
using test::SnapfsMount;
using test::TempDir;

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
  int content_runs = 5;
  bool fail_on_miss = false;
  std::string io_uring = "on";
  // Where snapfs runs: in a session of its own as a detached mount does (own), or in the
  // driver's, as `snapfs -f` started from the shell that then runs ls (same).
  std::string session = "own";
  std::string json_path;
};

// ---------------------------------------------------------------------------------------------
// The emulator, the mount, and what they are asked.

inline bool snapfs_has_option(const std::string& option) {
  CommandResult help = run_command(shell_quote(SNAPFS_BINARY_PATH) + " --help 2>&1");
  return help.out.find(option) != std::string::npos;
}

inline std::vector<std::string> mount_options(const Options& o) {
  std::vector<std::string> options = {"cache_ttl=" +
                                      std::to_string(static_cast<int>(o.cache_ttl_s))};
  if (snapfs_has_option("prefetch")) options.push_back("prefetch=" + std::to_string(o.prefetch));
  if (o.io_uring == "off" && snapfs_has_option("io_uring")) options.push_back("io_uring=0");
  return options;
}

inline test::Session mount_session(const Options& o) {
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
inline TimedRun crawl(const Rig& rig, const std::string& output_path) {
  return run_timed({"ls", "-lAR", "--quoting-style=literal", "."}, rig.root(), output_path);
}

// The same crawl with the kernel's copy of every directory's entries dropped first, so that
// every directory is read from snapfs's cache (as figure 8 does for one directory): the reads a
// cold crawl sends, without its API waits. The kernel keeps its inodes and dentries.
inline TimedRun crawl_from_snapfs_cache(const Rig& rig, const std::vector<std::string>& dirs,
                                        const std::string& output_path) {
  for (const std::string& dir : dirs) drop_kernel_dir_cache(dir);
  return crawl(rig, output_path);
}

inline std::string crawl_problem(const TimedRun& run, long long snapshot_dirs, long long expected) {
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

inline long long count_snapshot_dirs(const std::vector<std::string>& dirs) {
  return std::count_if(dirs.begin(), dirs.end(), [](const std::string& d) {
    return d.find("/.snapshots/") != std::string::npos;
  });
}

inline std::vector<std::string> directory_entries(const std::string& path) {
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

inline Figure make_figure(std::string id, std::string name, double value, std::string unit,
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

inline Figure error_figure(std::string id, std::string name, std::string unit, std::string target,
                           std::string why) {
  Figure f = make_figure(std::move(id), std::move(name), 0, std::move(unit), std::nullopt,
                         std::move(target));
  f.verdict = Verdict::kError;
  f.note = std::move(why);
  return f;
}

inline std::string big_dir_figure_name(const DataShape& shape) {
  return "ls -l warm " + std::to_string(shape.big) + "-snapshot dir, median";
}

inline Verdict at_most(double value, double limit) {
  return value <= limit ? Verdict::kPass : Verdict::kMiss;
}

// ---------------------------------------------------------------------------------------------
// The figure families.

// Figures 1-5 and 8 on the main data set (crawl_figures.cc); figure 6 runs on its mount too.
// Returns the cold crawl's time for figure 9 (0 when it was not measured).
double main_figures(const Options& o, Report* report);
// Figure 1s, the small tree (crawl_figures.cc); its cold crawl's time, as above.
double small_tree_figure(const Options& o, Report* report);
// Figure 7: peak memory after listing the 100,000-snapshot data set (crawl_figures.cc).
void rss_figure(const Options& o, Report* report);
// Figure 6: mkdir and rmdir bursts on the main data set's mount (mutation_figures.cc).
void mutation_figures(const Options& o, Report& report, const Rig& rig);
// Figure 9: the official clients against the cold crawl (peer_figures.cc).
void peer_figures(const Options& o, Report* report, const std::string& tree,
                  const std::pair<std::string, std::string>& ids, const DataShape& shape,
                  const std::string& apis, int api_count, double snapfs_s, const std::string& note);
// Figures 10-12: a snapshot's files against the same files on a local directory
// (content_figures.cc).
void content_figures(const Options& o, Report* report);

}  // namespace snapfs::bench
