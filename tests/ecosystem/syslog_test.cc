// snapfs without -f detaches and logs to syslog (ident "snapfs", facility daemon); with -f the
// same lines go to standard error. No syslog daemon is needed: snapfs runs in a private mount
// namespace whose /dev is a small tmpfs (the few devices snapfs uses, bound from the real /dev)
// with a /dev/log bound to a datagram socket this test reads. Nothing outside that namespace
// changes, and the namespace ends with the last snapfs process in it.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <regex>

#include "tests/ecosystem/ecosystem_support.h"
#include "tests/support/mount.h"
#include "tests/support/process.h"

namespace snapfs::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr const char* kSecret = "00000000-0000-4000-8000-000000000001";

// The receiving end of /dev/log: syslog(3) sends one datagram per message.
class SyslogSocket {
 public:
  explicit SyslogSocket(const std::string& path) : path_(path) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (fd_ < 0 || path.size() >= sizeof addr.sun_path) {
      ADD_FAILURE() << "cannot make a socket at " << path;
      return;
    }
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ADD_FAILURE() << "bind " << path << ": " << std::strerror(errno);
    }
  }
  ~SyslogSocket() {
    if (fd_ >= 0) close(fd_);
    unlink(path_.c_str());
  }
  SyslogSocket(const SyslogSocket&) = delete;
  SyslogSocket& operator=(const SyslogSocket&) = delete;

  // Reads messages until one matches `pattern` (into *match) or `timeout` passes.
  bool wait_for(const std::regex& pattern, milliseconds timeout, std::string* match) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::size_t seen = 0;
    while (true) {
      for (; seen < messages_.size(); ++seen) {
        if (std::regex_search(messages_[seen], pattern)) {
          *match = messages_[seen];
          return true;
        }
      }
      auto left =
          std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !receive(static_cast<int>(left.count()))) return false;
    }
  }
  // Takes in what has already arrived, without waiting.
  void drain() {
    while (receive(0)) {
    }
  }
  const std::vector<std::string>& messages() const { return messages_; }
  std::string all() const {
    std::string text;
    for (const std::string& m : messages_) text += m + "\n";
    return text;
  }

 private:
  bool receive(int timeout_ms) {
    pollfd p{fd_, POLLIN, 0};
    if (fd_ < 0 || poll(&p, 1, timeout_ms) <= 0) return false;
    char buf[8192];
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return false;
    messages_.emplace_back(buf, static_cast<std::size_t>(n));
    return true;
  }

  std::string path_;
  int fd_ = -1;
  std::vector<std::string> messages_;
};

class SyslogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SNAPFS_REQUIRE_FUSE();
    SNAPFS_REQUIRE_ROOT();
    SNAPFS_REQUIRE_COMMANDS({"unshare", "mount", "mountpoint", "fusermount3"});
    emulator_ = std::make_unique<EmulatorProcess>(std::vector<std::string>{"--seed", "demo"});
    ASSERT_TRUE(emulator_->ok());
    target_ = instance_volume_with_snapshot(*emulator_);
    ASSERT_FALSE(target_.volume.empty());
    // One demo remote is enough to log from.
    config_ = dir_.write_file("snapfs.conf",
                              "[scw]\ntype = scaleway-instance\nzones = fr-par-1\napi_url = " +
                                  emulator_->base_url() + "\nsecret_key = " + kSecret + "\n",
                              0600);
    mnt_ = dir_.path() + "/mnt";
    ASSERT_EQ(
        run_command("mkdir -p " + shell_quote(mnt_) + " " + shell_quote(dir_.path() + "/home"))
            .exit_code,
        0);
    syslog_ = std::make_unique<SyslogSocket>(dir_.path() + "/log.sock");
  }

  void TearDown() override {
    // No snapfs may outlive its test: the namespace (and its mount) ends with it.
    if (!config_.empty()) {
      bool gone = poll_until([&] { return processes_with_argument(config_).empty(); }, seconds(15));
      int killed = kill_processes_with_argument(config_);
      EXPECT_TRUE(gone && killed == 0) << killed << " snapfs process(es) were left running";
    }
  }

  // Runs `body` as root in a private mount namespace whose /dev/log is this test's socket; `$mnt`
  // is the mount point, and an EXIT trap unmounts it whatever happens.
  CommandResult RunWithPrivateDevLog(const std::string& body) {
    static const std::string kPrivateDevLog = R"(set -eu
old=$1 socket=$2 mnt=$3
mkdir -p "$old"
mount --rbind /dev "$old"
mount -t tmpfs -o mode=0755,nosuid snapfs-test-dev /dev
for n in null zero full random urandom tty fuse; do
  [ -e "$old/$n" ] || continue
  : > "/dev/$n"
  mount --bind "$old/$n" "/dev/$n"
done
ln -s /proc/self/fd /dev/fd
: > /dev/log
mount --bind "$socket" /dev/log
trap 'fusermount3 -u -z "$mnt" 2>/dev/null || true' EXIT
)";
    return run_command("unshare --mount --propagation private sh -c " +
                           shell_quote(kPrivateDevLog + body) + " sh " +
                           shell_quote(dir_.path() + "/host-dev") + " " +
                           shell_quote(dir_.path() + "/log.sock") + " " + shell_quote(mnt_),
                       seconds(90));
  }

  std::string SnapfsCommand(const std::string& flags) const {
    return "HOME=" + shell_quote(dir_.path() + "/home") + " " + shell_quote(SNAPFS_BINARY_PATH) +
           " " + flags + " --config " + shell_quote(config_) + " -o log_level=info \"$mnt\"";
  }

  std::string MkdirCommand(const std::string& name) const {
    return "mkdir \"$mnt\"/scw/fr-par-1/" + shell_quote(target_.volume) + "/.snapshots/" +
           shell_quote(name) + "\n";
  }

  TempDir dir_;
  std::unique_ptr<EmulatorProcess> emulator_;
  VolumeWithSnapshot target_;
  std::string config_;
  std::string mnt_;
  std::unique_ptr<SyslogSocket> syslog_;
};

TEST_F(SyslogTest, DaemonizedSnapfsLogsToSyslogWithIdentSnapfs) {
  // Without -f, snapfs returns once mounted and runs on in the background.
  CommandResult r = RunWithPrivateDevLog(SnapfsCommand("") + "\n" + MkdirCommand("syslog-daemon") +
                                         "fusermount3 -u \"$mnt\"\n");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;

  // RFC 3164 as glibc's syslog(3) writes it: <PRI>Mmm dd hh:mm:ss ident[pid]: message, where
  // PRI 30 is facility daemon (3) * 8 + severity info (6).
  std::string created, unmounted;
  ASSERT_TRUE(syslog_->wait_for(
      std::regex(R"(^<30>[A-Z][a-z]{2} [ 0-9]\d \d{2}:\d{2}:\d{2} snapfs\[\d+\]: )"
                 R"(scw: created snapshot 'syslog-daemon' \()"),
      seconds(15), &created))
      << "syslog received:\n"
      << syslog_->all() << "stderr:\n"
      << r.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(created, m, std::regex(R"(snapfs\[(\d+)\])")));
  const pid_t daemon = static_cast<pid_t>(std::stol(m[1]));
  ASSERT_TRUE(syslog_->wait_for(std::regex("snapfs\\[" + m[1].str() + "\\]: unmounted "),
                                seconds(15), &unmounted))
      << syslog_->all();
  EXPECT_TRUE(poll_until([&] { return process_gone(daemon); }, seconds(15)))
      << "snapfs (pid " << daemon << ") did not exit after the unmount";
  EXPECT_TRUE(instance_snapshot_state(*emulator_, "syslog-daemon").has_value());

  // Detached, its log lines go nowhere else, and never hold a secret.
  EXPECT_EQ((r.out + r.err).find("created snapshot"), std::string::npos) << r.out << r.err;
  syslog_->drain();
  EXPECT_EQ(syslog_->all().find(kSecret), std::string::npos) << syslog_->all();
}

TEST_F(SyslogTest, ForegroundSnapfsLogsToStderrAndNotToSyslog) {
  std::string stderr_path = dir_.path() + "/snapfs.stderr";
  CommandResult r = RunWithPrivateDevLog(
      SnapfsCommand("-f") + " 2>" + shell_quote(stderr_path) + " &\n" +
      "pid=$!\n"
      "i=0\n"
      "until mountpoint -q \"$mnt\"; do\n"
      "  i=$((i + 1)); [ \"$i\" -le 300 ] || { echo 'no mount within 15 s' >&2; exit 1; }\n"
      "  kill -0 \"$pid\" || { echo 'snapfs exited' >&2; exit 1; }\n"
      "  sleep 0.05\n"
      "done\n" +
      MkdirCommand("syslog-foreground") + "fusermount3 -u \"$mnt\"\nwait \"$pid\"\n");
  std::string log = read_file_text(stderr_path);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err << "\nsnapfs stderr:\n" << log;
  EXPECT_TRUE(
      std::regex_search(log, std::regex(R"((^|\n)\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ snapfs info: )"
                                        R"(scw: created snapshot 'syslog-foreground' \()")))
      << log;
  EXPECT_NE(log.find("snapfs info: unmounted "), std::string::npos) << log;
  EXPECT_EQ(log.find(kSecret), std::string::npos) << log;
  // The daemon has exited (wait above), so anything it sent to /dev/log has arrived.
  syslog_->drain();
  EXPECT_EQ(syslog_->all(), "") << "a foreground snapfs wrote to syslog";
}

}  // namespace
}  // namespace snapfs::test
