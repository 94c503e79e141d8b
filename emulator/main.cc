// snapfs-emulator: every provider API on one local port. See --help and
// shared/specs/emulator.md.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "emulator/server.h"

namespace {

constexpr char kUsage[] =
    "usage: snapfs-emulator [options]\n"
    "\n"
    "One local server speaking the Scaleway, OVHcloud and NAVER Cloud APIs on the wire.\n"
    "\n"
    "  --listen ADDR:PORT      listen address (default 127.0.0.1:0, a free port); prints\n"
    "                          'listening on http://ADDR:PORT' once it accepts connections\n"
    "  --tls-cert FILE         serve HTTPS with this PEM certificate (needs --tls-key)\n"
    "  --tls-key FILE          PEM private key of --tls-cert\n"
    "  --seed demo|FILE.json|synthetic:services=S,volumes=V,snapshots=N[,big=M][,files=F]\n"
    "                          initial data set (default: empty)\n"
    "  --content-root DIR      keep each NAS volume's files in DIR/<host>/<export path>/,\n"
    "                          seeded (demo: a few files; synthetic: files=F each), with a\n"
    "                          copy per snapshot in its snapshot directory (.zfs/snapshot/NAME,\n"
    "                          .snapshot/NAME); also a seed or state file's \"content_root\"\n"
    "  --state FILE.json       load FILE at start when it exists (instead of the seed) and\n"
    "                          rewrite it after every change\n"
    "  --latency-ms N          delay every API answer by N ms (not the /_emulator routes)\n"
    "  --async-ms N            how long asynchronous operations stay in progress (default 1000)\n"
    "  --fault SPEC            inject faults (repeatable); SPEC is comma-separated:\n"
    "                            status=N retry-after=S delay-ms=N reset truncate garbage\n"
    "                            rate=P count=N route=GLOB method=M\n"
    "                          status= answers without applying the request; reset, truncate\n"
    "                          and garbage apply it first; delay-ms sleeps, then goes on\n"
    "  --clock-offset-s N      shift the emulator's clock by N seconds (may be negative)\n"
    "  --version               the version\n"
    "  --help                  this text\n"
    "\n"
    "Control routes: GET /_emulator/stats, POST /_emulator/reset-stats,\n"
    "GET|POST|DELETE /_emulator/faults (POST body: JSON array of SPEC strings),\n"
    "GET /_emulator/state, GET /_emulator/content (root, pending copies).\n";

[[noreturn]] void usage_error(const std::string& message) {
  std::fprintf(stderr, "snapfs-emulator: %s\n(see --help)\n", message.c_str());
  std::exit(2);
}

bool parse_int(const std::string& text, long long min, long long max, long long* out) {
  if (text.empty()) return false;
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (errno != 0 || end != text.c_str() + text.size() || v < min || v > max) return false;
  *out = v;
  return true;
}

int int_option(const std::string& name, const std::string& value, long long min, long long max) {
  long long v = 0;
  if (!parse_int(value, min, max, &v)) usage_error(name + ": bad number '" + value + "'");
  return static_cast<int>(v);
}

void parse_listen(const std::string& value, snapfs::emu::ServerOptions* options) {
  std::size_t colon = value.rfind(':');
  if (colon == std::string::npos) usage_error("--listen wants ADDR:PORT");
  std::string host = value.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) host = "127.0.0.1";
  options->listen_host = host;
  options->listen_port = int_option("--listen", value.substr(colon + 1), 0, 65535);
}

snapfs::emu::ServerOptions parse_args(int argc, char** argv) {
  snapfs::emu::ServerOptions options;
  std::vector<std::string> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string name = args[i];
    std::string value;
    bool has_inline = false;
    if (std::size_t eq = name.find('='); name.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_inline = true;
    }
    if (name == "--help" || name == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (name == "--version") {
      std::printf("snapfs-emulator %s\n", SNAPFS_VERSION);
      std::exit(0);
    }
    if (!has_inline) {
      if (i + 1 >= args.size()) usage_error(name + " needs a value");
      value = args[++i];
    }
    if (name == "--listen") {
      parse_listen(value, &options);
    } else if (name == "--tls-cert") {
      options.tls_cert = value;
    } else if (name == "--tls-key") {
      options.tls_key = value;
    } else if (name == "--seed") {
      options.seed = value;
    } else if (name == "--content-root") {
      if (value.empty()) usage_error("--content-root needs a directory");
      options.content_root = value;
    } else if (name == "--state") {
      options.state_path = value;
    } else if (name == "--latency-ms") {
      options.latency_ms = int_option(name, value, 0, 3600000);
    } else if (name == "--async-ms") {
      options.async_ms = int_option(name, value, 0, 86400000);
    } else if (name == "--clock-offset-s") {
      long long v = 0;
      if (!parse_int(value, -10LL * 365 * 86400, 10LL * 365 * 86400, &v)) {
        usage_error(name + ": bad number '" + value + "'");
      }
      options.clock_offset_s = v;
    } else if (name == "--fault") {
      std::string error;
      auto spec = snapfs::emu::parse_fault_spec(value, &error);
      if (!spec) usage_error("--fault " + value + ": " + error);
      options.faults.push_back(*spec);
    } else {
      usage_error("unknown option " + name);
    }
  }
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    usage_error("--tls-cert and --tls-key go together");
  }
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  snapfs::emu::ServerOptions options = parse_args(argc, argv);

  // SIGTERM/SIGINT are taken by one thread with sigwait (blocked everywhere else), so that the
  // stop runs outside signal context.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  snapfs::emu::EmulatorServer server(std::move(options));
  std::string error;
  if (!server.init(&error)) {
    std::fprintf(stderr, "snapfs-emulator: %s\n", error.c_str());
    return 1;
  }
  std::thread([&server, stop_signals] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    server.stop();
    // The state file is already written after every change; do not let slow connections hold
    // the exit back.
    std::this_thread::sleep_for(std::chrono::seconds(2));
    _exit(0);
  }).detach();
  if (!server.run(&error)) {
    std::fprintf(stderr, "snapfs-emulator: %s\n", error.c_str());
    return 1;
  }
  return 0;
}
