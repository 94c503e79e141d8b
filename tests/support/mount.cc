#include "tests/support/mount.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

namespace snapfs::test {
namespace {

bool is_mount_point(const std::string& path) {
  struct stat st {
  }, parent{};
  if (stat(path.c_str(), &st) != 0) return false;
  if (stat((path + "/..").c_str(), &parent) != 0) return false;
  return st.st_dev != parent.st_dev;
}

}  // namespace

bool fuse_available(std::string* why) {
  if (access("/dev/fuse", R_OK | W_OK) != 0) {
    *why = "/dev/fuse is missing or not accessible";
    return false;
  }
  if (run_command("command -v fusermount3").exit_code != 0) {
    *why = "fusermount3 is not installed (Debian package fuse3)";
    return false;
  }
  return true;
}

SnapfsMount::SnapfsMount(const std::string& config_text, const std::vector<std::string>& options,
                         const std::vector<std::string>& extra_env, Session session) {
  mountpoint_ = dir_.path() + "/mnt";
  mkdir(mountpoint_.c_str(), 0755);
  mkdir((dir_.path() + "/home").c_str(), 0700);
  config_path_ = dir_.write_file("snapfs.conf", config_text, 0600);
  log_path_ = dir_.path() + "/snapfs.log";
  std::vector<std::string> argv = {SNAPFS_BINARY_PATH, "-f", "--config", config_path_};
  for (const auto& o : options) {
    argv.push_back("-o");
    argv.push_back(o);
  }
  argv.push_back(mountpoint_);
  std::vector<std::string> env;
  bool has_home = false;
  for (const auto& e : extra_env) has_home |= e.rfind("HOME=", 0) == 0;
  if (!has_home) env.push_back("HOME=" + dir_.path() + "/home");
  env.insert(env.end(), extra_env.begin(), extra_env.end());
  process_ = std::make_unique<Subprocess>(argv, env, log_path_, session);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    if (is_mount_point(mountpoint_)) {
      mounted_ = true;
      return;
    }
    if (!process_->running()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ADD_FAILURE() << "snapfs did not mount within 15 s; its log:\n" << log();
}

SnapfsMount::~SnapfsMount() {
  unmount();
}

bool SnapfsMount::unmount() {
  if (!process_) return true;
  bool clean = true;
  if (mounted_) {
    CommandResult r =
        run_command("fusermount3 -u " + shell_quote(mountpoint_), std::chrono::seconds(20));
    if (r.exit_code != 0) {
      clean = false;
      run_command("fusermount3 -u -z " + shell_quote(mountpoint_), std::chrono::seconds(10));
    }
    mounted_ = false;
  }
  int status = process_->stop(0, std::chrono::seconds(10));
  if (status == -1) {
    clean = false;
  } else if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
    clean = false;
  }
  process_.reset();
  return clean;
}

int SnapfsMount::wait_for_exit(std::chrono::milliseconds timeout) {
  if (!process_) return -1;
  int status = process_->stop(0, timeout);
  if (status != -1) mounted_ = false;
  return status;
}

std::string SnapfsMount::log() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

CommandResult SnapfsMount::sh(const std::string& command, std::chrono::milliseconds timeout) const {
  return run_command("cd " + shell_quote(mountpoint_) + " && " + command, timeout);
}

}  // namespace snapfs::test
