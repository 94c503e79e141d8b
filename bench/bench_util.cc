#include "bench/bench_util.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <rapidjson/document.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

extern char** environ;

namespace snapfs::bench {

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

long long RequestCounts::method(const std::string& name) const {
  long long sum = 0;
  const std::string prefix = name + " ";
  for (const auto& [route, count] : by_route) {
    if (route.rfind(prefix, 0) == 0) sum += count;
  }
  return sum;
}

RequestCounts RequestCounts::until(const RequestCounts& later) const {
  RequestCounts out;
  out.total = later.total - total;
  out.failed = later.failed - failed;
  for (const auto& [route, count] : later.by_route) {
    auto before = by_route.find(route);
    long long delta = count - (before == by_route.end() ? 0 : before->second);
    if (delta != 0) out.by_route[route] = delta;
  }
  return out;
}

bool parse_request_counts(const std::string& json, RequestCounts* out, std::string* error) {
  rapidjson::Document doc;
  doc.Parse(json.c_str(), json.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("total") ||
      !doc["total"].IsInt64() || !doc.HasMember("requests") || !doc["requests"].IsArray()) {
    *error = "unexpected /_emulator/stats answer: " + json.substr(0, 200);
    return false;
  }
  RequestCounts counts;
  counts.total = doc["total"].GetInt64();
  for (const auto& item : doc["requests"].GetArray()) {
    if (!item.IsObject() || !item.HasMember("method") || !item["method"].IsString() ||
        !item.HasMember("route") || !item["route"].IsString() || !item.HasMember("count") ||
        !item["count"].IsInt64()) {
      *error = "unexpected item in /_emulator/stats";
      return false;
    }
    const long long count = item["count"].GetInt64();
    const std::string key =
        std::string(item["method"].GetString()) + " " + item["route"].GetString();
    counts.by_route[key] += count;
    if (item.HasMember("status") && item["status"].IsInt() && item["status"].GetInt() >= 400) {
      counts.failed += count;
    }
  }
  *out = std::move(counts);
  return true;
}

namespace {

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

std::vector<std::string> environment_with_c_locale() {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry = *e;
    if (entry.rfind("LC_ALL=", 0) != 0) env.push_back(entry);
  }
  env.push_back("LC_ALL=C");
  return env;
}

std::string temp_dir() {
  const char* tmp = std::getenv("TMPDIR");
  return tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
}

// Reads what the child wrote to its (unlinked) standard error file.
void collect_stderr(int fd, TimedRun* run) {
  lseek(fd, 0, SEEK_SET);
  char buf[65536];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) {
    run->err_lines += std::count(buf, buf + n, '\n');
    if (run->err.size() < 4096) {
      run->err.append(buf, static_cast<std::size_t>(std::min<ssize_t>(n, 4096)));
    }
  }
  if (run->err.size() > 4096) run->err.resize(4096);
}

}  // namespace

TimedRun run_timed(const std::vector<std::string>& argv, const std::string& cwd,
                   const std::string& stdout_path) {
  TimedRun run;
  std::vector<std::string> args = argv;
  std::vector<std::string> env = environment_with_c_locale();
  std::vector<char*> c_args = c_strings(args);
  std::vector<char*> c_env = c_strings(env);
  std::string err_template = temp_dir() + "/snapfs-bench-stderr-XXXXXX";
  int err_fd = mkstemp(err_template.data());
  if (err_fd < 0) return run;
  unlink(err_template.c_str());
  const std::string out_path = stdout_path.empty() ? "/dev/null" : stdout_path;
  int out_fd = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int in_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (out_fd < 0 || in_fd < 0) {
    close(err_fd);
    if (out_fd >= 0) close(out_fd);
    if (in_fd >= 0) close(in_fd);
    return run;
  }
  const Clock::time_point start = Clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(126);
    dup2(in_fd, STDIN_FILENO);
    dup2(out_fd, STDOUT_FILENO);
    dup2(err_fd, STDERR_FILENO);
    execvpe(c_args[0], c_args.data(), c_env.data());
    _exit(127);
  }
  int status = 0;
  if (pid > 0) {
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    run.seconds = seconds_since(start);
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  close(in_fd);
  close(out_fd);
  collect_stderr(err_fd, &run);
  close(err_fd);
  return run;
}

std::optional<CpuTime> process_cpu_time(pid_t pid) {
  std::string stat = read_text_file("/proc/" + std::to_string(pid) + "/stat");
  // Fields after the command name, which is in parentheses and may hold spaces.
  std::size_t close_paren = stat.rfind(')');
  if (close_paren == std::string::npos) return std::nullopt;
  std::istringstream in(stat.substr(close_paren + 1));
  std::vector<std::string> fields;
  for (std::string f; in >> f;) fields.push_back(f);
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
  if (fields.size() < 13) return std::nullopt;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  return CpuTime{std::stod(fields[11]) / ticks, std::stod(fields[12]) / ticks};
}

std::optional<long long> process_status_kib(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(field + ":", 0) != 0) continue;
    std::istringstream value(line.substr(field.size() + 1));
    long long kib = 0;
    if (value >> kib) return kib;
  }
  return std::nullopt;
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  double rank = std::ceil(p / 100.0 * static_cast<double>(values.size()));
  std::size_t index = static_cast<std::size_t>(std::max(1.0, rank)) - 1;
  return values[std::min(index, values.size() - 1)];
}

bool is_tmpfs(const std::string& path) {
  struct statfs fs {};
  return statfs(path.c_str(), &fs) == 0 && fs.f_type == TMPFS_MAGIC;
}

std::vector<std::string> directories_of_ls_output(const std::string& ls_output_path,
                                                  const std::string& root) {
  std::vector<std::string> dirs;
  std::ifstream in(ls_output_path);
  bool block_start = true;  // the first line, or the line after an empty one
  for (std::string line; std::getline(in, line);) {
    if (block_start && line.size() >= 2 && line.back() == ':' && line[0] == '.') {
      std::string relative = line.substr(1, line.size() - 2);  // "" or "/remote/..."
      dirs.push_back(root + relative);
    }
    block_start = line.empty();
  }
  return dirs;
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::optional<long long> snapfs_counter(const std::string& mount_root, const char* name) {
  std::string value(1 << 16, '\0');
  ssize_t n = getxattr(mount_root.c_str(), "user.snapfs.stats", value.data(), value.size());
  if (n < 0) return std::nullopt;
  rapidjson::Document doc;
  doc.Parse(value.data(), static_cast<std::size_t>(n));
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember(name) || !doc[name].IsInt64()) {
    return std::nullopt;
  }
  return doc[name].GetInt64();
}

bool drop_kernel_dir_cache(const std::string& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  int rc = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  close(fd);
  return rc == 0;
}

std::optional<double> fuse_round_trip_us(const std::string& mount_root, int calls) {
  std::vector<double> us;
  char byte = 0;
  for (int i = 0; i < calls; ++i) {
    Clock::time_point start = Clock::now();
    ssize_t n = getxattr(mount_root.c_str(), "user.xdg.snapfs-bench", &byte, sizeof byte);
    us.push_back(seconds_since(start) * 1e6);
    if (n >= 0 || (errno != ENOTSUP && errno != ENODATA)) return std::nullopt;
  }
  return percentile(us, 50);
}

std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

}  // namespace snapfs::bench
