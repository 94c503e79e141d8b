// Test helpers: temporary directories, shell commands, child processes and a running
// snapfs-emulator. Used by the provider tests and the mount tests.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace snapfs::test {

// A fresh directory under $TMPDIR (or /tmp), removed recursively on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // Writes `content` to path()/name with the given mode and returns the full path.
  std::string write_file(const std::string& name, const std::string& content,
                         int mode = 0600) const;

 private:
  std::string path_;
};

struct CommandResult {
  int exit_code = -1;  // -1 when killed by a signal or on timeout
  std::string out;
  std::string err;
};

// Runs `/bin/sh -c command`, capturing stdout and stderr; kills it after `timeout`.
CommandResult run_command(const std::string& command,
                          std::chrono::milliseconds timeout = std::chrono::seconds(60));

// Quotes a string for a POSIX shell command line.
std::string shell_quote(const std::string& s);

// Where a child runs: in this process's session, or in a session of its own, as a daemon that
// detached does. The kernel schedules each session as a group (autogroup), so a daemon and the
// shell that uses its mount compete and wake each other as two groups.
enum class Session { Same, Own };

// A child process with its stdout readable line by line and stderr sent to a file.
class Subprocess {
 public:
  Subprocess(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env = {},
             const std::string& stderr_path = "", Session session = Session::Same);
  ~Subprocess();  // SIGTERM, then SIGKILL after 5 s, then reap
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  pid_t pid() const { return pid_; }
  // Reads one line of the child's stdout; false on EOF or timeout.
  bool read_line(std::string* line, std::chrono::milliseconds timeout);
  bool running();
  // Sends `sig`, waits up to `timeout` for exit; returns the exit status (as from waitpid) or -1.
  int stop(int sig, std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string buffer_;
  bool reaped_ = false;
  int status_ = -1;
};

// Whether a process is blocked in a FUSE request (the kernel's request_wait_answer).
bool blocked_in_fuse(pid_t pid);

// Writes a self-signed certificate for 127.0.0.1/localhost into dir (cert.pem, key.pem) with the
// openssl command; returns false on failure.
bool make_self_signed_cert(const std::string& dir, std::string* cert_path, std::string* key_path);

// A running snapfs-emulator on 127.0.0.1 with a free port.
class EmulatorProcess {
 public:
  // `args` are extra command-line arguments, e.g. {"--seed", "demo"}. With tls=true a
  // self-signed certificate is generated and ca_file() names it. Fails the current test
  // (ADD_FAILURE) when the emulator does not print its "listening on" line within 10 s.
  explicit EmulatorProcess(const std::vector<std::string>& args, bool tls = false);
  ~EmulatorProcess();

  bool ok() const { return !base_url_.empty(); }
  const std::string& base_url() const { return base_url_; }  // "http://127.0.0.1:PORT"
  int port() const { return port_; }
  const std::string& ca_file() const { return ca_file_; }
  pid_t pid() const { return process_ ? process_->pid() : -1; }

  // Control routes (/_emulator/...). Return the HTTP status; body into *body when given.
  int get(const std::string& path, std::string* body = nullptr) const;
  int post(const std::string& path, const std::string& json_body,
           std::string* body = nullptr) const;
  int del(const std::string& path) const;

  // Convenience wrappers.
  std::string state_json() const;    // GET /_emulator/state
  std::string stats_json() const;    // GET /_emulator/stats
  long long total_requests() const;  // "total" of /_emulator/stats
  void reset_stats() const;
  void set_faults(const std::vector<std::string>& specs) const;  // POST /_emulator/faults
  void clear_faults() const;

  // Kills the emulator (SIGKILL) and starts it again on the same port with the same arguments.
  void restart();
  // The same, with `args` replacing the arguments from now on (e.g. another --clock-offset-s).
  void restart(const std::vector<std::string>& args);

 private:
  void start();
  std::vector<std::string> args_;
  bool tls_ = false;
  std::string base_url_;
  int port_ = 0;
  std::string ca_file_;
  std::string tmp_dir_;
  Subprocess* process_ = nullptr;
};

}  // namespace snapfs::test
