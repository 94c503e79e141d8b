// Measurement helpers of snapfs-bench: the emulator's request counters, precisely timed child
// processes, and the CPU and memory figures of a running process from /proc.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace snapfs::bench {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start);

// GET /_emulator/stats, summed over HTTP statuses: "METHOD ROUTE" -> count.
struct RequestCounts {
  long long total = 0;
  long long failed = 0;  // answers with a status >= 400
  std::map<std::string, long long> by_route;

  long long method(const std::string& name) const;  // all routes of one HTTP method
  // The counts of `later` minus these (for two snapshots of one counter without a reset).
  RequestCounts until(const RequestCounts& later) const;
};
bool parse_request_counts(const std::string& json, RequestCounts* out, std::string* error);

struct TimedRun {
  int exit_code = -1;  // -1 when killed by a signal or not started
  double seconds = 0;  // from fork to reap, steady clock
  std::string err;     // the first 4 KiB of standard error
  long long err_lines = 0;
};

// Runs argv (looked up on PATH) in `cwd` with LC_ALL=C, standard output to `stdout_path`
// (/dev/null when empty) and standard error kept in a temporary file. Waits for it without
// polling, so the time has no sleep granularity in it.
TimedRun run_timed(const std::vector<std::string>& argv, const std::string& cwd,
                   const std::string& stdout_path = "");

// CPU time of a process, all its threads (dead ones included), in seconds.
struct CpuTime {
  double user = 0;
  double system = 0;
  double total() const { return user + system; }
};
std::optional<CpuTime> process_cpu_time(pid_t pid);
// A "kB" line of /proc/PID/status, e.g. field "VmHWM".
std::optional<long long> process_status_kib(pid_t pid, const std::string& field);

// Nearest-rank percentile, p in (0, 100].
double percentile(std::vector<double> values, double p);

bool is_tmpfs(const std::string& path);

// The directories an `ls -R` output names in its "PATH:" headers, as paths under `root`.
std::vector<std::string> directories_of_ls_output(const std::string& ls_output_path,
                                                  const std::string& root);

std::string read_text_file(const std::string& path);

// One of snapfs's own counters of the requests the kernel sent it (`readdirs`, `getattrs` in
// user.snapfs.stats of the mount root); nullopt when unreadable.
std::optional<long long> snapfs_counter(const std::string& mount_root, const char* name);
// Drops the kernel's cached copy of one directory's entries (posix_fadvise DONTNEED on its
// page cache, where FUSE keeps the readdir cache), so that the next read reaches snapfs.
bool drop_kernel_dir_cache(const std::string& dir);
// Median time of one FUSE round trip on this machine, in microseconds: a getxattr that snapfs
// answers itself (ENOTSUP, no API call; the kernel caches no xattrs), `calls` times.
std::optional<double> fuse_round_trip_us(const std::string& mount_root, int calls);
std::string first_line(const std::string& text);

}  // namespace snapfs::bench
