#include "tests/support/process.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <regex>
#include <sstream>
#include <thread>

extern char** environ;

namespace snapfs::test {
namespace {

using Clock = std::chrono::steady_clock;

std::string temp_root() {
  const char* tmp = std::getenv("TMPDIR");
  return tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
}

std::string make_temp_dir(const std::string& prefix) {
  std::string pattern = temp_root() + "/" + prefix + "XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp " << pattern << ": " << std::strerror(errno);
    return "";
  }
  return buf.data();
}

void remove_tree(const std::string& path) {
  if (path.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

// Appends what is readable on `fd` to *out; false at EOF or on error.
bool drain(int fd, std::string* out) {
  char buf[4096];
  ssize_t n = read(fd, buf, sizeof buf);
  if (n > 0) {
    out->append(buf, static_cast<std::size_t>(n));
    return true;
  }
  return n < 0 && (errno == EINTR || errno == EAGAIN);
}

// The environment of a child: ours, with `extra` ("NAME=VALUE") replacing same-named entries.
std::vector<std::string> child_environment(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry = *e;
    std::string name = entry.substr(0, entry.find('='));
    bool replaced = false;
    for (const std::string& x : extra) replaced = replaced || x.substr(0, x.find('=')) == name;
    if (!replaced) env.push_back(entry);
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

size_t collect_body(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

// One request to a control route; the HTTP status, or -1 when the transfer failed.
int control_request(const std::string& method, const std::string& url, const std::string& body,
                    const std::string& ca_file, std::string* out) {
  static std::once_flag curl_init;
  std::call_once(curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return -1;
  std::string response;
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);
  if (method == "POST" || !body.empty()) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  if (!ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, ca_file.c_str());
  CURLcode rc = curl_easy_perform(curl);
  long status = -1;
  if (rc == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (out != nullptr) *out = response;
  return static_cast<int>(status);
}

}  // namespace

// ---------------------------------------------------------------------------------------------

TempDir::TempDir() : path_(make_temp_dir("snapfs-test-")) {}

TempDir::~TempDir() {
  remove_tree(path_);
}

std::string TempDir::write_file(const std::string& name, const std::string& content,
                                int mode) const {
  std::string full = path_ + "/" + name;
  int fd = open(full.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    ADD_FAILURE() << "open " << full << ": " << std::strerror(errno);
    return full;
  }
  fchmod(fd, static_cast<mode_t>(mode));  // regardless of the umask
  std::size_t done = 0;
  while (done < content.size()) {
    ssize_t n = write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ADD_FAILURE() << "write " << full << ": " << std::strerror(errno);
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  close(fd);
  return full;
}

// ---------------------------------------------------------------------------------------------

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

CommandResult run_command(const std::string& command, std::chrono::milliseconds timeout) {
  CommandResult result;
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) return result;
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    close(out_pipe[0]);
    close(out_pipe[1]);
    return result;
  }
  pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);  // its own group, so that a timeout kills the whole pipeline
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(err_pipe[1], STDERR_FILENO);
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (pid < 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    return result;
  }
  setpgid(pid, pid);
  const auto deadline = Clock::now() + timeout;
  bool out_open = true, err_open = true, exited = false, timed_out = false;
  int status = 0;
  auto exited_at = Clock::time_point::max();
  auto reap = [&] {
    if (!exited && waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
      exited_at = Clock::now();
    }
  };
  while (out_open || err_open) {
    reap();
    // A background child of the command may keep the pipes open: stop reading shortly after
    // the command itself has exited.
    if (exited && Clock::now() - exited_at > std::chrono::milliseconds(200)) break;
    if (!exited && remaining_ms(deadline) == 0) {
      timed_out = true;
      break;
    }
    pollfd fds[2] = {{out_pipe[0], static_cast<short>(out_open ? POLLIN : 0), 0},
                     {err_pipe[0], static_cast<short>(err_open ? POLLIN : 0), 0}};
    if (poll(fds, 2, std::clamp(remaining_ms(deadline), 1, 50)) < 0 && errno != EINTR) break;
    if (out_open && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
      out_open = drain(out_pipe[0], &result.out);
    }
    if (err_open && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      err_open = drain(err_pipe[0], &result.err);
    }
  }
  close(out_pipe[0]);
  close(err_pipe[0]);
  while (!exited && !timed_out) {
    reap();
    if (exited) break;
    if (remaining_ms(deadline) == 0) {
      timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (timed_out) {
    kill(-pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return result;
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// ---------------------------------------------------------------------------------------------

Subprocess::Subprocess(const std::vector<std::string>& argv,
                       const std::vector<std::string>& extra_env, const std::string& stderr_path,
                       Session session) {
  if (argv.empty()) return;
  std::vector<std::string> args = argv;
  std::vector<std::string> env = child_environment(extra_env);
  std::vector<char*> c_args = c_strings(args);
  std::vector<char*> c_env = c_strings(env);
  int out_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) return;
  int err_fd = -1;
  if (!stderr_path.empty()) {
    err_fd = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  }
  pid_t pid = fork();
  if (pid == 0) {
    if (session == Session::Own) setsid();
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    dup2(out_pipe[1], STDOUT_FILENO);
    if (err_fd >= 0) dup2(err_fd, STDERR_FILENO);
    execvpe(c_args[0], c_args.data(), c_env.data());
    _exit(127);
  }
  close(out_pipe[1]);
  if (err_fd >= 0) close(err_fd);
  if (pid < 0) {
    close(out_pipe[0]);
    return;
  }
  pid_ = pid;
  stdout_fd_ = out_pipe[0];
}

Subprocess::~Subprocess() {
  if (pid_ > 0 && !reaped_) {
    if (stop(SIGTERM, std::chrono::seconds(5)) == -1) stop(SIGKILL, std::chrono::seconds(5));
  }
  if (stdout_fd_ >= 0) close(stdout_fd_);
}

bool Subprocess::read_line(std::string* line, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    std::size_t newline = buffer_.find('\n');
    if (newline != std::string::npos) {
      *line = buffer_.substr(0, newline);
      buffer_.erase(0, newline + 1);
      return true;
    }
    if (stdout_fd_ < 0) {
      if (buffer_.empty()) return false;
      *line = buffer_;  // the last line had no newline
      buffer_.clear();
      return true;
    }
    pollfd fd = {stdout_fd_, POLLIN, 0};
    int wait_ms = remaining_ms(deadline);
    int ready = poll(&fd, 1, wait_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return false;  // timeout
    if (!drain(stdout_fd_, &buffer_)) {
      close(stdout_fd_);
      stdout_fd_ = -1;
    }
  }
}

bool Subprocess::running() {
  if (pid_ <= 0 || reaped_) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    reaped_ = true;
    status_ = status;
  }
  return !reaped_;
}

int Subprocess::stop(int sig, std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  if (reaped_) return status_;
  kill(pid_, sig);
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      reaped_ = true;
      status_ = status;
      return status_;
    }
    if (r < 0 && errno != EINTR) return -1;
    if (Clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// ---------------------------------------------------------------------------------------------

bool blocked_in_fuse(pid_t pid) {
  std::ifstream wchan("/proc/" + std::to_string(pid) + "/wchan");
  std::string where;
  std::getline(wchan, where);
  if (where.find("request_wait_answer") != std::string::npos) return true;
  std::ifstream stack("/proc/" + std::to_string(pid) + "/stack");
  std::stringstream text;
  text << stack.rdbuf();
  return text.str().find("fuse") != std::string::npos;
}

bool make_self_signed_cert(const std::string& dir, std::string* cert_path, std::string* key_path) {
  std::string cert = dir + "/cert.pem";
  std::string key = dir + "/key.pem";
  CommandResult r = run_command(
      "openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1"
      " -addext subjectAltName=IP:127.0.0.1,DNS:localhost -days 2 -keyout " +
      shell_quote(key) + " -out " + shell_quote(cert));
  if (r.exit_code != 0 || access(cert.c_str(), R_OK) != 0 || access(key.c_str(), R_OK) != 0) {
    return false;
  }
  *cert_path = cert;
  *key_path = key;
  return true;
}

// ---------------------------------------------------------------------------------------------

EmulatorProcess::EmulatorProcess(const std::vector<std::string>& args, bool tls)
    : args_(args), tls_(tls), tmp_dir_(make_temp_dir("snapfs-emulator-")) {
  if (tls_) {
    std::string key;
    if (!make_self_signed_cert(tmp_dir_, &ca_file_, &key)) {
      ADD_FAILURE() << "cannot make a self-signed certificate with openssl";
      return;
    }
  }
  start();
}

EmulatorProcess::~EmulatorProcess() {
  delete process_;
  process_ = nullptr;
  remove_tree(tmp_dir_);
}

void EmulatorProcess::start() {
  std::vector<std::string> argv = {SNAPFS_EMULATOR_PATH};
  argv.insert(argv.end(), args_.begin(), args_.end());
  if (tls_) {
    argv.insert(argv.end(), {"--tls-cert", ca_file_, "--tls-key", tmp_dir_ + "/key.pem"});
  }
  if (port_ != 0) argv.insert(argv.end(), {"--listen", "127.0.0.1:" + std::to_string(port_)});
  std::string log_path = tmp_dir_ + "/emulator.stderr";
  base_url_.clear();
  process_ = new Subprocess(argv, {}, log_path);
  std::string line;
  static const std::regex listening(R"(listening on (https?://([^:/]+):(\d+)))");
  std::smatch m;
  if (process_->read_line(&line, std::chrono::seconds(10)) &&
      std::regex_search(line, m, listening)) {
    base_url_ = m[1];
    port_ = std::stoi(m[3]);
    return;
  }
  std::ifstream log(log_path);
  std::stringstream text;
  text << log.rdbuf();
  ADD_FAILURE() << "snapfs-emulator did not start (first line: '" << line << "'); stderr:\n"
                << text.str();
}

void EmulatorProcess::restart() {
  if (process_ != nullptr) process_->stop(SIGKILL, std::chrono::seconds(5));
  delete process_;
  process_ = nullptr;
  // The port may stay busy for a moment after the kill.
  for (int attempt = 0; attempt < 50; ++attempt) {
    start();
    if (ok() || port_ == 0) return;
    delete process_;
    process_ = nullptr;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

void EmulatorProcess::restart(const std::vector<std::string>& args) {
  args_ = args;
  restart();
}

int EmulatorProcess::get(const std::string& path, std::string* body) const {
  return control_request("GET", base_url_ + path, "", ca_file_, body);
}

int EmulatorProcess::post(const std::string& path, const std::string& json_body,
                          std::string* body) const {
  return control_request("POST", base_url_ + path, json_body, ca_file_, body);
}

int EmulatorProcess::del(const std::string& path) const {
  return control_request("DELETE", base_url_ + path, "", ca_file_, nullptr);
}

std::string EmulatorProcess::state_json() const {
  std::string body;
  int status = get("/_emulator/state", &body);
  if (status != 200) ADD_FAILURE() << "GET /_emulator/state: " << status;
  return body;
}

std::string EmulatorProcess::stats_json() const {
  std::string body;
  int status = get("/_emulator/stats", &body);
  if (status != 200) ADD_FAILURE() << "GET /_emulator/stats: " << status;
  return body;
}

long long EmulatorProcess::total_requests() const {
  rapidjson::Document doc;
  std::string text = stats_json();
  doc.Parse(text.c_str(), text.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("total") ||
      !doc["total"].IsInt64()) {
    ADD_FAILURE() << "bad /_emulator/stats answer: " << text;
    return -1;
  }
  return doc["total"].GetInt64();
}

void EmulatorProcess::reset_stats() const {
  int status = post("/_emulator/reset-stats", "");
  if (status != 200) ADD_FAILURE() << "POST /_emulator/reset-stats: " << status;
}

void EmulatorProcess::set_faults(const std::vector<std::string>& specs) const {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartArray();
  for (const std::string& s : specs)
    w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
  w.EndArray();
  std::string answer;
  int status = post("/_emulator/faults", buf.GetString(), &answer);
  if (status != 200) ADD_FAILURE() << "POST /_emulator/faults: " << status << " " << answer;
}

void EmulatorProcess::clear_faults() const {
  int status = del("/_emulator/faults");
  if (status != 200) ADD_FAILURE() << "DELETE /_emulator/faults: " << status;
}

}  // namespace snapfs::test
