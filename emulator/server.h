// The emulator core: listener (HTTP or HTTPS), routing to the API modules, the /_emulator
// control routes, latency, fault injection, request counters and state persistence.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "emulator/api_module.h"
#include "emulator/content.h"
#include "emulator/faults.h"
#include "emulator/router.h"
#include "emulator/stats.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace snapfs::emu {

struct ServerOptions {
  std::string listen_host = "127.0.0.1";
  int listen_port = 0;
  std::string tls_cert;
  std::string tls_key;
  std::string seed;  // "", "demo", "synthetic:...", or a JSON file
  std::string state_path;
  int latency_ms = 0;
  int async_ms = 1000;
  std::int64_t clock_offset_s = 0;
  std::vector<FaultSpec> faults;
  // Where the NAS volumes' files are kept (emulator/content.h); empty: nowhere. A seed or state
  // file's top-level "content_root" sets it when the command line does not.
  std::string content_root;
};

// "services=S,volumes=V,snapshots=N[,big=M][,files=F]" (without the "synthetic:" prefix).
std::optional<SyntheticSpec> parse_synthetic_spec(const std::string& text, std::string* error);

class EmulatorServer : public EmuContext {
 public:
  explicit EmulatorServer(ServerOptions options);
  ~EmulatorServer() override;
  EmulatorServer(const EmulatorServer&) = delete;
  EmulatorServer& operator=(const EmulatorServer&) = delete;

  // Loads the state file, or the seed; false with a reason on failure.
  bool init(std::string* error);
  // Binds, prints the "listening on" line and serves until stop(); false when it cannot start.
  bool run(std::string* error);
  // Thread-safe; also wakes requests sleeping on latency or delay faults.
  void stop();

  std::chrono::milliseconds async_delay() const override;
  std::int64_t now_unix() const override;
  std::int64_t now_unix_us() const override;
  std::string new_uuid() override;

 private:
  void serve(const httplib::Request& req, httplib::Response& res);
  void serve_control(const httplib::Request& req, httplib::Response& res);
  EmuRequest build_request(const httplib::Request& req, const RouteMatch& match) const;
  EmuResponse call_module(const RouteMatch& match, const EmuRequest& request);
  void sleep_ms(int ms);
  std::string dump_state_locked() const;
  bool load_document_locked(const std::string& path, std::string* error);
  bool save_state_locked(std::string* error) const;
  // Starts the content store when there is a content root, and seeds its trees.
  bool start_content_locked(std::string* error);
  // Brings the content root's trees in line with the modules' state (no-op without one).
  void reconcile_content_locked();

  ServerOptions options_;
  std::vector<std::unique_ptr<ApiModule>> modules_;
  Router router_;
  RequestCounter counter_;
  FaultTable faults_;
  std::unique_ptr<ContentStore> content_;  // with a content root
  int content_files_ = ContentStore::kDemoFiles;
  std::mutex state_mu_;  // every module call, load and dump
  std::mutex uuid_mu_;
  std::mt19937_64 uuid_rng_;
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::unique_ptr<httplib::Server> http_;
  std::atomic<httplib::Server*> live_{nullptr};  // http_, for stop() from another thread
};

}  // namespace snapfs::emu
